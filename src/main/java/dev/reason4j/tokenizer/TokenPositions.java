package dev.reason4j.tokenizer;

import java.util.Arrays;

/** Where character offsets of a decoded text fall among its tokens. */
public final class TokenPositions {
    private TokenPositions() {}

    /**
     * For each end offset {@code e} (exclusive, into {@code tokenizer.decode(tokens, true)}), the index of the token
     * that completes character {@code e − 1}: the first k whose decoded prefix {@code tokens[0..k]} reaches e
     * characters. A binary search over decoded prefixes, as tokens carry no offsets of their own (a byte-level
     * token may hold part of a character, and decoding a prefix is what settles it). Offsets past the text map to
     * the last token; an empty token list gives -1s.
     */
    public static int[] ofCharacterEnds(Tokenizer tokenizer, int[] tokens, int[] ends) {
        int[] positions = new int[ends.length];
        for (int i = 0; i < ends.length; i++) {
            int low = 0;
            int high = tokens.length - 1;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (tokenizer.decode(Arrays.copyOf(tokens, mid + 1), true).length() >= ends[i]) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            positions[i] = high;
        }
        return positions;
    }
}
