package dev.reason4j.agent;

/**
 * How one chat-template family writes tool calls into an assistant turn: Qwen/Hermes
 * {@code <tool_call>{"name": …, "arguments": …}</tool_call>}, Llama 3 JSON {@code {"name": …, "parameters": …}}.
 */
public interface ToolCallFormat {
    /** The calls in one assistant turn's decoded text (special tokens included), and what could not be parsed. */
    ParsedTurn parse(String text);
}
