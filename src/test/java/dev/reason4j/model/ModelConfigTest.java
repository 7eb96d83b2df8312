package dev.reason4j.model;

import dev.reason4j.model.ModelConfig.Architecture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    /** config.json of Qwen/Qwen2.5-0.5B-Instruct as published. */
    static final String QWEN25_05B = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
             "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}
            """;

    /** config.json of Qwen/Qwen3-0.6B. */
    static final String QWEN3_06B = """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
             "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """;

    /** config.json of meta-llama/Llama-3.2-1B. */
    static final String LLAMA32_1B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256}
            """;

    @Test
    void readsPublishedConfigs() {
        ModelConfig qwen2 = ModelConfig.fromJson(QWEN25_05B, "qwen2.5/config.json");
        assertEquals(Architecture.QWEN2, qwen2.architecture());
        assertEquals(64, qwen2.headDim());
        assertEquals(2, qwen2.numKvHeads());
        assertTrue(qwen2.tieWordEmbeddings());
        assertEquals(1e6, qwen2.ropeTheta());
        assertEquals(List.of(151645), qwen2.eosTokenIds());
        assertNull(qwen2.ropeScaling());

        ModelConfig qwen3 = ModelConfig.fromJson(QWEN3_06B, "qwen3/config.json");
        assertEquals(128, qwen3.headDim());
        assertEquals(2048, qwen3.qDim());

        ModelConfig llama = ModelConfig.fromJson(LLAMA32_1B, "llama/config.json");
        assertEquals(new ModelConfig.Llama3RopeScaling(32, 1, 4, 8192), llama.ropeScaling());
        assertEquals(List.of(128001, 128008, 128009), llama.eosTokenIds());
        assertEquals(1e-5f, llama.rmsNormEps());
    }

    @Test
    void toJsonRoundTrips() {
        for (String json : List.of(QWEN25_05B, QWEN3_06B, LLAMA32_1B)) {
            ModelConfig config = ModelConfig.fromJson(json, "config.json");
            assertEquals(config, ModelConfig.fromJson(config.toJson(), "written config.json"));
        }
    }

    @Test
    void refusesWhatWouldChangeTheMath() {
        assertRefused(QWEN25_05B.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"),
                "use_sliding_window");
        assertRefused(QWEN25_05B.replace("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\""), "hidden_act");
        assertRefused(LLAMA32_1B.replace("\"attention_bias\": false", "\"attention_bias\": true"), "attention_bias");
        assertRefused(LLAMA32_1B.replace("\"mlp_bias\": false", "\"mlp_bias\": true"), "mlp_bias");
        assertRefused(LLAMA32_1B.replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""), "rope_scaling");
        assertRefused(QWEN3_06B.replace("Qwen3ForCausalLM", "MistralForCausalLM"), "architectures");
        assertRefused(QWEN3_06B.replace("\"hidden_size\": 1024,", ""), "hidden_size");
        assertRefused("{\"architectures\": [\"Qwen2ForCausalLM\"], \"vocab_size\": 10, \"hidden_size\": 8,"
                + " \"intermediate_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 3,"
                + " \"num_key_value_heads\": 2}", "num_attention_heads");
    }

    private static void assertRefused(String json, String field) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelConfig.fromJson(json, "some/config.json"));
        assertTrue(e.getMessage().contains("some/config.json"), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void llama3RopeScalingMatchesHfFormula() {
        ModelConfig llama = ModelConfig.fromJson(LLAMA32_1B, "config.json");
        float[] ours = Rope.inverseFrequencies(llama);
        double[] reference = ReferenceModel.inverseFrequencies(llama);
        for (int i = 0; i < ours.length; i++) {
            assertEquals(reference[i], ours[i], 1e-6 * reference[i], "inv_freq[" + i + "]");
        }
        // High frequencies (wavelength < 8192/4) are unchanged, low ones (> 8192) divided by the factor 32.
        assertEquals(1.0f, ours[0]);
        double lowest = 1.0 / Math.pow(500000.0, 62.0 / 64);
        assertEquals(lowest / 32, ours[31], 1e-6 * lowest);
        // i = 16: wavelength 2π·500000^(32/64) ≈ 4443 lies in the smoothed band, strictly between the two.
        double unscaled = 1.0 / Math.pow(500000.0, 32.0 / 64);
        assertTrue(ours[16] < unscaled * 0.99 && ours[16] > unscaled / 32 * 1.01, "inv_freq[16] = " + ours[16]);
    }

    @Test
    void qwen3WithoutHeadDimTakesTransformersDefaultNotHiddenOverHeads() {
        // Qwen3Config's head_dim defaults to 128; hidden / heads would be 64 here.
        ModelConfig qwen3 = ModelConfig.fromJson(QWEN3_06B.replace("\"head_dim\": 128, ", ""), "qwen3/config.json");
        org.junit.jupiter.api.Assertions.assertEquals(128, qwen3.headDim());
    }

    @Test
    void swishIsSilu() {
        // transformers' ACT2FN["swish"] is the same SiLU as ACT2FN["silu"]: same model, same config otherwise.
        ModelConfig swish = ModelConfig.fromJson(QWEN25_05B.replace("\"hidden_act\": \"silu\"",
                "\"hidden_act\": \"swish\""), "swish/config.json");
        assertEquals(ModelConfig.fromJson(QWEN25_05B, "silu/config.json"), swish);
    }

    @Test
    void aMissingFieldIsOneMessageNamingTheFileOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(
                QWEN3_06B.replace("\"vocab_size\": 151936", "\"other\": 1"), "some/config.json"));
        assertEquals("some/config.json: field 'vocab_size' is missing or not an integer", e.getMessage());
        // The constructor's checks get the file too, once.
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson(
                QWEN3_06B.replace("\"head_dim\": 128", "\"head_dim\": 127"), "some/config.json"));
        assertEquals("some/config.json: model config: head_dim must be even for RoPE, got 127", e.getMessage());
    }
}
