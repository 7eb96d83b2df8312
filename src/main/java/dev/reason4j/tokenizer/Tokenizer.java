package dev.reason4j.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face byte-level BPE tokenizer (GPT-2, Qwen2/Qwen3, Llama 3) read from {@code tokenizer.json}, giving the
 * same ids as the Rust {@code tokenizers} library. Pipeline, as HF's: added tokens are cut out of the raw text, the
 * rest is normalized (then normalized added tokens cut out), pre-tokenized, BPE-encoded piece by piece, and the
 * post-processor adds BOS/EOS when asked. Thread-safe.
 */
public final class Tokenizer {
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final PostProcessor postProcessor;
    private final boolean byteLevelDecoder;
    private final AddedTokenMatcher rawAddedTokens;
    private final AddedTokenMatcher normalizedAddedTokens;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    private final TokenizerConfig config;
    private final int vocabSize;

    private Tokenizer(JsonNode json, BpeModel model, TokenizerConfig config) {
        this.normalizer = Normalizer.fromJson(json.get("normalizer"));
        this.preTokenizer = PreTokenizer.fromJson(json.get("pre_tokenizer"));
        this.model = model;
        this.postProcessor = PostProcessor.fromJson(json.get("post_processor"));
        this.byteLevelDecoder = parseDecoder(json.get("decoder"));
        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        List<String> normalizedContents = new ArrayList<>();
        for (JsonNode entry : json.path("added_tokens")) {
            AddedToken token = withHuggingFaceId(AddedToken.fromJson(entry));
            if (token == null) {
                continue;
            }
            addedById.put(token.id(), token);
            addedByContent.put(token.content(), token);
            if (token.normalized()) {
                normalized.add(token);
                normalizedContents.add(normalizer.normalize(token.content()));
            } else {
                raw.add(token);
            }
        }
        this.rawAddedTokens = new AddedTokenMatcher(raw, raw.stream().map(AddedToken::content).toList());
        this.normalizedAddedTokens = new AddedTokenMatcher(normalized, normalizedContents);
        this.config = config;
        this.vocabSize = Math.max(model.vocabSize(), addedById.keySet().stream().mapToInt(id -> id + 1).max().orElse(0));
    }

    /**
     * The id HF gives an added token when it loads {@code tokenizer.json}, whatever the file says: the model's id
     * when the content is in the BPE vocabulary, else the next id after the vocabulary and the added tokens so far
     * (the same as the file's ids for files HF wrote). Null for a repeated content, which HF ignores.
     */
    private AddedToken withHuggingFaceId(AddedToken token) {
        if (token.content().isEmpty() || addedByContent.containsKey(token.content())) {
            return null;
        }
        int id = model.tokenToId(token.content());
        if (id < 0) {
            int vocabularySize = model.vocabEntryCount();
            int maxAdded = addedById.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
            id = maxAdded >= 0 && (maxAdded >= vocabularySize || vocabularySize == 0) ? maxAdded + 1 : vocabularySize;
        }
        return id == token.id() ? token : new AddedToken(id, token.content(), token.singleWord(), token.lstrip(),
                token.rstrip(), token.normalized(), token.special());
    }

