package dev.reason4j.agent;

import java.util.List;

/**
 * One assistant turn read for tool calls.
 *
 * @param content   the text outside the calls (the reasoning, or the final answer when there is no call)
 * @param calls     the well-formed calls, in order
 * @param malformed one line per call that could not be parsed (bad JSON, no name, arguments not an object), in
 *                  order; the model reads each as a tool error
 */
public record ParsedTurn(String content, List<ToolCall> calls, List<String> malformed) {
    public ParsedTurn {
        calls = List.copyOf(calls);
        malformed = List.copyOf(malformed);
    }

    /** The turn called a tool, or tried to. */
    public boolean hasCalls() {
        return !calls.isEmpty() || !malformed.isEmpty();
    }
}
