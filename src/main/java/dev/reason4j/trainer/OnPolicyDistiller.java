package dev.reason4j.trainer;

import dev.reason4j.algo.GlobalBatch;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * On-policy distillation (Agarwal et al. 2024, "On-Policy Distillation of Language Models: Learning from
 * Self-Generated Mistakes" (GKD); Thinking Machines 2025, "On-Policy Distillation"): the student's own samples,
 * scored token by token by the teacher, trained to lower the per-token reverse KL
 * KL(π_S ‖ π_T) = E_{x∼π_S}[log π_S(x_t) − log π_T(x_t)].
 *
 * <p>The loss is a policy gradient with a per-token advantage and no discounting:
 * A_t = log π_T(x_t) − log π_S(x_t) (stop-gradient), loss = −agg_t(A_t · log π_S(x_t)), aggregated over the
 * response tokens by {@code loss_agg_mode} (token-mean by default: every sampled token of the step weighs the same).
 * Its gradient −agg_t(A_t ∇log π_S(x_t)) is the score-function estimate of the per-token reverse KL's gradient:
 * averaged over samples, E[(log π_S − log π_T)∇log π_S] = ∇KL, as E[∇log π_S] = 0.
 */
public final class OnPolicyDistiller {
    /**
     * A sampled sequence and its teacher scores.
     *
     * @param tokens          prompt then response
     * @param promptLength    tokens of the prompt
     * @param teacherLogProbs log π_T of each response token ({@link Teacher#logProbs})
     */
    public record Sample(int[] tokens, int promptLength, float[] teacherLogProbs) {
        public Sample {
            if (teacherLogProbs.length != tokens.length - promptLength) {
                throw new IllegalArgumentException("a sample needs one teacher log-prob per response token: "
                        + teacherLogProbs.length + " for " + (tokens.length - promptLength));
            }
        }
    }

    /**
     * What {@link #backward} measured.
     *
     * @param loss      the aggregated policy-gradient loss −agg(A · log π_S)
     * @param reverseKl mean of log π_S − log π_T over the sampled response tokens
     * @param tokens    response tokens
     */
    public record Measured(double loss, double reverseKl, long tokens) {}

    private final Transformer student;
    private final ModelOptimizer optimizer;
    private final int microBatchSize;
    private final LossAggregation aggregation;
    private final double maxResponseLength;
    private final ForwardOptions forwardOptions;

    /** @param maxResponseLength seq-mean-token-sum-norm's divisor (Dr. GRPO's constant: the response length) */
    public OnPolicyDistiller(Transformer student, ModelOptimizer optimizer, int microBatchSize,
                             LossAggregation aggregation, int maxResponseLength, boolean recompute) {
        this.student = student;
        this.optimizer = optimizer;
        this.microBatchSize = microBatchSize;
        this.aggregation = aggregation;
        this.maxResponseLength = maxResponseLength;
        this.forwardOptions = ForwardOptions.training().withRecompute(recompute);
    }

    /** One optimizer step on {@code batch}: the loss's gradient, clipping, AdamW. Returns the step's metrics. */
    public Map<String, Object> step(List<Sample> batch) {
        long start = System.nanoTime();
        Measured measured = backward(batch);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("distill/reverse_kl", measured.reverseKl());
        metrics.put("distill/loss", measured.loss());
        metrics.put("distill/lr", optimizer.learningRate());
        metrics.put("distill/grad_norm", optimizer.step());
        metrics.put("response_length/mean", (double) measured.tokens() / Math.max(1, batch.size()));
        metrics.put("time/distill_tokens_per_s", batch.stream().mapToInt(s -> s.tokens().length).sum()
                / ((System.nanoTime() - start) / 1e9));
        return metrics;
    }

    /**
     * Adds the gradient of the batch's loss to the student's grads, micro-batch by micro-batch (each aggregated
     * with the whole batch's counts, so the parts add up to the batch's gradient), and measures it.
     */
    public Measured backward(List<Sample> batch) {
        double[][] mask = new double[batch.size()][];
        for (int b = 0; b < batch.size(); b++) {
            mask[b] = filled(batch.get(b).teacherLogProbs().length);
        }
        GlobalBatch counts = GlobalBatch.of(mask);
        double loss = 0;
        double reverseKl = 0;
        long tokens = 0;
        for (int first = 0; first < batch.size(); first += microBatchSize) {
            List<Sample> micro = batch.subList(first, Math.min(batch.size(), first + microBatchSize));
            List<int[]> sequences = new ArrayList<>(micro.size());
            for (Sample sample : micro) {
                sequences.add(sample.tokens());
            }
            ForwardResult forward = student.forward(sequences, forwardOptions);
            // Per token: A_t = log π_T − log π_S, the loss −A_t · log π_S, its weight in the aggregate.
            double[][] advantages = new double[micro.size()][];
            double[][] microMask = new double[micro.size()][];
            for (int b = 0; b < micro.size(); b++) {
                Sample sample = micro.get(b);
                float[] studentLogProbs = forward.logProbs[b];
                int responseLength = sample.teacherLogProbs().length;
                advantages[b] = new double[responseLength];
                for (int t = 0; t < responseLength; t++) {
                    double logStudent = studentLogProbs[sample.promptLength() - 1 + t];
                    advantages[b][t] = sample.teacherLogProbs()[t] - logStudent;
                    reverseKl -= advantages[b][t];
                }
                tokens += responseLength;
                microMask[b] = mask[first + b];
            }
            double[][] weights = aggregation.weights(microMask, maxResponseLength, counts);
            float[][] gradLogProbs = new float[micro.size()][];
            for (int b = 0; b < micro.size(); b++) {
                Sample sample = micro.get(b);
                gradLogProbs[b] = new float[forward.logProbs[b].length];
                for (int t = 0; t < advantages[b].length; t++) {
                    int position = sample.promptLength() - 1 + t;
                    loss -= weights[b][t] * advantages[b][t] * forward.logProbs[b][position];
                    gradLogProbs[b][position] = (float) (-weights[b][t] * advantages[b][t]);
                }
            }
            student.backward(forward, gradLogProbs, null, null);
        }
        return new Measured(loss, tokens == 0 ? 0 : reverseKl / tokens, tokens);
    }

    private static double[] filled(int length) {
        double[] ones = new double[length];
        java.util.Arrays.fill(ones, 1.0);
        return ones;
    }
}
