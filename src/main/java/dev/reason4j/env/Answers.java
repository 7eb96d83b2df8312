package dev.reason4j.env;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Pattern;

/** Final-answer extraction and formatting shared by the built-in tasks. */
public final class Answers {
    static final String BOXED = "\\boxed{";
    private static final Pattern INTEGER = Pattern.compile("[-+]?(\\d+|\\d{1,3}(,\\d{3})+)");

    private Answers() {
    }

    /** The content of the last {@code \boxed{...}} (braces balanced), or null when there is none. */
    public static String lastBoxed(String text) {
        int start = text.lastIndexOf(BOXED);
        while (start >= 0) {
            int depth = 1;
            int i = start + BOXED.length();
            for (; i < text.length() && depth > 0; i++) {
                char c = text.charAt(i);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            }
            if (depth == 0) {
                return text.substring(start + BOXED.length(), i - 1);
            }
            start = text.lastIndexOf(BOXED, start - 1);  // unclosed: an earlier complete one still counts
        }
        return null;
    }

    /** An integer written plainly, with optional sign, thousands commas and surrounding spaces or {@code $}; else null. */
    public static BigInteger parseInteger(String text) {
        if (text == null) {
            return null;
        }
        String trimmed = text.strip();
        if (trimmed.length() >= 2 && trimmed.startsWith("$") && trimmed.endsWith("$")) {
            trimmed = trimmed.substring(1, trimmed.length() - 1).strip();
        }
        if (!INTEGER.matcher(trimmed).matches()) {
            return null;
        }
        return new BigInteger(trimmed.replace(",", "").replace("+", ""));
    }

    /**
     * 1.0 when the last {@code \boxed{}} of the response holds the integer {@code groundTruth}, else 0.0. A ground
     * truth that is not an integer is the dataset's fault: an error naming the task.
     */
    static double verifyInteger(String task, String response, String groundTruth) {
        BigInteger truth = parseInteger(groundTruth);
        if (truth == null) {
            throw new IllegalArgumentException("task " + task + ": ground truth must be an integer, got '"
                    + groundTruth + "'");
        }
        return truth.equals(parseInteger(lastBoxed(response))) ? 1.0 : 0.0;
    }

    /**
     * A worked solution: the reasoning lines (one step each), optionally inside {@code <think>...</think>}, then
     * {@code \boxed{answer}} on the last line.
     */
    static String workedSolution(List<String> lines, String answer, boolean think) {
        StringBuilder text = new StringBuilder();
        if (think) {
            text.append("<think>\n");
        }
        for (String line : lines) {
            text.append(line).append('\n');
        }
        if (think) {
            text.append("</think>\n");
        }
        return text.append(BOXED).append(answer).append('}').toString();
    }
}
