package dev.reason4j.tokenizer;

/**
 * Hand-coded matchers for the pre-tokenizer patterns of GPT-2, Qwen2/Qwen3 and Llama 3: several times faster than
 * {@link java.util.regex} and checked against it (and the Rust library) by the tests. Each method mirrors one
 * alternative of the pattern, tried in order at each position as a backtracking regex engine does.
 *
 * <pre>
 * GPT-2:  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * Qwen:   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * Llama3: the Qwen pattern with \p{N}{1,3} instead of \p{N}
 * </pre>
 */
final class FastPreTokenizer implements PreTokenizer.Splitter {
    static final String QWEN_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3_PATTERN = QWEN_PATTERN.replace("|\\p{N}|", "|\\p{N}{1,3}|");

    private enum Variant { GPT2, QWEN, LLAMA3 }

    private final Variant variant;

    private FastPreTokenizer(Variant variant) {
        this.variant = variant;
    }

    /** The hand-coded matcher for a known pattern, or null. */
    static PreTokenizer.Splitter forPattern(String onigPattern) {
        if (onigPattern.equals(QWEN_PATTERN)) {
            return new FastPreTokenizer(Variant.QWEN);
        }
        if (onigPattern.equals(LLAMA3_PATTERN)) {
            return new FastPreTokenizer(Variant.LLAMA3);
        }
        if (onigPattern.equals(PreTokenizer.GPT2_PATTERN)) {
            return new FastPreTokenizer(Variant.GPT2);
        }
        return null;
    }

    @Override
    public void findMatches(String text, PreTokenizer.IntPairs matches) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = variant == Variant.GPT2 ? matchGpt2(text, i) : matchQwen(text, i);
            matches.add(i, end);
            i = end;
        }
    }

    /** End of the match starting at {@code i} (every position matches one alternative). */
    private int matchQwen(String text, int i) {
        int c = text.codePointAt(i);
        int afterC = i + Character.charCount(c);
        if (c == '\'') {
            int end = contraction(text, afterC, true);
            if (end > 0) {
                return end;
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (Unicode.isLetter(c)) {
            return letterRun(text, afterC);
        }
        if (c != '\r' && c != '\n' && !Unicode.isNumeric(c) && afterC < text.length() && Unicode.isLetter(text.codePointAt(afterC))) {
            return letterRun(text, afterC);
        }
        // \p{N} or \p{N}{1,3}
        if (Unicode.isNumeric(c)) {
            int end = afterC;
            for (int k = 1; variant == Variant.LLAMA3 && k < 3 && end < text.length(); k++) {
                int d = text.codePointAt(end);
                if (!Unicode.isNumeric(d)) {
                    break;
                }
                end += Character.charCount(d);
            }
            return end;
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int otherStart = c == ' ' && afterC < text.length() && isOther(text.codePointAt(afterC)) ? afterC : isOther(c) ? i : -1;
        if (otherStart >= 0) {
            int end = otherRun(text, otherStart);
            while (end < text.length() && (text.charAt(end) == '\r' || text.charAt(end) == '\n')) {
                end++;
            }
            return end;
        }
        // c is whitespace. \s*[\r\n]+ : the run up to and including its last \r or \n.
        int runEnd = whitespaceRun(text, i);
        for (int k = runEnd - 1; k >= i; k--) {
            char w = text.charAt(k);
            if (w == '\r' || w == '\n') {
                return k + 1;
            }
        }
        return whitespaceTail(text, i, runEnd);
    }

    private int matchGpt2(String text, int i) {
        int c = text.codePointAt(i);
        int afterC = i + Character.charCount(c);
        if (c == '\'') {
            int end = contraction(text, afterC, false);
            if (end > 0) {
                return end;
            }
        }
        // An optional space, then a run of letters, of numbers, or of other characters.
        int start = i;
        int first = c;
        if (c == ' ' && afterC < text.length()) {
            int next = text.codePointAt(afterC);
            if (!Unicode.isWhiteSpace(next)) {
                start = afterC;
                first = next;
            }
        }
        if (Unicode.isLetter(first)) {
            return letterRun(text, start);
        }
        if (Unicode.isNumeric(first)) {
            int end = start;
            while (end < text.length()) {
                int d = text.codePointAt(end);
                if (!Unicode.isNumeric(d)) {
                    break;
                }
                end += Character.charCount(d);
            }
            return end;
        }
        if (isOther(first)) {
            return otherRun(text, start);
        }
        return whitespaceTail(text, i, whitespaceRun(text, i));
    }

    /** {@code \s+(?!\S)|\s+} on the whitespace run {@code [start, runEnd)}: all of it before the end of text or
     * a single whitespace char, else all but its last char (which then prefixes the next word). */
    private static int whitespaceTail(String text, int start, int runEnd) {
        if (runEnd == text.length() || runEnd - start == 1) {
            return runEnd;
        }
        return runEnd - 1; // White_Space characters are all in the BMP: one char each
    }

    /** After an apostrophe at {@code i - 1}: end of {@code 's|'t|'re|'ve|'m|'ll|'d} (case-folded if asked), or -1. */
    private static int contraction(String text, int i, boolean ignoreCase) {
        if (i >= text.length()) {
            return -1;
        }
        char a = fold(text.charAt(i), ignoreCase);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return i + 1;
        }
        if (i + 1 < text.length()) {
            char b = fold(text.charAt(i + 1), ignoreCase);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return i + 2;
            }
        }
        return -1;
    }

    /** Unicode simple case folding restricted to the letters of the contractions (U+017F long s folds to s). */
    private static char fold(char c, boolean ignoreCase) {
        if (!ignoreCase) {
            return c;
        }
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + 32);
        }
        return c == '\u017F' ? 's' : c;
    }

    private static int letterRun(String text, int i) {
        while (i < text.length()) {
            char ch = text.charAt(i);
            if (ch < 0x80) {
                if ((ch | 0x20) < 'a' || (ch | 0x20) > 'z') {
                    break;
                }
                i++;
                continue;
            }
            int cp = text.codePointAt(i);
            if (!Unicode.isLetter(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    private static int otherRun(String text, int i) {
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!isOther(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    private static int whitespaceRun(String text, int i) {
        while (i < text.length() && Unicode.isWhiteSpace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** {@code [^\s\p{L}\p{N}]}. */
    private static boolean isOther(int cp) {
        return !Unicode.isWhiteSpace(cp) && !Unicode.isLetter(cp) && !Unicode.isNumeric(cp);
    }
}
