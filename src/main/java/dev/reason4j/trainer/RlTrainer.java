package dev.reason4j.trainer;

import dev.reason4j.algo.AdvantageConfig;
import dev.reason4j.algo.AdvantageEstimator;
import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.algo.AdvantageInput;
import dev.reason4j.algo.Advantages;
import dev.reason4j.algo.AdaptiveKlController;
import dev.reason4j.algo.EntropyLoss;
import dev.reason4j.algo.FixedKlController;
import dev.reason4j.algo.GlobalBatch;
import dev.reason4j.algo.KlController;
import dev.reason4j.algo.KlEstimator;
import dev.reason4j.algo.KlEstimators;
import dev.reason4j.algo.KlPenalty;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.algo.PolicyLoss;
import dev.reason4j.algo.PolicyLossConfig;
import dev.reason4j.algo.PolicyLossInput;
import dev.reason4j.algo.PolicyLossResult;
import dev.reason4j.algo.PolicyLosses;
import dev.reason4j.algo.ValueLoss;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One reinforcement-learning step, the whole loop in one place:
 * prompts → rollouts (n per prompt) → rewards → (KL in reward) → advantages → PPO-style epochs over mini-batches
 * of micro-batches → AdamW, with an optional critic (GAE) and a frozen reference model (KL).
 * Formulas come from {@code dev.reason4j.algo} (verl-exact); this class only moves data between them.
 */
public final class RlTrainer {
    /** Estimators that need a critic's values. */
    private static final Set<String> CRITIC_ESTIMATORS = Set.of("gae");

    private final Transformer policy;
    private final Transformer reference;       // null when no KL is used
    private final Transformer critic;          // null unless the estimator needs values
    private final ModelOptimizer actorOptimizer;
    private final ModelOptimizer criticOptimizer;
    private final RolloutWorker worker;
    private final PromptSource prompts;

    private final String estimatorName;
    private final AdvantageEstimator estimator;
    private final AdvantageConfig advantageConfig;
    private final PolicyLoss policyLoss;
    private final PolicyLossConfig policyLossConfig;
    private final SamplingParams sampling;
    private final int promptsPerStep;
    private final BatchSplit actorSplit;
    private final BatchSplit criticSplit;
    private final double entropyCoeff;
    private final boolean useKlLoss;
    private final double klLossCoef;
    private final KlEstimator klLossEstimator;
    private final boolean useKlInReward;
    private final KlEstimator klRewardEstimator;
    private final Config klControllerSettings;
    private KlController klController;
    private final double cliprangeValue;
    private final LossAggregation criticAggregation;
    private final boolean dynamicSampling;
    private final int maxGenBatches;
    private final long seed;
    private final boolean recompute;   // actor.recompute: activation recomputation for the policy's backward

