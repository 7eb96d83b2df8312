package dev.reason4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code tokenizer_config.json} adds to {@code tokenizer.json}: the special-token strings
 * ({@code bos_token}, {@code eos_token}, ...) and the {@code chat_template}.
 *
 * @param specialTokens {@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}... by name, when set
 * @param chatTemplate  the default chat template, or null
 */
public record TokenizerConfig(Map<String, String> specialTokens, String chatTemplate) {
    public static final TokenizerConfig EMPTY = new TokenizerConfig(Map.of(), null);

    private static final String[] SPECIAL_TOKEN_KEYS = {
        "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

    public static TokenizerConfig read(Path file) throws IOException {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        Map<String, String> special = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode value = json.path(key);
            if (value.isTextual()) {
                special.put(key, value.asText());
            } else if (value.isObject() && value.path("content").isTextual()) { // serialized AddedToken
                special.put(key, value.get("content").asText());
            }
        }
        return new TokenizerConfig(Map.copyOf(special), chatTemplate(json.path("chat_template"), file));
    }

    public static TokenizerConfig readIfPresent(Path file) throws IOException {
        return Files.exists(file) ? read(file) : EMPTY;
    }

    /** A string, or a list of {name, template} where "default" is the one used. */
    private static String chatTemplate(JsonNode value, Path file) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isArray()) {
            for (JsonNode named : value) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
            throw new IllegalArgumentException(file + ": chat_template is a list without a 'default' entry");
        }
        return null;
    }

    public String eosToken() {
        return specialTokens.get("eos_token");
    }

    public String bosToken() {
        return specialTokens.get("bos_token");
    }
}
