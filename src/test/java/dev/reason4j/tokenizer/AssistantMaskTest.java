package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssistantMaskTest {
    private static final List<Map<String, Object>> CONVERSATION = List.of(
            Map.of("role", "system", "content", "Be brief."),
            Map.of("role", "user", "content", "Hi"),
            Map.of("role", "assistant", "content", "Hello! How can I help?"),
            Map.of("role", "user", "content", "Add 2 and 2."),
            Map.of("role", "assistant", "content", "<think>\nadd them\n</think>\n\nIt is 4."));

    /** The text of each run of consecutive masked tokens. */
    private static List<String> maskedRuns(ChatTemplate.MaskedConversation masked, Tokenizer tokenizer) {
        List<String> runs = new ArrayList<>();
        List<Integer> run = new ArrayList<>();
        for (int t = 0; t <= masked.ids().length; t++) {
            if (t < masked.ids().length && masked.assistantMask()[t]) {
                run.add(masked.ids()[t]);
            } else if (!run.isEmpty()) {
                runs.add(tokenizer.decode(run.stream().mapToInt(Integer::intValue).toArray()));
                run.clear();
            }
        }
        return runs;
    }

    @Test
    void qwen3MarksAssistantTurnsThroughImEnd() {
        Tokenizer tokenizer = TokenizerFixtures.ours("qwen3");
        ChatTemplate template = ChatTemplate.of(tokenizer);
        ChatTemplate.ChatRequest request = ChatTemplate.ChatRequest.of(CONVERSATION, false);
        ChatTemplate.MaskedConversation masked = template.renderWithAssistantMask(request, tokenizer);
        assertEquals(template.render(request), masked.text());
        assertArrayEquals(tokenizer.encode(masked.text()), masked.ids());
        // The earlier turn lost its reasoning in the render (Qwen3 template); the last keeps its think block.
        assertEquals(List.of("Hello! How can I help?<|im_end|>", "<think>\nadd them\n</think>\n\nIt is 4.<|im_end|>"),
                maskedRuns(masked, tokenizer));
    }

    @Test
    void qwen3WithThinkingDisabledLeavesThePromptedEmptyThinkBlockUnmasked() {
        Tokenizer tokenizer = TokenizerFixtures.ours("qwen3");
        List<Map<String, Object>> conversation = List.of(Map.of("role", "user", "content", "2+2?"),
                Map.of("role", "assistant", "content", "4"));
        ChatTemplate.MaskedConversation masked = ChatTemplate.of(tokenizer).renderWithAssistantMask(
                new ChatTemplate.ChatRequest(conversation, null, false, false, Map.of()), tokenizer);
        assertEquals(List.of("4<|im_end|>"), maskedRuns(masked, tokenizer));
    }

    @Test
    void llama3MarksAssistantTurnsThroughEotId() {
        Tokenizer tokenizer = TokenizerFixtures.ours("llama3");
        ChatTemplate.MaskedConversation masked = ChatTemplate.of(tokenizer)
                .renderWithAssistantMask(ChatTemplate.ChatRequest.of(CONVERSATION, false), tokenizer);
        assertEquals(List.of("Hello! How can I help?<|eot_id|>", "<think>\nadd them\n</think>\n\nIt is 4.<|eot_id|>"),
                maskedRuns(masked, tokenizer));
    }

    @Test
    void generationBlocksMarkExactlyTheirOutput() {
        Tokenizer tokenizer = TokenizerFixtures.ours("qwen3");
        ChatTemplate template = new ChatTemplate("{% for m in messages %}<|im_start|>{{ m.role }}\n"
                + "{% if m.role == 'assistant' %}{% generation %}{{ m.content }}<|im_end|>{% endgeneration %}"
                + "{% else %}{{ m.content }}<|im_end|>{% endif %}\n{% endfor %}", Map.of());
        ChatTemplate.ChatRequest request = ChatTemplate.ChatRequest.of(CONVERSATION, false);
        ChatTemplate.MaskedConversation masked = template.renderWithAssistantMask(request, tokenizer);
        assertEquals(template.render(request), masked.text());
        assertEquals(List.of("Hello! How can I help?<|im_end|>", "<think>\nadd them\n</think>\n\nIt is 4.<|im_end|>"),
                maskedRuns(masked, tokenizer));
    }
}
