package dev.reason4j.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE {@code model} of a {@code tokenizer.json}: a vocabulary and ranked merges. Encodes one pre-tokenized piece
 * by starting from its characters and applying the lowest-ranked merge first (leftmost on ties), exactly as HF's
 * {@code Word::merge_all}.
 */
final class BpeModel {
    private static final int CACHE_CAPACITY = 100_000;
    private static final int MAX_CACHED_LENGTH = 128;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    /** (left id, right id) packed in a long to (rank, merged id) packed in a long. */
    private final LongLongMap merges;
    /** Vocabulary id of each single character below U+0200 (the byte-level alphabet lives there); -1 if absent. */
    private final int[] charIds = new int[0x200];
    private final boolean ignoreMerges;
    private final int unknownId;
    private final boolean fuseUnknown;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, String[][] mergePairs, boolean ignoreMerges, String unknownToken, boolean fuseUnknown) {
        this.vocab = vocab;
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.idToToken = new String[maxId + 1];
        vocab.forEach((token, id) -> idToToken[id] = token);
        Arrays.fill(charIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1 && token.charAt(0) < charIds.length) {
                charIds[token.charAt(0)] = id;
            }
        });
        this.merges = new LongLongMap(mergePairs.length * 2);
        for (int rank = 0; rank < mergePairs.length; rank++) {
            String left = mergePairs[rank][0];
            String right = mergePairs[rank][1];
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            Integer mergedId = vocab.get(left + right);
            if (leftId == null || rightId == null || mergedId == null) {
                throw new IllegalArgumentException("merge " + rank + " ('" + left + "', '" + right
                        + "') uses a token missing from the vocabulary");
            }
            long key = pair(leftId, rightId);
            if (!merges.containsKey(key)) { // HF keeps the first (lowest) rank of a repeated merge
                merges.put(key, ((long) rank << 32) | mergedId);
            }
        }
        this.ignoreMerges = ignoreMerges;
        this.unknownId = unknownToken == null ? -1 : vocab.getOrDefault(unknownToken, -1);
        if (unknownToken != null && unknownId < 0) {
            throw new IllegalArgumentException("model.unk_token '" + unknownToken + "' is not in the vocabulary");
        }
        this.fuseUnknown = fuseUnknown;
    }

    /** The model of a {@code tokenizer.json} tree. */
    static BpeModel fromJson(JsonNode model) {
        Map<String, Integer> vocab = new HashMap<>(model.path("vocab").size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            vocab.put(entry.getKey(), entry.getValue().asInt());
        }
        JsonNode mergesJson = model.path("merges");
        String[][] merges = new String[mergesJson.size()][];
        for (int i = 0; i < merges.length; i++) {
            JsonNode merge = mergesJson.get(i);
            merges[i] = merge.isArray() ? new String[] {merge.get(0).asText(), merge.get(1).asText()} : splitMerge(merge.asText(), i);
        }
        return fromParts(model, vocab, merges);
    }

    /**
     * Reads the model of a {@code tokenizer.json} whose parser stands on the model object: vocabulary and merges are
     * streamed (a tree of a 150k-token vocabulary costs seconds), the other fields go to {@code options}.
     */
    static BpeModel read(JsonParser parser, ObjectNode options) throws IOException {
        Map<String, Integer> vocab = new HashMap<>();
        List<String[]> merges = new ArrayList<>();
        expect(parser.currentToken(), JsonToken.START_OBJECT, "model");
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (field.equals("vocab")) {
                expect(value, JsonToken.START_OBJECT, "model.vocab");
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String token = parser.currentName();
                    expect(parser.nextToken(), JsonToken.VALUE_NUMBER_INT, "model.vocab['" + token + "']");
                    vocab.put(token, parser.getIntValue());
                }
            } else if (field.equals("merges")) {
                expect(value, JsonToken.START_ARRAY, "model.merges");
                for (JsonToken merge = parser.nextToken(); merge != JsonToken.END_ARRAY; merge = parser.nextToken()) {
                    if (merge == JsonToken.VALUE_STRING) {
                        merges.add(splitMerge(parser.getText(), merges.size()));
                    } else {
                        expect(merge, JsonToken.START_ARRAY, "model.merges[" + merges.size() + "]");
                        expect(parser.nextToken(), JsonToken.VALUE_STRING, "model.merges[" + merges.size() + "][0]");
                        String left = parser.getText();
                        expect(parser.nextToken(), JsonToken.VALUE_STRING, "model.merges[" + merges.size() + "][1]");
                        merges.add(new String[] {left, parser.getText()});
                        expect(parser.nextToken(), JsonToken.END_ARRAY, "model.merges[" + merges.size() + "]");
                    }
                }
            } else {
                options.set(field, parser.readValueAsTree());
            }
        }
        return fromParts(options, vocab, merges.toArray(new String[0][]));
    }

    private static void expect(JsonToken actual, JsonToken expected, String where) {
        if (actual != expected) {
            throw new IllegalArgumentException(where + ": expected " + expected + ", found " + actual);
        }
    }

    /** The classic merge form {@code "left right"}. */
    private static String[] splitMerge(String text, int index) {
        int space = text.indexOf(' ', 1);
        if (space < 0) {
            throw new IllegalArgumentException("model.merges[" + index + "] '" + text + "' is not 'left right'");
        }
        return new String[] {text.substring(0, space), text.substring(space + 1)};
    }

    private static BpeModel fromParts(JsonNode model, Map<String, Integer> vocab, String[][] merges) {
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("unsupported model type '" + type + "' (only BPE)");
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(affix).asText("").isEmpty()) {
                throw new IllegalArgumentException("unsupported BPE option " + affix + "=" + model.get(affix));
            }
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new IllegalArgumentException("unsupported BPE option byte_fallback=true (only byte-level BPE)");
        }
        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
            throw new IllegalArgumentException("unsupported BPE option dropout=" + model.get("dropout"));
        }
        JsonNode unk = model.path("unk_token");
        return new BpeModel(vocab, merges, model.path("ignore_merges").asBoolean(false),
                unk.isTextual() ? unk.asText() : null, model.path("fuse_unk").asBoolean(false));
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** One more than the largest id. */
    int vocabSize() {
        return idToToken.length;
    }

    /** Number of vocabulary entries (HF's {@code get_vocab_size}). */
    int vocabEntryCount() {
        return vocab.size();
    }

    /** Id of a vocabulary token, or -1. */
    int tokenToId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** Token of an id, or null outside the vocabulary. */
    String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** Appends the ids of one piece to {@code out}. */
    void tokenize(String word, IntList out) {
        if (word.length() <= MAX_CACHED_LENGTH) {
            int[] cached = cache.get(word);
            if (cached == null) {
                cached = merge(word);
                if (cache.size() >= CACHE_CAPACITY) {
                    cache.clear();
                }
                cache.put(word, cached);
            }
            out.addAll(cached);
        } else {
            out.addAll(merge(word));
        }
    }

    private int[] merge(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] ids = initialSymbols(word);
        int n = ids.length;
        if (n < 2) {
            return ids;
        }
        // Symbols form a linked list over their original positions; a merge keeps the left position.
        int[] next = new int[n];
        int[] previous = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            previous[i] = i - 1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            pushCandidate(queue, ids, i, i + 1);
        }
        int alive = n;
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int position = (int) top;
            int right = next[position];
            if (ids[position] < 0 || right < 0) {
                continue;
            }
            long merge = merges.get(pair(ids[position], ids[right]));
            if (merge < 0 || (int) (merge >>> 32) != rank) {
                continue; // stale: one side changed since this candidate was queued
            }
            ids[position] = (int) merge;
            ids[right] = -1;
            alive--;
            next[position] = next[right];
            if (next[right] >= 0) {
                previous[next[right]] = position;
            }
            if (previous[position] >= 0) {
                pushCandidate(queue, ids, previous[position], position);
            }
            if (next[position] >= 0) {
                pushCandidate(queue, ids, position, next[position]);
            }
        }
        int[] result = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            result[k++] = ids[i];
        }
        return result;
    }

    private void pushCandidate(LongHeap queue, int[] ids, int left, int right) {
        long merge = merges.get(pair(ids[left], ids[right]));
        if (merge >= 0) {
            queue.add((merge & 0xFFFFFFFF00000000L) | left);
        }
    }

    /** One symbol per character; characters outside the vocabulary become unk (fused if asked) or are dropped. */
    private int[] initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int width = Character.charCount(cp);
            int id = cp < charIds.length ? charIds[cp] : vocab.getOrDefault(word.substring(i, i + width), -1);
            i += width;
            if (id >= 0) {
                symbols.add(id);
                previousUnknown = false;
            } else if (unknownId >= 0) {
                if (!(fuseUnknown && previousUnknown)) {
                    symbols.add(unknownId);
                }
                previousUnknown = true;
            }
        }
        return symbols.toArray();
    }

    /** Open-addressing map from non-negative packed pairs to non-negative packed values; -1 means absent. */
    static final class LongLongMap {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        LongLongMap(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            mask = capacity - 1;
            Arrays.fill(keys, -1L);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            int i = (int) (h ^ (h >>> 29)) & mask;
            while (keys[i] != -1L && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }

        void put(long key, long value) {
            int i = slot(key);
            keys[i] = key;
            values[i] = value;
        }

        boolean containsKey(long key) {
            return keys[slot(key)] == key;
        }

        long get(long key) {
            int i = slot(key);
            return keys[i] == key ? values[i] : -1L;
        }
    }

    /** Binary min-heap of longs. */
    static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long value) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= value) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = value;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
