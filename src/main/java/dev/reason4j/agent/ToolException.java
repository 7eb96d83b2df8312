package dev.reason4j.agent;

/** A call the tool refuses (bad arguments, an expression that does not parse); the model reads the message. */
public final class ToolException extends Exception {
    public ToolException(String message) {
        super(message);
    }
}
