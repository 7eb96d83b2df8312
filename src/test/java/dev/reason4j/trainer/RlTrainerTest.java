package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RlTrainerTest {
    private static Tokenizer tokenizer;
    private static AsyncRewardScorer scorer;

    @BeforeAll
    static void trainTokenizer() throws Exception {
        Path directory = Files.createTempDirectory("reason4j-rl-test");
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? " + (i + i * 7 % 100));
        }
        tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, directory);
        // Reward: the share of digits in the response. It varies between samples of an untrained policy, and a
        // policy can raise it by putting more mass on digit tokens: a signal RL must be able to follow.
        scorer = new AsyncRewardScorer(input -> {
            String response = input.response();
            long digits = response.chars().filter(Character::isDigit).count();
            return RewardResult.of(response.isEmpty() ? 0 : digits / (double) response.length());
        }, 2, Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    private static Config config(String... overrides) {
        List<String> all = new ArrayList<>(List.of(
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64",
                "data.task=arithmetic", "data.train_batch_size=4", "data.max_response_length=10",
                "rollout.n=4", "actor.lr=1e-2", "actor.ppo_mini_batch_size=4", "actor.ppo_micro_batch_size=8"));
        all.addAll(List.of(overrides));
        return Config.load(null, all);
    }

    private static RlTrainer trainer(Config config) throws Exception {
        RolloutWorker worker = new RolloutWorker(tokenizer, Setup.chatFormatter(tokenizer), scorer);
        return new RlTrainer(config, Setup.policy(config, tokenizer), worker,
                PromptSource.ofTask(Setup.task(config), config.getInt("data.seed")));
    }

    @Test
    void grpoRaisesTheRewardOfATinyPolicy() throws Exception {
        RlTrainer trainer = trainer(config("data.train_batch_size=8", "actor.ppo_mini_batch_size=8",
                "actor.ppo_micro_batch_size=16"));
        List<Double> rewards = new ArrayList<>();
        for (int step = 1; step <= 20; step++) {
            rewards.add((Double) trainer.step(step).get("reward/mean"));
        }
        double first = (rewards.get(0) + rewards.get(1) + rewards.get(2)) / 3;
        double last = (rewards.get(17) + rewards.get(18) + rewards.get(19)) / 3;
        assertTrue(last > first + 0.15, "GRPO should raise the digit share: " + rewards);
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpo", "rloo", "opo", "reinforce_plus_plus", "reinforce_plus_plus_baseline", "remax",
            "gae"})
    void everyEstimatorRunsAStep(String estimator) throws Exception {
        Map<String, Object> metrics = trainer(config("algorithm.adv_estimator=" + estimator,
                "actor.use_kl_loss=true", "actor.entropy_coeff=0.01")).step(1);
        assertFinite(metrics, "actor/pg_loss", "actor/grad_norm", "actor/kl_loss", "actor/entropy");
        if (estimator.equals("gae")) {
            assertFinite(metrics, "critic/vf_loss", "critic/grad_norm");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vanilla", "gspo", "cispo", "sapo"})
    void everyPolicyLossRunsTwoEpochs(String loss) throws Exception {
        Map<String, Object> metrics = trainer(config("actor.policy_loss=" + loss, "actor.ppo_epochs=2",
                "actor.ppo_mini_batch_size=2", "algorithm.use_kl_in_reward=true")).step(1);
        assertFinite(metrics, "actor/pg_loss", "actor/grad_norm", "actor/pg_clipfrac", "actor/reward_kl_penalty");
    }

    @Test
    void dynamicSamplingKeepsOnlyGroupsWithDifferentRewards() throws Exception {
        Map<String, Object> metrics = trainer(config("dynamic_sampling.enable=true",
                "dynamic_sampling.max_num_gen_batches=3")).step(1);
        assertTrue(((Number) metrics.get("dynamic_sampling/generation_batches")).intValue() >= 1);
        assertTrue(((Number) metrics.get("dynamic_sampling/kept_groups")).intValue() <= 4);

        Example example = new Example("p", null, null, "t", Map.of());
        List<Rollout> rollouts = List.of(rollout(example, 0, 1.0), rollout(example, 0, 1.0),
                rollout(example, 1, 0.0), rollout(example, 1, 1.0));
        List<Rollout> kept = RlTrainer.informativeGroups(rollouts);
        assertEquals(2, kept.size());
        assertTrue(kept.stream().allMatch(r -> r.group() == 1));
    }

    private static Rollout rollout(Example example, int group, double reward) {
        return new Rollout(example, group, new int[] {1}, new int[] {2}, new float[] {-1f}, false, "x",
                RewardResult.of(reward));
    }

    private static void assertFinite(Map<String, Object> metrics, String... keys) {
        for (String key : keys) {
            Object value = metrics.get(key);
            assertTrue(value instanceof Number number && Double.isFinite(number.doubleValue()),
                    key + " = " + value + " in " + metrics);
        }
    }
}
