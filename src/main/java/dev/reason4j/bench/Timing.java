package dev.reason4j.bench;

/**
 * Wall-clock timing of a repeated action, after warm-up runs (JIT, caches, lazily created state).
 *
 * <p>The estimate is the fastest of several stretches of runs (each ≥ {@link #ROUND_SECONDS}, or one run when a run
 * is longer): on a machine shared with other jobs, the slow stretches measure the neighbours, the fast ones the
 * code. The PyTorch peer uses the same estimator. One such estimate is one metric's value in one round of
 * {@link Benchmark}, which reports the median over its rounds.
 */
final class Timing {
    /** Warm-up time: the Vector API is orders of magnitude slower before C2 compiles it. */
    private static final double WARM_UP_SECONDS = 1.0;
    /**
     * ...and at least this many runs: a decode run at batch 128 takes seconds, and the JVM reaches its steady state
     * only after a few of them (one second was one, cold, run).
     */
    private static final int WARM_UP_RUNS = 3;
    private static final double ROUND_SECONDS = 0.05;

    private Timing() {}

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** Seconds per run: the fastest round after warm-up, measuring for at least minSeconds and minRuns runs. */
    static double secondsPerRun(Action action, double minSeconds, int minRuns) throws Exception {
        long warmUpStart = System.nanoTime();
        int warmUpRuns = 0;
        do {
            action.run();
            warmUpRuns++;
        } while (warmUpRuns < WARM_UP_RUNS || (System.nanoTime() - warmUpStart) / 1e9 < WARM_UP_SECONDS);
        double best = Double.POSITIVE_INFINITY;
        int totalRuns = 0;
        long start = System.nanoTime();
        while (totalRuns < minRuns || (System.nanoTime() - start) / 1e9 < minSeconds) {
            long roundStart = System.nanoTime();
            int runs = 0;
            double elapsed;
            do {
                action.run();
                runs++;
                elapsed = (System.nanoTime() - roundStart) / 1e9;
            } while (elapsed < ROUND_SECONDS);
            best = Math.min(best, elapsed / runs);
            totalRuns += runs;
        }
        return best;
    }
}
