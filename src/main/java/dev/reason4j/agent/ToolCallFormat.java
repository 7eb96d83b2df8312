package dev.reason4j.agent;

/**
 * How one chat-template family writes tool calls into an assistant turn: Qwen/Hermes
 * {@code <tool_call>{"name": …, "arguments": …}</tool_call>}, Llama 3 JSON {@code {"name": …, "parameters": …}}.
 * {@link ToolCallFormats#of} picks the one a template uses.
 */
public interface ToolCallFormat {
    /** No tool calls at all: every turn is plain content (an environment played without tools). */
    ToolCallFormat NONE = new ToolCallFormat() {
        @Override
        public ParsedTurn parse(String text) {
            return new ParsedTurn(text.strip(), java.util.List.of(), java.util.List.of());
        }

        @Override
        public String render(ToolCall call) {
            throw new UnsupportedOperationException("no tool-call format: the run has no tools");
        }
    };

    /** The calls in one assistant turn's decoded text (special tokens included), and what could not be parsed. */
    ParsedTurn parse(String text);

    /**
     * One call as the template writes it in an assistant turn (what rendering a message with {@code tool_calls}
     * gives), so that demonstrations and tests write calls exactly as the model will read them.
     */
    String render(ToolCall call);
}
