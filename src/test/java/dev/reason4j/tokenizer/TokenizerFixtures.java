package dev.reason4j.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Shared test fixtures: the real tokenizer directories, our tokenizers and the Rust reference, each loaded once. */
final class TokenizerFixtures {
    static final List<String> NAMES = List.of("qwen3", "llama3");
    private static final Map<String, Tokenizer> OURS = new ConcurrentHashMap<>();
    private static final Map<String, HuggingFaceTokenizer> REFERENCE = new ConcurrentHashMap<>();

    private TokenizerFixtures() {}

    static Path fixtures() {
        String env = System.getenv("REASON4J_FIXTURES");
        return env != null && !env.isEmpty() ? Path.of(env) : Path.of("..", "shared", "fixtures");
    }

    static Path dir(String name) {
        return fixtures().resolve("tokenizers").resolve(name);
    }

    static Tokenizer ours(String name) {
        return OURS.computeIfAbsent(name, n -> {
            try {
                return Tokenizer.load(dir(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The Rust {@code tokenizers} library (through DJL's JNI binding), loaded from the same file. */
    static HuggingFaceTokenizer reference(String name) {
        return REFERENCE.computeIfAbsent(name, n -> reference(dir(n).resolve("tokenizer.json")));
    }

    static HuggingFaceTokenizer reference(Path tokenizerJson) {
        try {
            return HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] referenceIds(HuggingFaceTokenizer reference, String text, boolean addSpecialTokens) {
        long[] ids = reference.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    static long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    /** The hand-written parity corpus: English, code, LaTeX, CJK, emoji/ZWJ, combining marks, whitespace, specials. */
    static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        try (var in = TokenizerFixtures.class.getResourceAsStream("parity-corpus.jsonl")) {
            ObjectMapper json = new ObjectMapper();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    texts.add(json.readTree(line).get("text").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return texts;
    }

    /** Random strings stitched from fragments chosen to stress the pre-tokenizer's edge cases. */
    static List<String> fuzz(long seed, int count) {
        String[] fragments = {
            " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \n", "\u00a0", "\u3000", "\u2003", "\u0085", "\u001c",
            "a", "Z", "word", "Hello", "ſ", "K", "é", "e\u0301", "ß", "İ", "日本", "你好", "한", "🤗", "👨‍👩‍👧", "🇺🇸",
            "\u200d", "️", "0", "12", "345", "6789", "٣", "½", "Ⅻ", "'", "'s", "'S", "'t", "'re", "'RE", "'ve", "'m",
            "'ll", "'LL", "'d", "'D", "'x", ".", ",", "!", "?", "...", "--", "==", "(", ")", "{", "}", "$", "\\frac",
            "_", "<", ">", "|", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<|eot_id|>",
            "<|begin_of_text|>", "<|im_", "\u0301", "\u0308", "x²", "ﬁ", "𝐁", "\u0000", "#", "@", "`", "\"",
        };
        java.util.Random random = new java.util.Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(20);
            for (int k = 0; k < length; k++) {
                text.append(fragments[random.nextInt(fragments.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }
}
