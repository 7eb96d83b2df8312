package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.reward.model.ProcessRewardModel;
import dev.reason4j.reward.model.RewardModel;
import dev.reason4j.reward.model.RewardModelFixtures;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainRmCommandTest {
    @TempDir
    Path temp;

    private Path policyDirectory() throws Exception {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        Path policy = temp.resolve("policy");
        Setup.saveModel(RewardModelFixtures.policy(tokenizer, 1), tokenizerDir, policy);
        return policy;
    }

    private Path pairs(String name, int count) throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append("{\"prompt\": \"What is ").append(i).append(" + 1?\", \"chosen\": \"yes\", \"rejected\":")
                    .append(" \"no\"").append(i % 2 == 0 ? ", \"margin\": 0.5" : "").append("}\n");
        }
        return Files.writeString(temp.resolve(name), lines);
    }

    @Test
    void trainsAnOutcomeRewardModelIntoHfLayout() throws Exception {
        Path policy = policyDirectory();
        Path first = pairs("a.jsonl", 20);
        Path second = pairs("b.jsonl", 10);
        Path out = temp.resolve("run");
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("train-rm", "--model", policy.toString(), "--train",
                first.toString(), second.toString(), "--out", out.toString(), "rm.total_steps=2", "rm.batch_size=4",
                "rm.micro_batch_size=2");
        assertEquals(0, outcome.code(), outcome.err());
        assertEquals("no --eval: holding out 3 of the 30 pairs of the train files (shuffled with data.seed;"
                + " rm.val_size) for the held-out accuracy\n", outcome.err());
        assertTrue(outcome.out().matches("(?s).*held-out pairwise accuracy [01]\\.\\d{3} \\(3 pairs\\)\n.*"),
                outcome.out());
        Path model = out.resolve("model");
        assertTrue(outcome.out().endsWith("saved " + model + " (use it as reward.reward_model.path=" + model + ")\n"),
                outcome.out());
        assertEquals("Qwen3ForSequenceClassification", new ObjectMapper().readTree(Files.readString(
                model.resolve("config.json"))).get("architectures").get(0).asText());
        RewardModel.load(model);
    }

    @Test
    void trainsAProcessRewardModelWithAnEvalFile() throws Exception {
        Path policy = policyDirectory();
        Path steps = Files.writeString(temp.resolve("steps.jsonl"), """
                {"prompt": "What is 1 + 1?", "steps": ["step good", "The answer is 2."], "labels": [1, 1]}
                {"prompt": "What is 2 + 1?", "steps": ["step bad", "no"], "labels": [0, 0.0]}
                """);
        Path out = temp.resolve("prm");
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("train-rm", "--type", "prm", "--model",
                policy.toString(), "--train", steps.toString(), "--eval", steps.toString(), "--out", out.toString(),
                "rm.total_steps=1", "rm.batch_size=2");
        assertEquals(0, outcome.code(), outcome.err());
        assertEquals("", outcome.err());
        assertTrue(outcome.out().contains("held-out step accuracy "), outcome.out());
        assertTrue(outcome.out().contains("reward.reward_model.type=prm"), outcome.out());
        assertEquals("\n", ProcessRewardModel.load(out.resolve("model")).separator());
    }

    @Test
    void badRecordsAreOneLineNamingTheFileLineAndField() throws Exception {
        Path policy = policyDirectory();
        Path bad = Files.writeString(temp.resolve("bad.jsonl"), """
                {"prompt": "q", "chosen": "yes", "rejected": "no"}
                {"prompt": "q", "chosen": "yes"}
                """);
        UserErrorsTest.Outcome missing = UserErrorsTest.run("train-rm", "--model", policy.toString(), "--train",
                bad.toString(), "--out", temp.resolve("x").toString());
        assertEquals(2, missing.code());
        assertEquals("reason4j train-rm: " + bad + ":2: missing \"rejected\" (the dispreferred response, text or"
                + " messages)\n", missing.err());

        Files.writeString(bad, "{\"prompt\": \"q\", \"chosen\": \"yes\", \"rejected\": \"no\", \"margin\": \"big\"}\n");
        UserErrorsTest.Outcome margin = UserErrorsTest.run("train-rm", "--model", policy.toString(), "--train",
                bad.toString(), "--out", temp.resolve("y").toString());
        assertEquals("reason4j train-rm: " + bad + ":1: \"margin\" must be a number, got big\n", margin.err());

        UserErrorsTest.Outcome type = UserErrorsTest.run("train-rm", "--model", policy.toString(), "--train",
                bad.toString(), "--type", "dpo");
        assertEquals("reason4j train-rm: --type (rm.type) must be orm or prm, got 'dpo'\n", type.err());
    }
}
