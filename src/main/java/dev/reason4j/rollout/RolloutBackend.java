package dev.reason4j.rollout;

import dev.reason4j.model.Transformer;
import java.io.IOException;
import java.util.Map;

/**
 * Where a run's rollouts are generated: on this machine ({@link #local()}: a {@link Generator} over the live
 * policy) or on a fleet of inference servers ({@link RemoteBackend}), which must be sent the weights after each
 * update.
 */
public interface RolloutBackend extends AutoCloseable {
    /** The engine that samples from {@code policy}'s current weights. */
    RolloutEngine engine(Transformer policy);

    /** The policy's weights changed (after optimizer step {@code step}): bring the engines up to date. */
    default void weightsUpdated(Transformer policy, int step) throws IOException {
    }

    /**
     * The engine's log-probs are the training forward's own, bit for bit (this JVM's engine); a fleet's are another
     * engine's as far as the trainer can tell, so it recomputes π_old from them.
     */
    default boolean exactLogProbs() {
        return true;
    }

    /** Counters for the step's metrics (requests, retries, failures per endpoint); empty when there are none. */
    default Map<String, Long> counters() {
        return Map.of();
    }

    @Override
    default void close() {
    }

    /** The local engine: a fresh {@link Generator} per generation call, so it always holds the current weights. */
    static RolloutBackend local() {
        return Generator::new;
    }
}
