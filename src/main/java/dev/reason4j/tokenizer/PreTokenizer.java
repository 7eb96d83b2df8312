package dev.reason4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} of a {@code tokenizer.json}: cuts normalized text into pieces that BPE encodes
 * separately. Each step refines the pieces of the step before, as HF's {@code PreTokenizedString} does.
 */
interface PreTokenizer {
    /**
     * A piece of the text. {@code start}/{@code end} are char offsets in the text given to the pipeline; the text of a
     * piece can differ from that range once ByteLevel has mapped it to byte-level characters or prepended a space.
     */
    record Piece(String text, int start, int end) {}

    List<Piece> apply(List<Piece> pieces);

    /** True when pieces come out as byte-level strings (a ByteLevel step ran): decoding must map chars to bytes. */
    default boolean byteLevel() {
        return false;
    }

    /** GPT-2's pattern, used by ByteLevel when {@code use_regex} is true. */
    String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static PreTokenizer fromJson(JsonNode json) {
        if (json == null || json.isNull()) {
            return pieces -> pieces;
        }
        String type = json.path("type").asText();
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                for (JsonNode step : json.path("pretokenizers")) {
                    steps.add(fromJson(step));
                }
                yield new SequenceStep(steps);
            }
            case "Split" -> {
                JsonNode pattern = json.path("pattern");
                Splitter splitter;
                if (pattern.has("Regex")) {
                    splitter = Splitter.regex(pattern.get("Regex").asText());
                } else if (pattern.has("String")) {
                    splitter = Splitter.literal(pattern.get("String").asText());
                } else {
                    throw new IllegalArgumentException("pre_tokenizer Split: pattern needs String or Regex, got " + pattern);
                }
                yield new SplitStep(splitter, Behavior.parse(json.path("behavior").asText()), json.path("invert").asBoolean(false));
            }
            case "ByteLevel" -> new ByteLevelStep(json.path("add_prefix_space").asBoolean(true),
                    json.path("use_regex").asBoolean(true));
            case "Digits" -> new SplitStep(Splitter.digits(), json.path("individual_digits").asBoolean(false)
                    ? Behavior.ISOLATED : Behavior.CONTIGUOUS, false);
            default -> throw new IllegalArgumentException("unsupported pre_tokenizer type '" + type + "'");
        };
    }

    /** HF's {@code SplitDelimiterBehavior}: what happens to the matched delimiters. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior parse(String name) {
            return switch (name) {
                case "Removed" -> REMOVED;
                case "Isolated" -> ISOLATED;
                case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
                case "MergedWithNext" -> MERGED_WITH_NEXT;
                case "Contiguous" -> CONTIGUOUS;
                default -> throw new IllegalArgumentException("unknown Split behavior '" + name + "'");
            };
        }
    }

    /** Finds delimiters: appends [start, end) pairs of each match in {@code text} to {@code matches}. */
    @FunctionalInterface
    interface Splitter {
        void findMatches(String text, IntPairs matches);

        static Splitter regex(String onigPattern) {
            Splitter handCoded = FastPreTokenizer.forPattern(onigPattern);
            return handCoded != null ? handCoded : javaRegex(onigPattern);
        }

        static Splitter javaRegex(String onigPattern) {
            // Oniguruma's \s is Unicode White_Space; Java's needs UNICODE_CHARACTER_CLASS for that.
            Pattern pattern = Pattern.compile(onigPattern, Pattern.UNICODE_CHARACTER_CLASS);
            return (text, matches) -> {
                Matcher matcher = pattern.matcher(text);
                while (matcher.find()) {
                    matches.add(matcher.start(), matcher.end());
                }
            };
        }

        static Splitter literal(String delimiter) {
            return (text, matches) -> {
                if (delimiter.isEmpty()) {
                    return;
                }
                for (int at = text.indexOf(delimiter); at >= 0; at = text.indexOf(delimiter, at + delimiter.length())) {
                    matches.add(at, at + delimiter.length());
                }
            };
        }

        /** Each numeric character (Rust's {@code char::is_numeric}: Nd, Nl, No) is a match. */
        static Splitter digits() {
            return (text, matches) -> {
                for (int i = 0; i < text.length(); ) {
                    int cp = text.codePointAt(i);
                    int next = i + Character.charCount(cp);
                    if (Unicode.isNumeric(cp)) {
                        matches.add(i, next);
                    }
                    i = next;
                }
            };
        }
    }

    /** A growable list of int pairs, to keep match offsets off the heap-object path. */
    final class IntPairs {
        int[] values = new int[64];
        int size;

        void add(int start, int end) {
            if (2 * size + 2 > values.length) {
                values = java.util.Arrays.copyOf(values, values.length * 2);
            }
            values[2 * size] = start;
            values[2 * size + 1] = end;
            size++;
        }

        void clear() {
            size = 0;
        }
    }

    record SequenceStep(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public List<Piece> apply(List<Piece> pieces) {
            for (PreTokenizer step : steps) {
                pieces = step.apply(pieces);
            }
            return pieces;
        }

        @Override
        public boolean byteLevel() {
            return steps.stream().anyMatch(PreTokenizer::byteLevel);
        }
    }

    record SplitStep(Splitter splitter, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public List<Piece> apply(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>(Math.max(16, pieces.size() * 4));
            IntPairs matches = new IntPairs();
            for (Piece piece : pieces) {
                matches.clear();
                splitter.findMatches(piece.text(), matches);
                split(piece, matches, out);
            }
            return out;
        }

        /** Cuts one piece at its matches following {@link #behavior}, as HF's {@code NormalizedString::split}. */
        private void split(Piece piece, IntPairs matches, List<Piece> out) {
            String text = piece.text();
            // Ranges covering the whole text, each flagged as delimiter (a match, or a gap when inverted) or not.
            int count = 0;
            int[] starts = new int[2 * matches.size + 1];
            int[] ends = new int[starts.length];
            boolean[] isDelimiter = new boolean[starts.length];
            int previous = 0;
            for (int m = 0; m < matches.size; m++) {
                int start = matches.values[2 * m];
                int end = matches.values[2 * m + 1];
                if (previous != start) {
                    starts[count] = previous;
                    ends[count] = start;
                    isDelimiter[count++] = invert;
                }
                starts[count] = start;
                ends[count] = end;
                isDelimiter[count++] = !invert;
                previous = end;
            }
            if (previous != text.length()) {
                starts[count] = previous;
                ends[count] = text.length();
                isDelimiter[count++] = invert;
            }
            int firstOut = out.size();
            switch (behavior) {
                case ISOLATED -> {
                    for (int r = 0; r < count; r++) {
                        emit(piece, starts[r], ends[r], out);
                    }
                }
                case REMOVED -> {
                    for (int r = 0; r < count; r++) {
                        if (!isDelimiter[r]) {
                            emit(piece, starts[r], ends[r], out);
                        }
                    }
                }
                case MERGED_WITH_PREVIOUS, CONTIGUOUS -> {
                    // A delimiter joins the range before it (MergedWithPrevious), or equal kinds join (Contiguous).
                    int openStart = -1;
                    int openEnd = -1;
                    boolean previousDelimiter = false;
                    for (int r = 0; r < count; r++) {
                        boolean join = behavior == Behavior.CONTIGUOUS
                                ? isDelimiter[r] == previousDelimiter
                                : isDelimiter[r] && !previousDelimiter;
                        if (join && openStart >= 0) {
                            openEnd = ends[r];
                        } else {
                            if (openStart >= 0) {
                                emit(piece, openStart, openEnd, out);
                            }
                            openStart = starts[r];
                            openEnd = ends[r];
                        }
                        previousDelimiter = isDelimiter[r];
                    }
                    if (openStart >= 0) {
                        emit(piece, openStart, openEnd, out);
                    }
                }
                case MERGED_WITH_NEXT -> {
                    int openStart = -1;
                    int openEnd = -1;
                    boolean nextDelimiter = false;
                    for (int r = count - 1; r >= 0; r--) {
                        if (isDelimiter[r] && !nextDelimiter && openStart >= 0) {
                            openStart = starts[r];
                        } else {
                            if (openStart >= 0) {
                                emit(piece, openStart, openEnd, out);
                            }
                            openStart = starts[r];
                            openEnd = ends[r];
                        }
                        nextDelimiter = isDelimiter[r];
                    }
                    if (openStart >= 0) {
                        emit(piece, openStart, openEnd, out);
                    }
                    java.util.Collections.reverse(out.subList(firstOut, out.size()));
                }
            }
        }

        private static void emit(Piece piece, int start, int end, List<Piece> out) {
            if (start >= end) {
                return;
            }
            String text = piece.text();
            // Offsets map back to the source only while the piece text is the source text (it is before ByteLevel).
            boolean sameAsSource = piece.end() - piece.start() == text.length();
            int sourceStart = sameAsSource ? piece.start() + start : piece.start();
            int sourceEnd = sameAsSource ? piece.start() + end : piece.end();
            out.add(new Piece(start == 0 && end == text.length() ? text : text.substring(start, end), sourceStart, sourceEnd));
        }
    }

    /** Optionally prepends a space and splits with GPT-2's pattern, then maps each piece's UTF-8 to byte-level chars. */
    record ByteLevelStep(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public List<Piece> apply(List<Piece> pieces) {
            if (addPrefixSpace) {
                List<Piece> spaced = new ArrayList<>(pieces.size());
                for (Piece piece : pieces) {
                    spaced.add(piece.text().startsWith(" ") ? piece : new Piece(" " + piece.text(), piece.start(), piece.end()));
                }
                pieces = spaced;
            }
            if (useRegex) {
                pieces = new SplitStep(Splitter.regex(GPT2_PATTERN), Behavior.ISOLATED, false).apply(pieces);
            }
            List<Piece> out = new ArrayList<>(pieces.size());
            for (Piece piece : pieces) {
                byte[] utf8 = piece.text().getBytes(StandardCharsets.UTF_8);
                out.add(new Piece(ByteLevel.encode(utf8, 0, utf8.length), piece.start(), piece.end()));
            }
            return out;
        }

        @Override
        public boolean byteLevel() {
            return true;
        }
    }
}
