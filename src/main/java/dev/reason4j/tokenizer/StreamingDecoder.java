package dev.reason4j.tokenizer;

import java.util.Arrays;

/**
 * Decodes ids as a sampler produces them, emitting only whole characters: a character whose UTF-8 bytes span several
 * tokens is held back until its last byte arrives. The concatenation of everything {@link #add} and {@link #finish}
 * return equals {@code tokenizer.decode(allIds, skipSpecialTokens)}. Not thread-safe; one per sequence.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] pending = new byte[16];
    private int pendingLength;
    private boolean first = true;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id; returns the text now complete (often empty, never half a character). */
    public String add(int id) {
        String token = tokenizer.tokenForDecoding(id, skipSpecialTokens);
        if (token == null) {
            return "";
        }
        if (!tokenizer.byteLevelDecoder()) {
            String text = first ? token : " " + token;
            first = false;
            return text;
        }
        byte[] bytes = ByteLevel.decode(token);
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        int complete = Utf8.completePrefix(pending, pendingLength);
        if (complete == 0) {
            return "";
        }
        String text = Utf8.decodeLossy(pending, 0, complete);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return text;
    }

    /** Ends the sequence: bytes of a character that never completed come out as U+FFFD. */
    public String finish() {
        String text = Utf8.decodeLossy(pending, 0, pendingLength);
        pendingLength = 0;
        return text;
    }
}
