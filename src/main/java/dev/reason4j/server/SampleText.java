package dev.reason4j.server;

import dev.reason4j.tokenizer.StreamingDecoder;
import dev.reason4j.tokenizer.Tokenizer;

import java.util.List;

/**
 * One sample's text as its tokens arrive: decoded a token at a time, ended before the first stop string (OpenAI's
 * {@code stop}), and held back while its end may be the start of a stop string, so streamed text never shows what
 * the final text cuts. A stop token (eos, end of turn) is not text. Fed by one thread at a time.
 */
final class SampleText {
    private final StreamingDecoder decoder;
    private final List<String> stops;
    private final int[] stopIds;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;
    private boolean finished;

    SampleText(Tokenizer tokenizer, boolean skipSpecialTokens, List<String> stops, int[] stopIds) {
        this.decoder = tokenizer.streamingDecoder(skipSpecialTokens);
        this.stops = stops;
        this.stopIds = stopIds;
    }

    /** Adds a token; returns the text that is now final (often ""). */
    String add(int token) {
        if (stopped || isStopId(token)) {
            return "";
        }
        int before = text.length();
        text.append(decoder.add(token));
        int cut = firstStop(before);
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
            return release(cut);
        }
        return release(text.length() - heldBack());
    }

    /** A stop string ended the text (the sample should stop). */
    boolean stopped() {
        return stopped;
    }

    /** The sample ended: whatever was held back is final now. */
    String finish() {
        if (finished) {
            return "";
        }
        finished = true;
        if (!stopped) {
            text.append(decoder.finish());
            int cut = firstStop(0);
            if (cut >= 0) {
                text.setLength(cut);
            }
        }
        return release(text.length());
    }

    String text() {
        return text.toString();
    }

    private String release(int upTo) {
        if (upTo <= released) {
            return "";
        }
        String out = text.substring(released, upTo);
        released = upTo;
        return out;
    }

    /** The start of the first stop string that ends at or after {@code newFrom}, or -1. */
    private int firstStop(int newFrom) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, Math.max(0, newFrom - stop.length() + 1));
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** The longest end of the text that is a proper start of some stop string. */
    private int heldBack() {
        int held = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, text.length()); k > held; k--) {
                if (text.substring(text.length() - k).equals(stop.substring(0, k))) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }

    private boolean isStopId(int token) {
        for (int id : stopIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }
}
