package dev.reason4j.model;

import java.util.List;

/**
 * What {@link Transformer#forward} returns: per-token outputs, and (when asked) the activations
 * {@link Transformer#backward} needs.
 *
 * <p>For a sequence of length L: {@code logProbs[b][t] = log p(seq[t+1] | seq[0..t])} and {@code entropy[b][t]}
 * for t in [0, L−1); {@code values[b][t]} and {@code scores[b][t]} for t in [0, L).
 * Arrays not asked for are null.
 */
public final class ForwardResult {
    public final float[][] logProbs;
    public final float[][] entropy;
    public final float[][] values;
    public final float[][] scores;
    public final float[][] meanLogProbs;

    // ---- kept for backward (package-private)
    final Transformer model;
    final List<int[]> sequences;
    final Transformer.Batch batch;
    final ForwardOptions options;
    /** Per layer: all activations, or null when they are recomputed (then {@link #layerInputs} holds the input). */
    final Transformer.Activations[] activations;
    final float[][] layerInputs;
    final float[] finalInput;      // [N, C] residual stream entering the final norm
    final float[] finalRstd;       // [N]
    final float[] hidden;          // [N, C] after the final norm: what the heads read
    final float[] rowLse;          // [N] log-sum-exp of logits/T per row (rows with a target)
    final float[] rowEntropy;      // [N]

    ForwardResult(Transformer model, List<int[]> sequences, Transformer.Batch batch, ForwardOptions options,
                  float[][] logProbs, float[][] entropy, float[][] values, float[][] scores, float[][] meanLogProbs,
                  Transformer.Activations[] activations, float[][] layerInputs, float[] finalInput, float[] finalRstd,
                  float[] hidden, float[] rowLse, float[] rowEntropy) {
        this.model = model;
        this.sequences = sequences;
        this.batch = batch;
        this.options = options;
        this.logProbs = logProbs;
        this.entropy = entropy;
        this.values = values;
        this.scores = scores;
        this.meanLogProbs = meanLogProbs;
        this.activations = activations;
        this.layerInputs = layerInputs;
        this.finalInput = finalInput;
        this.finalRstd = finalRstd;
        this.hidden = hidden;
        this.rowLse = rowLse;
        this.rowEntropy = rowEntropy;
    }

    public int batchSize() {
        return sequences.size();
    }
}
