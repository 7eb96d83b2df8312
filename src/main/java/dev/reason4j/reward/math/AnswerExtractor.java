package dev.reason4j.reward.math;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the final answer in free-form model output, in order of how explicitly it was marked: the last
 * {@code \boxed{}} / {@code \fbox{}}, then "the answer is …" / {@code Answer: …}, then {@code #### …}, then the last
 * displayed or inline maths ({@code $$…$$}, {@code \[…\]}, {@code \(…\)}, {@code $…$}; inline maths does not span
 * lines), then the whole output when it is itself an answer, and only if allowed the last number.
 */
final class AnswerExtractor {
    private AnswerExtractor() {}

    private static final Pattern ANSWER_MARKER = Pattern.compile(
            "(?i)(?:final answer|answer)\\s*(?:\\*\\*)?\\s*(?:is\\s*:?|:|=)\\s*(?:\\*\\*)?\\s*(?::\\s*)?");
    private static final Pattern NUMBER = Pattern.compile("-?(?:\\d[\\d,]*(?:\\.\\d+)?|\\.\\d+)(?:\\s*/\\s*\\d+)?");

    /** The answer in a model's output, or null when it gave none. */
    static String extract(String response, boolean lastNumberFallback) {
        if (response == null || response.isBlank()) {
            return null;
        }
        String boxed = lastBoxed(response);
        if (boxed != null) {
            return boxed;
        }
        // "the answer is" and "####": whichever comes last
        int hashes = response.lastIndexOf("####");
        String marked = afterLastMarker(response, hashes);
        if (marked != null) {
            return marked;
        }
        if (hashes >= 0) {
            String line = firstLine(response.substring(hashes + 4));
            if (!line.isBlank()) {
                return stripDelimiters(line);
            }
        }
        String maths = lastMathRegion(response);
        if (maths != null) {
            return maths;
        }
        String whole = stripDelimiters(response);
        if (looksLikeBareAnswer(whole)) {
            return whole;
        }
        return lastNumberFallback ? lastNumber(response) : null;
    }

    /** A reference answer: its {@code \boxed{}} or {@code ####} part when it has one, else all of it. */
    static String extractGold(String gold) {
        String boxed = lastBoxed(gold);
        if (boxed != null) {
            return boxed;
        }
        int hashes = gold.lastIndexOf("####");
        if (hashes >= 0) {
            return stripDelimiters(firstLine(gold.substring(hashes + 4)));
        }
        return stripDelimiters(gold);
    }

    private static final Pattern COMMAND = Pattern.compile("\\\\[A-Za-z]+");
    private static final Pattern WORD = Pattern.compile("[A-Za-z]{3,}");

    /**
     * A response that is itself an answer ({@code 42}, {@code x = 2}, {@code Monday}), not prose: one line that
     * parses, with no word outside LaTeX commands, or a text answer of at most three words.
     */
    private static boolean looksLikeBareAnswer(String text) {
        if (text.contains("\n") || text.length() > LatexParser.MAX_LENGTH) {
            return false;
        }
        MathExpr parsed;
        try {
            parsed = LatexParser.parse(LatexNormalizer.normalize(text));
        } catch (LatexParser.ParseException e) {
            return false;
        }
        if (parsed instanceof MathExpr.Text(String words)) {
            return words.split(" ").length <= 3;
        }
        Matcher words = WORD.matcher(COMMAND.matcher(text).replaceAll(" "));
        while (words.find()) {
            if (!LatexParser.isMathName(words.group())) {
                return false;
            }
        }
        return true;
    }

    /** Content of the last {@code \boxed{...}} or {@code \fbox{...}} (nested braces), or null. */
    static String lastBoxed(String text) {
        int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
        // only the last few: an unclosed brace makes each try scan to the end
        for (int tries = 0; at >= 0 && tries < 4; tries++) {
            int start = at + (text.startsWith("\\boxed", at) ? 6 : 5);
            while (start < text.length() && text.charAt(start) == ' ') {
                start++;
            }
            String content = null;
            if (start < text.length() && text.charAt(start) == '{') {
                int close = LatexNormalizer.matchingBrace(text, start);
                if (close > 0) {
                    content = text.substring(start + 1, close);
                }
            } else if (start > at + 5 && start < text.length()) {
                // \boxed 5
                int end = start;
                while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '$') {
                    end++;
                }
                content = text.substring(start, end);
            }
            if (content != null && !content.isBlank()) {
                String inner = lastBoxed(content);
                return (inner != null ? inner : content).strip();
            }
            at = Math.max(text.lastIndexOf("\\boxed", at - 1), text.lastIndexOf("\\fbox", at - 1));
        }
        return null;
    }

    /** The answer after the last "answer is" / "Answer:" that starts after {@code notBefore}, or null. */
    private static String afterLastMarker(String text, int notBefore) {
        Matcher matcher = ANSWER_MARKER.matcher(text);
        int end = -1;
        while (matcher.find(Math.max(end, notBefore + 1))) {
            end = matcher.end();
            if (end >= text.length()) {
                break;
            }
        }
        if (end < 0) {
            return null;
        }
        String tail = text.substring(end).stripLeading();
        String maths = leadingMathRegion(tail);
        String answer = maths != null ? maths : cutSentence(firstLine(tail));
        if (answer.length() > LatexParser.MAX_LENGTH) {
            answer = answer.substring(0, LatexParser.MAX_LENGTH);   // longer is no answer; keeps the scans below linear
        }
        answer = stripDelimiters(answer.replace("**", "").strip());
        if (maths == null) {
            answer = beforeProse(answer);
        }
        return answer.isEmpty() ? null : answer;
    }

    private static final Pattern PROSE_WORD = Pattern.compile("\\s([A-Za-z]{3,})\\b");
    private static final Pattern MATHS_LIKE = Pattern.compile("[\\d\\\\=^+*/<>()\\[\\]{}]");
    private static final Set<String> CONJUNCTIONS = Set.of(
            "because", "since", "which", "where", "when", "so", "as", "therefore", "thus", "hence", "for");

    /**
     * "6 because 2 * 3 = 6" is 6: after maths, the answer ends where prose starts (a word outside braces that is no
     * maths name); a text answer ends at a conjunction ("yes, because ..."), so "New York" stays whole.
     */
    private static String beforeProse(String answer) {
        Matcher word = PROSE_WORD.matcher(answer);
        while (word.find()) {
            String before = answer.substring(0, word.start());
            String name = word.group(1);
            boolean prose = CONJUNCTIONS.contains(name.toLowerCase(Locale.ROOT))
                    || (MATHS_LIKE.matcher(before).find() && !LatexParser.isMathName(name));
            // "1/2 or maybe 1/3" is a hedge, not the answer 1/2: a list going on is never cut
            boolean listGoesOn = before.matches("(?is).*\\b(or|and)\\s*");
            if (prose && !listGoesOn && braceDepth(before) == 0) {
                return before.replaceAll("[,;:]+$", "").strip();
            }
        }
        return answer;
    }

    private static int braceDepth(String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
        }
        return depth;
    }

    /** The maths region the text starts with ({@code $x$}, {@code \(x\)}, ...), or null. */
    private static String leadingMathRegion(String text) {
        String[][] delimiters = {{"$$", "$$"}, {"\\[", "\\]"}, {"\\(", "\\)"}, {"$", "$"}};
        for (String[] pair : delimiters) {
            if (text.startsWith(pair[0])) {
                int close = text.indexOf(pair[1], pair[0].length());
                if (close > 0) {
                    String inner = text.substring(pair[0].length(), close);
                    if (!(pair[0].equals("$") && inner.contains("\n"))) {
                        return inner.strip();
                    }
                }
            }
        }
        return null;
    }

    /** Text up to the end of its first sentence: a period followed by a space or the end, not a decimal point. */
    private static String cutSentence(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '.' && (i + 1 == line.length() || Character.isWhitespace(line.charAt(i + 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int newline = stripped.indexOf('\n');
        return newline < 0 ? stripped : stripped.substring(0, newline).strip();
    }

    /**
     * The last maths region. Inline {@code $…$} follows pandoc's rule (no space just inside either dollar, closing
     * dollar not followed by a digit) so that prices such as "$5 and $10" are not read as maths.
     */
    static String lastMathRegion(String text) {
        String last = null;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(i + 1);
                String closing = next == '[' ? "\\]" : next == '(' ? "\\)" : null;
                if (closing != null) {
                    int close = text.indexOf(closing, i + 2);
                    if (close > 0 && !(next == '(' && text.substring(i + 2, close).contains("\n"))) {
                        last = text.substring(i + 2, close).strip();
                        i = close + 2;
                        continue;
                    }
                }
                i += 2;
                continue;
            }
            if (c == '$') {
                if (text.startsWith("$$", i)) {
                    int close = text.indexOf("$$", i + 2);
                    if (close > 0) {
                        last = text.substring(i + 2, close).strip();
                        i = close + 2;
                        continue;
                    }
                } else {
                    int close = inlineClose(text, i);
                    if (close > 0) {
                        last = text.substring(i + 1, close).strip();
                        i = close + 1;
                        continue;
                    }
                }
            }
            i++;
        }
        return last == null || last.isEmpty() ? null : last;
    }

    private static int inlineClose(String text, int open) {
        if (open + 1 >= text.length() || Character.isWhitespace(text.charAt(open + 1))) {
            return -1;
        }
        for (int j = open + 1; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '\n') {
                return -1;
            }
            if (c == '\\') {
                j++;
            } else if (c == '$') {
                boolean spaceBefore = Character.isWhitespace(text.charAt(j - 1));
                boolean digitAfter = j + 1 < text.length() && Character.isDigit(text.charAt(j + 1));
                return spaceBefore || digitAfter ? -1 : j;
            }
        }
        return -1;
    }

    private static String lastNumber(String text) {
        Matcher matcher = NUMBER.matcher(text);
        String last = null;
        while (matcher.find()) {
            last = matcher.group();
        }
        if (last == null) {
            return null;
        }
        while (last.endsWith(",")) {
            last = last.substring(0, last.length() - 1);
        }
        return last;
    }

    /** Drops surrounding {@code $…$}, {@code $$…$$}, {@code \(…\)}, {@code \[…\]} and a final period. */
    static String stripDelimiters(String answer) {
        String text = answer.strip();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String[] pair : new String[][] {{"$$", "$$"}, {"\\[", "\\]"}, {"\\(", "\\)"}, {"$", "$"}}) {
                if (text.length() >= pair[0].length() + pair[1].length() && text.startsWith(pair[0])
                        && text.endsWith(pair[1])) {
                    text = text.substring(pair[0].length(), text.length() - pair[1].length()).strip();
                    changed = true;
                }
            }
            if (text.endsWith(".") && !text.endsWith("..")) {
                text = text.substring(0, text.length() - 1).strip();
                changed = true;
            }
        }
        return text;
    }
}
