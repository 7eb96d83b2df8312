package dev.reason4j.env;

/**
 * Makes the environment of one episode from the record the trainer drew ({@link Example}): the example fixes the
 * episode (a task's ground truth, a game's secret, a server's seed), and {@link Environment#reset}'s seed only
 * decides what the example leaves open. Created by name with {@link Environments#create}; must be thread-safe
 * (episodes start concurrently), while each environment it makes serves one episode.
 */
@FunctionalInterface
public interface EnvironmentFactory {
    /**
     * The environment of one episode of {@code example}. A record the environment cannot play (a game without its
     * ground truth) is an {@link IllegalArgumentException} naming the environment and the field.
     */
    Environment create(Example example);
}
