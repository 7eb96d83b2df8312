package dev.reason4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The shape and math switches of a decoder-only transformer, read from a Hugging Face {@code config.json}.
 *
 * <p>Supported: {@code Qwen2ForCausalLM} (q/k/v biases), {@code Qwen3ForCausalLM} (per-head q/k RMSNorm, explicit
 * {@code head_dim}) and {@code LlamaForCausalLM} (optionally Llama 3 {@code rope_scaling}). Every field that would
 * change the math and that we do not implement is refused with an error naming the field and the file.
 *
 * @param ropeScaling null for plain RoPE
 * @param eosTokenIds the {@code eos_token_id} of config.json (a number or a list), possibly empty
 */
public record ModelConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        float rmsNormEps,
        double ropeTheta,
        Llama3RopeScaling ropeScaling,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        float initializerRange,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    /** transformers' {@code Qwen3Config.head_dim} default, used when a Qwen3 config.json omits it. */
    static final int QWEN3_DEFAULT_HEAD_DIM = 128;

    public enum Architecture {
        QWEN2("Qwen2ForCausalLM", "qwen2"),
        QWEN3("Qwen3ForCausalLM", "qwen3"),
        LLAMA("LlamaForCausalLM", "llama");

        public final String hfClass;
        public final String modelType;

        Architecture(String hfClass, String modelType) {
            this.hfClass = hfClass;
            this.modelType = modelType;
        }

        /** HF's class for this trunk with a score head: ...ForTokenClassification or ...ForSequenceClassification. */
        public String scoreModelClass(boolean perToken) {
            return hfClass.replace("ForCausalLM", perToken ? "ForTokenClassification" : "ForSequenceClassification");
        }

        /** Qwen2 hard-codes bias=True on q/k/v projections (and none on o_proj). */
        public boolean qkvBias() {
            return this == QWEN2;
        }

        /** Qwen3 RMS-normalises every query and key head (weight [head_dim]) before RoPE. */
        public boolean qkNorm() {
            return this == QWEN3;
        }
    }

    /** Llama 3 frequency-dependent RoPE scaling ({@code rope_type: "llama3"}). */
    public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
                                    int originalMaxPositionEmbeddings) {}

    public ModelConfig {
        if (hiddenSize <= 0 || numHeads <= 0 || numKvHeads <= 0 || numLayers <= 0 || vocabSize <= 0
                || intermediateSize <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("model config: sizes must be positive");
        }
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("model config: num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("model config: head_dim must be even for RoPE, got " + headDim);
        }
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** A small config for tests and experiments (head_dim = hidden / heads). */
    public static ModelConfig tiny(Architecture architecture, int vocabSize, int hiddenSize, int intermediateSize,
                                   int numLayers, int numHeads, int numKvHeads, boolean tieWordEmbeddings) {
        return new ModelConfig(architecture, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
                hiddenSize / numHeads, 1e-6f, 10000.0, null, 4096, tieWordEmbeddings, 0.02f, 0, List.of(1));
    }

    // ------------------------------------------------------------------------------------------------ reading

    public static ModelConfig fromJson(Path configJson) throws IOException {
        return fromJson(Files.readString(configJson), configJson.toString());
    }

    /** Parses config.json text; {@code source} names the file in error messages. */
    public static ModelConfig fromJson(String json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        Reader r = new Reader(root, source);
        Architecture architecture = r.architecture();

        // transformers' ACT2FN maps "swish" to the same SiLU as "silu".
        String act = r.string("hidden_act", "silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw r.refuse("hidden_act", "'" + act + "' (only silu or swish, the SwiGLU MLP, is supported)");
        }
        if (architecture != Architecture.QWEN2 && r.bool("attention_bias", false)) {
            throw r.refuse("attention_bias", "true (biases on attention projections are not supported for "
                    + architecture.hfClass + ")");
        }
        if (r.bool("mlp_bias", false)) {
            throw r.refuse("mlp_bias", "true (biases on MLP projections are not supported)");
        }
        if (r.bool("use_sliding_window", false)) {
            throw r.refuse("use_sliding_window", "true (sliding-window attention is not supported)");
        }
        JsonNode layerTypes = root.get("layer_types");
        if (layerTypes != null && layerTypes.isArray()) {
            for (JsonNode type : layerTypes) {
                if (!type.asText().equals("full_attention")) {
                    throw r.refuse("layer_types", "contains '" + type.asText() + "' (only full_attention)");
                }
            }
        }
        double partialRotary = r.number("partial_rotary_factor", 1.0);
        if (partialRotary != 1.0) {
            throw r.refuse("partial_rotary_factor", partialRotary + " (only 1.0)");
        }
        for (String softcap : List.of("attn_logit_softcapping", "final_logit_softcapping")) {
            if (root.hasNonNull(softcap)) {
                throw r.refuse(softcap, "set (logit soft-capping is not supported)");
            }
        }

        int hidden = r.requiredInt("hidden_size");
        int heads = r.requiredInt("num_attention_heads");
        int kvHeads = r.integer("num_key_value_heads", heads);
        int headDim = r.integer("head_dim", -1);
        if (headDim <= 0) {
            if (architecture == Architecture.QWEN3 && root.has("head_dim")) {
                throw r.refuse("head_dim", "must be a positive integer");
            }
            if (architecture == Architecture.QWEN3) {
                headDim = QWEN3_DEFAULT_HEAD_DIM;   // Qwen3Config's default, not hidden / heads
            } else if (hidden % heads != 0) {
                throw r.refuse("hidden_size", hidden + " is not divisible by num_attention_heads " + heads
                        + " and no head_dim is given");
            } else {
                headDim = hidden / heads;
            }
        }

        // rope_theta and rope_scaling: classic top-level fields, or transformers v5 "rope_parameters".
        JsonNode ropeParameters = root.get("rope_parameters");
        double ropeTheta = r.number("rope_theta", 10000.0);
        JsonNode scaling = root.get("rope_scaling");
        String scalingField = "rope_scaling";
        if (ropeParameters != null && ropeParameters.isObject()) {
            if (ropeParameters.has("rope_theta")) {
                ropeTheta = ropeParameters.get("rope_theta").asDouble();
            }
            scaling = ropeParameters;
            scalingField = "rope_parameters";
        }
        Llama3RopeScaling ropeScaling = readRopeScaling(scaling, scalingField, source);

        List<Integer> eos = new java.util.ArrayList<>();
        JsonNode eosNode = root.get("eos_token_id");
        if (eosNode != null && eosNode.isArray()) {
            eosNode.forEach(id -> eos.add(id.asInt()));
        } else if (eosNode != null && eosNode.isNumber()) {
            eos.add(eosNode.asInt());
        }
        // Every field is read (and its error, naming the file, thrown) before the constructor's checks, whose
        // messages alone get the file prefixed.
        int vocab = r.requiredInt("vocab_size");
        int intermediate = r.requiredInt("intermediate_size");
        int layers = r.requiredInt("num_hidden_layers");
        float rmsNormEps = (float) r.number("rms_norm_eps", 1e-6);
        int maxPositions = r.integer("max_position_embeddings", 32768);
        boolean tied = r.bool("tie_word_embeddings", false);
        float initializerRange = (float) r.number("initializer_range", 0.02);
        int bos = r.integer("bos_token_id", -1);
        try {
            return new ModelConfig(architecture, vocab, hidden, intermediate, layers, heads, kvHeads, headDim,
                    rmsNormEps, ropeTheta, ropeScaling, maxPositions, tied, initializerRange, bos, eos);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage());
        }
    }

    private static Llama3RopeScaling readRopeScaling(JsonNode scaling, String field, String source) {
        if (scaling == null || scaling.isNull()) {
            return null;
        }
        if (!scaling.isObject()) {
            throw new IllegalArgumentException(source + ": field '" + field + "' must be an object or null");
        }
        String type = scaling.hasNonNull("rope_type") ? scaling.get("rope_type").asText()
                : scaling.hasNonNull("type") ? scaling.get("type").asText() : "default";
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("llama3")) {
            throw new IllegalArgumentException(source + ": field '" + field + "' has rope_type '" + type
                    + "', which is not supported (only default and llama3)");
        }
        for (String key : List.of("factor", "low_freq_factor", "high_freq_factor",
                "original_max_position_embeddings")) {
            if (!scaling.hasNonNull(key) || !scaling.get(key).isNumber()) {
                throw new IllegalArgumentException(source + ": field '" + field + "." + key
                        + "' is required for llama3 rope scaling");
            }
        }
        return new Llama3RopeScaling(scaling.get("factor").asDouble(), scaling.get("low_freq_factor").asDouble(),
                scaling.get("high_freq_factor").asDouble(), scaling.get("original_max_position_embeddings").asInt());
    }

    /** Small helpers that name the file and field in every error. */
    private record Reader(JsonNode root, String source) {
        Architecture architecture() {
            JsonNode archs = root.get("architectures");
            if (archs == null || !archs.isArray() || archs.isEmpty()) {
                String modelType = root.path("model_type").asText("");
                for (Architecture a : Architecture.values()) {
                    if (a.modelType.equals(modelType)) {
                        return a;
                    }
                }
                throw new IllegalArgumentException(source + ": field 'architectures' is missing and model_type '"
                        + modelType + "' is not one of qwen2, qwen3, llama");
            }
            String name = archs.get(0).asText();
            for (Architecture a : Architecture.values()) {
                if (a.hfClass.equals(name) || a.scoreModelClass(false).equals(name)
                        || a.scoreModelClass(true).equals(name)) {
                    return a;
                }
            }
            throw new IllegalArgumentException(source + ": field 'architectures' is '" + name
                    + "', which is not supported (Qwen2, Qwen3 or Llama ForCausalLM, ForSequenceClassification or"
                    + " ForTokenClassification)");
        }

        IllegalArgumentException refuse(String field, String what) {
            return new IllegalArgumentException(source + ": field '" + field + "' is " + what);
        }

        int requiredInt(String field) {
            JsonNode node = root.get(field);
            if (node == null || !node.canConvertToInt()) {
                throw new IllegalArgumentException(source + ": field '" + field + "' is missing or not an integer");
            }
            return node.asInt();
        }

        int integer(String field, int defaultValue) {
            JsonNode node = root.get(field);
            if (node == null || node.isNull()) {
                return defaultValue;
            }
            if (!node.canConvertToInt()) {
                throw new IllegalArgumentException(source + ": field '" + field + "' is not an integer");
            }
            return node.asInt();
        }

        double number(String field, double defaultValue) {
            JsonNode node = root.get(field);
            if (node == null || node.isNull()) {
                return defaultValue;
            }
            if (!node.isNumber()) {
                throw new IllegalArgumentException(source + ": field '" + field + "' is not a number");
            }
            return node.asDouble();
        }

        boolean bool(String field, boolean defaultValue) {
            JsonNode node = root.get(field);
            if (node == null || node.isNull()) {
                return defaultValue;
            }
            if (!node.isBoolean()) {
                throw new IllegalArgumentException(source + ": field '" + field + "' is not true/false");
            }
            return node.asBoolean();
        }

        String string(String field, String defaultValue) {
            JsonNode node = root.get(field);
            return node == null || node.isNull() ? defaultValue : node.asText();
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** A config.json that Hugging Face transformers loads into the same model. */
    public String toJson() {
        return write(json(architecture.hfClass));
    }

    /**
     * The config.json of a score model on this trunk: HF's ...ForTokenClassification ({@code perToken}) or
     * ...ForSequenceClassification, with one label.
     */
    public String toScoreModelJson(boolean perToken) {
        ObjectNode root = json(architecture.scoreModelClass(perToken));
        root.put("num_labels", 1);
        root.putObject("id2label").put("0", "LABEL_0");
        root.putObject("label2id").put("LABEL_0", 0);
        return write(root);
    }

    private static String write(ObjectNode root) {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ObjectNode json(String hfClass) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.putArray("architectures").add(hfClass);
        root.put("model_type", architecture.modelType);
        root.put("vocab_size", vocabSize);
        root.put("hidden_size", hiddenSize);
        root.put("intermediate_size", intermediateSize);
        root.put("num_hidden_layers", numLayers);
        root.put("num_attention_heads", numHeads);
        root.put("num_key_value_heads", numKvHeads);
        root.put("head_dim", headDim);
        root.put("hidden_act", "silu");
        root.put("rms_norm_eps", rmsNormEps);
        root.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            root.putNull("rope_scaling");
        } else {
            ObjectNode s = root.putObject("rope_scaling");
            s.put("rope_type", "llama3");
            s.put("factor", ropeScaling.factor());
            s.put("low_freq_factor", ropeScaling.lowFreqFactor());
            s.put("high_freq_factor", ropeScaling.highFreqFactor());
            s.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
        }
        root.put("max_position_embeddings", maxPositionEmbeddings);
        root.put("tie_word_embeddings", tieWordEmbeddings);
        root.put("initializer_range", initializerRange);
        if (architecture != Architecture.QWEN2) {
            root.put("attention_bias", false);
        }
        if (architecture == Architecture.LLAMA) {
            root.put("mlp_bias", false);
        } else {
            root.put("use_sliding_window", false);
        }
        if (bosTokenId >= 0) {
            root.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            root.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode eos = root.putArray("eos_token_id");
            eosTokenIds.forEach(eos::add);
        }
        return root;
    }
}
