package dev.reason4j.tokenizer;

import dev.reason4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Trains a byte-level BPE vocabulary for a from-scratch model and writes a Hugging Face {@code tokenizer.json} and
 * {@code tokenizer_config.json} (Qwen-style: NFC, Qwen's split pattern with single digits, ByteLevel; ChatML
 * template). Merges are learnt greedily by pair frequency (ties: smaller left id, then smaller right id), counting
 * only pairs inside pre-tokenized words, as HF's {@code BpeTrainer}.
 *
 * @param vocabSize     target size: special tokens + 256 bytes + merges
 * @param minFrequency  a pair seen fewer times is never merged
 * @param specialTokens added tokens, ids 0.. in order; never split, never learnt from
 * @param eosToken      the config's {@code eos_token} (must be one of {@code specialTokens}); null for none
 * @param chatTemplate  the config's {@code chat_template}; null for none
 */
public record BpeTrainer(int vocabSize, int minFrequency, List<String> specialTokens, String eosToken, String chatTemplate) {

    /** Qwen2/Qwen3's pre-tokenizer pattern: words, single digits, punctuation runs, newline runs. */
    static final String SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** A minimal ChatML template (messages, add_generation_prompt), as Qwen's without tools or thinking logic. */
    public static final String CHATML_TEMPLATE = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
            + "{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    public BpeTrainer {
        specialTokens = List.copyOf(specialTokens);
        if (vocabSize < specialTokens.size() + 256) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below special tokens + 256 bytes ("
                    + (specialTokens.size() + 256) + ")");
        }
        if (eosToken != null && !specialTokens.contains(eosToken)) {
            throw new IllegalArgumentException("eosToken '" + eosToken + "' is not one of the special tokens " + specialTokens);
        }
    }

    /** ChatML specials ({@code <|endoftext|>}, {@code <|im_start|>}, {@code <|im_end|>}, {@code <think>}, {@code </think>}). */
    public static BpeTrainer chatml(int vocabSize) {
        return new BpeTrainer(vocabSize, 2, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"),
                "<|im_end|>", CHATML_TEMPLATE);
    }

    /** Learns the vocabulary from {@code texts} and returns the {@code tokenizer.json} tree. */
    public ObjectNode train(Iterable<String> texts) {
        ObjectNode json = skeleton();
        Tokenizer splitter = Tokenizer.fromJson(json, TokenizerConfig.EMPTY); // no merges yet: only used to pre-tokenize
        Map<String, Integer> wordCounts = new HashMap<>();
        for (String text : texts) {
            for (String piece : splitter.preTokenize(text)) {
                wordCounts.merge(piece, 1, Integer::sum);
            }
        }

        List<String> tokens = new ArrayList<>(specialTokens);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf(ByteLevel.charOf(b));
            if (!ids.containsKey(c)) {
                ids.put(c, tokens.size());
                tokens.add(c);
            }
        }
        int[][] words = new int[wordCounts.size()][];
        int[] counts = new int[words.length];
        int w = 0;
        for (Map.Entry<String, Integer> entry : wordCounts.entrySet()) {
            String word = entry.getKey();
            words[w] = new int[word.length()];
            for (int i = 0; i < word.length(); i++) {
                words[w][i] = ids.get(String.valueOf(word.charAt(i)));
            }
            counts[w++] = entry.getValue();
        }
        List<String[]> merges = learnMerges(words, counts, tokens, ids);

        ObjectNode model = (ObjectNode) json.get("model");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), i);
        }
        ArrayNode mergesJson = model.putArray("merges");
        for (String[] merge : merges) {
            mergesJson.add(merge[0] + " " + merge[1]); // the classic form every tokenizers version reads
        }
        return json;
    }

    private List<String[]> learnMerges(int[][] words, int[] counts, List<String> tokens, Map<String, Integer> ids) {
        PairCounts pairs = new PairCounts();
        for (int w = 0; w < words.length; w++) {
            pairs.add(words[w], counts[w], w, +1);
        }
        // Max-heap on (count, then smaller pair); entries go stale when counts change and are skipped on poll.
        PriorityQueue<long[]> queue = new PriorityQueue<>(
                (a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        pairs.counts.forEach((pair, count) -> queue.add(new long[] {count, pair}));
        pairs.touched.clear();
        List<String[]> merges = new ArrayList<>();
        while (tokens.size() < vocabSize && !queue.isEmpty()) {
            long[] top = queue.poll();
            long pair = top[1];
            long count = pairs.counts.getOrDefault(pair, 0L);
            if (count != top[0]) {
                continue;
            }
            if (count < Math.max(1, minFrequency)) {
                break;
            }
            int left = (int) (pair >>> 32);
            int right = (int) pair;
            String merged = tokens.get(left) + tokens.get(right);
            Integer mergedId = ids.get(merged);
            if (mergedId == null) {
                mergedId = tokens.size();
                tokens.add(merged);
                ids.put(merged, mergedId);
            }
            merges.add(new String[] {tokens.get(left), tokens.get(right)});
            for (int w : pairs.words.get(pair).toArray(new Integer[0])) {
                pairs.add(words[w], counts[w], w, -1);
                words[w] = applyMerge(words[w], left, right, mergedId);
                pairs.add(words[w], counts[w], w, +1);
            }
            for (long touched : pairs.touched) {
                long now = pairs.counts.getOrDefault(touched, 0L);
                if (now > 0) {
                    queue.add(new long[] {now, touched});
                }
            }
            pairs.touched.clear();
        }
        return merges;
    }

    /** Adjacent-pair counts over all words, with the words each pair occurs in. */
    private static final class PairCounts {
        final Map<Long, Long> counts = new HashMap<>();
        final Map<Long, java.util.Set<Integer>> words = new HashMap<>();
        final java.util.Set<Long> touched = new java.util.HashSet<>();

        void add(int[] word, int count, int wordIndex, int sign) {
            for (int i = 0; i + 1 < word.length; i++) {
                long pair = BpeModel.pair(word[i], word[i + 1]);
                long now = counts.merge(pair, (long) sign * count, Long::sum);
                if (now == 0) {
                    counts.remove(pair);
                }
                if (sign > 0) {
                    words.computeIfAbsent(pair, k -> new java.util.HashSet<>()).add(wordIndex);
                } // a pair removed from a word may linger in its set: the merge loop re-checks words it visits
                touched.add(pair);
            }
        }
    }

    /** {@code word} with each leftmost non-overlapping (left, right) replaced by {@code merged}. */
    private static int[] applyMerge(int[] word, int left, int right, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The {@code tokenizer.json} tree without vocabulary and merges. */
    private ObjectNode skeleton() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = mapper.createObjectNode();
        json.put("version", "1.0");
        json.putNull("truncation");
        json.putNull("padding");
        ArrayNode added = json.putArray("added_tokens");
        for (int i = 0; i < specialTokens.size(); i++) {
            ObjectNode token = added.addObject();
            token.put("id", i);
            token.put("content", specialTokens.get(i));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
        json.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = json.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_PATTERN);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        steps.add(byteLevel(mapper));
        json.set("post_processor", byteLevel(mapper));
        json.set("decoder", byteLevel(mapper));
        ObjectNode model = json.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.putObject("vocab");
        model.putArray("merges");
        return json;
    }

    private static ObjectNode byteLevel(ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", false);
        node.put("use_regex", false);
        return node;
    }

    /** The {@code tokenizer_config.json} that goes with a trained {@code tokenizer.json}. */
    public ObjectNode config() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = mapper.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.putNull("bos_token");
        if (eosToken != null) {
            config.put("eos_token", eosToken);
        }
        if (specialTokens.contains("<|endoftext|>")) {
            config.put("pad_token", "<|endoftext|>");
        }
        config.put("clean_up_tokenization_spaces", false);
        ObjectNode decoderMap = config.putObject("added_tokens_decoder");
        for (int i = 0; i < specialTokens.size(); i++) {
            ObjectNode token = decoderMap.putObject(Integer.toString(i));
            token.put("content", specialTokens.get(i));
            token.put("lstrip", false);
            token.put("normalized", false);
            token.put("rstrip", false);
            token.put("single_word", false);
            token.put("special", true);
        }
        if (chatTemplate != null) {
            config.put("chat_template", chatTemplate);
        }
        return config;
    }

    /** Trains on {@code texts}, writes {@code dir/tokenizer.json} and {@code dir/tokenizer_config.json}, loads them back. */
    public Tokenizer trainAndSave(Iterable<String> texts, Path dir) throws IOException {
        ObjectNode tokenizerJson = train(texts);
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("tokenizer.json"), tokenizerJson);
        writeAtomically(dir.resolve("tokenizer_config.json"), config());
        return Tokenizer.load(dir);
    }

    private static void writeAtomically(Path file, JsonNode json) throws IOException {
        AtomicFiles.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json));
    }
}
