package dev.reason4j.agent;

import dev.reason4j.tokenizer.PythonJson;

import java.util.ArrayList;
import java.util.List;

/**
 * The Hermes tool-call format of Qwen2.5, Qwen3 and Hermes models: each call is a block
 * {@code <tool_call>\n{"name": …, "arguments": {…}}\n</tool_call>}, several may follow one another, and the text
 * outside the blocks is the turn's content. A block that is not closed (the turn was cut off) is malformed, as is
 * one whose JSON does not parse, has no name or has arguments that are not an object; arguments written as a JSON
 * string holding an object are accepted, as vLLM's {@code hermes} parser does.
 *
 * @param endTokens end-of-turn tokens as decoded text ({@code <|im_end|>}); one at the end is dropped
 */
public record HermesToolCalls(List<String> endTokens) implements ToolCallFormat {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    public HermesToolCalls {
        endTokens = List.copyOf(endTokens);
    }

    @Override
    public ParsedTurn parse(String text) {
        String turn = ToolCallFormats.withoutEndToken(text, endTokens);
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        int position = 0;
        for (int number = 1; ; number++) {
            int open = turn.indexOf(OPEN, position);
            if (open < 0) {
                content.append(turn, position, turn.length());
                break;
            }
            content.append(turn, position, open);
            int close = turn.indexOf(CLOSE, open + OPEN.length());
            if (close < 0) {
                malformed.add("tool call " + number + ": " + OPEN + " is not closed by " + CLOSE + " (cut off?)");
                break;
            }
            ToolCallFormats.readCall(turn.substring(open + OPEN.length(), close).strip(), number, List.of("arguments"),
                    calls, malformed);
            position = close + CLOSE.length();
        }
        return new ParsedTurn(content.toString().strip(), calls, malformed);
    }

    /** As Qwen's template writes it: the name as is, the arguments through {@code tojson}. */
    @Override
    public String render(ToolCall call) {
        return OPEN + "\n{\"name\": \"" + call.name() + "\", \"arguments\": "
                + PythonJson.dumps(call.arguments(), null, false) + "}\n" + CLOSE;
    }
}
