package dev.reason4j.trainer;

import dev.reason4j.env.Answers;
import dev.reason4j.env.Example;
import dev.reason4j.eval.PassAtK;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardCheck;
import dev.reason4j.rollout.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out evaluation: n samples per problem at a given temperature (0 = greedy), scored by the verifier of each
 * problem's data source; reports pass@k (unbiased, Chen et al. 2021), maj@k and mean@k for each requested k ≤ n.
 * A response counts as correct when its reward is at least {@link #CORRECT_THRESHOLD}. Multi-turn episodes also
 * report {@code tool_call_rate} (share of episodes with a well-formed tool call), {@code tool_error_rate} (share of
 * attempted calls answered with an error) and {@code turns}.
 */
public final class HeldOutEvaluator {
    public static final double CORRECT_THRESHOLD = 0.5;

    private final RolloutWorker worker;
    private final SamplingParams sampling;
    private final List<Integer> ks;

    /** @param sampling n, temperature and length limit of the evaluation samples */
    public HeldOutEvaluator(RolloutWorker worker, SamplingParams sampling, List<Integer> ks) {
        this.worker = worker;
        this.sampling = sampling;
        this.ks = ks.stream().filter(k -> k >= 1 && k <= sampling.n()).toList();
        if (this.ks.isEmpty()) {
            throw new IllegalArgumentException("evaluation: no k in " + ks + " is between 1 and n=" + sampling.n());
        }
    }

    /** Metrics under names like {@code pass@1}, {@code maj@4}, {@code mean@4}, plus {@code n} (problems). */
    public Map<String, Double> evaluate(Transformer policy, List<Example> problems) {
        int n = sampling.n();
        List<Rollout> rollouts = new ArrayList<>();
        int batchPrompts = Math.max(1, 256 / n);   // bounds the KV cache of one generation call
        for (int start = 0; start < problems.size(); start += batchPrompts) {
            List<Example> chunk = problems.subList(start, Math.min(problems.size(), start + batchPrompts));
            rollouts.addAll(worker.rollout(policy, chunk, sampling, start));
        }
        int[] samples = new int[problems.size()];
        int[] correct = new int[problems.size()];
        List<List<String>> answers = new ArrayList<>();
        List<List<Boolean>> verdicts = new ArrayList<>();
        for (int p = 0; p < problems.size(); p++) {
            answers.add(new ArrayList<>());
            verdicts.add(new ArrayList<>());
        }
        double responseTokens = 0;
        for (Rollout rollout : rollouts) {
            int problem = rollout.group();
            boolean ok = rollout.reward().reward() >= CORRECT_THRESHOLD;
            samples[problem]++;
            correct[problem] += ok ? 1 : 0;
            answers.get(problem).add(Answers.lastBoxed(rollout.responseText()));
            verdicts.get(problem).add(ok);
            responseTokens += rollout.responseTokens().length;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int k : ks) {
            metrics.put("pass@" + k, PassAtK.passAtK(samples, correct, k));
            double majority = 0;
            double mean = 0;
            for (int p = 0; p < problems.size(); p++) {
                boolean[] verdict = new boolean[verdicts.get(p).size()];
                double[] scores = new double[verdict.length];
                for (int i = 0; i < verdict.length; i++) {
                    verdict[i] = verdicts.get(p).get(i);
                    scores[i] = verdict[i] ? 1 : 0;
                }
                majority += PassAtK.majorityAtK(answers.get(p), verdict, k);
                mean += PassAtK.meanAtK(scores, k);
            }
            if (k > 1) {
                metrics.put("maj@" + k, majority / problems.size());
                metrics.put("mean@" + k, mean / problems.size());
            }
        }
        metrics.put("response_length", responseTokens / Math.max(1, rollouts.size()));
        Map<String, Double> episodes = EpisodeMetrics.of(rollouts);
        if (!episodes.isEmpty()) {
            metrics.put("tool_call_rate", episodes.get("has_tool_call"));
            metrics.put("tool_error_rate", episodes.get("tool_error_rate"));
            metrics.put("turns", episodes.get("turns"));
        }
        // With reward.check, the held-out verifier score beside the (learned) reward pass@k reads.
        metrics.putAll(RewardCheck.metrics(rollouts.stream().map(Rollout::reward).toList(),
                rollouts.stream().mapToInt(Rollout::group).toArray()));
        metrics.put("n", (double) problems.size());
        return metrics;
    }
}
