package dev.reason4j.tensor;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** The engine's one place for data parallelism over independent rows / heads / sequences. */
public final class Parallel {
    private Parallel() {}

    /** Runs {@code body(i)} for i in [start, end), in parallel; returns when all are done. */
    public static void forRange(int start, int end, IntConsumer body) {
        IntStream.range(start, end).parallel().forEach(body);
    }
}
