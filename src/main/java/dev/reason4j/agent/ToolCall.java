package dev.reason4j.agent;

import java.util.Map;

/** One well-formed call parsed from an assistant turn: the tool's name and its arguments (a JSON object). */
public record ToolCall(String name, Map<String, Object> arguments) {
    public ToolCall {
        arguments = Map.copyOf(arguments);
    }
}
