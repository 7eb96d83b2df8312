package dev.reason4j.rollout;

/**
 * The k most likely tokens at one generated position and their log-probs (most likely first; ties: lower id first),
 * in the convention of {@link Completion#logProbs}: the full distribution at the sampling temperature (1 when greedy),
 * before top-k/top-p/min-p truncation. Reported only when {@link SamplingParams#topLogProbs} asks for it.
 */
public record TopLogProbs(int[] tokens, float[] logProbs) {}
