package dev.reason4j.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The engine's one place for data parallelism over independent rows / heads / sequences / matmul blocks.
 *
 * <p>{@link #threads()} − 1 helper threads of our own; the calling thread works too, so {@code threads()} cores are
 * busy. Indices are claimed one at a time from a shared counter, so uneven work balances itself. A {@code forRange}
 * inside another one (e.g. a matmul inside a per-head loop) runs sequentially on its thread: the cores are already
 * busy, and nesting would only oversubscribe them. So does a loop started while another thread's loop holds the
 * helpers.
 *
 * <p>Why not a {@code ForkJoinPool}: decoding one sequence runs ~30 loops per token of a few tens of microseconds
 * each, and waking a parked pool thread costs about as much as the work. A helper here spins for
 * {@link #SPIN_NANOS} after each loop before it parks (OpenMP's wait policy does the same), so the next loop of a
 * decode step finds it awake. A loop never waits for a helper that had not started: once the caller has claimed the
 * last index it closes the loop, and a helper arriving later skips it.
 *
 * <p>Thread count: system property {@code reason4j.threads} or env {@code REASON4J_THREADS}, else the number of
 * available processors.
 */
public final class Parallel {
    private static final int THREADS = configuredThreads();
    /** Floats a loop must touch to be worth handing out (see {@link #forRange(int, int, long, IntConsumer)}). */
    private static final long SEQUENTIAL_WORK = 1 << 15;
    /** How long an idle helper spins before it parks. */
    private static final long SPIN_NANOS = 200_000;
    private static final ThreadLocal<Boolean> IN_LOOP = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Held by the thread whose loop the helpers serve. */
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Helper[] HELPERS = startHelpers();
    /** The loop being served; a new one replaces it (the helpers see it by identity). */
    private static volatile Loop current;

    private Parallel() {}

    /** How many threads (callers included) a parallel loop uses. */
    public static int threads() {
        return THREADS;
    }

    /** True on a thread that is running the body of a {@link #forRange} (so nested loops run sequentially). */
    public static boolean inParallelLoop() {
        return IN_LOOP.get();
    }

    /**
     * {@link #forRange(int, int, IntConsumer)} for a loop whose indices each touch about {@code workPerIndex}
     * floats: a loop below {@link #SEQUENTIAL_WORK} of them runs on the calling thread, where it takes about as
     * long as handing it out would (the row-wise norms and residuals of a decode step).
     */
    public static void forRange(int start, int end, long workPerIndex, IntConsumer body) {
        if ((long) (end - start) * workPerIndex < SEQUENTIAL_WORK) {
            sequential(start, end, body);
        } else {
            forRange(start, end, body);
        }
    }

    /** Runs {@code body(i)} for i in [start, end), in parallel; returns when all are done, rethrowing a failure. */
    public static void forRange(int start, int end, IntConsumer body) {
        int count = end - start;
        if (count <= 0) {
            return;
        }
        if (count == 1 || HELPERS.length == 0 || IN_LOOP.get() || !BUSY.compareAndSet(false, true)) {
            sequential(start, end, body);
            return;
        }
        try {
            Loop loop = new Loop(start, end, body);
            current = loop;
            for (Helper helper : HELPERS) {
                if (helper.parked) {
                    LockSupport.unpark(helper.thread);
                }
            }
            IN_LOOP.set(Boolean.TRUE);
            try {
                loop.claim();
            } finally {
                IN_LOOP.set(Boolean.FALSE);
            }
            loop.closeAndAwaitJoined();
            current = null;
            Throwable failure = loop.failure;
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        } finally {
            BUSY.set(false);
        }
    }

    private static void sequential(int start, int end, IntConsumer body) {
        for (int i = start; i < end; i++) {
            body.accept(i);
        }
    }

    /** One parallel loop: the next index to claim, and who joined it. */
    private static final class Loop {
        private static final int CLOSED = 1 << 30;
        final int end;
        final IntConsumer body;
        final AtomicInteger next;
        /** Helpers that joined (low bits) and whether the caller has closed the loop (CLOSED). */
        final AtomicInteger joined = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Loop(int start, int end, IntConsumer body) {
            this.end = end;
            this.body = body;
            this.next = new AtomicInteger(start);
        }

        /** Claims and runs indices until none is left; the first failure stops the others claiming. */
        void claim() {
            try {
                for (int i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                    body.accept(i);
                }
            } catch (Throwable t) {
                synchronized (this) {
                    if (failure == null) {
                        failure = t;
                    } else if (failure != t) {
                        failure.addSuppressed(t);
                    }
                }
                next.set(end);
            }
        }

        /** A helper's entry: false when the caller has already closed the loop. */
        boolean tryJoin() {
            int state;
            do {
                state = joined.get();
                if ((state & CLOSED) != 0) {
                    return false;
                }
            } while (!joined.compareAndSet(state, state + 1));
            return true;
        }

        /** Closes the loop to late helpers, then waits for those that joined: none may still write shared buffers. */
        void closeAndAwaitJoined() {
            int helpers = joined.getAndAdd(CLOSED);
            while (finished.get() < helpers) {
                Thread.onSpinWait();
            }
        }
    }

    /** A helper thread: serves each new loop, spinning between loops for a while, then parking. */
    private static final class Helper implements Runnable {
        final Thread thread;
        volatile boolean parked;

        Helper(int index) {
            thread = new Thread(this, "reason4j-parallel-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            IN_LOOP.set(Boolean.TRUE);
            Loop served = null;
            while (true) {
                Loop loop = awaitLoopOtherThan(served);
                served = loop;
                if (loop.tryJoin()) {
                    loop.claim();
                    loop.finished.incrementAndGet();
                }
            }
        }

        private Loop awaitLoopOtherThan(Loop served) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Loop loop = current;
                if (loop != null && loop != served) {
                    return loop;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                loop = current;
                if (loop == null || loop == served) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }

    private static Helper[] startHelpers() {
        Helper[] helpers = new Helper[THREADS - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = new Helper(h + 1);
            helpers[h].thread.start();
        }
        return helpers;
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
