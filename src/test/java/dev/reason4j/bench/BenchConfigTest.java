package dev.reason4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
    @Test
    void presetsAreValidQwen3ConfigsAndSerialiseForThePeer() throws Exception {
        for (BenchConfig bench : BenchConfig.PRESETS) {
            JsonNode json = new ObjectMapper().readTree(bench.toJson());
            // The field names the Python peer reads.
            for (String field : new String[] {"name", "model", "train_batch", "train_seq", "prefill_batch",
                    "prefill_seq", "decode_prompt", "decode_steps", "decode_batches", "mixed", "matmul_shapes"}) {
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

    @Test
    void decodeBytesPerTokenIsWeightsOverBatchPlusTheKeysAndValuesRead() {
        BenchConfig small = BenchConfig.preset("small");
        double weightBytes = 4.0 * (4 * (128 * 128 * 2 + 128 * 64 * 2 + 3 * 128 * 384) + 128 * 1024);
        // 4 layers × (k + v) × 2 kv heads × 32 floats × 4 bytes, over 16 + (64 + 1) / 2 = 48.5 keys on average.
        double kvBytes = 4 * 2 * 2 * 32 * 4 * 48.5;
        assertEquals(weightBytes + kvBytes, small.decodeBytesPerToken(1), 1e-6);
        assertEquals(weightBytes / 32 + kvBytes, small.decodeBytesPerToken(32), 1e-6);
    }

    @Test
    void mixedWorkloadIsSeededAndSpansItsRange() {
        BenchConfig.Mixed mixed = BenchConfig.preset("medium").mixed();
        List<Integer> lengths = mixed.promptLengths();
        assertEquals(lengths, mixed.promptLengths());
        assertEquals(mixed.requests(), lengths.size());
        assertTrue(lengths.stream().allMatch(n -> n >= 16 && n <= 256), lengths.toString());
        assertTrue(lengths.stream().distinct().count() > lengths.size() / 2, "lengths vary: " + lengths);
        // 4096 / 64 stop ids: a near-uniform sampler stops with probability 1/64 per token.
        assertArrayEquals(java.util.stream.IntStream.range(0, 64).toArray(), mixed.stopIds(4096));
    }
}
