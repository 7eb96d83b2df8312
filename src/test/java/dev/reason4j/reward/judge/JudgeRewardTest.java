package dev.reason4j.reward.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.server.OpenAiServer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgeRewardTest {
    private static Tokenizer tokenizer;
    private static Path tokenizerDir;

    @BeforeAll
    static void trainTokenizer() throws Exception {
        tokenizerDir = Files.createTempDirectory("reason4j-judge-test");
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            corpus.add("Problem: what is " + i + " + 1? Answer " + (i + 1) + ". Score: " + (i % 11) + "/10");
        }
        tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, tokenizerDir);
    }

    /** A judge that writes {@code verdict} whatever it reads, and keeps what it read. */
    private static RolloutEngine scripted(String verdict, List<String> read) {
        return request -> {
            read.add(tokenizer.decode(request.prompt(), false));
            int[] tokens = tokenizer.encode(verdict, false);
            return CompletableFuture.completedFuture(List.of(new Completion(0, 0, tokens, new float[tokens.length],
                    new float[tokens.length], FinishReason.STOP, false)));
        };
    }

    private static final RewardInput INPUT = new RewardInput("what is 2 + 1?", "It is 3.", "3", "math", 4, Map.of());

    @Test
    void theRubricIsFilledAndTheVerdictScaledToOne() {
        List<String> read = new ArrayList<>();
        JudgeReward judge = new JudgeReward(scripted("Correct and clear. Score: 7/10", read), tokenizer,
                "Q: {prompt}\nRef: {reference}\nA: {response}\nGrade it.", SamplingParams.defaults(), 10, 0);
        RewardResult result = judge.score(INPUT);
        assertEquals(0.7, result.reward(), 1e-12);
        assertEquals(Map.of(JudgeReward.PARSE_FAILURE, 0.0, JudgeReward.SCORE, 7.0), result.metrics());
        assertNull(result.error());
        // The judge read the filled rubric as a user turn of its chat template, with the generation prompt.
        assertTrue(read.getFirst().contains("Q: what is 2 + 1?\nRef: 3\nA: It is 3.\nGrade it."), read.getFirst());
        assertTrue(read.getFirst().startsWith("<|im_start|>user\n"), read.getFirst());
        assertTrue(read.getFirst().endsWith("<|im_start|>assistant\n"), read.getFirst());
    }

    @Test
    void anUnreadableVerdictIsReportedNotSilentlyZero() {
        JudgeReward judge = new JudgeReward(scripted("I cannot decide.", new ArrayList<>()), tokenizer,
                JudgeReward.DEFAULT_RUBRIC, SamplingParams.defaults(), 10, 0.25);
        RewardResult result = judge.score(INPUT);
        assertEquals(0.25, result.reward(), "on_parse_failure");
        assertEquals(Map.of(JudgeReward.PARSE_FAILURE, 1.0), result.metrics());
        assertEquals("judge verdict unreadable (no \\boxed{S} or \"Score: S\"): I cannot decide.", result.error());
    }

    @Test
    void aLocalJudgeModelRunsOnOurGeneratePath(@TempDir Path dir) throws Exception {
        Config config = Config.load(null, List.of("model.tiny.hidden_size=16", "model.tiny.num_layers=1",
                "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=32"));
        Transformer model = Setup.policy(config, tokenizer);
        Path judgeDir = dir.resolve("judge");
        Setup.saveModel(model, tokenizerDir, judgeDir);
        Files.writeString(dir.resolve("rubric.txt"), "Grade {response} against {reference}.");
        JudgeReward judge = JudgeReward.from(Config.load(null, List.of("reward.judge.model=" + judgeDir,
                "reward.judge.template=" + dir.resolve("rubric.txt"), "reward.judge.max_tokens=6"))
                .section("reward.judge"));
        RewardResult result = judge.score(INPUT);
        // An untrained judge writes no verdict: the failure is counted and explained, the reward is on_parse_failure.
        assertEquals(1.0, result.metrics().get(JudgeReward.PARSE_FAILURE), result.toString());
        assertEquals(0.0, result.reward());
        assertTrue(result.error().startsWith("judge verdict unreadable (no \\boxed{S}"), result.error());
        assertEquals(result, judge.score(INPUT), "a greedy judge grades the same response the same way");

        // The same judge behind an OpenAI-compatible endpoint (./reason4j serve) reads and writes the same tokens.
        try (OpenAiServer server = OpenAiServer.start(judgeDir, Precision.FP32,
                new OpenAiServer.Options("127.0.0.1", 0, null, null, dir, 8, "judge"))) {
            JudgeReward remote = JudgeReward.from(Config.load(null, List.of(
                    "reward.judge.endpoint=http://127.0.0.1:" + server.port(), "reward.judge.tokenizer=" + judgeDir,
                    "reward.judge.served_model=judge", "reward.judge.template=" + dir.resolve("rubric.txt"),
                    "reward.judge.max_tokens=6")).section("reward.judge"));
            assertEquals(result, remote.score(INPUT));
        }
    }

    @Test
    void badJudgeSettingsAreNamed(@TempDir Path dir) throws Exception {
        assertEquals("reward.judge: set exactly one of model (a judge model directory) and endpoint (an "
                + "OpenAI-compatible server)", assertThrows(IllegalArgumentException.class,
                () -> JudgeReward.from(Config.defaults().section("reward.judge"))).getMessage());
        assertEquals("reward.judge.model: directory does not exist: " + dir.resolve("nope"),
                assertThrows(IllegalArgumentException.class, () -> JudgeReward.from(Config.load(null,
                        List.of("reward.judge.model=" + dir.resolve("nope"))).section("reward.judge"))).getMessage());
        assertEquals("reward.judge.tokenizer: the endpoint's judge needs its tokenizer directory",
                assertThrows(IllegalArgumentException.class, () -> JudgeReward.from(Config.load(null,
                        List.of("reward.judge.endpoint=http://localhost:1")).section("reward.judge"))).getMessage());
        Files.writeString(dir.resolve("bad.txt"), "Grade {prompt}.");
        assertEquals("reward.judge.template: " + dir.resolve("bad.txt") + " has no {response} placeholder",
                assertThrows(IllegalArgumentException.class, () -> JudgeReward.from(Config.load(null, List.of(
                        "reward.judge.endpoint=http://localhost:1", "reward.judge.tokenizer=" + tokenizerDir,
                        "reward.judge.template=" + dir.resolve("bad.txt"))).section("reward.judge"))).getMessage());
    }
}
