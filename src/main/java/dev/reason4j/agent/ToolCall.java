package dev.reason4j.agent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One well-formed call parsed from an assistant turn: the tool's name and its arguments (a JSON object, in the order
 * written, JSON nulls kept: a template renders them back in that order).
 */
public record ToolCall(String name, Map<String, Object> arguments) {
    public ToolCall {
        arguments = Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }
}
