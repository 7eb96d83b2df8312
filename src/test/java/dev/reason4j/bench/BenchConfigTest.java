package dev.reason4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.ModelConfig;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
    @Test
    void presetsAreValidQwen3ConfigsAndSerialiseForThePeer() throws Exception {
        for (BenchConfig bench : BenchConfig.PRESETS) {
            JsonNode json = new ObjectMapper().readTree(bench.toJson());
            // The field names the Python peer reads.
            for (String field : new String[] {"name", "model", "train_batch", "train_seq", "prefill_batch",
                    "prefill_seq", "decode_prompt", "decode_steps", "decode_batches", "matmul_shapes"}) {
                assertTrue(json.has(field), bench.name() + " lacks " + field);
            }
            ModelConfig config = ModelConfig.fromJson(json.get("model").toString(), bench.name());
            assertEquals(ModelConfig.Architecture.QWEN3, config.architecture());
        }
        assertThrows(IllegalArgumentException.class, () -> BenchConfig.preset("huge"));
    }

    @Test
    void forwardFlopsPerTokenCountsMatricesAndAttention() {
        BenchConfig small = BenchConfig.preset("small");
        // hidden 128, 4 heads × 32, 2 kv heads, intermediate 384, 4 layers, vocab 1024.
        double weights = 4 * (128 * 128 * 2 + 128 * 64 * 2 + 3 * 128 * 384) + 128 * 1024;
        double attention = 4 * 2 * 2 * 128 * (9 + 1) / 2.0;
        assertEquals(2 * weights + attention, small.forwardFlopsPerToken(9), 1e-6);
    }
}
