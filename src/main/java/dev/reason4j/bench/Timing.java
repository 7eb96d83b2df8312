package dev.reason4j.bench;

/** Wall-clock timing of a repeated action, after a warm-up run (JIT, caches, lazily created state). */
final class Timing {
    private Timing() {}

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** Seconds per run: one warm-up, then runs until both minRuns and minSeconds are reached. */
    static double secondsPerRun(Action action, double minSeconds, int minRuns) throws Exception {
        action.run();
        int runs = 0;
        long start = System.nanoTime();
        while (true) {
            action.run();
            runs++;
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (runs >= minRuns && elapsed >= minSeconds) {
                return elapsed / runs;
            }
        }
    }
}
