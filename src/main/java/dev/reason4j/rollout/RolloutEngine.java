package dev.reason4j.rollout;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where samples come from: the local continuous-batching {@link Generator}, a fleet of inference servers
 * ({@link RemoteEngine}), or a scripted policy. Requests may come from any thread; the future holds the request's
 * n completions in sample order.
 */
@FunctionalInterface
public interface RolloutEngine {
    CompletableFuture<List<Completion>> submit(Generator.Request request);
}
