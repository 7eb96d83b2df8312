package dev.reason4j.agent;

import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tokens a chat template inserts between two assistant turns: after the end-of-turn token the model sampled,
 * the rendering of the tool (or user) messages that follow and the next assistant header, e.g. for Qwen3
 * {@code \n<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n<|im_start|>assistant\n}.
 *
 * <p>The text is the difference of two renderings of a probe conversation that ends in an assistant message:
 * with the new messages and the generation prompt, from just after the assistant's end-of-turn token. Only the
 * inserted messages are tokenized; the sampled turns never are, so a template that rewrites earlier turns (Qwen3
 * drops earlier turns' {@code <think>} content) cannot change the trained ids — they are the sampled ones.
 */
public final class TurnDelta {
    private static final String PROBE_REPLY = "Reason4jProbeReply";

    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final List<Map<String, Object>> tools;
    private final Boolean enableThinking;
    private final String endOfTurn;

    /** @param tools the schemas the prompt was rendered with (templates may render tool messages by them), or null */
    public TurnDelta(ChatTemplate template, Tokenizer tokenizer, List<Map<String, Object>> tools,
                     Boolean enableThinking) {
        this.template = template;
        this.tokenizer = tokenizer;
        this.tools = tools;
        this.enableThinking = enableThinking;
        this.endOfTurn = template.endOfTurnToken(tokenizer);
        if (endOfTurn == null) {
            throw new IllegalArgumentException("the chat template writes no end-of-turn token after an assistant "
                    + "message, so the agent loop cannot tell where a turn ends");
        }
    }

    /** The template's end-of-turn token after an assistant message (Qwen's {@code <|im_end|>}). */
    public String endOfTurn() {
        return endOfTurn;
    }

    /** The inserted text after an assistant turn that ends with a sampled end-of-turn token. */
    public String text(List<Map<String, Object>> inserted) {
        List<Map<String, Object>> probe = new ArrayList<>();
        probe.add(Map.of("role", "user", "content", "Reason4jProbeQuestion"));
        probe.add(Map.of("role", "assistant", "content", PROBE_REPLY));
        probe.addAll(inserted);
        String rendered = template.render(new ChatTemplate.ChatRequest(probe, tools, true, enableThinking, Map.of()));
        int reply = rendered.lastIndexOf(PROBE_REPLY);
        int end = reply < 0 ? -1 : rendered.indexOf(endOfTurn, reply + PROBE_REPLY.length());
        if (end < 0) {
            throw new IllegalStateException("the chat template did not render the probe assistant message");
        }
        return rendered.substring(end + endOfTurn.length());
    }

    /** {@link #text} tokenized on its own (it starts after a special token, so no merge crosses its start). */
    public int[] tokens(List<Map<String, Object>> inserted) {
        return tokenizer.encode(text(inserted), false);
    }
}
