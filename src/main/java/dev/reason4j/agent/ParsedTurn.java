package dev.reason4j.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * The turn as a Hugging Face / OpenAI chat message: {@code {"role": "assistant", "content": …, "tool_calls":
     * [{"type": "function", "function": {"name": …, "arguments": {…}}}]}}, {@code tool_calls} only when there are
     * well-formed calls (templates test for the key). Malformed calls have no place in it: they are not calls.
     */
    public Map<String, Object> assistantMessage() {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", content);
        if (!calls.isEmpty()) {
            message.put("tool_calls", calls.stream().map(call -> {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", call.arguments());
                Map<String, Object> toolCall = new LinkedHashMap<>();
                toolCall.put("type", "function");
                toolCall.put("function", function);
                return toolCall;
            }).toList());
        }
        return message;
    }
}
