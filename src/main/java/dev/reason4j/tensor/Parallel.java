package dev.reason4j.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The engine's one place for data parallelism over independent rows / heads / sequences / matmul blocks.
 *
 * <p>One fixed pool of {@link #threads()} − 1 helper threads; the calling thread works too, so {@code threads()}
 * cores are busy. Indices are claimed one at a time from a shared counter, so uneven work balances itself.
 * A {@code forRange} inside another one (e.g. a matmul inside a per-head loop) runs sequentially on its thread:
 * the cores are already busy, and nesting would only oversubscribe them. OpenBLAS runs single-threaded for the same
 * reason (see {@link Blas}).
 *
 * <p>Thread count: system property {@code reason4j.threads} or env {@code REASON4J_THREADS}, else the number of
 * available processors.
 */
public final class Parallel {
    private static final int THREADS = configuredThreads();
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS - 1) : null;
    private static final ThreadLocal<Boolean> IN_LOOP = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    /** How many threads (callers included) a parallel loop uses. */
    public static int threads() {
        return THREADS;
    }

    /** True on a thread that is running the body of a {@link #forRange} (so nested loops run sequentially). */
    public static boolean inParallelLoop() {
        return IN_LOOP.get();
    }

    /** Runs {@code body(i)} for i in [start, end), in parallel; returns when all are done, rethrowing a failure. */
    public static void forRange(int start, int end, IntConsumer body) {
        int count = end - start;
        if (count <= 0) {
            return;
        }
        if (count == 1 || POOL == null || IN_LOOP.get()) {
            for (int i = start; i < end; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger(start);
        Runnable claimLoop = () -> {
            IN_LOOP.set(Boolean.TRUE);
            try {
                for (int i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                    body.accept(i);
                }
            } catch (Throwable t) {
                next.set(end);  // the others stop claiming
                throw t;
            } finally {
                IN_LOOP.set(Boolean.FALSE);
            }
        };
        ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[Math.min(THREADS, count) - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = POOL.submit(claimLoop);
        }
        // Every helper is joined before anything is rethrown, Errors included: none may still write shared buffers.
        Throwable failure = null;
        try {
            claimLoop.run();
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> helper : helpers) {
            try {
                helper.join();
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                } else if (failure != t) {
                    failure.addSuppressed(t);
                }
            }
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static int configuredThreads() {
        String value = System.getProperty("reason4j.threads", System.getenv("REASON4J_THREADS"));
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 1) {
                return threads;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("reason4j.threads / REASON4J_THREADS must be a positive integer, got '"
                + value + "'");
    }
}
