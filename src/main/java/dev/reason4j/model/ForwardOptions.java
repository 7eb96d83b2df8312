package dev.reason4j.model;

/**
 * What {@link Transformer#forward} computes and keeps.
 *
 * @param temperature     log-probs and entropy are of softmax(logits / temperature)
 * @param logProbs        compute per-token log-probs (the LM head); off for a critic that needs only values
 * @param entropy         compute per-token entropy of the same distribution
 * @param values          compute the value head (scalar per token); the model must have one
 * @param scores          compute the score head (scalar per token: a reward model reads it at a sequence's last
 *                        token, a process reward model at each step's); the model must have one
 * @param forBackward     keep activations so {@link Transformer#backward} can run
 * @param recompute       keep only each layer's input and recompute the layer in backward (less memory, ~1/3 more
 *                        compute): for long sequences
 * @param meanLogProbs    compute per-token (1/V)·Σ_j log p_j over the vocabulary, of the same distribution (the
 *                        self-certainty reward reads it; no gradient flows back through it)
 */
public record ForwardOptions(float temperature, boolean logProbs, boolean entropy, boolean values, boolean scores,
                             boolean forBackward, boolean recompute, boolean meanLogProbs) {

    public ForwardOptions {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("forward temperature must be a positive number, got " + temperature);
        }
    }

    /** Log-probs at temperature 1, activations kept for backward. */
    public static ForwardOptions training() {
        return new ForwardOptions(1f, true, false, false, false, true, false, false);
    }

    /** Log-probs at temperature 1, nothing kept (reference / old-policy log-probs). */
    public static ForwardOptions inference() {
        return new ForwardOptions(1f, true, false, false, false, false, false, false);
    }

    public ForwardOptions withTemperature(float t) {
        return new ForwardOptions(t, logProbs, entropy, values, scores, forBackward, recompute, meanLogProbs);
    }

    public ForwardOptions withLogProbs(boolean on) {
        return new ForwardOptions(temperature, on, entropy, values, scores, forBackward, recompute, meanLogProbs);
    }

    public ForwardOptions withEntropy(boolean on) {
        return new ForwardOptions(temperature, logProbs, on, values, scores, forBackward, recompute, meanLogProbs);
    }

    public ForwardOptions withValues(boolean on) {
        return new ForwardOptions(temperature, logProbs, entropy, on, scores, forBackward, recompute, meanLogProbs);
    }

    public ForwardOptions withScores(boolean on) {
        return new ForwardOptions(temperature, logProbs, entropy, values, on, forBackward, recompute, meanLogProbs);
    }

    public ForwardOptions withRecompute(boolean on) {
        return new ForwardOptions(temperature, logProbs, entropy, values, scores, forBackward, on, meanLogProbs);
    }

    public ForwardOptions withMeanLogProbs(boolean on) {
        return new ForwardOptions(temperature, logProbs, entropy, values, scores, forBackward, recompute, on);
    }
}
