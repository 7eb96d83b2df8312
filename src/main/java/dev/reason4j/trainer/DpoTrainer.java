package dev.reason4j.trainer;

import dev.reason4j.algo.PreferenceLoss;
import dev.reason4j.algo.PreferenceLossConfig;
import dev.reason4j.algo.PreferenceLossInput;
import dev.reason4j.algo.PreferenceLossResult;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Offline preference optimisation: each step, the policy's summed log-probs of both responses of every pair, the
 * configured {@link PreferenceLoss} against the reference log-probs computed once before training, its mean over
 * the batch backpropagated through the responses' tokens, then one optimizer step. Reports TRL's metrics.
 *
 * <p>With {@code rpoAlpha} = α > 0 the loss adds α times the negative log-likelihood of the chosen responses
 * (mean over all their tokens in the batch): RPO (Pang et al. 2024, "Iterative Reasoning Preference Optimization",
 * arXiv:2404.19733, eq. 1; TRL's {@code rpo_alpha}). DPO alone can lower the chosen responses' likelihood along with
 * the rejected ones' (moving mass to responses in neither), which on reasoning tasks costs accuracy; the NLL term
 * holds the chosen ones up.
 */
public final class DpoTrainer {
    /** Σ log π(y | x) of a pair's chosen and rejected response (NaN for a reference that was not computed). */
    public record PairLogProbs(double chosen, double rejected) {
        static final PairLogProbs NONE = new PairLogProbs(Double.NaN, Double.NaN);
    }

    private final Transformer model;
    private final ModelOptimizer optimizer;
    private final PreferenceLoss loss;
    private final PreferenceLossConfig lossConfig;
    private final double rpoAlpha;
    private final int microBatchSize;
    private final ForwardOptions forwardOptions;

    /**
     * @param rpoAlpha       weight of the chosen responses' NLL added to the loss (RPO); 0 = none
     * @param microBatchSize pairs per forward (each pair is two sequences)
     * @param recompute      activation recomputation: less memory for ~1/3 more compute in backward
     */
    public DpoTrainer(Transformer model, ModelOptimizer optimizer, PreferenceLoss loss, PreferenceLossConfig lossConfig,
                      double rpoAlpha, int microBatchSize, boolean recompute) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.lossConfig = lossConfig;
        this.rpoAlpha = rpoAlpha;
        this.microBatchSize = microBatchSize;
        this.forwardOptions = ForwardOptions.training().withRecompute(recompute);
    }

    /**
     * The reference log-probs of {@code pairs} under {@code reference} (no activations kept), or {@link
     * PairLogProbs#NONE} for each pair when the loss reads no reference.
     */
    public List<PairLogProbs> referenceLogProbs(Transformer reference, List<TokenizedPair> pairs) {
        List<PairLogProbs> logProbs = new ArrayList<>(pairs.size());
        for (int first = 0; first < pairs.size(); first += microBatchSize) {
            List<TokenizedPair> micro = pairs.subList(first, Math.min(pairs.size(), first + microBatchSize));
            if (!loss.usesReference()) {
                micro.forEach(pair -> logProbs.add(PairLogProbs.NONE));
                continue;
            }
            ForwardResult forward = reference.forward(sequences(micro), ForwardOptions.inference());
            for (int p = 0; p < micro.size(); p++) {
                logProbs.add(pairLogProbs(forward, p, micro.get(p)));
            }
        }
        return logProbs;
    }

    /** One optimizer step on {@code batch}, whose reference log-probs are {@code reference} (same order). */
    public Map<String, Object> step(List<TokenizedPair> batch, List<PairLogProbs> reference) {
        long start = System.nanoTime();
        Totals totals = backward(batch, reference);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("learning_rate", optimizer.learningRate());
        metrics.put("grad_norm", optimizer.step());
        metrics.putAll(totals.means(""));
        metrics.put("time/tokens_per_s", totals.tokens / ((System.nanoTime() - start) / 1e9));
        return metrics;
    }

    /** Adds d (mean loss over {@code batch}) / d parameters to the model's grads; returns the batch's totals. */
    Totals backward(List<TokenizedPair> batch, List<PairLogProbs> reference) {
        Totals totals = new Totals();
        double chosenTokens = batch.stream().mapToInt(pair -> pair.chosen().length).sum();
        for (int first = 0; first < batch.size(); first += microBatchSize) {
            List<TokenizedPair> micro = batch.subList(first, Math.min(batch.size(), first + microBatchSize));
            ForwardResult forward = model.forward(sequences(micro), forwardOptions);
            float[][] gradLogProbs = new float[forward.batchSize()][];
            for (int p = 0; p < micro.size(); p++) {
                TokenizedPair pair = micro.get(p);
                PreferenceLossResult result = totals.add(pair, pairLogProbs(forward, p, pair),
                        reference.get(first + p));
                // The batch loss is the mean over pairs; each response token's log-prob gets d loss / d Σ log π.
                // RPO's NLL: −α·Σ log π / (chosen tokens in the batch), so −α / that count per chosen token.
                gradLogProbs[2 * p] = responseGradient(forward.logProbs[2 * p], pair.prompt().length,
                        result.gradChosen() / batch.size() - rpoAlpha / chosenTokens);
                gradLogProbs[2 * p + 1] = responseGradient(forward.logProbs[2 * p + 1], pair.prompt().length,
                        result.gradRejected() / batch.size());
            }
            model.backward(forward, gradLogProbs, null, null);
        }
        return totals;
    }

    /** The same metrics on held-out pairs (no update), each named {@code eval/...}. */
    public Map<String, Double> evaluate(List<TokenizedPair> pairs, List<PairLogProbs> reference) {
        Totals totals = new Totals();
        for (int first = 0; first < pairs.size(); first += microBatchSize) {
            List<TokenizedPair> micro = pairs.subList(first, Math.min(pairs.size(), first + microBatchSize));
            ForwardResult forward = model.forward(sequences(micro), ForwardOptions.inference());
            for (int p = 0; p < micro.size(); p++) {
                totals.add(micro.get(p), pairLogProbs(forward, p, micro.get(p)), reference.get(first + p));
            }
        }
        return totals.means("eval/");
    }

    /** Each pair's chosen then rejected sequence. */
    private static List<int[]> sequences(List<TokenizedPair> pairs) {
        List<int[]> sequences = new ArrayList<>(2 * pairs.size());
        for (TokenizedPair pair : pairs) {
            sequences.add(pair.chosenSequence());
            sequences.add(pair.rejectedSequence());
        }
        return sequences;
    }

    private static PairLogProbs pairLogProbs(ForwardResult forward, int pair, TokenizedPair tokens) {
        return new PairLogProbs(responseLogProb(forward.logProbs[2 * pair], tokens.prompt().length),
                responseLogProb(forward.logProbs[2 * pair + 1], tokens.prompt().length));
    }

    /** Σ log π of the tokens after the prompt: {@code logProbs[t]} predicts token t + 1. */
    static double responseLogProb(float[] logProbs, int promptLength) {
        double sum = 0;
        for (int t = promptLength - 1; t < logProbs.length; t++) {
            sum += logProbs[t];
        }
        return sum;
    }

    private static float[] responseGradient(float[] logProbs, int promptLength, double grad) {
        float[] gradient = new float[logProbs.length];
        for (int t = promptLength - 1; t < logProbs.length; t++) {
            gradient[t] = (float) grad;
        }
        return gradient;
    }

    /** Sums of the per-pair quantities TRL reports, for their means. */
    final class Totals {
        private int pairs;
        private long tokens;
        private double lossSum;
        private double chosenReward;
        private double rejectedReward;
        private double accurate;
        private double chosenLogProb;
        private double rejectedLogProb;
        private long chosenTokens;

        PreferenceLossResult add(TokenizedPair pair, PairLogProbs policy, PairLogProbs reference) {
            PreferenceLossResult result = loss.compute(new PreferenceLossInput(policy.chosen(),
                    policy.rejected(), reference.chosen(), reference.rejected(), pair.chosen().length,
                    pair.rejected().length), lossConfig);
            pairs++;
            tokens += pair.chosenSequence().length + pair.rejectedSequence().length;
            lossSum += result.loss();
            chosenReward += result.chosenReward();
            rejectedReward += result.rejectedReward();
            accurate += result.chosenReward() > result.rejectedReward() ? 1 : 0;   // TRL: strictly greater
            chosenLogProb += policy.chosen();
            rejectedLogProb += policy.rejected();
            chosenTokens += pair.chosen().length;
            return result;
        }

        Map<String, Double> means(String prefix) {
            Map<String, Double> means = new LinkedHashMap<>();
            double nll = -chosenLogProb / chosenTokens;   // TRL's nll_loss: token mean over the chosen responses
            means.put(prefix + "loss", lossSum / pairs + rpoAlpha * nll);
            means.put(prefix + "rewards/chosen", chosenReward / pairs);
            means.put(prefix + "rewards/rejected", rejectedReward / pairs);
            means.put(prefix + "rewards/accuracies", accurate / pairs);
            means.put(prefix + "rewards/margins", (chosenReward - rejectedReward) / pairs);
            means.put(prefix + "logps/chosen", chosenLogProb / pairs);
            means.put(prefix + "logps/rejected", rejectedLogProb / pairs);
            if (rpoAlpha != 0) {
                means.put(prefix + "nll_loss", nll);
            }
            return means;
        }
    }
}
