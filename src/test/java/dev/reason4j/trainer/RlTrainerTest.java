package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.reward.AsyncRewardScorer;
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
        return trainer(config, scorer);
    }

    private static RlTrainer trainer(Config config, AsyncRewardScorer rewards) throws Exception {
        RolloutWorker worker = new SingleTurnWorker(tokenizer, Setup.chatFormatter(tokenizer), rewards);
        return new RlTrainer(config, Setup.policy(config, tokenizer), worker, prompts(config));
    }

    /** The prompts a trainer with this config draws (a fresh source replays them from the start). */
    private static PromptSource prompts(Config config) {
        return PromptSource.ofTask(Setup.task(config), config.getInt("data.seed"));
    }

    /** A reward that depends on the prompt alone: the same for every response of a group. */
    private static double promptReward(String groundTruth) {
        return Math.floorMod(groundTruth.hashCode(), 1000) / 1000.0;
    }

    /** The rollout engine's log-probs are the training forward's, bit for bit: verl's gap metrics read 0. */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "0.7"})
    void rolloutAndTrainingLogProbsAreTheSame(String temperature) throws Exception {
        // Uneven micro-batches of 3 sequences, activations recomputed: another packing than the rollout's.
        RlTrainer trainer = trainer(config("rollout.temperature=" + temperature, "actor.ppo_micro_batch_size=3",
                "actor.recompute=true", "data.max_response_length=16"));
        for (int step = 1; step <= 2; step++) {
            Map<String, Object> metrics = trainer.step(step);
            assertEquals(0.0, metrics.get("training/rollout_probs_diff_max"), "step " + step);
            assertEquals(0.0, metrics.get("training/rollout_probs_diff_mean"), "step " + step);
            assertEquals(0.0, metrics.get("rollout_corr/kl"), "step " + step);
            double responseTokens = ((Number) metrics.get("response_length/mean")).doubleValue() * 16;
            assertEquals(responseTokens, ((Number) metrics.get("training/rollout_probs_diff_tokens")).doubleValue(),
                    1e-9, "every response token of the step is compared");
        }
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
        // Prompts with an odd-hashed answer get a reward that differs between responses, the others 0 for all.
        java.util.function.Predicate<String> informative = truth -> Math.floorMod(truth.hashCode(), 2) == 1;
        Config config = config("dynamic_sampling.enable=true", "dynamic_sampling.max_num_gen_batches=3");
        try (AsyncRewardScorer rewards = new AsyncRewardScorer(input -> RewardResult.of(
                informative.test(input.groundTruth()) ? Math.floorMod(input.response().hashCode(), 997) / 997.0 : 0),
                2, Duration.ofSeconds(30))) {
            Map<String, Object> metrics = trainer(config, rewards).step(1);

            // What the trainer must have done, worked out from the prompts it draws: 4 prompts per batch until 4
            // informative groups or 3 batches.
            PromptSource replay = prompts(config);
            int batches = 0;
            int informativeGroups = 0;
            while (informativeGroups < 4 && batches < 3) {
                informativeGroups += (int) replay.next(4).stream().map(Example::groundTruth).filter(informative)
                        .count();
                batches++;
            }
            assertTrue(batches > 1, "the seed should need more than one batch, or the test shows nothing");
            assertEquals(batches, metrics.get("dynamic_sampling/generation_batches"));
            assertEquals(Math.min(4, informativeGroups), metrics.get("dynamic_sampling/kept_groups"));
        }

        Example example = new Example("p", null, null, "t", Map.of());
        List<Rollout> rollouts = List.of(rollout(example, 0, 1.0), rollout(example, 0, 1.0),
                rollout(example, 1, 0.0), rollout(example, 1, 1.0));
        List<Rollout> kept = RlTrainer.informativeGroups(rollouts);
        assertEquals(2, kept.size());
        assertTrue(kept.stream().allMatch(r -> r.group() == 1));
    }

    @Test
    void remaxSubtractsTheGreedyResponsesReward() throws Exception {
        // The reward depends on the prompt only, so a greedy response scores what the sampled ones do, and ReMax's
        // advantage, reward − the greedy reward of the same prompt, is exactly 0 on every token. A baseline taken
        // from another prompt, or none, would not give 0.
        Config config = config("algorithm.adv_estimator=remax");
        try (AsyncRewardScorer rewards = new AsyncRewardScorer(input -> RewardResult.of(
                promptReward(input.groundTruth())), 2, Duration.ofSeconds(30))) {
            Map<String, Object> metrics = trainer(config, rewards).step(1);
            double expected = prompts(config).next(4).stream().mapToDouble(e -> promptReward(e.groundTruth()))
                    .average().orElseThrow();
            assertTrue(expected > 0);
            assertEquals(expected, (Double) metrics.get("reward/greedy_baseline_mean"), 1e-12);
            assertEquals(0.0, metrics.get("critic/advantages/mean"));
            assertEquals(0.0, metrics.get("actor/pg_loss"));
        }
    }

    @Test
    void gaesCriticLearnsTheReturns() throws Exception {
        // Every response gets reward 1, so with γ = λ = 1 the return of every token is 1 and the critic, which starts
        // near 0, must move its values towards 1: the value loss falls step after step.
        Config config = config("algorithm.adv_estimator=gae", "critic.lr=1e-2");
        try (AsyncRewardScorer rewards = new AsyncRewardScorer(input -> RewardResult.of(1.0), 2,
                Duration.ofSeconds(30))) {
            RlTrainer trainer = trainer(config, rewards);
            List<Double> losses = new ArrayList<>();
            for (int step = 1; step <= 6; step++) {
                losses.add((Double) trainer.step(step).get("critic/vf_loss"));
            }
            assertTrue(losses.get(0) > 0.1, "an untrained critic is far from the returns: " + losses);
            assertTrue(losses.get(5) < 0.25 * losses.get(0), "the critic should learn the returns: " + losses);
        }
    }

    @Test
    void anEstimatorThatNeedsValuesGetsACritic() throws Exception {
        List<Boolean> hadValues = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.reason4j.algo.AdvantageEstimators.register("test_needs_values",
                dev.reason4j.algo.AdvantageEstimator.needingValues(input -> {
                    hadValues.add(input.values() != null);
                    return dev.reason4j.algo.AdvantageEstimators.gae(input);
                }));
        dev.reason4j.algo.AdvantageEstimators.register("test_needs_nothing", input -> {
            hadValues.add(input.values() != null);
            return dev.reason4j.algo.AdvantageEstimators.grpo(input);
        });
        Map<String, Object> withValues = trainer(config("algorithm.adv_estimator=test_needs_values")).step(1);
        Map<String, Object> without = trainer(config("algorithm.adv_estimator=test_needs_nothing")).step(1);
        assertEquals(List.of(true, false), hadValues);
        assertFinite(withValues, "critic/vf_loss", "critic/grad_norm");
        assertFalse(without.containsKey("critic/vf_loss"));
    }

    @Test
    void theKlControllerIsTheConfiguredOne() throws Exception {
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> trainer(config("algorithm.kl_ctrl.type=adaptiv")));
        assertTrue(typo.getMessage().contains("algorithm.kl_ctrl.type") && typo.getMessage().contains("adaptive?"),
                typo.getMessage());

        // An adaptive β moves after every step; a fixed one never does.
        RlTrainer adaptive = trainer(config("algorithm.use_kl_in_reward=true", "algorithm.kl_ctrl.type=adaptive",
                "algorithm.kl_ctrl.horizon=10"));
        double first = (Double) adaptive.step(1).get("actor/reward_kl_penalty_coeff");
        double second = (Double) adaptive.step(2).get("actor/reward_kl_penalty_coeff");
        assertEquals(0.001, first, 0);
        assertEquals(0.001 * (1 - 0.2 * 16 / 10.0), second, 1e-15, "the measured KL is far below target_kl 0.1");
        RlTrainer fixed = trainer(config("algorithm.use_kl_in_reward=true"));
        fixed.step(1);
        assertEquals(0.001, (Double) fixed.step(2).get("actor/reward_kl_penalty_coeff"), 0);
    }

    @Test
    void aStepWhoseRewardsAllFailStops() throws Exception {
        try (AsyncRewardScorer failing = new AsyncRewardScorer(input -> {
            throw new IllegalArgumentException("sample has no data_source, so no reward function can be chosen");
        }, 2, Duration.ofSeconds(30))) {
            RlTrainer trainer = trainer(config(), failing);
            IllegalArgumentException stop = assertThrows(IllegalArgumentException.class, () -> trainer.step(1));
            assertEquals("step 1: no reward could be computed for any of the 16 responses (16 failed, 0 timed out),"
                    + " so there is nothing to learn from; the first failure: sample has no data_source, so no reward"
                    + " function can be chosen", stop.getMessage());
        }
        // One reward computed is enough to go on.
        RlTrainer.requireSomeRewards(1, List.of(rollout(new Example("p", null, null, "t", Map.of()), 0, 0.0)));
    }

    @Test
    void badSamplingKeysAreNamed() {
        IllegalArgumentException topK = assertThrows(IllegalArgumentException.class,
                () -> RlConfig.from(config("rollout.top_k=-1"), new int[] {0}));
        assertEquals("override 'rollout.top_k=-1': rollout.top_k must be ≥ 0, got -1", topK.getMessage());
        assertTrue(RlConfig.from(config("actor.recompute=true"), new int[] {0}).actor().recompute());
        assertEquals(0.5, RlConfig.from(config("actor.loss_scale_factor=0.5"), new int[] {0}).actor().lossConfig()
                .lossScaleFactor());
    }

    @Test
    void recomputationChangesNoNumber() throws Exception {
        // Recomputed activations are the same activations: the step's losses and gradients are equal.
        Map<String, Object> stored = trainer(config()).step(1);
        Map<String, Object> recomputed = trainer(config("actor.recompute=true")).step(1);
        for (String key : List.of("reward/mean", "actor/pg_loss", "actor/entropy", "actor/grad_norm")) {
            assertEquals((Double) stored.get(key), (Double) recomputed.get(key), 1e-6, key);
        }
    }

    @Test
    void timingsAreUnderTime() throws Exception {
        Map<String, Object> metrics = trainer(config()).step(1);
        assertFinite(metrics, "time/step_s", "time/generate_s", "time/update_s", "time/tokens_per_s");
        for (String key : metrics.keySet()) {
            assertTrue(key.startsWith("time/") || !(key.endsWith("_s") || key.contains("timing")
                    || key.contains("memory") || key.contains("perf")), key);
        }
    }

    // ---- Reward normalisation and the reward check ----

    @Test
    void batchNormalisationStandardisesTheRewardsTrainedOn() throws Exception {
        Map<String, Object> metrics = trainer(config("reward.normalize=batch")).step(1);
        // The statistics are the raw rewards' (reported under reward/ by the rollout metrics), and the rewards
        // trained on then average 0.
        assertEquals(((Number) metrics.get("reward/mean")).doubleValue(),
                ((Number) metrics.get("reward_norm/mean")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) metrics.get("reward_norm/normalized_mean")).doubleValue(), 1e-12);
        assertFalse(trainer(config()).step(1).containsKey("reward_norm/mean"), "off by default");
    }

    /** A learned reward that a policy can game (the share of digits) is logged beside the task's verifier. */
    @Test
    void aLearnedRewardIsLoggedBesideTheVerifier() throws Exception {
        dev.reason4j.reward.RewardFunctions.configure("test_digit_share", input -> RewardResult.of(
                input.response().chars().filter(Character::isDigit).count() / (double) Math.max(1,
                        input.response().length())));
        Config config = config("reward.functions={test_digit_share: 1.0}", "reward.check=verifier");
        try (AsyncRewardScorer checked = Setup.rewardScorer(config)) {
            RlTrainer trainer = trainer(config, checked);
            Map<String, Object> metrics = trainer.step(1);
            assertEquals(1.0, metrics.get("reward_check/coverage"), "every arithmetic sample has an answer");
            RolloutWorker worker = new SingleTurnWorker(tokenizer, Setup.chatFormatter(tokenizer), checked);
            Map<String, Double> eval = Setup.evaluator(config, worker).evaluate(trainer.policy(),
                    Setup.heldOut(config, Setup.task(config)));
            assertEquals(1.0, eval.get("reward_check/coverage"), "held-out samples are checked too: " + eval);
            double score = ((Number) metrics.get("reward_check/score")).doubleValue();
            assertTrue(score >= 0 && score <= 1, metrics.toString());
            assertFalse(metrics.containsKey("reward/reward_check"), "reported once, under reward_check/");
        }
        Config unchecked = config("reward.functions={test_digit_share: 1.0}");   // auto: not a learned reward
        try (AsyncRewardScorer plain = Setup.rewardScorer(unchecked)) {
            assertFalse(trainer(unchecked, plain).step(1).containsKey("reward_check/score"));
        }
    }

    // ---- Rollout correction: outside engines and stale samples ----

    private static RolloutWorker worker() {
        return new SingleTurnWorker(tokenizer, Setup.chatFormatter(tokenizer), scorer);
    }

    private static RlTrainer trainer(Config config, RolloutWorker worker) throws Exception {
        return new RlTrainer(config, Setup.policy(config, tokenizer), worker, prompts(config));
    }

    /** The local engine's rollouts, changed by {@code change} (another engine's log-probs, a mask, a replay). */
    private static RolloutWorker changing(java.util.function.UnaryOperator<List<Rollout>> change) {
        RolloutWorker local = worker();
        return new RolloutWorker() {
            @Override
            public Tokenizer tokenizer() {
                return tokenizer;
            }

            @Override
            public dev.reason4j.rollout.RolloutBackend backend() {
                return local.backend();
            }

            @Override
            public List<Rollout> rollout(dev.reason4j.model.Transformer policy, List<Example> examples,
                                         dev.reason4j.rollout.SamplingParams params, int firstGroup) {
                return change.apply(local.rollout(policy, examples, params, firstGroup));
            }
        };
    }

    /**
     * Another engine's log-probs of the samples Reason4j's engine draws, as vLLM's would be: each sampled token's
     * log-prob lowered by {@code shift(t)}, the rollouts flagged not exact. {@code exact} keeps what the local
     * engine returned, which is the training forward's bit for bit.
     */
    private static final class OutsideEngine {
        final List<Rollout> exact = new ArrayList<>();
        final List<Rollout> outside = new ArrayList<>();
        final RolloutWorker worker;

        OutsideEngine(java.util.function.IntToDoubleFunction shift) {
            worker = changing(rollouts -> {
                List<Rollout> out = new ArrayList<>();
                for (Rollout rollout : rollouts) {
                    float[] logProbs = rollout.logProbs().clone();
                    for (int t = 0; t < logProbs.length; t++) {
                        logProbs[t] = (float) (logProbs[t] - shift.applyAsDouble(t));
                    }
                    exact.add(rollout);
                    outside.add(rollout.withEngineLogProbs(logProbs));
                    out.add(outside.getLast());
                }
                return out;
            });
        }

        /** Per sampled token of every rollout: log ρ = log π_old − log π_rollout, π_old being the exact one. */
        List<Double> logRatios() {
            List<Double> logRatios = new ArrayList<>();
            for (int i = 0; i < exact.size(); i++) {
                for (int t = 0; t < exact.get(i).logProbs().length; t++) {
                    logRatios.add((double) exact.get(i).logProbs()[t] - (double) outside.get(i).logProbs()[t]);
                }
            }
            return logRatios;
        }
    }

    private static double number(Map<String, Object> metrics, String key) {
        Object value = metrics.get(key);
        assertTrue(value instanceof Number, key + " = " + value);
        return ((Number) value).doubleValue();
    }

    /**
     * Without any correction configured, outside log-probs still get π_old recomputed (PPO's ratio starts at 1:
     * ppo_kl is exactly 0), and the gap metrics are those computed here from the engine's own numbers.
     */
    @Test
    void outsideLogProbsAreMeasuredAndPpoRunsAgainstTheRecomputedPolicy() throws Exception {
        OutsideEngine engine = new OutsideEngine(t -> 0.05 * (1 + t % 4));
        Map<String, Object> metrics = trainer(config(), engine.worker).step(1);
        double k1 = 0;
        double maxDiff = 0;
        double sumDiff = 0;
        double tokens = 0;
        for (int i = 0; i < engine.exact.size(); i++) {
            float[] old = engine.exact.get(i).logProbs();
            float[] rollout = engine.outside.get(i).logProbs();
            for (int t = 0; t < old.length; t++) {
                k1 += (double) rollout[t] - (double) old[t];
                double diff = Math.abs(Math.exp(old[t]) - Math.exp(rollout[t]));
                maxDiff = Math.max(maxDiff, diff);
                sumDiff += diff;
                tokens++;
            }
        }
        assertTrue(maxDiff > 0, "the outside engine differs");
        assertEquals(tokens, number(metrics, "training/rollout_probs_diff_tokens"));
        assertEquals(maxDiff, number(metrics, "training/rollout_probs_diff_max"), 1e-15);
        assertEquals(sumDiff / tokens, number(metrics, "training/rollout_probs_diff_mean"), 1e-15);
        assertEquals(k1 / (tokens + 1e-8), number(metrics, "rollout_corr/kl"), 1e-12);
        assertEquals(0.0, number(metrics, "actor/ppo_kl"), "the ratio is π_θ / recomputed π_old");
        assertEquals(0.0, number(metrics, "rollout_corr/rollout_is_veto_fraction"));
        assertFalse(metrics.containsKey("rollout_corr/rollout_is_mean"), "no IS weights unless configured");
    }

    /**
     * bypass_mode: outside log-probs are π_old as they are (no recomputation), so PPO's first ratio is
     * π_θ / π_rollout = 1 / ρ and ppo_kl = mean(log π_rollout − log π_θ) is the k1 gap itself.
     */
    @Test
    void bypassModeTrainsAgainstTheRolloutsLogProbs() throws Exception {
        OutsideEngine engine = new OutsideEngine(t -> 0.05 * (1 + t % 4));
        Map<String, Object> metrics = trainer(config("algorithm.rollout_correction.bypass_mode=true",
                "actor.ppo_micro_batch_size=16"), engine.worker).step(1);   // one micro-batch: one masked mean
        double k1 = 0;
        for (double logRatio : engine.logRatios()) {
            k1 += -logRatio;
        }
        double tokens = engine.logRatios().size();
        assertEquals(k1 / (tokens + 1e-8), number(metrics, "actor/ppo_kl"), 1e-12);
        assertNotEquals(0.0, k1);
        assertFalse(metrics.containsKey("rollout_corr/rollout_is_veto_fraction"), "no correction step ran");
    }

    /** Token-level TIS: the weights' statistics are those of min(exp(log ρ), C) computed here. */
    @Test
    void tokenTisWeightsAreTheTruncatedRatios() throws Exception {
        OutsideEngine engine = new OutsideEngine(t -> 0.05 * (1 + t % 4));   // ρ = e^0.05 … e^0.2
        double threshold = 1.1;
        Map<String, Object> metrics = trainer(config("algorithm.rollout_correction.rollout_is=token",
                "algorithm.rollout_correction.rollout_is_threshold=" + threshold), engine.worker).step(1);
        List<Double> logRatios = engine.logRatios();
        double n = logRatios.size();
        double sum = 0;
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        double above = 0;
        double clampedSum = 0;
        for (double logRatio : logRatios) {
            double ratio = Math.exp(logRatio);
            sum += ratio;
            max = Math.max(max, ratio);
            min = Math.min(min, ratio);
            above += ratio > threshold ? 1 : 0;
            clampedSum += Math.min(threshold, Math.max(1 / threshold, ratio));
        }
        double clampedMean = clampedSum / (n + 1e-8);
        double normalizedSquares = 0;
        for (double logRatio : logRatios) {
            double normalized = Math.min(threshold, Math.max(1 / threshold, Math.exp(logRatio))) / (clampedMean + 1e-8);
            normalizedSquares += normalized * normalized;
        }
        assertTrue(above > 0 && above < n, "some weights are truncated, not all: " + above + " of " + n);
        assertEquals(sum / (n + 1e-8), number(metrics, "rollout_corr/rollout_is_mean"), 1e-12);
        assertEquals(max, number(metrics, "rollout_corr/rollout_is_max"), 1e-12);
        assertEquals(min, number(metrics, "rollout_corr/rollout_is_min"), 1e-12);
        assertEquals(above / (n + 1e-8), number(metrics, "rollout_corr/rollout_is_ratio_fraction_high"), 1e-12);
        assertEquals(1 / (normalizedSquares / (n + 1e-8)), number(metrics, "rollout_corr/rollout_is_eff_sample_size"),
                1e-12);
    }

    /**
     * With one ratio r &lt; C on every token the weights are all r: the weighted loss and its gradient are r times
     * the unweighted ones (the weights are constants, detached).
     */
    @Test
    void aUniformWeightScalesTheLossAndTheGradient() throws Exception {
        // A power of two: log π − 2⁻⁵ is exact in float, so log ρ = 2⁻⁵ exactly on every token.
        double shift = 0.03125;
        Map<String, Object> plain = trainer(config()).step(1);
        Map<String, Object> weighted = trainer(config("algorithm.rollout_correction.rollout_is=token"),
                new OutsideEngine(t -> shift).worker).step(1);
        double ratio = Math.exp(0.03125);
        assertEquals(ratio, number(weighted, "rollout_corr/rollout_is_max"));
        assertEquals(ratio, number(weighted, "rollout_corr/rollout_is_min"));
        assertEquals(ratio * number(plain, "actor/pg_loss"), number(weighted, "actor/pg_loss"), 1e-12);
        // The gradient goes through the float model: equal to float precision.
        double norm = number(plain, "actor/grad_norm");
        assertEquals(ratio * norm, number(weighted, "actor/grad_norm"), 1e-5 * norm);
        assertEquals(number(plain, "actor/entropy"), number(weighted, "actor/entropy"), "entropy is not weighted");
    }

    /**
     * Token rejection: the tokens whose ratio leaves [1/2, 2] train exactly as if they had been masked out by the
     * sampler (bit for bit: loss, gradient, the weights after the step), so they get mask 0 and zero gradient.
     */
    @Test
    void rejectedTokensHaveMaskZeroAndNoGradient() throws Exception {
        java.util.function.IntPredicate outOfBand = t -> t % 3 == 0;
        OutsideEngine engine = new OutsideEngine(t -> outOfBand.test(t) ? 1.0 : 0.0);   // ρ = e or 1
        RlTrainer rejecting = trainer(config("algorithm.rollout_correction.rollout_rs=token",
                "algorithm.rollout_correction.rollout_rs_threshold=2.0"), engine.worker);
        Map<String, Object> rejected = rejecting.step(1);

        RolloutWorker masking = changing(rollouts -> rollouts.stream().map(r -> {
            boolean[] trainable = r.trainable().clone();
            for (int t = 0; t < trainable.length; t++) {
                trainable[t] = trainable[t] && !outOfBand.test(t);
            }
            return new Rollout(r.example(), r.group(), r.promptTokens(), r.responseTokens(), r.logProbs(), trainable,
                    r.tokenRewards(), r.truncated(), r.contextLimited(), r.responseText(), r.reward(),
                    r.episodeMetrics());
        }).toList());
        RlTrainer masked = trainer(config(), masking);
        Map<String, Object> reference = masked.step(1);

        double rejectedTokens = 0;
        for (Rollout rollout : engine.exact) {
            for (int t = 0; t < rollout.responseTokens().length; t++) {
                rejectedTokens += outOfBand.test(t) ? 1 : 0;
            }
        }
        double tokens = number(rejected, "training/rollout_probs_diff_tokens");
        assertEquals(rejectedTokens / (tokens + 1e-8), number(rejected, "rollout_corr/rollout_rs_masked_fraction"),
                1e-12);
        for (String key : List.of("actor/pg_loss", "actor/grad_norm", "actor/entropy", "actor/pg_clipfrac",
                "critic/advantages/mean")) {
            assertEquals(reference.get(key), rejected.get(key), key);
        }
        List<dev.reason4j.model.Parameter> after = rejecting.policy().parameters();
        List<dev.reason4j.model.Parameter> expected = masked.policy().parameters();
        for (int i = 0; i < after.size(); i++) {
            assertArrayEquals(expected.get(i).data(), after.get(i).data(), after.get(i).name());
        }
    }

    /**
     * Rollouts an older policy sampled (policyVersion 0 at step 2) get π_old recomputed: PPO's ratio is 1 on the
     * first forward; the same rollouts passed off as current are not, and the step's ratio starts away from 1.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void staleRolloutsGetTheirOldPolicyRecomputed(boolean recordVersion) throws Exception {
        List<Rollout> first = new ArrayList<>();
        RolloutWorker replay = changing(rollouts -> {
            if (first.isEmpty()) {
                first.addAll(rollouts);
                return rollouts;
            }
            return first.stream().map(r -> recordVersion ? r.withPolicyVersion(0) : r).toList();
        });
        RlTrainer trainer = trainer(config(), replay);
        assertEquals(0.0, number(trainer.step(1), "actor/ppo_kl"));
        Map<String, Object> stale = trainer.step(2);
        assertTrue(number(stale, "training/rollout_probs_diff_max") > 0, "the policy moved since sampling");
        if (recordVersion) {
            assertEquals(0.0, number(stale, "actor/ppo_kl"));
        } else {
            assertNotEquals(0.0, number(stale, "actor/ppo_kl"));
        }
    }

    /** Correction on Reason4j's own, exact engine: π_old recomputed is the rollout's, every weight 1, no change. */
    @Test
    void correctionOnTheExactEngineChangesNoNumber() throws Exception {
        Map<String, Object> plain = trainer(config()).step(1);
        Map<String, Object> corrected = trainer(config("algorithm.rollout_correction.rollout_is=sequence",
                "algorithm.rollout_correction.rollout_rs=geometric",
                "algorithm.rollout_correction.rollout_rs_threshold=1.0001")).step(1);
        assertEquals(1.0, number(corrected, "rollout_corr/rollout_is_max"));
        assertEquals(1.0, number(corrected, "rollout_corr/rollout_is_min"));
        assertEquals(0.0, number(corrected, "rollout_corr/rollout_rs_masked_fraction"));
        for (String key : List.of("actor/pg_loss", "actor/grad_norm", "actor/entropy", "actor/ppo_kl",
                "training/rollout_probs_diff_max", "rollout_corr/kl")) {
            assertEquals(plain.get(key), corrected.get(key), key);
        }
    }

    @Test
    void badRolloutCorrectionSettingsAreNamed() {
        assertEquals("algorithm.rollout_correction: rollout_rs_threshold must be set when rollout_rs is token "
                        + "(verl requires it too)",
                assertThrows(IllegalArgumentException.class, () -> trainer(config(
                        "algorithm.rollout_correction.rollout_rs=token"))).getMessage());
        assertEquals("algorithm.rollout_correction: unknown rollout_is 'seq'; expected one of token, sequence, or null",
                assertThrows(IllegalArgumentException.class, () -> trainer(config(
                        "algorithm.rollout_correction.rollout_is=seq"))).getMessage());
    }

    private static Rollout rollout(Example example, int group, double reward) {
        return Rollout.singleTurn(example, group, new int[] {1}, new int[] {2}, new float[] {-1f}, false, false, "x",
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
