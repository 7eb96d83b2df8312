package dev.reason4j.agent;

import dev.reason4j.tokenizer.PythonJson;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3.1/3.2 JSON tool calls: the assistant turn is (optionally {@code <|python_tag|>}, then) a JSON object
 * {@code {"name": …, "parameters": {…}}} ({@code "arguments"} is accepted too), several separated by {@code ;}.
 * As in vLLM's {@code llama3_json} parser, a turn that does not start with {@code {} is plain content with no call.
 * Unlike vLLM, which then falls back to reading the whole turn as content, a call that does not parse is reported
 * as malformed, so the model is told. Text after the last call is kept as content. Llama's built-in tools
 * ({@code <|python_tag|>brave_search.call(…)}) are not supported and read as malformed.
 *
 * @param endTokens end-of-turn tokens as decoded text ({@code <|eot_id|>}, {@code <|eom_id|>}); one at the end is dropped
 */
public record Llama3ToolCalls(List<String> endTokens) implements ToolCallFormat {
    static final String PYTHON_TAG = "<|python_tag|>";

    public Llama3ToolCalls {
        endTokens = List.copyOf(endTokens);
    }

    @Override
    public ParsedTurn parse(String text) {
        String turn = ToolCallFormats.withoutEndToken(text, endTokens).strip();
        boolean tagged = turn.startsWith(PYTHON_TAG);
        String body = tagged ? turn.substring(PYTHON_TAG.length()).strip() : turn;
        if (!body.startsWith("{")) {
            return tagged
                    ? new ParsedTurn("", List.of(), List.of("tool call 1: " + PYTHON_TAG
                            + " is not followed by a JSON call {\"name\": …, \"parameters\": {…}}"))
                    : new ParsedTurn(turn, List.of(), List.of());
        }
        List<ToolCall> calls = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        int position = 0;
        for (int number = 1; ; number++) {
            int end = objectEnd(body, position);
            if (end < 0) {
                malformed.add("tool call " + number + ": the JSON object is not closed (cut off?)");
                return new ParsedTurn("", calls, malformed);
            }
            ToolCallFormats.readCall(body.substring(position, end), number, List.of("parameters", "arguments"),
                    calls, malformed);
            position = skipSpaces(body, end);
            if (position < body.length() && body.charAt(position) == ';') {
                position = skipSpaces(body, position + 1);
            }
            if (position >= body.length() || body.charAt(position) != '{') {
                return new ParsedTurn(body.substring(position).strip(), calls, malformed);
            }
        }
    }

    /** As Llama 3.1's template writes it: the name as is, the arguments through {@code tojson}. */
    @Override
    public String render(ToolCall call) {
        return "{\"name\": \"" + call.name() + "\", \"parameters\": "
                + PythonJson.dumps(call.arguments(), null, false) + "}";
    }

    /** The index after the JSON object opening at {@code start} (braces counted outside strings), or -1. */
    private static int objectEnd(String text, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    private static int skipSpaces(String text, int position) {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
        return position;
    }
}