    public RlTrainer(Config config, Transformer policy, RolloutWorker worker, PromptSource prompts) {
        this.policy = policy;
        this.worker = worker;
        this.prompts = prompts;
        this.seed = config.getInt("data.seed");
        this.recompute = config.getBoolean("actor.recompute");
        int totalSteps = config.getInt("trainer.total_steps");

        Config actor = config.section("actor");
        Config algorithm = config.section("algorithm");
        this.estimatorName = algorithm.getString("adv_estimator");
        this.estimator = AdvantageEstimators.get(estimatorName);
        this.advantageConfig = AdvantageConfig.DEFAULT.withGamma(algorithm.getDouble("gamma"))
                .withLambda(algorithm.getDouble("lam"))
                .withNormAdvByStd(algorithm.getBoolean("norm_adv_by_std_in_grpo"));
        this.policyLoss = PolicyLosses.get(actor.getString("policy_loss"));
        this.policyLossConfig = PolicyLossConfig.DEFAULT
                .withClipRange(actor.getDouble("clip_ratio_low"), actor.getDouble("clip_ratio_high"))
                .withClipRatioC(actor.getDouble("clip_ratio_c"))
                .withLossAggMode(LossAggregation.of(actor.getString("loss_agg_mode")));
        this.actorSplit = BatchSplit.of(actor, "actor");
        this.entropyCoeff = actor.getDouble("entropy_coeff");
        this.useKlLoss = actor.getBoolean("use_kl_loss");
        this.klLossCoef = actor.getDouble("kl_loss_coef");
        this.klLossEstimator = KlEstimators.get(actor.getString("kl_loss_type"));
        this.useKlInReward = algorithm.getBoolean("use_kl_in_reward");
        this.klRewardEstimator = KlEstimators.get(algorithm.getString("kl_penalty"));
        Config klCtrl = algorithm.section("kl_ctrl");
        this.klControllerSettings = klCtrl;
        this.klController = klController(klCtrl.getDouble("kl_coef"));
        this.promptsPerStep = config.getInt("data.train_batch_size");
        this.dynamicSampling = config.getBoolean("dynamic_sampling.enable");
        this.maxGenBatches = config.getInt("dynamic_sampling.max_num_gen_batches");

        Config rollout = config.section("rollout");
        this.sampling = new SamplingParams(rollout.getInt("n"), config.getInt("data.max_response_length"),
                (float) rollout.getDouble("temperature"), Math.max(0, rollout.getInt("top_k")),
                (float) rollout.getDouble("top_p"), (float) rollout.getDouble("min_p"), seed,
                stopTokens(worker));

        this.actorOptimizer = new ModelOptimizer(policy, actor, actorSplit.optimizerSteps(totalSteps, promptsPerStep));
        this.reference = useKlLoss || useKlInReward ? policy.copy() : null;
        if (CRITIC_ESTIMATORS.contains(estimatorName)) {
            this.critic = policy.copy();
            this.critic.addValueHead(seed + 1);
            Config criticSection = config.section("critic");
            this.criticSplit = BatchSplit.of(criticSection, "critic");
            this.criticOptimizer = new ModelOptimizer(critic, criticSection,
                    criticSplit.optimizerSteps(totalSteps, promptsPerStep));
            this.cliprangeValue = criticSection.getDouble("cliprange_value");
            this.criticAggregation = LossAggregation.of(criticSection.getString("loss_agg_mode"));
        } else {
            this.critic = null;
            this.criticSplit = null;
            this.criticOptimizer = null;
            this.cliprangeValue = 0;
            this.criticAggregation = LossAggregation.TOKEN_MEAN;
        }
    }

    private KlController klController(double coefficient) {
        return klControllerSettings.getString("type").equals("adaptive")
                ? new AdaptiveKlController(coefficient, klControllerSettings.getDouble("target_kl"),
                        klControllerSettings.getInt("horizon"))
                : new FixedKlController(coefficient);
    }

    /** Continues with the KL coefficient a checkpoint saved (the adaptive controller's state). */
    public void restoreKlCoefficient(double coefficient) {
        klController = klController(coefficient);
    }

    private static int[] stopTokens(RolloutWorker worker) {
        return worker.tokenizer().eosTokenId().stream().toArray();
    }

    public Transformer policy() {
        return policy;
    }

    public Transformer critic() {
        return critic;
    }

    public ModelOptimizer actorOptimizer() {
        return actorOptimizer;
    }

    public ModelOptimizer criticOptimizer() {
        return criticOptimizer;
    }

    public PromptSource prompts() {
        return prompts;
    }

    public KlController klController() {
        return klController;
    }

    /** Runs step {@code step} (1-based) and returns its metrics. */
    public Map<String, Object> step(int step) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step", step);
        long start = System.nanoTime();

