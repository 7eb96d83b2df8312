package dev.reason4j.reward.judge;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge's verdict read from what it wrote: the last {@code \boxed{S}} or {@code Score: S} (also
 * {@code S/max}, {@code S out of max}), whichever comes later, S a number in [0, max]. A verdict given out of
 * another scale ({@code Score: 3/5} when max is 10) is rescaled to max.
 *
 * @param score   S on the scale [0, max], or null when none could be read
 * @param problem why none could be read; null when one was
 */
record JudgeVerdict(Double score, String problem) {
    private static final String NUMBER = "([-+]?\\d+(?:\\.\\d+)?)";
    private static final Pattern BOXED = Pattern.compile(
            "\\\\boxed\\{\\s*" + NUMBER + "\\s*(?:/\\s*" + NUMBER + "\\s*)?}");
    private static final Pattern SCORE = Pattern.compile(
            "(?i)\\bscore\\s*[:=]?\\s*\\**\\s*" + NUMBER + "(?:\\s*(?:/|out of)\\s*" + NUMBER + ")?");

    static JudgeVerdict parse(String text, double max) {
        String value = null;
        String scale = null;
        int at = -1;
        for (Pattern pattern : new Pattern[] {BOXED, SCORE}) {
            Matcher matcher = pattern.matcher(text);
            while (matcher.find()) {
                if (matcher.start() > at) {
                    at = matcher.start();
                    value = matcher.group(1);
                    scale = matcher.group(2);
                }
            }
        }
        if (value == null) {
            return new JudgeVerdict(null, "no \\boxed{S} or \"Score: S\"");
        }
        double score = Double.parseDouble(value);
        if (scale != null) {
            double outOf = Double.parseDouble(scale);
            if (!(outOf > 0)) {
                return new JudgeVerdict(null, "score " + value + "/" + scale + " has no scale");
            }
            score = score / outOf * max;
        }
        if (!(score >= 0 && score <= max)) {
            return new JudgeVerdict(null, "score " + value + (scale == null ? "" : "/" + scale) + " is outside [0, "
                    + formatted(max) + "]");
        }
        return new JudgeVerdict(score, null);
    }

    /** The end of a judge's output, for an error message. */
    static String tail(String text) {
        String flat = text.strip().replaceAll("\\s+", " ");
        return flat.isEmpty() ? "(empty)" : flat.length() <= 160 ? flat : "…" + flat.substring(flat.length() - 160);
    }

    private static String formatted(double number) {
        return number == Math.rint(number) ? String.valueOf((long) number) : String.valueOf(number);
    }
}
