package dev.reason4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The {@code normalizer} of a {@code tokenizer.json}: rewrites text before pre-tokenization. */
@FunctionalInterface
interface Normalizer {
    String normalize(String text);

    /** Builds the normalizer a {@code tokenizer.json} describes; null JSON means none (identity). */
    static Normalizer fromJson(JsonNode json) {
        if (json == null || json.isNull()) {
            return text -> text;
        }
        String type = json.path("type").asText();
        return switch (type) {
            case "NFC" -> unicode(Form.NFC);
            case "NFD" -> unicode(Form.NFD);
            case "NFKC" -> unicode(Form.NFKC);
            case "NFKD" -> unicode(Form.NFKD);
            case "Lowercase" -> text -> text.toLowerCase(Locale.ROOT);
            case "Prepend" -> {
                String prefix = json.path("prepend").asText();
                yield text -> text.isEmpty() ? text : prefix + text;
            }
            case "Replace" -> {
                JsonNode pattern = json.path("pattern");
                if (!pattern.has("String")) {
                    throw new IllegalArgumentException("normalizer Replace: only a String pattern is supported, got " + pattern);
                }
                String target = pattern.get("String").asText();
                String replacement = json.path("content").asText();
                yield text -> text.replace(target, replacement);
            }
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                for (JsonNode step : json.path("normalizers")) {
                    steps.add(fromJson(step));
                }
                yield text -> {
                    for (Normalizer step : steps) {
                        text = step.normalize(text);
                    }
                    return text;
                };
            }
            default -> throw new IllegalArgumentException("unsupported normalizer type '" + type + "'");
        };
    }

    private static Normalizer unicode(Form form) {
        // isNormalized is a quick check that is much cheaper than normalize on text that already is (the usual case).
        return text -> java.text.Normalizer.isNormalized(text, form) ? text : java.text.Normalizer.normalize(text, form);
    }
}