        // 1. Rollouts, with DAPO dynamic sampling: keep only groups whose rewards differ, sample more if short.
        List<Rollout> batch = new ArrayList<>();
        List<Rollout> generated = new ArrayList<>();
        int generationBatches = 0;
        int nextGroup = 0;
        do {
            List<Example> examples = prompts.next(promptsPerStep);
            SamplingParams params = sampling.withSeed(PromptSource.mix(PromptSource.mix(seed, step), generationBatches));
            List<Rollout> rollouts = worker.rollout(policy, examples, params, nextGroup);
            nextGroup += examples.size();
            generationBatches++;
            generated.addAll(rollouts);
            batch.addAll(dynamicSampling ? informativeGroups(rollouts) : rollouts);
        } while (dynamicSampling && groupCount(batch) < promptsPerStep
                && (maxGenBatches == 0 || generationBatches < maxGenBatches));
        if (dynamicSampling) {
            batch = firstGroups(batch, promptsPerStep);
            metrics.put("dynamic_sampling/generation_batches", generationBatches);
            metrics.put("dynamic_sampling/kept_groups", groupCount(batch));
        }
        long generatedAt = System.nanoTime();
        putRolloutMetrics(metrics, generated);
        if (batch.isEmpty()) {
            metrics.put("skipped", "every group had identical rewards");
            metrics.put("timing/step_s", (System.nanoTime() - start) / 1e9);
            return metrics;
        }

        // 2. Tensors of the batch: [B][R] response matrices, R the longest response.
        Batch tensors = Batch.of(batch);
        double[][] refLogProbs = reference == null ? null : responseLogProbs(reference, batch, tensors);
        double[][] values = critic == null ? null : responseValues(critic, batch, tensors);

        // 3. Rewards on the last response token, minus β·KL per token when KL is folded into the reward.
        double[][] tokenLevelRewards = new double[tensors.size][tensors.width];
        for (int b = 0; b < tensors.size; b++) {
            int last = batch.get(b).responseTokens().length - 1;
            if (last >= 0) {
                tokenLevelRewards[b][last] = batch.get(b).reward().reward();
            }
        }
        if (useKlInReward) {
            KlPenalty.PenalizedRewards penalized = KlPenalty.applyToRewards(tokenLevelRewards, tensors.oldLogProbs,
                    refLogProbs, tensors.responseMask, klController, klRewardEstimator);
            tokenLevelRewards = penalized.tokenLevelRewards();
            metrics.put("actor/reward_kl_penalty", penalized.currentKl());
            metrics.put("actor/reward_kl_penalty_coeff", penalized.coefficient());
        }

        // 4. Advantages (ReMax's baseline: the reward of a greedy response to the same prompt).
        double[] rewardBaselines = estimatorName.equals("remax") ? greedyRewards(batch, step, metrics) : null;
        Advantages advantages = estimator.compute(new AdvantageInput(tokenLevelRewards, tensors.responseMask,
                tensors.groupIds, values, rewardBaselines, advantageConfig));
        metrics.put("critic/advantages/mean", maskedMean(advantages.advantages(), tensors.responseMask));
        long preparedAt = System.nanoTime();

        // 5. Policy (and critic) updates.
        updateActor(step, batch, tensors, advantages.advantages(), refLogProbs, metrics);
        if (critic != null) {
            updateCritic(step, batch, tensors, advantages.returns(), values, metrics);
        }
        long end = System.nanoTime();

