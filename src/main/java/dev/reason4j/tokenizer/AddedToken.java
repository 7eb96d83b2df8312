package dev.reason4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An entry of {@code added_tokens}: matched in the text before BPE and given its id directly.
 *
 * @param lstrip     also swallow the whitespace before it
 * @param rstrip     also swallow the whitespace after it
 * @param singleWord only match when not inside a word
 * @param normalized match it in the normalized text (else in the raw text)
 * @param special    a control token: skipped by {@code decode(ids, true)}
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) {

    static AddedToken fromJson(JsonNode json) {
        if (!json.hasNonNull("id") || !json.hasNonNull("content")) {
            throw new IllegalArgumentException("added token needs 'id' and 'content': " + json);
        }
        boolean special = json.path("special").asBoolean(false);
        return new AddedToken(json.get("id").asInt(), json.get("content").asText(), json.path("single_word").asBoolean(false),
                json.path("lstrip").asBoolean(false), json.path("rstrip").asBoolean(false),
                json.path("normalized").asBoolean(!special), special);
    }
}
