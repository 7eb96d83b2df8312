package dev.reason4j.trainer;

import dev.reason4j.config.Seeds;
import dev.reason4j.algo.AdvantageInput;
import dev.reason4j.algo.Advantages;
import dev.reason4j.algo.EntropyLoss;
import dev.reason4j.algo.GlobalBatch;
import dev.reason4j.algo.KlController;
import dev.reason4j.algo.KlPenalty;
import dev.reason4j.algo.Masked;
import dev.reason4j.algo.PolicyLossInput;
import dev.reason4j.algo.PolicyLossResult;
import dev.reason4j.algo.RolloutCorrection;
import dev.reason4j.algo.RolloutCorrectionConfig;
import dev.reason4j.algo.ValueLoss;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardCheck;
import dev.reason4j.reward.RewardNormalizer;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * One reinforcement-learning step, the whole loop in one place:
 * prompts → rollouts (n per prompt, each scored) → (KL in reward) → advantages → epochs over mini-batches of
 * micro-batches: loss, backward, then one optimizer step per mini-batch; with a critic when the estimator needs
 * values (GAE) and a frozen reference model when a KL is used. Rollouts from another engine or an older policy get
 * π_old recomputed and verl's rollout correction (IS weights, rejection).
 * Formulas come from {@code dev.reason4j.algo} (verl-exact); this class only moves data between them.
 */
public final class RlTrainer {
    private final RlConfig config;
    private final Transformer policy;
    private final Transformer reference;       // null when no KL is used
    private final Transformer critic;          // null unless the estimator needs values
    private final ModelOptimizer actorOptimizer;
    private final ModelOptimizer criticOptimizer;
    private final RolloutWorker worker;
    private final PromptSource prompts;
    private final SamplingParams sampling;
    private final RewardNormalizer rewardNormalizer;
    private KlController klController;
    private boolean fleetStale;   // the weights changed outside a step (a restore): sync before sampling
    private final java.util.ArrayDeque<Ahead> ahead = new java.util.ArrayDeque<>();   // async sampling only
    private java.util.concurrent.ExecutorService samplingThread;                      // created when first used
    private StepRollouts lastRollouts;   // the last step's rollouts, for the run's samples file

    public RlTrainer(Config config, Transformer policy, RolloutWorker worker, PromptSource prompts) {
        this.config = RlConfig.from(config, worker.tokenizer().eosTokenId().stream().toArray());
        this.policy = policy;
        this.worker = worker;
        this.prompts = prompts;
        this.sampling = this.config.rollouts().sampling();
        this.rewardNormalizer = RewardNormalizer.from(config.section("reward"));
        this.klController = this.config.kl().controller(this.config.kl().klCoef());
        int promptsPerStep = this.config.rollouts().promptsPerStep();
        int totalSteps = this.config.totalSteps();
        RlConfig.Actor actor = this.config.actor();
        this.actorOptimizer = new ModelOptimizer(policy, actor.optimizer(),
                actor.split().optimizerSteps(totalSteps, promptsPerStep));
        this.reference = this.config.kl().needsReference() ? policy.copy() : null;
        RlConfig.Critic criticConfig = this.config.critic();
        if (criticConfig != null) {
            this.critic = policy.copy();
            this.critic.addValueHead(this.config.seed() + 1);
            this.criticOptimizer = new ModelOptimizer(critic, criticConfig.optimizer(),
                    criticConfig.split().optimizerSteps(totalSteps, promptsPerStep));
        } else {
            this.critic = null;
            this.criticOptimizer = null;
        }
    }

    public Transformer policy() {
        return policy;
    }

    /** The tokenizer the rollouts were sampled with. */
    public dev.reason4j.tokenizer.Tokenizer tokenizer() {
        return worker.tokenizer();
    }

    /** What the last {@link #step} sampled and computed per token; null before the first step. */
    public StepRollouts lastRollouts() {
        return lastRollouts;
    }

    /**
     * What a checkpoint keeps beside the model and optimizer files: the data position, the KL coefficient and the
     * running reward moments of {@code reward.normalize=running}.
     */
    public record State(long promptPosition, double klCoefficient, RewardNormalizer.Moments rewardMoments) {
    }

