package dev.reason4j.reward.math;

/**
 * The outcome of one check, with what an auditor needs to see why.
 *
 * @param correct    the prediction's answer is equivalent to the gold answer
 * @param goldParsed the gold answer as parsed (see {@link MathExpr#render})
 * @param predParsed the predicted answer as parsed, or null when the response has no answer
 * @param timedOut   a symbolic check hit its time limit (then {@code correct} is false)
 * @param extraction how the answer was found in the response: {@code boxed}, {@code boxed (several)},
 *                   {@code answer marker}, {@code ####}, {@code maths}, {@code final sentence}, {@code whole response},
 *                   {@code last number}, or {@code none}
 * @param reason     why the check decided as it did, in a few words ("equal numbers", "set: the gold's 4 is not in
 *                   the prediction", "no answer found in the response")
 */
public record MathVerdict(boolean correct, String goldParsed, String predParsed, boolean timedOut, String extraction,
                          String reason) {}
