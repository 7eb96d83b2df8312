package dev.reason4j.agent;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.tokenizer.ChatTemplate;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Picks a chat template's tool-call format, and the pieces the formats share. */
public final class ToolCallFormats {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolCallFormats() {
    }

    /**
     * The format {@code template} renders tool calls in: {@code <tool_call>} in its source means Hermes (Qwen2.5,
     * Qwen3, Hermes); {@code <|python_tag|>}, {@code ipython} or a {@code "parameters"} key means Llama 3.1/3.2 JSON.
     * A template with neither (Llama 3.0's has no tools at all) is an error.
     *
     * @param endTokens the end-of-turn tokens as decoded text ({@code <|im_end|>}, {@code <|eot_id|>}): one at the
     *                  end of a turn is not content
     */
    public static ToolCallFormat of(ChatTemplate template, Collection<String> endTokens) {
        String source = template.source();
        if (source.contains(HermesToolCalls.OPEN)) {
            return new HermesToolCalls(List.copyOf(endTokens));
        }
        if (source.contains(Llama3ToolCalls.PYTHON_TAG) || source.contains("ipython")
                || source.contains("\"parameters\"")) {
            return new Llama3ToolCalls(List.copyOf(endTokens));
        }
        throw new IllegalArgumentException("the chat template has no known tool-call format (neither Hermes"
                + " <tool_call> blocks nor Llama 3 JSON calls): use a model whose template renders tool_calls");
    }

    /** {@code text} without trailing whitespace and one trailing end-of-turn token. */
    static String withoutEndToken(String text, Collection<String> endTokens) {
        String stripped = text.stripTrailing();
        for (String token : endTokens) {
            if (!token.isEmpty() && stripped.endsWith(token)) {
                return stripped.substring(0, stripped.length() - token.length());
            }
        }
        return text;
    }

    /**
     * Reads one call object {@code {"name": …, <argumentsKey>: {…}}}: the arguments may also be a JSON string
     * holding an object (as vLLM's parsers accept) or absent (no arguments). Adds the call to {@code calls}, or one
     * line saying what is wrong to {@code malformed}.
     *
     * @param number        the call's position in the turn, from 1, for the message
     * @param argumentsKeys the keys the arguments may come under (Llama 3 writes {@code parameters} or
     *                      {@code arguments}); at most one may be present
     */
    static void readCall(String json, int number, List<String> argumentsKeys, List<ToolCall> calls,
                         List<String> malformed) {
        String problem = callProblem(json, argumentsKeys, calls);
        if (problem != null) {
            malformed.add("tool call " + number + ": " + problem);
        }
    }

    private static String callProblem(String json, List<String> argumentsKeys, List<ToolCall> calls) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            return "not valid JSON (" + oneLine(e.getOriginalMessage()) + ")";
        }
        if (root == null || !root.isObject()) {
            return "expected a JSON object {\"name\": …, \"" + argumentsKeys.getFirst() + "\": {…}}";
        }
        JsonNode name = root.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            return "no \"name\" string";
        }
        JsonNode arguments = null;
        String key = null;
        for (String candidate : argumentsKeys) {
            if (root.has(candidate)) {
                if (arguments != null) {
                    return "both \"" + key + "\" and \"" + candidate + "\"";
                }
                arguments = root.get(candidate);
                key = candidate;
            }
        }
        if (arguments != null && arguments.isTextual()) {
            try {
                arguments = JSON.readTree(arguments.asText());
            } catch (JacksonException e) {
                return "\"" + key + "\" is a string that is not a JSON object";
            }
        }
        if (arguments != null && !arguments.isObject()) {
            return "\"" + key + "\" must be a JSON object, got " + oneLine(String.valueOf(arguments));
        }
        Map<String, Object> values = arguments == null ? Map.of()
                : JSON.convertValue(arguments, new TypeReference<Map<String, Object>>() {});
        calls.add(new ToolCall(name.asText(), values));
        return null;
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }
}
