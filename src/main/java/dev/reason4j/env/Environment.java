package dev.reason4j.env;

/**
 * A multi-step task the agent loop drives, gym-style: {@link #reset} gives the first observation, each assistant
 * turn that calls no tool is an action given to {@link #step}, which answers with the next observation and a
 * reward, until {@code done}. One instance is one episode at a time; the loop creates one per episode.
 */
public interface Environment extends AutoCloseable {
    /** Starts an episode; the same seed gives the same episode. Returns the first observation (a user message). */
    String reset(long seed) throws Exception;

    /** Takes one action: the assistant turn's text outside any tool call. */
    StepResult step(String action) throws Exception;

    /** Frees the episode (an HTTP environment's session); called once, also after a failure. */
    @Override
    default void close() {
    }
}
