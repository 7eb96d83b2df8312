package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Conversations written for this project (tool calls with nested and non-ASCII arguments, consecutive tool results,
 * reasoning_content, think blocks in earlier and last turns, template-looking text, enable_thinking on/off/absent)
 * render as @huggingface/jinja renders them (references from {@code scripts/chat-template-reference.cjs}).
 */
class ChatTemplateOwnCasesTest {

    @Test
    void rendersOwnConversationsAsTheReferenceEngine() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> conversations = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("chat-conversations.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    conversations.add(json.readTree(line));
                }
            }
        }
        JsonNode reference;
        try (InputStream in = getClass().getResourceAsStream("chat-conversations-rendered.json")) {
            reference = json.readTree(in);
        }
        int checked = 0;
        for (JsonNode expected : reference.get("cases")) {
            String name = expected.get("template").asText();
            int index = expected.get("conversation").asInt();
            ChatTemplate template = ChatTemplate.of(TokenizerFixtures.ours(name));
            String rendered = template.render(ChatTemplateFixtureTest.request(json, conversations.get(index)));
            assertEquals(expected.get("rendered").asText(), rendered, name + " conversation " + index);
            checked++;
        }
        assertEquals(2 * conversations.size(), checked);
    }
}