        int tokens = 0;
        for (Rollout rollout : batch) {
            tokens += rollout.promptTokens().length + rollout.responseTokens().length;
        }
        metrics.put("perf/tokens_per_s", tokens / ((end - start) / 1e9));
        metrics.put("timing/generate_s", (generatedAt - start) / 1e9);
        metrics.put("timing/prepare_s", (preparedAt - generatedAt) / 1e9);
        metrics.put("timing/update_s", (end - preparedAt) / 1e9);
        metrics.put("timing/step_s", (end - start) / 1e9);
        return metrics;
    }

    /** ReMax (Li et al. 2023, arXiv:2310.10505): each row's baseline is the reward of its prompt's greedy answer. */
    private double[] greedyRewards(List<Rollout> batch, int step, Map<String, Object> metrics) {
        Map<Integer, Example> promptOfGroup = new LinkedHashMap<>();
        for (Rollout rollout : batch) {
            promptOfGroup.putIfAbsent(rollout.group(), rollout.example());
        }
        List<Integer> groups = new ArrayList<>(promptOfGroup.keySet());
        List<Rollout> greedy = worker.rollout(policy, new ArrayList<>(promptOfGroup.values()),
                sampling.withN(1).withTemperature(0f).withSeed(seed + step), 0);
        Map<Integer, Double> baselineOfGroup = new LinkedHashMap<>();
        double sum = 0;
        for (Rollout rollout : greedy) {
            baselineOfGroup.put(groups.get(rollout.group()), rollout.reward().reward());
            sum += rollout.reward().reward();
        }
        metrics.put("reward/greedy_baseline_mean", sum / Math.max(1, greedy.size()));
        double[] baselines = new double[batch.size()];
        for (int b = 0; b < batch.size(); b++) {
            baselines[b] = baselineOfGroup.get(batch.get(b).group());
        }
        return baselines;
    }

    private void updateActor(int step, List<Rollout> batch, Batch tensors, double[][] advantages,
                             double[][] refLogProbs, Map<String, Object> metrics) {
        Random shuffle = new Random(PromptSource.mix(seed, step));
        Accumulator accumulator = new Accumulator();
        ForwardOptions options = ForwardOptions.training().withTemperature(sampling.temperature())
                .withEntropy(true).withRecompute(recompute);
        for (int epoch = 0; epoch < actorSplit.epochs(); epoch++) {
            forEachMicroBatch(tensors, tensors.order(epoch == 0 ? null : shuffle), actorSplit,
                    (rows, globalBatch, share) -> {
                ForwardResult forward = policy.forward(sequences(batch, rows), options);
                double[][] logProbs = tensors.sliceResponses(rows, forward.logProbs);
                double[][] mask = tensors.rows(tensors.responseMask, rows);
                PolicyLossResult pg = policyLoss.compute(new PolicyLossInput(tensors.rows(tensors.oldLogProbs,
                        rows), logProbs, tensors.rows(advantages, rows), mask, policyLossConfig, globalBatch));
                double[][] gradLogProbs = pg.gradLogProbs();
                EntropyLoss.Result<double[][]> entropy = EntropyLoss.fromEntropies(
                        tensors.sliceResponses(rows, forward.entropy), mask, policyLossConfig.lossAggMode(), null,
                        globalBatch);
                accumulator.addPart("actor/pg_loss", pg.loss(), share);
                accumulator.addPart("actor/entropy", entropy.loss(), share);
                pg.metrics().forEach((name, value) -> accumulator.add(name, value, share));
                if (useKlLoss) {
                    KlPenalty.KlLoss kl = KlPenalty.loss(klLossEstimator, logProbs, tensors.rows(refLogProbs, rows),
                            mask, policyLossConfig.lossAggMode(), null, globalBatch);
                    addScaled(gradLogProbs, kl.gradLogProbs(), klLossCoef);
                    accumulator.addPart("actor/kl_loss", kl.loss(), share);
                }
                // loss = pg + β·KL − entropy_coeff·H: the entropy term's gradient flows through the model's entropy.
                policy.backward(forward, tensors.toSequenceGrads(rows, gradLogProbs, forward.logProbs),
                        entropyCoeff == 0 ? null : tensors.toSequenceGrads(rows,
                                scaled(entropy.grad(), -entropyCoeff), forward.logProbs), null);
            }, () -> {
                accumulator.add("actor/lr", actorOptimizer.learningRate(), 1);
                accumulator.add("actor/grad_norm", actorOptimizer.step(), 1);
            });
        }
        accumulator.putMeans(metrics);
    }

    private void updateCritic(int step, List<Rollout> batch, Batch tensors, double[][] returns, double[][] oldValues,
                              Map<String, Object> metrics) {
        Accumulator accumulator = new Accumulator();
        ForwardOptions options = ForwardOptions.training().withLogProbs(false).withValues(true);
        Random shuffle = new Random(PromptSource.mix(seed + 1, step));
        for (int epoch = 0; epoch < criticSplit.epochs(); epoch++) {
            forEachMicroBatch(tensors, tensors.order(epoch == 0 ? null : shuffle), criticSplit,
                    (rows, globalBatch, share) -> {
                ForwardResult forward = critic.forward(sequences(batch, rows), options);
                ValueLoss.Result loss = ValueLoss.compute(tensors.sliceResponses(rows, forward.values),
                        tensors.rows(returns, rows), tensors.rows(oldValues, rows),
                        tensors.rows(tensors.responseMask, rows), cliprangeValue, criticAggregation, null,
                        globalBatch);
                accumulator.addPart("critic/vf_loss", loss.loss(), share);
                accumulator.add("critic/vf_clipfrac", loss.clipfrac(), share);
                critic.backward(forward, null, null,
                        tensors.toSequenceGrads(rows, loss.gradVpreds(), forward.values));
            }, () -> accumulator.add("critic/grad_norm", criticOptimizer.step(), 1));
        }
        accumulator.putMeans(metrics);
    }

    /**
     * How a model's update splits a step's batch (verl's {@code ppo_epochs}, {@code ppo_mini_batch_size} in
     * prompts, {@code ppo_micro_batch_size} in sequences).
     */
    record BatchSplit(int epochs, int miniBatchPrompts, int microBatchSize) {
        static BatchSplit of(Config section, String name) {
            BatchSplit split = new BatchSplit(section.getInt("ppo_epochs"), section.getInt("ppo_mini_batch_size"),
                    section.getInt("ppo_micro_batch_size"));
            if (split.epochs < 1 || split.miniBatchPrompts < 1 || split.microBatchSize < 1) {
                throw new IllegalArgumentException(name + ".ppo_epochs, ppo_mini_batch_size and ppo_micro_batch_size"
                        + " must be at least 1, got " + split);
            }
            return split;
        }

        /** Optimizer steps over a run (for the learning-rate schedule). */
        long optimizerSteps(int trainerSteps, int promptsPerStep) {
            return (long) trainerSteps * epochs * ((promptsPerStep + miniBatchPrompts - 1) / miniBatchPrompts);
        }
    }

    /** One micro-batch: its rows of the batch, its mini-batch's counts, and its share of the mini-batch's rows. */
    @FunctionalInterface
    private interface MicroBatchStep {
        void run(int[] rows, GlobalBatch globalBatch, double share);
    }

    /**
     * Splits {@code order} into mini-batches (one optimizer step each, {@code afterMiniBatch}) of micro-batches
     * (one forward/backward each). Losses are aggregated with the mini-batch's counts ({@link GlobalBatch}), so
     * the accumulated micro-batch gradients are exactly the mini-batch's.
     */
    private void forEachMicroBatch(Batch tensors, int[] order, BatchSplit split, MicroBatchStep step,
                                   Runnable afterMiniBatch) {
        int miniBatchSequences = split.miniBatchPrompts() * sampling.n();
        int microBatchSize = split.microBatchSize();
        for (int miniStart = 0; miniStart < order.length; miniStart += miniBatchSequences) {
            int miniEnd = Math.min(order.length, miniStart + miniBatchSequences);
            int[] miniRows = java.util.Arrays.copyOfRange(order, miniStart, miniEnd);
            GlobalBatch globalBatch = GlobalBatch.of(tensors.rows(tensors.responseMask, miniRows));
            for (int microStart = 0; microStart < miniRows.length; microStart += microBatchSize) {
                int[] rows = java.util.Arrays.copyOfRange(miniRows, microStart,
                        Math.min(miniRows.length, microStart + microBatchSize));
                step.run(rows, globalBatch, rows.length / (double) miniRows.length);
            }
            afterMiniBatch.run();
        }
    }

    private static List<int[]> sequences(List<Rollout> batch, int[] rows) {
        List<int[]> sequences = new ArrayList<>(rows.length);
        for (int row : rows) {
            sequences.add(batch.get(row).sequence());
        }
        return sequences;
    }

    /** log π_ref (or any frozen model's) of each response token, [B][R]. */
    private double[][] responseLogProbs(Transformer model, List<Rollout> batch, Batch tensors) {
        ForwardResult forward = model.forward(sequences(batch, tensors.order(null)),
                ForwardOptions.inference().withTemperature(sampling.temperature()));
        return tensors.sliceResponses(tensors.order(null), forward.logProbs);
    }

    private double[][] responseValues(Transformer model, List<Rollout> batch, Batch tensors) {
        ForwardResult forward = model.forward(sequences(batch, tensors.order(null)),
                ForwardOptions.inference().withLogProbs(false).withValues(true));
        return tensors.sliceResponses(tensors.order(null), forward.values);
    }

    private static void putRolloutMetrics(Map<String, Object> metrics, List<Rollout> rollouts) {
        double reward = 0;
        double length = 0;
        double truncated = 0;
        double correct = 0;
        List<RewardResult> results = new ArrayList<>(rollouts.size());
        for (Rollout rollout : rollouts) {
            reward += rollout.reward().reward();
            length += rollout.responseTokens().length;
            truncated += rollout.truncated() ? 1 : 0;
            correct += rollout.reward().reward() >= Evaluator.CORRECT_THRESHOLD ? 1 : 0;
            results.add(rollout.reward());
        }
        int count = Math.max(1, rollouts.size());
        metrics.put("reward/mean", reward / count);
        metrics.put("reward/accuracy", correct / count);
        for (Map.Entry<String, Double> metric : RewardResult.meanMetrics(results).entrySet()) {
            metrics.put("reward/" + metric.getKey(), metric.getValue());
        }
        metrics.put("response_length/mean", length / count);
        metrics.put("response_length/clip_ratio", truncated / count);
    }

    /** The rollouts of groups whose rewards are not all equal (a uniform group has zero GRPO advantage). */
    static List<Rollout> informativeGroups(List<Rollout> rollouts) {
        Map<Integer, List<Rollout>> byGroup = new LinkedHashMap<>();
        for (Rollout rollout : rollouts) {
            byGroup.computeIfAbsent(rollout.group(), g -> new ArrayList<>()).add(rollout);
        }
        List<Rollout> kept = new ArrayList<>();
        for (List<Rollout> group : byGroup.values()) {
            double first = group.get(0).reward().reward();
            if (group.stream().anyMatch(r -> r.reward().reward() != first)) {
                kept.addAll(group);
            }
        }
        return kept;
    }

    private static int groupCount(List<Rollout> rollouts) {
        return (int) rollouts.stream().mapToInt(Rollout::group).distinct().count();
    }

    private static List<Rollout> firstGroups(List<Rollout> rollouts, int groups) {
        List<Integer> keep = rollouts.stream().map(Rollout::group).distinct().limit(groups).toList();
        return rollouts.stream().filter(r -> keep.contains(r.group())).toList();
    }

    private static double[][] scaled(double[][] matrix, double factor) {
        double[][] out = new double[matrix.length][];
        for (int b = 0; b < matrix.length; b++) {
            out[b] = new double[matrix[b].length];
            for (int t = 0; t < matrix[b].length; t++) {
                out[b][t] = matrix[b][t] * factor;
            }
        }
        return out;
    }

    private static void addScaled(double[][] target, double[][] addend, double factor) {
        for (int b = 0; b < target.length; b++) {
            for (int t = 0; t < target[b].length; t++) {
                target[b][t] += addend[b][t] * factor;
            }
        }
    }

    private static double maskedMean(double[][] matrix, double[][] mask) {
        double sum = 0;
        double count = 0;
        for (int b = 0; b < matrix.length; b++) {
            for (int t = 0; t < matrix[b].length; t++) {
                sum += matrix[b][t] * mask[b][t];
                count += mask[b][t];
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    /** Weighted means of per-micro-batch metrics over a step. */
    private static final class Accumulator {
        private final Map<String, double[]> sums = new LinkedHashMap<>();

        void add(String name, double value, double weight) {
            double[] sum = sums.computeIfAbsent(name, n -> new double[2]);
            sum[0] += value * weight;
            sum[1] += weight;
        }

        /**
         * A micro-batch's part of a mini-batch total (a loss aggregated with {@link GlobalBatch}: the parts sum to
         * the mini-batch's loss). Weighted by share, so the mean is the mean over mini-batches of their totals.
         */
        void addPart(String name, double part, double share) {
            add(name, part / share, share);
        }

        void putMeans(Map<String, Object> metrics) {
            sums.forEach((name, sum) -> metrics.put(name, sum[1] == 0 ? 0 : sum[0] / sum[1]));
        }
    }

    /**
     * The batch as verl's [B][R] response matrices (R = the longest response, right-padded with mask 0), and the
     * mapping between them and the model's per-sequence arrays, where response token j of a sequence with prompt
     * length P is predicted at position P − 1 + j.
     */
    static final class Batch {
        final int size;
        final int width;
        final int[] promptLengths;
        final int[] responseLengths;
        final double[][] responseMask;
        final double[][] oldLogProbs;
        final int[] groupIds;

        private Batch(List<Rollout> rollouts) {
            size = rollouts.size();
            promptLengths = new int[size];
            responseLengths = new int[size];
            groupIds = new int[size];
            int longest = 0;
            for (int b = 0; b < size; b++) {
                promptLengths[b] = rollouts.get(b).promptTokens().length;
                responseLengths[b] = rollouts.get(b).responseTokens().length;
                groupIds[b] = rollouts.get(b).group();
                longest = Math.max(longest, responseLengths[b]);
            }
            width = longest;
            responseMask = new double[size][width];
            oldLogProbs = new double[size][width];
            for (int b = 0; b < size; b++) {
                float[] logProbs = rollouts.get(b).logProbs();
                for (int t = 0; t < responseLengths[b]; t++) {
                    responseMask[b][t] = 1;
                    oldLogProbs[b][t] = logProbs[t];
                }
            }
        }

        static Batch of(List<Rollout> rollouts) {
            return new Batch(rollouts);
        }

        /** 0..B-1, or a seeded shuffle of it. */
        int[] order(Random shuffle) {
            int[] order = new int[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            if (shuffle != null) {
                for (int i = size - 1; i > 0; i--) {
                    int j = shuffle.nextInt(i + 1);
                    int swap = order[i];
                    order[i] = order[j];
                    order[j] = swap;
                }
            }
            return order;
        }

        double[][] rows(double[][] matrix, int[] rows) {
            double[][] out = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                out[i] = matrix[rows[i]];
            }
            return out;
        }

        /** Per-sequence model outputs (indexed by position) → [rows][R] response matrix. */
        double[][] sliceResponses(int[] rows, float[][] perSequence) {
            double[][] out = new double[rows.length][width];
            for (int i = 0; i < rows.length; i++) {
                int row = rows[i];
                int first = promptLengths[row] - 1;
                for (int t = 0; t < responseLengths[row]; t++) {
                    out[i][t] = perSequence[i][first + t];
                }
            }
            return out;
        }

        /** [rows][R] gradient → per-sequence arrays shaped like {@code like}, zero outside the response. */
        float[][] toSequenceGrads(int[] rows, double[][] responseGrads, float[][] like) {
            float[][] out = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                int row = rows[i];
                out[i] = new float[like[i].length];
                int first = promptLengths[row] - 1;
                for (int t = 0; t < responseLengths[row]; t++) {
                    out[i][first + t] = (float) responseGrads[i][t];
                }
            }
            return out;
        }
    }
}