    /**
     * Writes the policy ({@code policy/}), its optimizer ({@code actor_optimizer.safetensors}) and, with a critic,
     * {@code critic/} and {@code critic_optimizer.safetensors} into {@code directory}; returns the rest of the state.
     */
    public State saveState(Path directory) throws IOException {
        policy.save(directory.resolve("policy"));
        actorOptimizer.save(directory.resolve("actor_optimizer.safetensors"));
        if (critic != null) {
            critic.save(directory.resolve("critic"));
            criticOptimizer.save(directory.resolve("critic_optimizer.safetensors"));
        }
        long position = ahead.isEmpty() ? prompts.position()
                : Futures.join(ahead.peekFirst().sampled()).promptPosition();   // the next untrained batch's
        return new State(position, klController.value(), rewardNormalizer.moments());
    }

    /**
     * Loads what {@link #saveState} wrote, so the next step is the one an uninterrupted run would take. A broken
     * file is named in the error.
     */
    public void restoreState(Path directory, State state) {
        if (!ahead.isEmpty()) {
            throw new IllegalStateException("restoreState after steps have run: batches are being sampled ahead");
        }
        fleetStale = true;   // a remote fleet gets the restored weights before the next step samples
        Checkpoints.loadWeights(directory.resolve("policy"), policy);
        Checkpoints.loadOptimizer(actorOptimizer, directory.resolve("actor_optimizer.safetensors"));
        if (critic != null) {
            Checkpoints.loadWeights(directory.resolve("critic"), critic);
            Checkpoints.loadOptimizer(criticOptimizer, directory.resolve("critic_optimizer.safetensors"));
        }
        prompts.seek(state.promptPosition());
        klController = config.kl().controller(state.klCoefficient());
        rewardNormalizer.restore(state.rewardMoments());
    }

    /**
     * Runs step {@code step} (1-based) and returns its metrics. Timings are under {@code time/}, so two runs with
     * the same config give the same metrics apart from those.
     */
    public Map<String, Object> step(int step) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step", step);
        long start = System.nanoTime();
        if (fleetStale) {
            syncWeights(step - 1);
            fleetStale = false;
        }

        // 1. Rollouts: n scored responses per prompt (DAPO dynamic sampling keeps only the informative groups),
        //    sampled now, or ahead while earlier steps trained (async, up to max_staleness updates behind).
        Sampled sampled = sampled(step);
        List<Rollout> generated = sampled.generated();
        List<Rollout> kept = sampled.kept();
        metrics.putAll(sampled.metrics());
        requireSomeRewards(step, generated);
        putRolloutMetrics(metrics, generated);
        long generatedAt = System.nanoTime();
        if (kept.isEmpty()) {
            lastRollouts = new StepRollouts(step, generated, kept, null, null);
            metrics.put("skipped", "every group had identical rewards");
            metrics.put("time/step_s", (System.nanoTime() - start) / 1e9);
            return metrics;
        }
        // 1b. Normalisation and clipping of the rewards trained on (reward.normalize, reward.clip); the reward/
        //     metrics above stay the raw ones.
        if (rewardNormalizer.active()) {
            kept = normalizedRewards(kept, metrics);
        }

        // 2. The batch as [B][R] response matrices. π_old is the rollout's log-probs, unless they are not the
        //    training forward's at these weights (another engine, an older policy) or a correction is configured:
        //    then one forward pass recomputes them (verl's compute_log_prob). Reference log-probs and critic values
        //    when needed.
        Batch batch = new Batch(kept);
        if (recomputesOldLogProbs(kept)) {
            batch = batch.withOldLogProbs(responseLogProbs(policy, batch));
        }
        double[][] refLogProbs = reference == null ? null : responseLogProbs(reference, batch);
        double[][] values = critic == null ? null : responseValues(critic, batch);

        // 3. Rewards on the last sampled token of each turn, minus β·KL per token when KL is folded into the reward;
        //    the KL controller then adapts β to the KL measured (verl's apply_kl_penalty).
        double[][] tokenLevelRewards = batch.tokenRewards();
        if (config.kl().useKlInReward()) {
            KlPenalty.PenalizedRewards penalized = KlPenalty.applyToRewards(tokenLevelRewards, batch.oldLogProbs,
                    refLogProbs, batch.responseMask, klController.value(), config.kl().rewardEstimator());
            tokenLevelRewards = penalized.tokenLevelRewards();
            klController.update(penalized.currentKl(), batch.size);
            metrics.put("actor/reward_kl_penalty", penalized.currentKl());
            metrics.put("actor/reward_kl_penalty_coeff", penalized.coefficient());
        }

