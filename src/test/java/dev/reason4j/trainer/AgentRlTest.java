package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RL on whole multi-turn episodes, end to end: a tiny policy plays guess_number in the agent loop (every turn is
 * an action, every observation an inserted user message), and the trainer updates it. The rollout engine's
 * log-probs of every sampled token are the training forward's, bit for bit, across turns; the inserted tokens are
 * not compared (nor trained on).
 */
class AgentRlTest {
    @Test
    void multiTurnEpisodesTrainWithBitwiseEqualLogProbsOnTheSampledTokens() throws Exception {
        Path directory = Files.createTempDirectory("reason4j-agent-rl-test");
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("Guess my number from 1 to " + (i + 10) + ". Higher. Lower. \\boxed{" + i + "}");
        }
        Tokenizer tokenizer = BpeTrainer.chatml(320).trainAndSave(corpus, directory);
        Config config = Config.load(null, List.of(
                "model.tokenizer=" + directory,
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64",
                "model.tiny.max_position_embeddings=512",
                "data.task=guess_number", "data.train_batch_size=3", "data.max_response_length=6",
                "rollout.n=3", "actor.lr=1e-2", "actor.ppo_mini_batch_size=3", "actor.ppo_micro_batch_size=4",
                "agent.enable=true", "agent.environment=guess_number", "agent.max_turns=3",
                "agent.max_tokens=120"));
        try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            RolloutWorker worker = Setup.rolloutWorker(config, tokenizer, Setup.chatFormatter(tokenizer), scorer);
            RlTrainer trainer = new RlTrainer(config, Setup.policy(config, tokenizer), worker,
                    PromptSource.ofTask(Setup.task(config), 1));
            for (int step = 1; step <= 2; step++) {
                Map<String, Object> metrics = trainer.step(step);
                double turns = number(metrics, "agent/turns");
                assertTrue(turns > 1.5, "episodes should span turns: " + metrics);
                assertTrue(number(metrics, "agent/inserted_tokens") > 0, metrics.toString());
                assertEquals(0.0, metrics.get("training/rollout_probs_diff_max"), "step " + step);
                assertEquals(0.0, metrics.get("rollout_corr/kl"), "step " + step);
                // Exactly the sampled tokens are compared: 9 episodes' worth.
                assertEquals(number(metrics, "agent/sampled_tokens") * 9,
                        number(metrics, "training/rollout_probs_diff_tokens"), 1e-9);
                assertTrue(Double.isFinite(number(metrics, "actor/grad_norm")), metrics.toString());
            }
        }
    }

    private static double number(Map<String, Object> metrics, String key) {
        Object value = metrics.get(key);
        if (!(value instanceof Number number)) {
            throw new AssertionError("no metric " + key + " in " + metrics);
        }
        return number.doubleValue();
    }
}
