package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo run twice into one directory resumes that demo; with other settings it refuses; rl_model is complete. */
class DemoCommandTest {
    private static final List<String> SMALL = List.of("demo.vocab_size=300", "model.tiny.hidden_size=32",
            "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
            "model.tiny.intermediate_size=64", "sft.total_steps=4", "sft.num_examples=20", "sft.batch_size=4",
            "sft.micro_batch_size=4", "trainer.total_steps=2", "trainer.test_freq=2", "data.val_size=4",
            "data.train_batch_size=2", "rollout.n=2", "actor.ppo_mini_batch_size=2", "trainer.eval.n=1",
            "trainer.eval.k=[1]", "data.max_response_length=8");

    private static UserErrorsTest.Outcome demo(Path out, String... extra) {
        List<String> argv = new ArrayList<>(List.of("demo", "--out", out.toString()));
        argv.addAll(SMALL);
        argv.addAll(List.of(extra));
        return UserErrorsTest.run(argv.toArray(String[]::new));
    }

    private static List<Object> steps(Path metrics) throws Exception {
        return MetricsLog.read(metrics).stream().filter(row -> !"eval".equals(row.get("phase")))
                .map(row -> row.get("step")).toList();
    }

    @Test
    void aSecondDemoInTheSameDirectoryResumesItAndAnotherIsRefused(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("demo");
        UserErrorsTest.Outcome first = demo(out);
        assertEquals(0, first.code(), first.err());
        assertEquals(List.of(1, 2, 3, 4), steps(out.resolve("sft/metrics.jsonl")));
        assertEquals(List.of(1, 2), steps(out.resolve("rl/metrics.jsonl")));
        // rl_model is a model directory eval can use alone.
        assertTrue(Files.isRegularFile(out.resolve("rl_model/tokenizer.json")));
        Tokenizer.load(out.resolve("rl_model"));

        UserErrorsTest.Outcome again = demo(out);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("the run is complete (step 4)"), again.out());
        assertTrue(again.out().contains("the run is complete (step 2)"), again.out());
        assertEquals(List.of(1, 2, 3, 4), steps(out.resolve("sft/metrics.jsonl")), "SFT not re-run into the log");
        assertEquals(List.of(1, 2), steps(out.resolve("rl/metrics.jsonl")), "RL not re-run into the log");

        UserErrorsTest.Outcome other = demo(out, "actor.lr=1e-4");
        assertEquals(2, other.code());
        assertEquals("reason4j demo: " + out + " holds another run: its config.yaml differs at actor.lr (saved 5.0E-5,"
                + " now 1.0E-4). Resume it with the same settings, or start fresh with --out NEW_DIR or --overwrite\n",
                other.err());

        UserErrorsTest.Outcome overwritten = demo(out, "actor.lr=1e-4", "--overwrite");
        assertEquals(0, overwritten.code(), overwritten.err());
        assertEquals(List.of(1, 2), steps(out.resolve("rl/metrics.jsonl")));
    }

    @Test
    void theToolsPresetReportsToolUseBeforeAndAfterAndWithoutTheTool(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("tools");
        List<String> argv = new ArrayList<>(List.of("demo", "--preset", "tools", "--out", out.toString()));
        argv.addAll(SMALL);
        argv.addAll(List.of("demo.demonstrations=12", "data.max_response_length=48"));
        UserErrorsTest.Outcome first = UserErrorsTest.run(argv.toArray(String[]::new));
        assertEquals(0, first.code(), first.err());
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        for (String eval : List.of("eval_before", "eval_after", "eval_after_without_tools")) {
            for (String key : List.of("pass@1", "n", "tool_call_rate", "tool_error_rate")) {
                assertTrue(summary.get(eval).get(key).isNumber(), eval + "." + key + " in " + summary);
            }
            assertEquals(4, summary.get(eval).get("n").asInt());
        }
        assertTrue(summary.get("wall_seconds").asDouble() > 0);
        assertEquals(12, summary.get("demonstrations").asInt());
        assertTrue(Files.isRegularFile(out.resolve("curves.png")));
        Tokenizer.load(out.resolve("rl_model"));

        UserErrorsTest.Outcome again = UserErrorsTest.run(argv.toArray(String[]::new));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("the run is complete (step 2)"), again.out());

        UserErrorsTest.Outcome unknown = UserErrorsTest.run("demo", "--preset", "tool", "--out", out.toString());
        assertEquals(2, unknown.code());
        assertEquals("reason4j demo: --preset: unknown preset 'tool' (presets: reasoning, tools, preference)\n",
                unknown.err());
    }

    @Test
    void thePreferencePresetRunsEveryMethodAndScoresEachByTheHiddenRule(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("preference");
        List<String> argv = new ArrayList<>(List.of("demo", "--preset", "preference", "--out", out.toString()));
        argv.addAll(SMALL);
        argv.addAll(List.of("data.max_response_length=16", "demo.preference_pairs=12", "rm.total_steps=2",
                "rm.batch_size=2", "rm.micro_batch_size=2", "dpo.total_steps=2", "dpo.batch_size=2",
                "dpo.micro_batch_size=2", "distill.total_steps=2", "distill.prompts_per_step=2", "distill.n=2",
                "distill.max_response_length=16"));
        UserErrorsTest.Outcome first = UserErrorsTest.run(argv.toArray(String[]::new));
        assertEquals(0, first.code(), first.err());
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        assertEquals(4, summary.get("heldout_prompts").asInt());
        assertEquals(4, summary.get("rm_heldout_pairs").asInt());
        double accuracy = summary.get("rm_pairwise_accuracy").asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, summary.toString());
        for (String model : List.of("sft", "rl_rm", "dpo", "distilled")) {
            for (String score : List.of("hidden_rule_score", "correct")) {
                double value = summary.get(score).get(model).asDouble();
                assertTrue(value >= 0 && value <= 1, score + "." + model + " in " + summary);
            }
        }
        assertTrue(summary.get("wall_seconds").asDouble() > 0);
        // The pairs are in TRL's format, and each stage left its model directory.
        List<dev.reason4j.env.PreferencePair> pairs = dev.reason4j.env.PreferencePair.load(
                List.of(out.resolve("data/preference_train.jsonl")));
        assertEquals(12, pairs.size());
        for (dev.reason4j.env.PreferencePair pair : pairs) {
            String check = (String) pair.prompt().extra().get("check");
            assertTrue(pair.chosen().contains(check + "\n\\boxed{"), pair.toString());
            assertTrue(!pair.chosen().equals(pair.rejected()), pair.toString());
        }
        for (String model : List.of("sft_model", "rm_model", "rl_model", "dpo_model", "distilled_model")) {
            Tokenizer.load(out.resolve(model));
        }
        assertTrue(Files.readString(out.resolve("rm_model/config.json")).contains("ForSequenceClassification"));

        UserErrorsTest.Outcome again = UserErrorsTest.run(argv.toArray(String[]::new));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("the run is complete (step 2)"), again.out());
        assertEquals(summary.get("hidden_rule_score"), new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile()).get("hidden_rule_score"), "a resumed demo scores alike");
    }
}