        // 3b. Rollout correction (verl's compute_rollout_correction_and_add_to_batch), when π_old was recomputed:
        //     IS weights for the policy loss, rejected tokens and sequences out of the response mask, and the
        //     mismatch metrics. Without recomputation the update measures the gap on its first forward instead.
        if (batch.recomputed()) {
            metrics.putAll(RolloutCorrection.probsDiff(batch.oldLogProbs, batch.rolloutLogProbs, batch.responseMask));
            RolloutCorrection.Result correction = RolloutCorrection.compute(batch.oldLogProbs, batch.rolloutLogProbs,
                    batch.responseMask, config.correction());
            batch = batch.withCorrection(correction.responseMask(), correction.isWeights());
            metrics.putAll(correction.metrics());
        }

        // 4. Advantages, with what the estimator says it needs (critic values, greedy baselines).
        double[] rewardBaselines = config.estimator().needsGreedyBaseline() ? greedyRewards(kept, step, metrics)
                : null;
        Advantages advantages = config.estimator().compute(new AdvantageInput(tokenLevelRewards,
                batch.responseMask, batch.groupIds, values, rewardBaselines, config.advantages()));
        metrics.put("critic/advantages/mean", Masked.mean(advantages.advantages(), batch.responseMask));
        long preparedAt = System.nanoTime();

        // 5. Policy (and critic) updates.
        double[][] entropies = updateActor(step, batch, advantages.advantages(), refLogProbs, metrics);
        lastRollouts = new StepRollouts(step, generated, kept, advantages.advantages(), entropies);
        if (critic != null) {
            updateCritic(step, batch, advantages.returns(), values, metrics);
        }
        long updatedAt = System.nanoTime();

        // 6. A remote fleet gets the new weights before the next step samples.
        syncWeights(step);
        long end = System.nanoTime();
        metrics.put("time/weight_sync_s", (end - updatedAt) / 1e9);
        worker.backend().counters().forEach((name, count) -> metrics.put("rollout/remote_" + name, count));

