package dev.reason4j.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Finds added tokens in text, leftmost-longest (HF uses Aho-Corasick with that match kind), and honours
 * {@code single_word}, {@code lstrip} and {@code rstrip} as HF's {@code AddedVocabulary::find_matches} does.
 */
final class AddedTokenMatcher {
    /** A slice of the text: an added token ({@code tokenId >= 0}) or text left for the normal pipeline (-1). */
    record Segment(int start, int end, int tokenId) {}

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;
    /** Bit c set when some token starts with char c: most chars are skipped without a map lookup. */
    private final long[] firstChars = new long[1024];

    /** {@code contents.get(i)} is the text matched for {@code tokens.get(i)} (normalized for normalized tokens). */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> contents) {
        for (int i = 0; i < tokens.size(); i++) {
            String content = contents.get(i);
            if (content.isEmpty()) {
                continue;
            }
            Node node = root;
            firstChars[content.charAt(0) >>> 6] |= 1L << content.charAt(0);
            for (int c = 0; c < content.length(); c++) {
                node = node.children.computeIfAbsent(content.charAt(c), k -> new Node());
            }
            if (node.token == null) {
                node.token = tokens.get(i);
            }
        }
        empty = root.children.isEmpty();
    }

    boolean isEmpty() {
        return empty;
    }

    /** Emits the segments covering {@code text} in order. */
    void split(String text, Consumer<Segment> out) {
        int emitted = 0; // end of what was already emitted
        int i = 0;
        while (i < text.length()) {
            char first = text.charAt(i);
            if ((firstChars[first >>> 6] & (1L << first)) == 0) {
                i++;
                continue;
            }
            Node node = root.children.get(first);
            if (node == null) {
                i++;
                continue;
            }
            // Longest token starting at i.
            AddedToken found = null;
            int foundEnd = -1;
            for (int j = i + 1; ; j++) {
                if (node.token != null) {
                    found = node.token;
                    foundEnd = j;
                }
                if (j >= text.length() || (node = node.children.get(text.charAt(j))) == null) {
                    break;
                }
            }
            if (found == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = foundEnd;
            if (found.singleWord() && (endsWithWord(text, start) || startsWithWord(text, stop))) {
                i = foundEnd; // HF drops this match and searches on after it
                continue;
            }
            if (found.lstrip()) {
                int newStart = start;
                while (newStart > 0) {
                    int cp = text.codePointBefore(newStart);
                    if (!Unicode.isWhiteSpace(cp)) {
                        break;
                    }
                    newStart -= Character.charCount(cp);
                }
                start = Math.max(newStart, emitted);
            }
            if (found.rstrip()) {
                while (stop < text.length()) {
                    int cp = text.codePointAt(stop);
                    if (!Unicode.isWhiteSpace(cp)) {
                        break;
                    }
                    stop += Character.charCount(cp);
                }
            }
            if (emitted < start) {
                out.accept(new Segment(emitted, start, -1));
            }
            out.accept(new Segment(start, stop, found.id()));
            emitted = stop;
            i = foundEnd;
        }
        if (emitted < text.length()) {
            out.accept(new Segment(emitted, text.length(), -1));
        }
    }

    private static boolean endsWithWord(String text, int end) {
        return end > 0 && isWordCharacter(text.codePointBefore(end));
    }

    private static boolean startsWithWord(String text, int start) {
        return start < text.length() && isWordCharacter(text.codePointAt(start));
    }

    private static boolean isWordCharacter(int cp) {
        return Unicode.isAlphanumeric(cp) || cp == '_';
    }
}
