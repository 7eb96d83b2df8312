package dev.reason4j.reward.model;

import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A process reward model's score of a response: its steps (the text split on the model's separator) each get
 * p_i = σ(score at the step's last token), and the reward is their aggregate (min, product or last; 0 for a response
 * with no step). Dense, the same reward comes as step rewards: step i earns {@code A_i − A_(i−1)}, the increment of
 * the running aggregate A (A_0 = 0), so the step rewards sum to the trajectory reward (potential-based shaping with
 * the running aggregate as potential, Ng et al. 1999) and each lands on its step's last token. Metrics:
 * {@code steps} (count) and {@code min_step} (the lowest p_i). Thread-safe as {@link LearnedReward}.
 */
public final class ProcessReward implements RewardFunction {
    private final ModelSource<ProcessRewardModel> source;
    private final Tokenizer tokenizer;
    private final ProcessRewardModel.Aggregate aggregate;
    private final boolean dense;

    public ProcessReward(Path directory, ProcessRewardModel.Aggregate aggregate, boolean dense, long refreshEvery)
            throws IOException {
        this.tokenizer = Tokenizer.load(directory);
        LearnedReward.endOfTurn(tokenizer);
        this.source = new ModelSource<>(directory, ProcessRewardModel::load, refreshEvery);
        this.aggregate = aggregate;
        this.dense = dense;
    }

    @Override
    public RewardResult score(RewardInput input) {
        ProcessRewardModel prm = source.next();
        StepLabels steps = StepLabels.of(tokenizer, tokenizer.encode(input.prompt(), false), input.response(),
                prm.separator(), null);
        if (steps.stepTokens().length == 0) {
            return new RewardResult(0.0, Map.of("steps", 0.0, "min_step", 0.0));
        }
        double[] p;
        synchronized (this) {
            p = prm.stepProbabilities(List.of(steps)).getFirst();
        }
        double[] running = aggregate.running(p);
        double minStep = java.util.Arrays.stream(p).min().orElse(0);
        Map<String, Double> metrics = Map.of("steps", (double) p.length, "min_step", minStep);
        double reward = running[running.length - 1];
        if (!dense) {
            return new RewardResult(reward, metrics);
        }
        int[] ends = StepLabels.stepEnds(input.response(), prm.separator());
        List<RewardResult.StepReward> stepRewards = new ArrayList<>(ends.length);
        for (int i = 0; i < ends.length; i++) {
            stepRewards.add(new RewardResult.StepReward(ends[i], running[i] - (i == 0 ? 0 : running[i - 1])));
        }
        return new RewardResult(reward, metrics, null, stepRewards);
    }
}
