package dev.reason4j.env;

/**
 * An environment that cannot go on: an HTTP environment's server answered an error, bad JSON or nothing in time.
 * The message is one line naming where and what (the URL, the problem); the agent loop ends the episode as failed
 * and the run goes on.
 */
public final class EnvironmentException extends Exception {
    public EnvironmentException(String message) {
        super(message);
    }

    public EnvironmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
