package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.rollout.FakeFleetServer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO with its rollouts on a fleet of two servers that run Reason4j's engine: after each update the trainer writes
 * the policy where the servers read it and tells them to load it, so every step samples from the current weights
 * and the servers' log-probs are the training forward's bit for bit. A server that dies mid-run is retried around.
 */
class RemoteRolloutTest {
    @Test
    void aFleetKeptAtThePolicysWeightsSamplesExactlyThePolicy(@TempDir Path temp) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? " + (i + i * 7 % 100));
        }
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, temp.resolve("tokenizer"));
        List<String> settings = new ArrayList<>(List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64", "data.task=arithmetic",
                "data.train_batch_size=4", "data.max_response_length=10", "rollout.n=4", "actor.lr=1e-2",
                "actor.ppo_mini_batch_size=4", "actor.ppo_micro_batch_size=8"));
        Transformer policy = Setup.policy(Config.load(null, settings), tokenizer);
        try (FakeFleetServer first = new FakeFleetServer(policy.copy());
             FakeFleetServer second = new FakeFleetServer(policy.copy())) {
            settings.addAll(List.of("rollout.backend=remote",
                    "rollout.endpoints=[" + first.url() + ", " + second.url() + "]",
                    "rollout.weights_dir=" + temp.resolve("weights"), "rollout.weight_sync=reason4j",
                    "rollout.request_timeout_s=20", "rollout.max_attempts=4"));
            Config config = Config.load(null, settings);
            try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
                RolloutWorker worker = Setup.rolloutWorker(config, tokenizer, Setup.chatFormatter(tokenizer),
                        scorer);
                RlTrainer trainer = new RlTrainer(config, policy, worker, PromptSource.ofTask(Setup.task(config),
                        1));
                for (int step = 1; step <= 3; step++) {
                    if (step == 3) {
                        second.failAfter = 0;   // the second server goes down: its requests go to the first
                    }
                    Map<String, Object> metrics = trainer.step(step);
                    assertEquals(0.0, metrics.get("training/rollout_probs_diff_max"), "step " + step);
                    assertEquals(0.0, metrics.get("rollout_corr/kl"), "step " + step);
                    assertEquals(4L * step, metrics.get("rollout/remote_requests"), "step " + step);
                    if (step == 3) {
                        assertTrue((Long) metrics.get("rollout/remote_retries") > 0, metrics.toString());
                    }
                }
                worker.backend().close();
            }
            // The first use sends the run's weights (servers may hold another run's), then one sync per update.
            assertEquals(4, first.weightLoads.get());
            assertEquals(4, second.weightLoads.get());
            assertTrue(Files.isDirectory(temp.resolve("weights/step-000003")));
        }
    }
}
