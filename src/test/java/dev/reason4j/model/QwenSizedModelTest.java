package dev.reason4j.model;

import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Qwen2.5-0.5B-shaped model (494M parameters, random weights) held in bf16 loads and generates within 4 GiB of
 * heap. Slow (creating 494M random weights), so tagged: run with
 * {@code ./run-tests -Dtest=QwenSizedModelTest -Dtest.excludedGroups=none}. The CLI proof with a real -Xmx4g JVM is
 * in docs/model.md.
 */
@Tag("slow")
class QwenSizedModelTest {
    static final long GIB = 1L << 30;

    @Test
    void qwen25HalfBillionInBf16FitsInFourGiB() {
        ModelConfig config = ModelConfig.fromJson(ModelConfigTest.QWEN25_05B, "Qwen2.5-0.5B config.json");
        System.gc();
        long before = usedHeap();
        Transformer model = Transformer.create(config, 1, Precision.BF16);
        assertEquals(494_032_768L, model.parameterCount());
        // bf16 matrices (2 bytes) + float32 norms and biases: about 0.92 GiB.
        assertTrue(model.weightBytes() < 1.0 * GIB, "weights take " + model.weightBytes() + " bytes");

        SamplingParams params = SamplingParams.defaults().withN(2).withMaxNewTokens(3).withSeed(5).withTopK(50);
        List<Completion> completions = new Generator(model).generate(List.of(new int[]{151643, 9707, 11, 1879}),
                params);
        assertEquals(2, completions.size());
        assertEquals(3, completions.get(0).tokens().length);
        System.gc();
        long used = usedHeap() - before;
        System.out.printf("Qwen2.5-0.5B-shaped bf16 model: weights %.0f MiB, heap held after generating %.0f MiB%n",
                model.weightBytes() / 1048576.0, used / 1048576.0);
        assertTrue(used < 4 * GIB, "heap used " + used);
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
