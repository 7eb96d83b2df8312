package dev.reason4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark setting: a Qwen3-shaped model (as HF {@code config.json} fields) and the workload sizes of each
 * metric. The PyTorch peer receives exactly this, as JSON, so both sides measure the same thing.
 *
 * @param model          HF config.json fields of a Qwen3ForCausalLM
 * @param decodeBatches  batch sizes at which decoding is measured
 * @param mixed          the RL-like workload of prompts and responses of different lengths
 * @param matmulShapes   the model's own matrix products, x[m×k] · W[n×k]ᵀ as in nn.Linear
 */
public record BenchConfig(String name, Map<String, Object> model, int trainBatch, int trainSeq, int prefillBatch,
                          int prefillSeq, int decodePrompt, int decodeSteps, List<Integer> decodeBatches,
                          Mixed mixed, List<MatmulShape> matmulShapes) {

    /**
     * A rollout as in RL: {@code requests} prompts of lengths drawn uniformly from [minPrompt, maxPrompt] (seeded),
     * each sampled once at temperature 1 until it draws one of the stop ids or reaches maxResponse tokens. The stop
     * ids are the first {@code vocab / meanResponse} token ids, so on the near-uniform output of a randomly
     * initialised model a response stops after about meanResponse tokens (a geometric distribution, cut at
     * maxResponse): a few long responses among many short ones.
     */
    public record Mixed(int requests, int minPrompt, int maxPrompt, int meanResponse, int maxResponse, long seed) {
        public List<Integer> promptLengths() {
            java.util.Random random = new java.util.Random(seed);
            List<Integer> lengths = new java.util.ArrayList<>();
            for (int r = 0; r < requests; r++) {
                lengths.add(minPrompt + random.nextInt(maxPrompt - minPrompt + 1));
            }
            return lengths;
        }

        public int[] stopIds(int vocab) {
            return java.util.stream.IntStream.range(0, Math.max(1, vocab / meanResponse)).toArray();
        }
    }

    /** One matrix product of the model: C[m×n] = X[m×k] · W[n×k]ᵀ. */
    public record MatmulShape(String label, int m, int n, int k) {
        public double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** small ≈ 1M, medium ≈ 10M, large ≈ 100M parameters. */
    public static final List<BenchConfig> PRESETS = List.of(
            qwen3("small", 1024, 128, 384, 4, 4, 2, 32, true),
            qwen3("medium", 4096, 384, 1024, 6, 6, 2, 64, true),
            qwen3("large", 32000, 768, 2048, 12, 12, 4, 64, true));

    public static BenchConfig preset(String name) {
        return PRESETS.stream().filter(config -> config.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown bench config '" + name + "'; known: "
                        + PRESETS.stream().map(BenchConfig::name).toList() + " or all"));
    }

    private static BenchConfig qwen3(String name, int vocab, int hidden, int intermediate, int layers, int heads,
                                     int kvHeads, int headDim, boolean tied) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("architectures", List.of("Qwen3ForCausalLM"));
        model.put("model_type", "qwen3");
        model.put("vocab_size", vocab);
        model.put("hidden_size", hidden);
        model.put("intermediate_size", intermediate);
        model.put("num_hidden_layers", layers);
        model.put("num_attention_heads", heads);
        model.put("num_key_value_heads", kvHeads);
        model.put("head_dim", headDim);
        model.put("rms_norm_eps", 1e-6);
        model.put("rope_theta", 1000000.0);
        model.put("max_position_embeddings", 4096);
        model.put("tie_word_embeddings", tied);
        model.put("hidden_act", "silu");
        model.put("initializer_range", 0.02);
        model.put("torch_dtype", "float32");
        int trainTokens = 4 * 128;
        List<MatmulShape> shapes = List.of(
                new MatmulShape("q_proj_m512", trainTokens, heads * headDim, hidden),
                new MatmulShape("gate_proj_m512", trainTokens, intermediate, hidden),
                new MatmulShape("down_proj_m512", trainTokens, hidden, intermediate),
                new MatmulShape("lm_head_m512", trainTokens, vocab, hidden),
                new MatmulShape("gate_proj_m32", 32, intermediate, hidden),
                new MatmulShape("gate_proj_m1", 1, intermediate, hidden));
        return new BenchConfig(name, model, 4, 128, 4, 128, 16, 64, List.of(1, 32, 128),
                new Mixed(32, 16, 256, 64, 256, 0), shapes);
    }

    /** Weights of the matrix products: q, k, v, o, gate, up, down per layer, and the LM head. */
    private double matmulWeights() {
        double hidden = number("hidden_size");
        double headDim = number("head_dim");
        double perLayer = hidden * number("num_attention_heads") * headDim * 2
                + hidden * number("num_key_value_heads") * headDim * 2 + 3 * hidden * number("intermediate_size");
        return number("num_hidden_layers") * perLayer + hidden * number("vocab_size");
    }

    /**
     * Forward FLOPs per token of a sequence of {@code length} tokens: 2 per weight of every matrix product (q, k, v,
     * o, gate, up, down per layer, and the LM head) plus causal attention, QKᵀ and PV, 2·2·heads·head_dim per
     * (query, key) pair with (length+1)/2 keys per query on average. Training is 3× this (forward + backward).
     */
    public double forwardFlopsPerToken(int length) {
        double attention = number("num_hidden_layers") * 2 * 2 * number("num_attention_heads") * number("head_dim")
                * (length + 1) / 2.0;
        return 2 * matmulWeights() + attention;
    }

    /**
     * Bytes a decode step must read from memory per generated token at batch {@code batch}: the F32 weights of the
     * matrix products, read once per step and shared by the batch, plus the token's own keys and values, 2 · layers
     * · kv_heads · head_dim floats per cached position, over prompt + (steps + 1) / 2 positions on average (the
     * step-s token attends to prompt + s keys). Norm weights and the embedding row are negligible and left out.
     */
    public double decodeBytesPerToken(int batch) {
        double kvPerPosition = 2 * number("num_hidden_layers") * number("num_key_value_heads") * number("head_dim") * 4;
        double averageKeys = decodePrompt + (decodeSteps + 1) / 2.0;
        return 4 * matmulWeights() / batch + kvPerPosition * averageKeys;
    }

    private double number(String field) {
        return ((Number) model.get(field)).doubleValue();
    }

    public String toJson() {
        try {
            // snake_case, as the Python side reads it (train_batch, matmul_shapes, ...)
            return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .writeValueAsString(this);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
