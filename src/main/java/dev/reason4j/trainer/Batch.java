package dev.reason4j.trainer;

import java.util.ArrayList;
import java.util.List;

/**
 * A step's rollouts as verl's [B][R] response matrices (R = the longest response, right-padded with mask 0), and
 * the mapping between them and the model's per-sequence arrays, where response token j of a sequence with prompt
 * length P is predicted at position P − 1 + j.
 */
final class Batch {
    final List<Rollout> rollouts;
    final int size;
    final int width;
    final int[] promptLengths;
    final int[] responseLengths;
    /** verl's response_mask: 1 on trained tokens; rollout correction's rejection may zero more of them. */
    final double[][] responseMask;
    /** log π_rollout, as the sampler returned them. */
    final double[][] rolloutLogProbs;
    /** log π_old for the PPO ratio: the rollout's log-probs, or the training forward's when recomputed. */
    final double[][] oldLogProbs;
    /** Rollout-correction IS weights for the policy loss; null when none. */
    final double[][] isWeights;
    final int[] groupIds;

    Batch(List<Rollout> rollouts) {
        this.rollouts = List.copyOf(rollouts);
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
        rolloutLogProbs = new double[size][width];
        for (int b = 0; b < size; b++) {
            float[] logProbs = rollouts.get(b).logProbs();
            boolean[] trainable = rollouts.get(b).trainable();
            for (int t = 0; t < responseLengths[b]; t++) {
                responseMask[b][t] = trainable[t] ? 1 : 0;
                rolloutLogProbs[b][t] = trainable[t] ? logProbs[t] : 0;
            }
        }
        oldLogProbs = rolloutLogProbs;
        isWeights = null;
    }

    private Batch(Batch batch, double[][] responseMask, double[][] oldLogProbs, double[][] isWeights) {
        this.rollouts = batch.rollouts;
        this.size = batch.size;
        this.width = batch.width;
        this.promptLengths = batch.promptLengths;
        this.responseLengths = batch.responseLengths;
        this.groupIds = batch.groupIds;
        this.rolloutLogProbs = batch.rolloutLogProbs;
        this.responseMask = responseMask;
        this.oldLogProbs = oldLogProbs;
        this.isWeights = isWeights;
    }

    /** This batch with π_old recomputed by the training forward ({@code [B][R]}). */
    Batch withOldLogProbs(double[][] recomputed) {
        return new Batch(this, responseMask, recomputed, isWeights);
    }

    /** This batch after rollout correction: rejected tokens masked out, IS weights (or null) for the loss. */
    Batch withCorrection(double[][] correctedMask, double[][] weights) {
        return new Batch(this, correctedMask, oldLogProbs, weights);
    }

    /** Whether π_old is the training forward's rather than the rollout engine's. */
    boolean recomputed() {
        return oldLogProbs != rolloutLogProbs;
    }

    /**
     * verl's token-level scores: an outcome reward on a response's last token, a multi-turn episode's step rewards
     * on the last sampled token of each turn, 0 elsewhere.
     */
    double[][] tokenRewards() {
        double[][] rewards = new double[size][width];
        for (int b = 0; b < size; b++) {
            System.arraycopy(rollouts.get(b).tokenRewards(), 0, rewards[b], 0, responseLengths[b]);
        }
        return rewards;
    }

    /** Prompt + response token sequences of {@code rows}, as the model's forward takes them. */
    List<int[]> sequences(int[] rows) {
        List<int[]> sequences = new ArrayList<>(rows.length);
        for (int row : rows) {
            sequences.add(rollouts.get(row).sequence());
        }
        return sequences;
    }

    /** The rows {@code rows} of a [B][R] matrix (shared, not copied). */
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
