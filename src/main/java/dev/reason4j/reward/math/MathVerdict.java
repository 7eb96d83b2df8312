package dev.reason4j.reward.math;

/**
 * The outcome of one check.
 *
 * @param correct    the prediction's answer is equivalent to the gold answer
 * @param goldParsed the gold answer as parsed (see {@link MathExpr#render})
 * @param predParsed the predicted answer as parsed, or null when the response has no answer
 * @param timedOut   a symbolic check hit its time limit (then {@code correct} is false)
 */
public record MathVerdict(boolean correct, String goldParsed, String predParsed, boolean timedOut) {}
