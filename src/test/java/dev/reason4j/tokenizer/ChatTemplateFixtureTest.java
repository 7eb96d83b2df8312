package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every case of {@code chat_templates.json} (rendered by jinja2 as HF does) is reproduced byte for byte. */
class ChatTemplateFixtureTest {

    @Test
    void rendersEveryFixtureCaseByteForByte() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode fixture = json.readTree(TokenizerFixtures.fixtures().resolve("tokenizers/chat_templates.json").toFile());
        int checked = 0;
        for (JsonNode testCase : fixture.get("cases")) {
            String name = testCase.get("template").asText();
            ChatTemplate template = ChatTemplate.of(TokenizerFixtures.ours(name));
            ChatTemplate.ChatRequest request = request(json, testCase);
            String label = name + "/" + testCase.get("case").asText() + " add_generation_prompt="
                    + request.addGenerationPrompt() + " enable_thinking=" + request.enableThinking();
            assertEquals(testCase.get("rendered").asText(), template.render(request), label);
            checked++;
        }
        assertEquals(fixture.get("cases").size(), checked);
    }

    static ChatTemplate.ChatRequest request(ObjectMapper json, JsonNode testCase) {
        List<Map<String, Object>> messages = json.convertValue(testCase.get("messages"), new TypeReference<>() {});
        JsonNode toolsJson = testCase.path("tools");
        List<Map<String, Object>> tools = toolsJson.isArray() ? json.convertValue(toolsJson, new TypeReference<>() {}) : null;
        JsonNode thinking = testCase.path("enable_thinking");
        return new ChatTemplate.ChatRequest(messages, tools, testCase.get("add_generation_prompt").asBoolean(),
                thinking.isBoolean() ? thinking.asBoolean() : null, Map.of());
    }
}
