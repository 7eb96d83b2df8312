package dev.reason4j.trainer;

import dev.reason4j.algo.Logistic;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.model.ProcessRewardModel;
import dev.reason4j.reward.model.StepLabels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Process-reward-model training: binary cross-entropy between σ(score at each step's last token) and the step's
 * label y, {@code softplus(s) − y·s} = −[y log σ(s) + (1 − y) log(1 − σ(s))] (Lightman et al. 2023; soft labels as
 * Math-Shepherd, Wang et al. 2024), the mean over every labelled step of an optimizer step's examples.
 */
public final class ProcessRewardTrainer {
    private final Transformer model;
    private final ModelOptimizer optimizer;
    private final int microBatchSize;
    private final ForwardOptions forwardOptions;

    public ProcessRewardTrainer(ProcessRewardModel prm, ModelOptimizer optimizer, int microBatchSize,
                                boolean recompute) {
        this.model = prm.model();
        this.optimizer = optimizer;
        this.microBatchSize = microBatchSize;
        this.forwardOptions = ForwardOptions.training().withLogProbs(false).withScores(true).withRecompute(recompute);
    }

    /** One step's loss {@code softplus(s) − y·s}; its derivative in s is σ(s) − y. */
    static double stepLoss(double score, double label) {
        return Logistic.softplus(score) - label * score;
    }

    /**
     * One optimizer step over {@code batch}; returns {@code rm/loss} (mean BCE per step), {@code rm/accuracy} (share
     * of steps with σ(s) &gt; 0.5 exactly when y &gt; 0.5), {@code rm/grad_norm}, {@code rm/lr}.
     */
    public Map<String, Object> step(List<StepLabels> batch) {
        long start = System.nanoTime();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rm/lr", optimizer.learningRate());
        Map<String, Object> losses = accumulate(batch);
        metrics.put("rm/grad_norm", optimizer.step());
        metrics.putAll(losses);
        long tokens = 0;
        for (StepLabels example : batch) {
            tokens += example.prompt().length + example.response().length;
        }
        metrics.put("time/rm_tokens_per_s", tokens / ((System.nanoTime() - start) / 1e9));
        return metrics;
    }

    /** Adds the gradient of the batch's loss to the model's grads; returns the step's loss metrics. */
    Map<String, Object> accumulate(List<StepLabels> batch) {
        int steps = 0;
        for (StepLabels example : batch) {
            steps += example.labels().length;
        }
        double loss = 0;
        int correct = 0;
        for (int first = 0; first < batch.size(); first += microBatchSize) {
            List<StepLabels> micro = batch.subList(first, Math.min(batch.size(), first + microBatchSize));
            List<int[]> sequences = new ArrayList<>(micro.size());
            for (StepLabels example : micro) {
                sequences.add(example.sequence());
            }
            ForwardResult forward = model.forward(sequences, forwardOptions);
            float[][] gradScores = new float[micro.size()][];
            for (int b = 0; b < micro.size(); b++) {
                StepLabels example = micro.get(b);
                gradScores[b] = new float[forward.scores[b].length];
                for (int i = 0; i < example.labels().length; i++) {
                    int row = example.prompt().length + example.stepTokens()[i];
                    double score = forward.scores[b][row];
                    double label = example.labels()[i];
                    loss += stepLoss(score, label);
                    correct += (score > 0) == (label > 0.5) ? 1 : 0;
                    gradScores[b][row] += (float) ((Logistic.sigmoid(score) - label) / steps);
                }
            }
            model.backward(forward, null, null, null, gradScores);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("rm/loss", loss / Math.max(1, steps));
        metrics.put("rm/accuracy", (double) correct / Math.max(1, steps));
        return metrics;
    }
}
