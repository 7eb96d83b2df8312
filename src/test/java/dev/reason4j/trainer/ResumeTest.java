package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL in the middle of a step, then resumed, reproduces exactly the steps an uninterrupted
 * run takes: policy, optimizer state, data position and sampling seeds all come back from the checkpoint.
 */
class ResumeTest {
    static final int TOTAL_STEPS = 4;

    /** The run both processes execute: a tiny model, a reward that varies from the start, checkpoints every 2. */
    static Config config(Path tokenizerDirectory) {
        return Config.load(null, List.of(
                "model.tokenizer=" + tokenizerDirectory,
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64",
                "data.task=arithmetic", "data.train_batch_size=4", "data.max_response_length=12",
                "data.val_size=8", "rollout.n=4", "actor.lr=1e-3", "actor.ppo_mini_batch_size=2",
                "actor.ppo_micro_batch_size=4", "actor.ppo_epochs=2", "actor.use_kl_loss=true",
                "reward.functions={digit_share: 1.0}", "reward.normalize=running", "trainer.total_steps=" + TOTAL_STEPS,
                "trainer.save_freq=2", "trainer.test_freq=0"));
    }

    /** Share of digits in the response: differs between samples of one prompt even for an untrained model. */
    /** Registered once per JVM (several tests train with it; the registry refuses a name twice). */
    static synchronized void registerReward() {
        if (RewardFunctions.names().contains("digit_share")) {
            return;
        }
        RewardFunctions.register("digit_share", input -> {
            String response = input.response();
            long digits = response.chars().filter(Character::isDigit).count();
            return RewardResult.of(response.isEmpty() ? 0 : digits / (double) response.length());
        });
    }

    /** Entry point of the child JVM that gets killed: trains in args[1] with the tokenizer in args[0]. */
    public static void main(String[] args) throws IOException {
        registerReward();
        try (Experiment experiment = new Experiment(config(Path.of(args[0])))) {
            experiment.train(Path.of(args[1]), System.out);
        }
    }

    @Test
    void killedRunResumesWithTheSameSteps(@TempDir Path temp) throws Exception {
        Path tokenizer = temp.resolve("tokenizer");
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? " + (i + i * 7 % 100));
        }
        BpeTrainer.chatml(300).trainAndSave(corpus, tokenizer);
        registerReward();

        Path straight = temp.resolve("straight");
        try (Experiment experiment = new Experiment(config(tokenizer))) {
            experiment.train(straight, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        }

        // A child JVM runs the same training and is killed (SIGKILL) once the step-2 checkpoint exists.
        Path killed = temp.resolve("killed");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ResumeTest.class.getName(),
                tokenizer.toString(), killed.toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("child.log").toFile()).start();
        Path latest = killed.resolve("checkpoints").resolve("latest");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(latest) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(child.isAlive(), "the child finished before it could be killed: "
                + Files.readString(temp.resolve("child.log")));
        child.destroyForcibly().waitFor();
        assertEquals("step-000002", Files.readString(latest).strip());
        assertFalse(Files.exists(killed.resolve("checkpoints").resolve("step-000004")));

        try (Experiment experiment = new Experiment(config(tokenizer))) {
            experiment.train(killed, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        }

        List<Map<String, Object>> expected = MetricsLog.read(straight.resolve("metrics.jsonl"));
        List<Map<String, Object>> resumed = MetricsLog.read(killed.resolve("metrics.jsonl"));
        List<Integer> resumedSteps = resumed.stream().filter(row -> "rl".equals(row.get("phase")))
                .map(row -> ((Number) row.get("step")).intValue()).toList();
        assertEquals(List.of(1, 2, 3, 4), resumedSteps, "one metrics row per step, none repeated by the resume");
        for (int step = 1; step <= TOTAL_STEPS; step++) {
            // Every metric but timings and memory is the same number, to the last bit.
            assertEquals(withoutTimings(lastRow(expected, step)), withoutTimings(lastRow(resumed, step)),
                    "step " + step);
        }
        assertTrue(((Number) lastRow(expected, 4).get("actor/grad_norm")).doubleValue() > 0,
                "the run must actually learn for the comparison to mean something");
        // The rollout inspector's samples too: each step once, the same lines as the uninterrupted run's.
        assertEquals(Files.readString(straight.resolve(SamplesLog.FILE)), Files.readString(killed.resolve(
                SamplesLog.FILE)));
        assertEquals(TOTAL_STEPS * 16, SamplesLog.read(killed.resolve(SamplesLog.FILE)).size());
        // And the final checkpoints are the same bytes.
        Path checkpoint = Path.of("checkpoints", "step-000004");
        assertEquals(fileHashes(straight.resolve(checkpoint)), fileHashes(killed.resolve(checkpoint)));
    }

    /** The metrics that may differ between identical runs: wall-clock timings and memory. */
    static Map<String, Object> withoutTimings(Map<String, Object> row) {
        Map<String, Object> kept = new java.util.TreeMap<>(row);
        kept.keySet().removeIf(key -> key.startsWith("time/") || key.startsWith("memory/"));
        return kept;
    }

    /** sha256 of every file under dir, by relative path. */
    static Map<String, String> fileHashes(Path dir) throws IOException {
        Map<String, String> hashes = new java.util.TreeMap<>();
        try (var files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                try {
                    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
                    hashes.put(dir.relativize(file).toString(), java.util.HexFormat.of().formatHex(digest));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        assertFalse(hashes.isEmpty(), "no files in " + dir);
        return hashes;
    }

    private static Map<String, Object> lastRow(List<Map<String, Object>> rows, int step) {
        Map<String, Object> found = null;
        for (Map<String, Object> row : rows) {
            if ("rl".equals(row.get("phase")) && ((Number) row.get("step")).intValue() == step) {
                found = row;
            }
        }
        if (found == null) {
            throw new AssertionError("no metrics for step " + step + " in " + rows);
        }
        return found;
    }
}
