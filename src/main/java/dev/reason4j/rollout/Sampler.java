package dev.reason4j.rollout;

import dev.reason4j.model.Ops;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: temperature, then top-k, top-p, min-p truncation (HF order), then a
 * draw from the renormalised kept tokens with the sample's own RNG. Also reports the token's log-prob under the
 * full temperature-scaled distribution, computed with the same kernel as {@code Transformer.forward}.
 */
final class Sampler {
    private final SamplingParams params;
    private final int vocabSize;
    private final float[] probs;
    private final int[] candidates;
    private final long[] sortKeys;

    Sampler(SamplingParams params, int vocabSize) {
        this.params = params;
        this.vocabSize = vocabSize;
        this.probs = new float[vocabSize];
        this.candidates = new int[vocabSize];
        this.sortKeys = new long[vocabSize];
    }

    /** A sample's RNG: depends only on (seed, prompt, sample), never on scheduling. */
    static SplittableRandom rngFor(long seed, int promptIndex, int sampleIndex) {
        long mixed = seed * 0x9E3779B97F4A7C15L + promptIndex * 0xBF58476D1CE4E5B9L + sampleIndex * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }

    /** Returns the chosen token; writes its log-prob to {@code out[0]} and the distribution's entropy to out[1]. */
    int sample(float[] logits, int off, SplittableRandom rng, float[] out) {
        boolean greedy = params.temperature() == 0f;
        float invTemperature = greedy ? 1f : 1f / params.temperature();
        float[] stats = new float[2];
        Ops.logSoftmaxStats(logits, off, vocabSize, invTemperature, stats);
        float lse = stats[0];
        int token;
        if (greedy) {
            token = 0;
            for (int j = 1; j < vocabSize; j++) {
                if (logits[off + j] > logits[off + token]) {
                    token = j;
                }
            }
        } else {
            for (int j = 0; j < vocabSize; j++) {
                probs[j] = (float) Math.exp(logits[off + j] * invTemperature - lse);
            }
            token = draw(rng);
        }
        out[0] = Ops.logProb(logits, off, token, invTemperature, lse);
        out[1] = stats[1];
        return token;
    }

    /**
     * The {@code params.topLogProbs()} most likely tokens of this row (highest logit first, ties: lower id first)
     * with their log-probs, by the same kernels and temperature as {@link #sample}'s: a token's entry equals the
     * log-prob sample reports for it, bit for bit. Only called when asked; it draws nothing from the RNG.
     */
    TopLogProbs topLogProbs(float[] logits, int off) {
        float invTemperature = params.temperature() == 0f ? 1f : 1f / params.temperature();
        float[] stats = new float[2];
        Ops.logSoftmaxStats(logits, off, vocabSize, invTemperature, stats);
        int k = Math.min(params.topLogProbs(), vocabSize);
        int[] tokens = new int[k];
        int count = 0;
        // Insertion into a sorted list of k: k is small (OpenAI allows at most 20).
        for (int j = 0; j < vocabSize; j++) {
            float value = logits[off + j];
            if (count == k && !(value > logits[off + tokens[k - 1]])) {
                continue;
            }
            int at = Math.min(count, k - 1);
            while (at > 0 && value > logits[off + tokens[at - 1]]) {
                tokens[at] = tokens[at - 1];
                at--;
            }
            tokens[at] = j;
            count = Math.min(k, count + 1);
        }
        float[] logProbs = new float[k];
        for (int i = 0; i < k; i++) {
            logProbs[i] = Ops.logProb(logits, off, tokens[i], invTemperature, stats[0]);
        }
        return new TopLogProbs(tokens, logProbs);
    }

    private int draw(SplittableRandom rng) {
        boolean truncate = params.topK() > 0 || params.topP() < 1f || params.minP() > 0f;
        double u = rng.nextDouble();
        if (!truncate) {
            double total = 0;
            for (int j = 0; j < vocabSize; j++) {
                total += probs[j];
            }
            return walk(u * total, null, vocabSize);
        }
        int count = selectCandidates();
        // Sort candidates by probability, highest first (ties: lower id first). A non-negative float's bits order
        // like its value, so one primitive sort of (inverted bits, id) keys does it.
        for (int i = 0; i < count; i++) {
            int id = candidates[i];
            sortKeys[i] = ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(probs[id])) << 32) | id;
        }
        Arrays.sort(sortKeys, 0, count);
        for (int i = 0; i < count; i++) {
            candidates[i] = (int) sortKeys[i];
        }
        int kept = count;
        if (params.topK() > 0) {
            kept = Math.min(kept, params.topK());
        }
        if (params.topP() < 1f) {
            // Top-p sees the distribution left by top-k (renormalised), or the full one.
            double cumulative = 0;
            double mass = 0;
            if (params.topK() > 0) {
                for (int i = 0; i < kept; i++) {
                    mass += probs[candidates[i]];
                }
            } else {
                for (int j = 0; j < vocabSize; j++) {
                    mass += probs[j];
                }
            }
            for (int i = 0; i < kept; i++) {
                cumulative += probs[candidates[i]] / mass;
                if (cumulative >= params.topP()) {
                    kept = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0f) {
            float threshold = params.minP() * probs[candidates[0]];
            int i = 1;
            while (i < kept && probs[candidates[i]] >= threshold) {
                i++;
            }
            kept = i;
        }
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probs[candidates[i]];
        }
        return walk(u * total, candidates, kept);
    }

    /**
     * Fills {@link #candidates} with a set of tokens guaranteed to contain every token the filters can keep,
     * small enough to sort: all tokens with p ≥ ε, lowering ε until the set holds top-k tokens and top-p mass.
     */
    private int selectCandidates() {
        float maxProb = 0f;
        for (int j = 0; j < vocabSize; j++) {
            maxProb = Math.max(maxProb, probs[j]);
        }
        double needMass = params.topK() > 0 ? 1.0 : params.topP();
        float epsilon = params.minP() > 0f ? params.minP() * maxProb : 1e-4f;
        while (true) {
            int count = 0;
            double mass = 0;
            for (int j = 0; j < vocabSize; j++) {
                if (probs[j] >= epsilon) {
                    candidates[count++] = j;
                    mass += probs[j];
                }
            }
            boolean enoughForTopK = params.topK() == 0 || count >= params.topK();
            boolean enoughForTopP = params.topK() > 0 || mass >= needMass - 1e-6;
            // With min-p, every token below min-p·p_max is dropped anyway, so the first set suffices.
            if (params.minP() > 0f && params.topK() == 0 || enoughForTopK && enoughForTopP || epsilon == 0f) {
                return count;
            }
            epsilon = epsilon < 1e-30f ? 0f : epsilon * 1e-3f;
        }
    }

    /** The first token whose cumulative probability exceeds target (tokens = null: all ids in order). */
    private int walk(double target, int[] tokens, int count) {
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < count; i++) {
            int token = tokens == null ? i : tokens[i];
            if (probs[token] <= 0f) {
                continue;
            }
            cumulative += probs[token];
            last = token;
            if (cumulative > target) {
                return token;
            }
        }
        return last;   // rounding: target fell at the very end
    }
}
