package dev.reason4j.reward;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scores responses concurrently on a bounded pool of worker threads, with a time limit per call, so one slow check
 * (a program that hangs, a symbolic simplification that explodes) never holds up a batch: when a call runs past
 * {@code timeout} its result is reward 0 with metric {@code reward_timeout = 1} and its worker is interrupted
 * (the code sandbox kills its process when interrupted). A function that throws gives reward 0 with
 * {@code reward_error = 1} and the error in {@link RewardResult#error}, and each distinct error is printed once,
 * since one bad response must not stop training (the trainer stops when no response of a step gets a reward).
 */
public final class AsyncRewardScorer implements AutoCloseable {
    public static final String TIMEOUT_METRIC = "reward_timeout";
    public static final String ERROR_METRIC = "reward_error";

    private final RewardFunction function;
    private final Duration timeout;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private final Set<String> printedErrors = ConcurrentHashMap.newKeySet();

    /**
     * @param threads how many calls run at once (code rewards start processes: about the number of cores)
     * @param timeout the longest one call may run, counted from when it starts
     */
    public AsyncRewardScorer(RewardFunction function, int threads, Duration timeout) {
        if (threads <= 0 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("reward scorer needs threads > 0 and a positive timeout");
        }
        this.function = function;
        this.timeout = timeout;
        this.workers = Executors.newFixedThreadPool(threads, daemonThreads("reward-worker-"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemonThreads("reward-timer-"));
    }

    /** Starts scoring one response; the future always completes normally. */
    public CompletableFuture<RewardResult> submit(RewardInput input) {
        CompletableFuture<List<RewardResult>> result = new CompletableFuture<>();
        workers.execute(() -> run(() -> List.of(function.score(input)), 1, input.dataSource(), result));
        return result.thenApply(List::getFirst);
    }

    /**
     * Starts scoring the responses to one prompt; the future always completes normally, results in input order.
     * A groupwise function ({@link RewardFunction#groupwise}) gets the group in one call, whose time limit, error
     * and timeout then hold for the whole group; any other function scores each response as {@link #submit} does.
     */
    public CompletableFuture<List<RewardResult>> submitGroup(List<RewardInput> group) {
        if (!function.groupwise()) {
            List<CompletableFuture<RewardResult>> each = group.stream().map(this::submit).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(done -> each.stream().map(CompletableFuture::join).toList());
        }
        CompletableFuture<List<RewardResult>> result = new CompletableFuture<>();
        if (group.isEmpty()) {
            result.complete(List.of());
            return result;
        }
        workers.execute(() -> run(() -> {
            List<RewardResult> results = function.scoreGroup(group);
            if (results.size() != group.size()) {
                throw new IllegalStateException("a group reward returned " + results.size() + " results for "
                        + group.size() + " responses");
            }
            return List.copyOf(results);
        }, group.size(), group.getFirst().dataSource(), result));
        return result;
    }

    /** Scores every input and waits for all; results in input order. */
    public List<RewardResult> scoreAll(List<RewardInput> inputs) {
        List<CompletableFuture<RewardResult>> futures = inputs.stream().map(this::submit).toList();
        return futures.stream().map(CompletableFuture::join).toList();
    }

    /** One call of the function, for {@code count} responses, under the time limit (see the class comment). */
    private void run(Callable<List<RewardResult>> call, int count, String dataSource,
                     CompletableFuture<List<RewardResult>> result) {
        Thread worker = Thread.currentThread();
        // The lock makes sure the timer interrupts this worker only while it is still running this call.
        Object lock = new Object();
        boolean[] running = {true};
        ScheduledFuture<?> timer = timers.schedule(() -> {
            synchronized (lock) {
                if (result.complete(Collections.nCopies(count, new RewardResult(0.0, Map.of(TIMEOUT_METRIC, 1.0),
                        "timed out after " + timeout.toMillis() / 1000.0 + " s"))) && running[0]) {
                    worker.interrupt();
                }
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            result.complete(call.call());
        } catch (Throwable e) {
            String error = e.getMessage() != null ? e.getMessage() : e.toString();
            if (result.complete(Collections.nCopies(count, new RewardResult(0.0, Map.of(ERROR_METRIC, 1.0), error)))
                    && printedErrors.add(String.valueOf(e))) {
                System.err.println("reason4j: reward function failed on a response from '" + dataSource
                        + "': " + e + " (printed once; every failure counts in reward/" + ERROR_METRIC + ")");
            }
        } finally {
            timer.cancel(false);
            synchronized (lock) {
                running[0] = false;
            }
            Thread.interrupted(); // clear an interrupt meant for this call before taking the next
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        timers.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
