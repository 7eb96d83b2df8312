package dev.reason4j.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's reversible byte-to-character table ({@code bytes_to_unicode}): every byte becomes one printable character,
 * so byte-level BPE can work on strings. Printable Latin-1 bytes map to themselves; the other 68 bytes map to
 * U+0100 and up, in byte order (space becomes {@code Ġ}, newline {@code Ċ}).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character; -1 where the character is not in the table. Covers U+0000..U+01FF. */
    private static final short[] CHAR_TO_BYTE = new short[512];

    static {
        Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a table character stands for, or -1 when {@code c} is not one of the 256 table characters. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level string of UTF-8 bytes {@code bytes[from..to)}. */
    static String encode(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a byte-level token stands for. As in HF's ByteLevel decoder, a token holding any character outside
     * the table (an added token such as {@code <|im_start|>} is inside it; one with a space is not) is taken as its
     * own UTF-8 bytes.
     */
    static byte[] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
