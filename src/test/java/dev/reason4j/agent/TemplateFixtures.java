package dev.reason4j.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.nio.file.Path;

/** The real chat templates of {@code shared/fixtures/tokenizers} and their jinja2 renderings. */
final class TemplateFixtures {
    private TemplateFixtures() {
    }

    static Path fixtures() {
        String env = System.getenv("REASON4J_FIXTURES");
        return env != null && !env.isEmpty() ? Path.of(env) : Path.of("..", "shared", "fixtures");
    }

    /** The chat template of {@code tokenizers/NAME/tokenizer_config.json}. */
    static ChatTemplate template(String name) throws IOException {
        TokenizerConfig config = TokenizerConfig.read(
                fixtures().resolve("tokenizers").resolve(name).resolve("tokenizer_config.json"));
        return new ChatTemplate(config.chatTemplate(), config.specialTokens());
    }

    /** The case of {@code chat_templates.json} (rendered by jinja2 as HF does) with this template, name and flags. */
    static JsonNode renderedCase(String template, String caseName, boolean addGenerationPrompt) throws IOException {
        JsonNode fixture = new ObjectMapper().readTree(fixtures().resolve("tokenizers/chat_templates.json").toFile());
        for (JsonNode testCase : fixture.get("cases")) {
            if (testCase.get("template").asText().equals(template) && testCase.get("case").asText().equals(caseName)
                    && testCase.get("add_generation_prompt").asBoolean() == addGenerationPrompt) {
                return testCase;
            }
        }
        throw new IllegalArgumentException("no fixture case " + template + "/" + caseName);
    }
}
