package dev.reason4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceAndNestedLoopsRunInline() {
        AtomicIntegerArray counts = new AtomicIntegerArray(1000);
        Parallel.forRange(0, 10, outer -> {
            assertTrue(Parallel.inParallelLoop());
            Parallel.forRange(outer * 100, outer * 100 + 100, counts::incrementAndGet);
        });
        for (int i = 0; i < counts.length(); i++) {
            assertEquals(1, counts.get(i), "index " + i);
        }
        assertFalse(Parallel.inParallelLoop());
    }

    @Test
    void failurePropagatesAndPoolStaysUsable() {
        var error = assertThrows(IllegalStateException.class, () -> Parallel.forRange(0, 100, i -> {
            if (i == 37) {
                throw new IllegalStateException("boom at 37");
            }
        }));
        assertTrue(error.getMessage().contains("boom"));
        assertFalse(Parallel.inParallelLoop());
        AtomicIntegerArray counts = new AtomicIntegerArray(10);
        Parallel.forRange(0, 10, counts::incrementAndGet);
        assertEquals(10, java.util.stream.IntStream.range(0, 10).map(counts::get).sum());
    }
}
