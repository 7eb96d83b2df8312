package dev.reason4j.reward.math;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.matheclipse.core.eval.EvalEngine;
import org.matheclipse.core.eval.ExprEvaluator;
import org.matheclipse.core.expression.F;
import org.matheclipse.core.interfaces.IExpr;

/**
 * Symbolic zero tests with Symja on a fixed pool of reusable worker threads, each with its own {@code EvalEngine}.
 * The caller waits at most its deadline; at the deadline the worker is interrupted, and Symja's evaluation loop
 * checks the interrupt flag and unwinds, so the worker is free again (no signals, no thread left behind). Work that
 * could run long inside one uninterruptible call is refused before it gets here ({@link SymjaForm}). Symja starts
 * slowly (seconds), so it is initialised once, outside any check's deadline.
 */
final class CasChecker {
    enum Outcome { ZERO, NOT_ZERO, TIMEOUT }

    static final String THREAD_PREFIX = "reason4j-cas-";
    private static volatile CasChecker shared;

    private final ThreadPoolExecutor pool;
    private final ThreadLocal<ExprEvaluator> evaluators = new ThreadLocal<>();
    /** Checks handed to the workers so far: tests show limits refuse work before it reaches the CAS. */
    private final AtomicLong submitted = new AtomicLong();

    private CasChecker(int threads) {
        AtomicInteger counter = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024),
                runnable -> {
                    Thread thread = new Thread(runnable, THREAD_PREFIX + counter.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    private static volatile boolean failed;

    /**
     * The process-wide checker (Symja's symbol table is global), started on first use; null when Symja failed to
     * start (said once on stderr): symbolic checks then answer "not equal" rather than stopping training.
     */
    static CasChecker shared() {
        CasChecker checker = shared;
        if (checker == null && !failed) {
            synchronized (CasChecker.class) {
                checker = shared;
                if (checker == null && !failed) {
                    try {
                        initializeSymja();
                        checker = new CasChecker(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
                        checker.warmUp();
                        shared = checker;
                    } catch (RuntimeException | LinkageError e) {
                        failed = true;
                        System.err.println("reason4j: the CAS (Symja) failed to start; symbolic checks will fail: "
                                + e);
                        checker = null;
                    }
                }
            }
        }
        return checker;
    }

    private static void initializeSymja() {
        // Symja logs through log4j2 without a backend; keep its start-up quiet
        System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
        System.setProperty("org.apache.logging.log4j.simplelog.level", "OFF");
        F.initSymbols();
    }

    /** A first Simplify on each worker loads Symja's rule sets (a second or more), outside any deadline. */
    private void warmUp() {
        List<Future<Outcome>> warmUps = new ArrayList<>();
        for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
            warmUps.add(pool.submit(() -> simplifiesToZero("(v1+1)^2-(v1^2+2*v1+1)+Binomial(v1,2)-v1*(v1-1)/2")));
        }
        for (Future<Outcome> warmUp : warmUps) {
            try {
                warmUp.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                throw new IllegalStateException("Symja failed to start", e.getCause());
            }
        }
    }

    /** True when {@code Simplify(expression)} is 0, within {@code timeout}. */
    Outcome isZero(String expression, Duration timeout) {
        Future<Outcome> future;
        try {
            future = pool.submit(() -> simplifiesToZero(expression));
            submitted.incrementAndGet();
        } catch (RejectedExecutionException e) {
            return Outcome.TIMEOUT;
        }
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return Outcome.TIMEOUT;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return Outcome.TIMEOUT;
        } catch (ExecutionException e) {
            return Outcome.NOT_ZERO;
        }
    }

    private Outcome simplifiesToZero(String expression) {
        ExprEvaluator evaluator = evaluators.get();
        if (evaluator == null) {
            PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
            evaluator = new ExprEvaluator(new EvalEngine("reason4j", 256, 100_000, silent, silent, true), true,
                    (short) 20);
            evaluators.set(evaluator);
        }
        try {
            IExpr result = evaluator.eval("Simplify(" + expression + ")");
            if (Thread.currentThread().isInterrupted()) {
                // Symja returns the input unevaluated when stopped; the engine starts fresh next time
                evaluators.remove();
                return Outcome.TIMEOUT;
            }
            return result.isZero() ? Outcome.ZERO : Outcome.NOT_ZERO;
        } catch (RuntimeException | StackOverflowError e) {
            evaluators.remove();
            return Thread.currentThread().isInterrupted() ? Outcome.TIMEOUT : Outcome.NOT_ZERO;
        }
    }

    /** How many checks {@link #isZero} has handed to the workers. */
    long submitted() {
        return submitted.get();
    }

    /** Workers running a check now (0 once every timed-out check has really stopped). */
    int busyWorkers() {
        return pool.getActiveCount();
    }

    int poolSize() {
        return pool.getMaximumPoolSize();
    }
}
