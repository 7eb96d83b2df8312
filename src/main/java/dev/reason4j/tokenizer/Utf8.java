package dev.reason4j.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 helpers matching Rust's {@code String::from_utf8_lossy} (one U+FFFD per maximal invalid subpart). */
final class Utf8 {
    private Utf8() {}

    static String decodeLossy(byte[] bytes, int from, int to) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, from, to - from));
            return chars.toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // cannot happen with REPLACE
        }
    }

    /**
     * Length of the longest prefix of {@code bytes[0..length)} that does not end inside a character that later
     * bytes could still complete. Bytes after it are the start of a valid but unfinished UTF-8 sequence.
     */
    static int completePrefix(byte[] bytes, int length) {
        // An unfinished sequence is a lead byte followed by fewer continuation bytes than it announces (max 3 back).
        for (int back = 1; back <= Math.min(3, length); back++) {
            int b = bytes[length - back] & 0xFF;
            if (b >= 0x80 && b <= 0xBF) {
                continue; // continuation byte: keep looking for its lead
            }
            int needed = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 1;
            if (needed > back && secondByteFits(b, back > 1 ? bytes[length - back + 1] & 0xFF : -1)) {
                return length - back;
            }
            return length;
        }
        return length;
    }

    /** The ranges UTF-8 allows for the byte after a lead byte (no overlongs, surrogates or > U+10FFFF). */
    private static boolean secondByteFits(int lead, int second) {
        if (second < 0) {
            return true;
        }
        return switch (lead) {
            case 0xE0 -> second >= 0xA0 && second <= 0xBF;
            case 0xED -> second >= 0x80 && second <= 0x9F;
            case 0xF0 -> second >= 0x90 && second <= 0xBF;
            case 0xF4 -> second >= 0x80 && second <= 0x8F;
            default -> second >= 0x80 && second <= 0xBF;
        };
    }
}