    /**
     * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json} (special tokens, chat
     * template) and {@code dir/chat_template.jinja} (which then is the chat template).
     */
    public static Tokenizer load(Path dir) throws IOException {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.exists(tokenizerJson)) {
            throw new IOException(tokenizerJson + ": not found (a Hugging Face tokenizer directory needs tokenizer.json)");
        }
        TokenizerConfig config = TokenizerConfig.readIfPresent(dir.resolve("tokenizer_config.json"));
        Path jinja = dir.resolve("chat_template.jinja"); // newer HF repos keep the template in its own file
        if (Files.exists(jinja)) {
            config = new TokenizerConfig(config.specialTokens(), Files.readString(jinja));
        }
        return fromFiles(tokenizerJson, config);
    }

    public static Tokenizer fromFiles(Path tokenizerJson, TokenizerConfig config) throws IOException {
        // Vocabulary tokens arrive as field names: interning 150k of them costs more than the parse.
        ObjectMapper mapper = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .disable(com.fasterxml.jackson.core.JsonFactory.Feature.INTERN_FIELD_NAMES)
                .disable(com.fasterxml.jackson.core.JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build());
        ObjectNode json = mapper.createObjectNode();
        BpeModel model = null;
        try (JsonParser parser = mapper.createParser(tokenizerJson.toFile())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (field.equals("model")) {
                    model = BpeModel.read(parser, json.putObject("model"));
                } else {
                    json.set(field, parser.readValueAsTree());
                }
            }
            if (model == null) {
                throw new IllegalArgumentException("no \"model\"");
            }
            return new Tokenizer(json, model, config);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** A tokenizer from an in-memory {@code tokenizer.json} tree. */
    public static Tokenizer fromJson(JsonNode tokenizerJson, TokenizerConfig config) {
        return new Tokenizer(tokenizerJson, BpeModel.fromJson(tokenizerJson.path("model")), config);
    }

    /** The pieces BPE encodes one by one (byte-level strings for byte-level tokenizers); added tokens left out. */
    List<String> preTokenize(String text) {
        List<String> pieces = new ArrayList<>();
        rawAddedTokens.split(text, segment -> {
            if (segment.tokenId() >= 0) {
                return;
            }
            String normalized = normalizer.normalize(text.substring(segment.start(), segment.end()));
            normalizedAddedTokens.split(normalized, part -> {
                if (part.tokenId() < 0 && part.end() > part.start()) {
                    String partText = normalized.substring(part.start(), part.end());
                    for (PreTokenizer.Piece piece : preTokenizer.apply(List.of(new PreTokenizer.Piece(partText, 0, partText.length())))) {
                        pieces.add(piece.text());
                    }
                }
            });
        });
        return pieces;
    }

    private static boolean parseDecoder(JsonNode json) {
        if (json == null || json.isNull()) {
            return false;
        }
        String type = json.path("type").asText();
        if (type.equals("ByteLevel")) {
            return true;
        }
        if (type.equals("Sequence") && json.path("decoders").size() == 1) {
            return parseDecoder(json.path("decoders").get(0));
        }
        throw new IllegalArgumentException("unsupported decoder " + json + " (only ByteLevel)");
    }

    /** Ids of {@code text}, special tokens in it matched, nothing added around it. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /** Ids of {@code text}; with {@code addSpecialTokens} the post-processor adds its tokens (e.g. Llama's BOS). */
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 4);
        encode(text, ids, null);
        int[] out = ids.toArray();
        return addSpecialTokens ? postProcessor.apply(out) : out;
    }

    /**
     * Ids of {@code text} with the char range of {@code text} each came from ({@code starts[i]..ends[i]}). Tokens
     * that share a character (a multi-byte character split across tokens), or text the normalizer changed, get the
     * range of the whole piece they came from. Nothing is added around the text.
     */
    public Encoding encodeWithOffsets(String text) {
        IntList ids = new IntList(text.length() / 3 + 4);
        IntList offsets = new IntList(2 * ids.size() + 8);
        encode(text, ids, offsets);
        int[] starts = new int[ids.size()];
        int[] ends = new int[ids.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = offsets.get(2 * i);
            ends[i] = offsets.get(2 * i + 1);
        }
        return new Encoding(ids.toArray(), starts, ends);
    }

    /** Token ids with the char range {@code [starts[i], ends[i])} of the input each one covers. */
    public record Encoding(int[] ids, int[] starts, int[] ends) {}

    private void encode(String text, IntList ids, IntList offsets) {
        if (rawAddedTokens.isEmpty()) {
            encodeNormalizing(text, 0, ids, offsets);
            return;
        }
        rawAddedTokens.split(text, segment -> {
            if (segment.tokenId() >= 0) {
                ids.add(segment.tokenId());
                addOffsets(offsets, segment.start(), segment.end(), 1);
            } else {
                encodeNormalizing(text.substring(segment.start(), segment.end()), segment.start(), ids, offsets);
            }
        });
    }

    private void encodeNormalizing(String segment, int offset, IntList ids, IntList offsets) {
        String normalized = normalizer.normalize(segment);
        // Offsets inside the segment are only meaningful while normalization left it alone.
        boolean aligned = normalized.equals(segment);
        if (normalizedAddedTokens.isEmpty()) {
            encodePieces(normalized, aligned, offset, segment.length(), ids, offsets);
            return;
        }
        normalizedAddedTokens.split(normalized, part -> {
            int from = aligned ? offset + part.start() : offset;
            int to = aligned ? offset + part.end() : offset + segment.length();
            if (part.tokenId() >= 0) {
                ids.add(part.tokenId());
                addOffsets(offsets, from, to, 1);
            } else {
                encodePieces(normalized.substring(part.start(), part.end()), aligned, from, to - from, ids, offsets);
            }
        });
    }

    private void encodePieces(String text, boolean aligned, int offset, int sourceLength, IntList ids, IntList offsets) {
        if (text.isEmpty()) {
            return;
        }
        List<PreTokenizer.Piece> pieces = preTokenizer.apply(List.of(new PreTokenizer.Piece(text, 0, text.length())));
        for (PreTokenizer.Piece piece : pieces) {
            int before = ids.size();
            model.tokenize(piece.text(), ids);
            if (offsets == null) {
                continue;
            }
            if (!aligned) {
                addOffsets(offsets, offset, offset + sourceLength, ids.size() - before);
            } else {
                addPieceOffsets(text, piece, offset, ids, before, offsets);
            }
        }
    }

    /** Char offsets of each token of one piece: exact where the token's bytes start and end on char boundaries. */
    private void addPieceOffsets(String text, PreTokenizer.Piece piece, int offset, IntList ids, int from, IntList offsets) {
        String source = text.substring(piece.start(), piece.end());
        byte[] utf8 = source.getBytes(StandardCharsets.UTF_8);
        int totalTokenBytes = 0;
        for (int t = from; t < ids.size(); t++) {
            totalTokenBytes += tokenByteLength(ids.get(t));
        }
        if (!preTokenizer.byteLevel() || totalTokenBytes != utf8.length) {
            addOffsets(offsets, offset + piece.start(), offset + piece.end(), ids.size() - from);
            return;
        }
        // charAtByte[b]: index of the char holding byte b of the piece.
        int[] charAtByte = new int[utf8.length + 1];
        for (int c = 0, b = 0; c < source.length(); ) {
            int cp = source.codePointAt(c);
            int width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < width; k++) {
                charAtByte[b++] = c;
            }
            c += Character.charCount(cp);
        }
        charAtByte[utf8.length] = source.length();
        int byteStart = 0;
        for (int t = from; t < ids.size(); t++) {
            int byteEnd = byteStart + tokenByteLength(ids.get(t));
            int start = charAtByte[byteStart];
            int end = byteEnd == utf8.length ? source.length() : charAtByte[byteEnd] + (isCharStart(utf8, byteEnd) ? 0 : 1);
            offsets.add(offset + piece.start() + start);
            offsets.add(offset + piece.start() + Math.max(end, start + 1));
            byteStart = byteEnd;
        }
    }

    private static boolean isCharStart(byte[] utf8, int index) {
        return (utf8[index] & 0xC0) != 0x80;
    }

    private int tokenByteLength(int id) {
        String token = model.idToToken(id);
        return token == null ? 0 : token.length();
    }

    private static void addOffsets(IntList offsets, int start, int end, int count) {
        if (offsets == null) {
            return;
        }
        for (int i = 0; i < count; i++) {
            offsets.add(start);
            offsets.add(end);
        }
    }

    /** Text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Text of {@code ids}; {@code skipSpecialTokens} leaves out added tokens marked special. Unknown ids are skipped. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        if (!byteLevelDecoder) {
            List<String> tokens = new ArrayList<>(ids.length);
            for (int id : ids) {
                String token = tokenForDecoding(id, skipSpecialTokens);
                if (token != null) {
                    tokens.add(token);
                }
            }
            return String.join(" ", tokens);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            String token = tokenForDecoding(id, skipSpecialTokens);
            if (token != null) {
                bytes.writeBytes(ByteLevel.decode(token));
            }
        }
        return Utf8.decodeLossy(bytes.toByteArray(), 0, bytes.size());
    }

    /** A decoder for ids arriving one at a time that only ever emits whole characters. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** The token of {@code id} as the decoder sees it, or null when it is unknown or skipped. */
    String tokenForDecoding(int id, boolean skipSpecialTokens) {
        AddedToken added = addedById.get(id);
        if (added != null) {
            return skipSpecialTokens && added.special() ? null : added.content();
        }
        return model.idToToken(id);
    }

    boolean byteLevelDecoder() {
        return byteLevelDecoder;
    }

    /** Number of ids: the largest id (vocabulary or added token) plus one. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Id of a token string (added tokens first, then the BPE vocabulary). */
    public OptionalInt tokenToId(String token) {
        AddedToken added = addedByContent.get(token);
        if (added != null) {
            return OptionalInt.of(added.id());
        }
        int id = model.tokenToId(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of an id (as stored: byte-level characters for BPE tokens), or null. */
    public String idToToken(int id) {
        AddedToken added = addedById.get(id);
        return added != null ? added.content() : model.idToToken(id);
    }

    /** True for added tokens marked special (what {@code decode(ids, true)} leaves out). */
    public boolean isSpecial(int id) {
        AddedToken added = addedById.get(id);
        return added != null && added.special();
    }

    public List<AddedToken> addedTokens() {
        return addedById.values().stream().sorted(java.util.Comparator.comparingInt(AddedToken::id)).toList();
    }

    public TokenizerConfig config() {
        return config;
    }

    /** Id of the config's {@code eos_token} (where generation stops), if it has one. */
    public OptionalInt eosTokenId() {
        String eos = config.eosToken();
        return eos == null ? OptionalInt.empty() : tokenToId(eos);
    }

    /** Id of the config's {@code bos_token}, if it has one. */
    public OptionalInt bosTokenId() {
        String bos = config.bosToken();
        return bos == null ? OptionalInt.empty() : tokenToId(bos);
    }
}
