package dev.reason4j.trainer;

import dev.reason4j.algo.Logistic;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.model.RewardModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bradley–Terry reward-model training on preference pairs: per pair {@code -log σ(r_c − r_r − margin)}
 * (Bradley & Terry 1952; InstructGPT, Ouyang et al. 2022; the margin as Llama 2, Touvron et al. 2023) plus TRL's
 * reward-centering term {@code center_coef · (r_c + r_r)²} (Eisenstein et al. 2023, "Helping or Herding?"), which
 * pins the otherwise free shift of the rewards near 0. The loss is the mean over an optimizer step's pairs.
 */
public final class RewardModelTrainer {
    private final Transformer model;
    private final ModelOptimizer optimizer;
    private final int microBatchSize;
    private final double centerCoef;
    private final ForwardOptions forwardOptions;

    /** @param centerCoef TRL's center_rewards_coefficient (0 = off) */
    public RewardModelTrainer(RewardModel rm, ModelOptimizer optimizer, int microBatchSize, double centerCoef,
                              boolean recompute) {
        this.model = rm.model();
        this.optimizer = optimizer;
        this.microBatchSize = microBatchSize;
        this.centerCoef = centerCoef;
        this.forwardOptions = ForwardOptions.training().withLogProbs(false).withScores(true).withRecompute(recompute);
    }

    /**
     * One pair's loss {@code softplus(−(r_c − r_r − margin)) + centerCoef · (r_c + r_r)²} (= −log σ(d) + centering);
     * {@code grad} receives ∂loss/∂r_c and ∂loss/∂r_r.
     */
    static double pairLoss(double chosen, double rejected, double margin, double centerCoef, double[] grad) {
        double d = chosen - rejected - margin;
        double sigmoidMinusD = Logistic.sigmoid(-d);   // σ(−d) = −∂(−log σ(d))/∂d
        double sum = chosen + rejected;
        grad[0] = -sigmoidMinusD + 2 * centerCoef * sum;
        grad[1] = sigmoidMinusD + 2 * centerCoef * sum;
        return Logistic.softplus(-d) + centerCoef * sum * sum;   // −log σ(d) + centering
    }

    /**
     * One optimizer step over {@code batch}; returns {@code rm/loss} (mean per pair), {@code rm/accuracy} (share with
     * r_c &gt; r_r), {@code rm/margin} (mean r_c − r_r), {@code rm/reward_mean} (mean of all rewards, which centering
     * pulls to 0), {@code rm/grad_norm}, {@code rm/lr}.
     */
    public Map<String, Object> step(List<TokenizedPair> batch) {
        long start = System.nanoTime();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rm/lr", optimizer.learningRate());
        Map<String, Object> losses = accumulate(batch);
        metrics.put("rm/grad_norm", optimizer.step());
        metrics.putAll(losses);
        long tokens = 0;
        for (TokenizedPair pair : batch) {
            tokens += 2L * pair.prompt().length + pair.chosen().length + pair.rejected().length;
        }
        metrics.put("time/rm_tokens_per_s", tokens / ((System.nanoTime() - start) / 1e9));
        return metrics;
    }

    /** Adds the gradient of the batch's loss to the model's grads; returns the step's loss metrics. */
    Map<String, Object> accumulate(List<TokenizedPair> batch) {
        double loss = 0;
        double correct = 0;
        double margin = 0;
        double rewardSum = 0;
        double[] grad = new double[2];
        for (int first = 0; first < batch.size(); first += microBatchSize) {
            List<TokenizedPair> micro = batch.subList(first, Math.min(batch.size(), first + microBatchSize));
            List<int[]> sequences = new ArrayList<>(2 * micro.size());
            for (TokenizedPair pair : micro) {
                sequences.add(pair.chosenSequence());
                sequences.add(pair.rejectedSequence());
            }
            ForwardResult forward = model.forward(sequences, forwardOptions);
            float[][] gradScores = new float[sequences.size()][];
            for (int i = 0; i < micro.size(); i++) {
                float[] chosenScores = forward.scores[2 * i];
                float[] rejectedScores = forward.scores[2 * i + 1];
                double chosen = chosenScores[chosenScores.length - 1];
                double rejected = rejectedScores[rejectedScores.length - 1];
                loss += pairLoss(chosen, rejected, micro.get(i).margin(), centerCoef, grad);
                correct += chosen > rejected ? 1 : 0;
                margin += chosen - rejected;
                rewardSum += chosen + rejected;
                gradScores[2 * i] = new float[chosenScores.length];
                gradScores[2 * i + 1] = new float[rejectedScores.length];
                gradScores[2 * i][chosenScores.length - 1] = (float) (grad[0] / batch.size());
                gradScores[2 * i + 1][rejectedScores.length - 1] = (float) (grad[1] / batch.size());
            }
            model.backward(forward, null, null, null, gradScores);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rm/loss", loss / batch.size());
        metrics.put("rm/accuracy", correct / batch.size());
        metrics.put("rm/margin", margin / batch.size());
        metrics.put("rm/reward_mean", rewardSum / (2.0 * batch.size()));
        return metrics;
    }
}
