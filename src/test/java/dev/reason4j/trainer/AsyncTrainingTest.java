package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Async off-policy training (trainer.async.max_staleness): each step trains on a batch sampled while the previous
 * step trained, by weights one update old; the trainer knows, recomputes π_old and corrects, and the run is still
 * reproducible and resumable at the right data position.
 */
class AsyncTrainingTest {
    private static List<String> settings(Path tokenizer, String... extra) {
        List<String> all = new ArrayList<>(List.of("model.tokenizer=" + tokenizer,
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64", "data.task=arithmetic",
                "data.train_batch_size=4", "data.max_response_length=10", "rollout.n=4", "actor.lr=1e-2",
                "actor.ppo_mini_batch_size=4", "actor.ppo_micro_batch_size=8", "trainer.total_steps=4"));
        all.addAll(List.of(extra));
        return all;
    }

    private static Tokenizer tokenizer(Path directory) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? " + (i + i * 7 % 100));
        }
        return BpeTrainer.chatml(300).trainAndSave(corpus, directory);
    }

    /** Runs {@code steps} steps; returns each step's metrics without timings, and the state a checkpoint keeps. */
    private static List<Map<String, Object>> run(Config config, Tokenizer tokenizer, int steps, Path state)
            throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            RolloutWorker worker = Setup.rolloutWorker(config, tokenizer, Setup.chatFormatter(tokenizer), scorer);
            RlTrainer trainer = new RlTrainer(config, Setup.policy(config, tokenizer), worker,
                    PromptSource.ofTask(Setup.task(config), 1));
            for (int step = 1; step <= steps; step++) {
                Map<String, Object> metrics = new LinkedHashMap<>(trainer.step(step));
                metrics.keySet().removeIf(key -> key.startsWith("time/"));
                rows.add(metrics);
            }
            rows.add(Map.of("promptPosition", trainer.saveState(state).promptPosition()));
        }
        return rows;
    }

    @Test
    void batchesSampledAheadAreOneUpdateStaleCorrectedAndReproducible(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Config async = Config.load(null, settings(temp.resolve("tokenizer"), "trainer.async.max_staleness=1",
                "algorithm.rollout_correction.rollout_is=token"));
        List<Map<String, Object>> first = run(async, tokenizer, 3, temp.resolve("a"));
        // Step 1 samples with the initial weights, which it trains: on-policy. Every later step trains on a batch
        // sampled by the weights before the previous update.
        assertEquals(0L, first.get(0).get("async/staleness_optimizer_steps"));
        for (int step = 2; step <= 3; step++) {
            Map<String, Object> metrics = first.get(step - 1);
            assertEquals(1L, metrics.get("async/staleness_optimizer_steps"), "step " + step);
            assertTrue((Double) metrics.get("training/rollout_probs_diff_max") > 0, "stale: " + metrics);
        }
        // Which weights sample which batch does not depend on timing: a second run is the same run.
        assertEquals(first, run(async, tokenizer, 3, temp.resolve("b")));

        // A checkpoint after 3 steps resumes at the 4th batch's prompts, as a synchronous run's does.
        Config sync = Config.load(null, settings(temp.resolve("tokenizer")));
        List<Map<String, Object>> synchronous = run(sync, tokenizer, 3, temp.resolve("c"));
        assertEquals(synchronous.get(3), first.get(3));
        assertEquals(null, synchronous.get(1).get("async/staleness_optimizer_steps"));
    }
}
