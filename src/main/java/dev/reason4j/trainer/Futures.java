package dev.reason4j.trainer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on the rollout pipeline's futures. */
final class Futures {
    private Futures() {
    }

    /** The future's value; a failure is rethrown as itself (a run's one-line error), not wrapped. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }
}
