package dev.reason4j.rollout;

import java.util.Arrays;

/**
 * How {@link Generator} samples. Filters apply in HF order: temperature, top-k, top-p, min-p.
 *
 * @param n              samples per prompt (they share one prefill)
 * @param maxNewTokens   generated tokens at most per sample
 * @param temperature    softmax temperature; 0 = greedy (log-probs then reported at temperature 1)
 * @param topK           keep the k most likely tokens; 0 = off
 * @param topP           keep the smallest set of most likely tokens with mass ≥ topP; 1 = off
 * @param minP           keep tokens with p ≥ minP · p_max; 0 = off
 * @param seed           base seed; sample (prompt i, sample j) uses its own RNG from (seed, i, j)
 * @param stopTokenIds   sampling one of these ends the sample (reason STOP)
 * @param topLogProbs    report the log-probs of this many most likely tokens at each position
 *                       ({@link Completion#topLogProbs}); 0 = off, and the sampler does no extra work
 */
public record SamplingParams(int n, int maxNewTokens, float temperature, int topK, float topP, float minP, long seed,
                             int[] stopTokenIds, int topLogProbs) {

    public SamplingParams {
        if (n < 1) {
            throw new IllegalArgumentException("sampling n must be ≥ 1, got " + n);
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("sampling maxNewTokens must be ≥ 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("sampling temperature must be ≥ 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("sampling topK must be ≥ 0 (0 = off), got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("sampling topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("sampling minP must be in [0, 1], got " + minP);
        }
        if (topLogProbs < 0) {
            throw new IllegalArgumentException("sampling topLogProbs must be ≥ 0 (0 = off), got " + topLogProbs);
        }
        stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
    }

    /** Parameters without top log-probs. */
    public SamplingParams(int n, int maxNewTokens, float temperature, int topK, float topP, float minP, long seed,
                          int[] stopTokenIds) {
        this(n, maxNewTokens, temperature, topK, topP, minP, seed, stopTokenIds, 0);
    }

    /** One sample, up to 256 new tokens, temperature 1, no truncation, seed 0, no stop tokens. */
    public static SamplingParams defaults() {
        return new SamplingParams(1, 256, 1f, 0, 1f, 0f, 0L, new int[0]);
    }

    public SamplingParams withN(int value) {
        return new SamplingParams(value, maxNewTokens, temperature, topK, topP, minP, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withMaxNewTokens(int value) {
        return new SamplingParams(n, value, temperature, topK, topP, minP, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(n, maxNewTokens, value, topK, topP, minP, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withTopK(int value) {
        return new SamplingParams(n, maxNewTokens, temperature, value, topP, minP, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withTopP(float value) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, value, minP, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withMinP(float value) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, value, seed, stopTokenIds, topLogProbs);
    }

    public SamplingParams withSeed(long value) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, value, stopTokenIds, topLogProbs);
    }

    public SamplingParams withStopTokenIds(int... ids) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, seed, ids, topLogProbs);
    }

    public SamplingParams withTopLogProbs(int value) {
        return new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, seed, stopTokenIds, value);
    }

    boolean isStop(int token) {
        for (int id : stopTokenIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SamplingParams[n=" + n + ", maxNewTokens=" + maxNewTokens + ", temperature=" + temperature
                + ", topK=" + topK + ", topP=" + topP + ", minP=" + minP + ", seed=" + seed
                + ", stopTokenIds=" + Arrays.toString(stopTokenIds) + ", topLogProbs=" + topLogProbs + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplingParams p && p.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