        int tokens = 0;
        for (Rollout rollout : kept) {
            tokens += rollout.promptTokens().length + rollout.responseTokens().length;
        }
        metrics.put("time/tokens_per_s", tokens / ((end - start) / 1e9));
        metrics.put("time/generate_s", (generatedAt - start) / 1e9);
        metrics.put("time/prepare_s", (preparedAt - generatedAt) / 1e9);
        metrics.put("time/update_s", (updatedAt - preparedAt) / 1e9);
        metrics.put("time/step_s", (end - start) / 1e9);
        return metrics;
    }

    /** One step's rollouts: all of them, those kept to train on, and the sampling's metrics. */
    private record Sampled(List<Rollout> generated, List<Rollout> kept, Map<String, Object> metrics,
                           long promptPosition) {
    }

    /** A batch being sampled ahead for {@code step}. */
    private record Ahead(int step, CompletableFuture<Sampled> sampled) {
    }

    /**
     * Step {@code step}'s rollouts. Synchronous: sampled now by the current policy. Async (max_staleness k > 0,
     * as AReaL and prime-rl): the batches of steps step..step+k are kept in flight on one sampling thread, each
     * sampled by a frozen copy of the weights it was submitted under (so at most k updates behind, and the run
     * reproduces: which weights sample which batch does not depend on timing), its rollouts stamped with that
     * policy version, so the trainer recomputes π_old for them.
     */
    private Sampled sampled(int step) {
        int staleness = config.rollouts().maxStaleness();
        if (staleness == 0) {
            return sample(step, policy, policyVersion());
        }
        if (!ahead.isEmpty() && ahead.peekFirst().step() != step) {
            throw new IllegalStateException("async sampling holds step " + ahead.peekFirst().step()
                    + " but step " + step + " was asked for");
        }
        int from = ahead.isEmpty() ? step : ahead.peekLast().step() + 1;
        int until = Math.min(step + staleness, Math.max(step, config.totalSteps()));   // nothing past the run
        if (from <= until) {
            Transformer frozen = policy.copy();    // the live weights change while the batches sample
            long version = policyVersion();
            for (int later = from; later <= until; later++) {
                int batchStep = later;
                ahead.add(new Ahead(batchStep, CompletableFuture.supplyAsync(
                        () -> sample(batchStep, frozen, version), samplingThread())));
            }
        }
        Sampled sampled = Futures.join(ahead.poll().sampled());
        Map<String, Object> metrics = new LinkedHashMap<>(sampled.metrics());
        if (!sampled.generated().isEmpty()) {
            metrics.put("async/staleness_optimizer_steps",
                    policyVersion() - sampled.generated().get(0).policyVersion());
        }
        return new Sampled(sampled.generated(), sampled.kept(), metrics, sampled.promptPosition());
    }

    private java.util.concurrent.ExecutorService samplingThread() {
        if (samplingThread == null) {
            samplingThread = java.util.concurrent.Executors.newSingleThreadExecutor(
                    Thread.ofPlatform().daemon().name("reason4j-async-sampling").factory());
        }
        return samplingThread;
    }

    /** Samples one step's batch with {@code sampler}'s weights, stamped with {@code version}. */
    private Sampled sample(int step, Transformer sampler, long version) {
        long position = prompts.position();
        Map<String, Object> metrics = new LinkedHashMap<>();
        List<Rollout> generated = new ArrayList<>();
        List<Rollout> kept = sampleRollouts(step, sampler, version, generated, metrics);
        return new Sampled(generated, kept, metrics, position);
    }

    /**
     * Samples {@code data.train_batch_size} prompts' rollouts into {@code generated} and returns those to train on:
     * all of them, or with DAPO dynamic sampling (Yu et al. 2025, arXiv:2503.14476) the groups whose rewards
     * differ, sampling more batches until there are enough (or {@code max_num_gen_batches} is reached).
     */
    private List<Rollout> sampleRollouts(int step, Transformer sampler, long version, List<Rollout> generated,
                                         Map<String, Object> metrics) {
        RlConfig.Rollouts settings = config.rollouts();
        List<Rollout> kept = new ArrayList<>();
        int generationBatches = 0;
        int nextGroup = 0;
        do {
            List<Example> examples = prompts.next(settings.promptsPerStep());
            SamplingParams params = sampling.withSeed(Seeds.mix(Seeds.mix(config.seed(), step), generationBatches));
            List<Rollout> rollouts = versioned(worker.rollout(sampler, examples, params, nextGroup), version);
            nextGroup += examples.size();
            generationBatches++;
            generated.addAll(rollouts);
            kept.addAll(settings.dynamicSampling() ? informativeGroups(rollouts) : rollouts);
        } while (settings.dynamicSampling() && groupCount(kept) < settings.promptsPerStep()
                && (settings.maxGenBatches() == 0 || generationBatches < settings.maxGenBatches()));
        if (settings.dynamicSampling()) {
            kept = firstGroups(kept, settings.promptsPerStep());
            metrics.put("dynamic_sampling/generation_batches", generationBatches);
            metrics.put("dynamic_sampling/kept_groups", groupCount(kept));
        }
        return kept;
    }

    private void syncWeights(int step) {
        try {
            worker.backend().weightsUpdated(policy, step);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("step " + step + ": " + e.getMessage(), e);
        }
    }

    /** The policy version: optimizer steps taken so far. */
    private long policyVersion() {
        return actorOptimizer.steps();
    }

    /** Records the sampling policy's version on rollouts whose sampler did not. */
    private static List<Rollout> versioned(List<Rollout> rollouts, long version) {
        List<Rollout> out = new ArrayList<>(rollouts.size());
        for (Rollout rollout : rollouts) {
            out.add(rollout.policyVersion() == Rollout.UNVERSIONED ? rollout.withPolicyVersion(version) : rollout);
        }
        return out;
    }

    /**
     * Whether π_old must come from the training forward: always when a correction is configured, never in bypass
     * mode, and otherwise when a rollout's log-probs are another engine's or an older policy's.
     */
    private boolean recomputesOldLogProbs(List<Rollout> rollouts) {
        RolloutCorrectionConfig correction = config.correction();
        if (correction.bypassMode()) {
            return false;
        }
        if (correction.corrects()) {
            return true;
        }
        for (Rollout rollout : rollouts) {
            if (!rollout.exactLogProbs() || rollout.policyVersion() < policyVersion()) {
                return true;
            }
        }
        return false;
    }

    /** ReMax (Li et al. 2023, arXiv:2310.10505): each row's baseline is the reward of its prompt's greedy answer. */
    private double[] greedyRewards(List<Rollout> batch, int step, Map<String, Object> metrics) {
        Map<Integer, Example> promptOfGroup = new LinkedHashMap<>();
        for (Rollout rollout : batch) {
            promptOfGroup.putIfAbsent(rollout.group(), rollout.example());
        }
        List<Integer> groups = new ArrayList<>(promptOfGroup.keySet());
        List<Rollout> greedy = worker.rollout(policy, new ArrayList<>(promptOfGroup.values()),
                sampling.withN(1).withTemperature(0f).withSeed(config.seed() + step), 0);
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

    /**
     * The policy update: per epoch, per mini-batch (one optimizer step), per micro-batch (one forward and
     * backward) of loss = pg + kl_loss_coef·KL − entropy_coeff·H. Each loss is aggregated with its mini-batch's
     * counts ({@link GlobalBatch}), so the micro-batches' accumulated gradients are exactly the mini-batch's.
     * Returns each row's per-token entropy from the first epoch's forwards, [B][R].
     */
    private double[][] updateActor(int step, Batch batch, double[][] advantages, double[][] refLogProbs,
                             Map<String, Object> metrics) {
        RlConfig.Actor actor = config.actor();
        RlConfig.Kl kl = config.kl();
        Random shuffle = new Random(Seeds.mix(config.seed(), step));
        Accumulator accumulator = new Accumulator();
        ForwardOptions options = ForwardOptions.training().withTemperature(sampling.temperature()).withEntropy(true)
                .withRecompute(actor.recompute());
        // Without recomputation, the gap to the rollout engine is measured on what is forwarded before the first
        // optimizer step, at the rollout's weights: all of the batch when one mini-batch covers it.
        boolean measureGap = !batch.recomputed();
        List<double[]> gapLogProbs = new ArrayList<>();
        List<Integer> gapRows = new ArrayList<>();
        double[][] firstEpochEntropies = new double[batch.size][];
        for (int epoch = 0; epoch < actor.split().epochs(); epoch++) {
            int[] order = epoch == 0 ? Seeds.identity(batch.size) : Seeds.shuffled(batch.size, shuffle);
            for (int[] miniBatch : actor.split().miniBatches(order, sampling.n())) {
                GlobalBatch globalBatch = GlobalBatch.of(batch.rows(batch.responseMask, miniBatch));
                for (int[] rows : actor.split().microBatches(miniBatch)) {
                    double share = rows.length / (double) miniBatch.length;
                    ForwardResult forward = policy.forward(batch.sequences(rows), options);
                    double[][] logProbs = batch.sliceResponses(rows, forward.logProbs);
                    double[][] mask = batch.rows(batch.responseMask, rows);
                    for (int i = 0; measureGap && i < rows.length; i++) {
                        gapLogProbs.add(logProbs[i]);
                        gapRows.add(rows[i]);
                    }

                    PolicyLossResult pg = actor.loss().compute(new PolicyLossInput(batch.rows(batch.oldLogProbs,
                            rows), logProbs, batch.rows(advantages, rows), mask, actor.lossConfig(), globalBatch,
                            batch.isWeights == null ? null : batch.rows(batch.isWeights, rows)));
                    double[][] gradLogProbs = pg.gradLogProbs();
                    double[][] entropies = batch.sliceResponses(rows, forward.entropy);
                    for (int i = 0; epoch == 0 && i < rows.length; i++) {
                        firstEpochEntropies[rows[i]] = entropies[i];
                    }
                    EntropyLoss.Result<double[][]> entropy = EntropyLoss.fromEntropies(entropies, mask,
                            actor.lossConfig().lossAggMode(), null, globalBatch);
                    accumulator.addPart("actor/pg_loss", pg.loss(), share);
                    accumulator.addPart("actor/entropy", entropy.loss(), share);
                    pg.metrics().forEach((name, value) -> accumulator.add(name, value, share));
                    if (kl.useKlLoss()) {
                        KlPenalty.KlLoss klLoss = KlPenalty.loss(kl.lossEstimator(), logProbs,
                                batch.rows(refLogProbs, rows), mask, actor.lossConfig().lossAggMode(), null,
                                globalBatch);
                        addScaled(gradLogProbs, klLoss.gradLogProbs(), kl.klLossCoef());
                        accumulator.addPart("actor/kl_loss", klLoss.loss(), share);
                    }

                    // The entropy term's gradient flows through the model's entropy output.
                    policy.backward(forward, batch.toSequenceGrads(rows, gradLogProbs, forward.logProbs),
                            actor.entropyCoeff() == 0 ? null : batch.toSequenceGrads(rows,
                                    scaled(entropy.grad(), -actor.entropyCoeff()), forward.logProbs), null);
                }
                measureGap = false;
                accumulator.add("actor/lr", actorOptimizer.learningRate(), 1);
                accumulator.add("actor/grad_norm", actorOptimizer.step(), 1);
            }
        }
        accumulator.putMeans(metrics);
        if (!batch.recomputed()) {
            int[] rows = gapRows.stream().mapToInt(Integer::intValue).toArray();
            double[][] trainLogProbs = gapLogProbs.toArray(double[][]::new);
            double[][] rolloutLogProbs = batch.rows(batch.rolloutLogProbs, rows);
            double[][] mask = batch.rows(batch.responseMask, rows);
            metrics.putAll(RolloutCorrection.probsDiff(trainLogProbs, rolloutLogProbs, mask));
            metrics.putAll(RolloutCorrection.offPolicyMetrics(trainLogProbs, rolloutLogProbs, mask));
        }
        return firstEpochEntropies;
    }

    /** The critic update, split like the actor's: the clipped value loss against the advantages' returns. */
    private void updateCritic(int step, Batch batch, double[][] returns, double[][] oldValues,
                              Map<String, Object> metrics) {
        RlConfig.Critic settings = config.critic();
        Random shuffle = new Random(Seeds.mix(config.seed() + 1, step));
        Accumulator accumulator = new Accumulator();
        ForwardOptions options = ForwardOptions.training().withLogProbs(false).withValues(true);
        for (int epoch = 0; epoch < settings.split().epochs(); epoch++) {
            int[] order = epoch == 0 ? Seeds.identity(batch.size) : Seeds.shuffled(batch.size, shuffle);
            for (int[] miniBatch : settings.split().miniBatches(order, sampling.n())) {
                GlobalBatch globalBatch = GlobalBatch.of(batch.rows(batch.responseMask, miniBatch));
                for (int[] rows : settings.split().microBatches(miniBatch)) {
                    double share = rows.length / (double) miniBatch.length;
                    ForwardResult forward = critic.forward(batch.sequences(rows), options);
                    ValueLoss.Result loss = ValueLoss.compute(batch.sliceResponses(rows, forward.values),
                            batch.rows(returns, rows), batch.rows(oldValues, rows),
                            batch.rows(batch.responseMask, rows), settings.cliprangeValue(), settings.aggregation(),
                            null, globalBatch);
                    accumulator.addPart("critic/vf_loss", loss.loss(), share);
                    accumulator.add("critic/vf_clipfrac", loss.clipfrac(), share);
                    critic.backward(forward, null, null,
                            batch.toSequenceGrads(rows, loss.gradVpreds(), forward.values));
                }
                accumulator.add("critic/grad_norm", criticOptimizer.step(), 1);
            }
        }
        accumulator.putMeans(metrics);
    }

    /** log π_ref (or any frozen model's) of each response token, [B][R]. */
    private double[][] responseLogProbs(Transformer model, Batch batch) {
        int[] all = Seeds.identity(batch.size);
        ForwardResult forward = model.forward(batch.sequences(all),
                ForwardOptions.inference().withTemperature(sampling.temperature()));
        return batch.sliceResponses(all, forward.logProbs);
    }

    /** A critic's value of each response token, [B][R]. */
    private double[][] responseValues(Transformer model, Batch batch) {
        int[] all = Seeds.identity(batch.size);
        ForwardResult forward = model.forward(batch.sequences(all),
                ForwardOptions.inference().withLogProbs(false).withValues(true));
        return batch.sliceResponses(all, forward.values);
    }

    /**
     * Stops the run when no response of the step got a reward (every reward call failed or timed out): training on
     * those zeros would learn nothing and hide the cause, a missing {@code data_source} or ground truth, say.
     */
    static void requireSomeRewards(int step, List<Rollout> rollouts) {
        int failed = 0;
        int timedOut = 0;
        String firstError = null;
        for (Rollout rollout : rollouts) {
            Map<String, Double> rewardMetrics = rollout.reward().metrics();
            if (rewardMetrics.getOrDefault(AsyncRewardScorer.ERROR_METRIC, 0.0) > 0) {
                failed++;
                firstError = firstError != null ? firstError : rollout.reward().error();
            } else if (rewardMetrics.getOrDefault(AsyncRewardScorer.TIMEOUT_METRIC, 0.0) > 0) {
                timedOut++;
            } else {
                return;
            }
        }
        if (rollouts.isEmpty()) {
            return;
        }
        throw new IllegalArgumentException("step " + step + ": no reward could be computed for any of the "
                + rollouts.size() + " responses (" + failed + " failed, " + timedOut + " timed out), so there is "
                + "nothing to learn from" + (firstError == null ? "" : "; the first failure: " + firstError));
    }

    /** The rollouts with their rewards normalised and clipped as {@code reward.normalize} and {@code reward.clip}. */
    private List<Rollout> normalizedRewards(List<Rollout> rollouts, Map<String, Object> metrics) {
        double[] rewards = new double[rollouts.size()];
        for (int i = 0; i < rewards.length; i++) {
            rewards[i] = rollouts.get(i).reward().reward();
        }
        RewardNormalizer.Result normalized = rewardNormalizer.apply(rewards);
        metrics.putAll(normalized.metrics());
        List<Rollout> out = new ArrayList<>(rollouts.size());
        for (int i = 0; i < rewards.length; i++) {
            out.add(rollouts.get(i).withReward(normalized.rewards()[i]));
        }
        return out;
    }

    private static void putRolloutMetrics(Map<String, Object> metrics, List<Rollout> rollouts) {
        double reward = 0;
        double length = 0;
        int longest = 0;
        double truncated = 0;
        double contextLimited = 0;
        double correct = 0;
        List<RewardResult> results = new ArrayList<>(rollouts.size());
        for (Rollout rollout : rollouts) {
            reward += rollout.reward().reward();
            length += rollout.responseTokens().length;
            longest = Math.max(longest, rollout.responseTokens().length);
            truncated += rollout.truncated() ? 1 : 0;
            contextLimited += rollout.contextLimited() ? 1 : 0;
            correct += rollout.reward().reward() >= HeldOutEvaluator.CORRECT_THRESHOLD ? 1 : 0;
            results.add(rollout.reward());
        }
        int count = Math.max(1, rollouts.size());
        metrics.put("reward/mean", reward / count);
        metrics.put("reward/accuracy", correct / count);
        for (Map.Entry<String, Double> metric : RewardResult.meanMetrics(results).entrySet()) {
            if (!metric.getKey().equals(RewardCheck.SCORE)) {   // reported by RewardCheck.metrics, over the checked
                metrics.put("reward/" + metric.getKey(), metric.getValue());
            }
        }
        int[] groups = rollouts.stream().mapToInt(Rollout::group).toArray();
        metrics.putAll(RewardCheck.metrics(results, groups));
        metrics.put("response_length/mean", length / count);
        metrics.put("response_length/max", longest);
        metrics.put("response_length/clip_ratio", truncated / count);
        // Responses whose length limit max_position_embeddings cut below data.max_response_length.
        metrics.put("rollout/context_limited", contextLimited);
        // Wall time in tools goes with the other timings (time/ is what differs between two runs of one config).
        EpisodeMetrics.of(rollouts).forEach((name, value) -> metrics.put(
                name.equals("tool_seconds") ? "time/agent_tool_s" : "agent/" + name, value));
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
}
