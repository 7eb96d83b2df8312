package dev.reason4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code post_processor} of a {@code tokenizer.json}: adds special tokens (BOS, CLS/SEP) around a single
 * sequence when {@code encode(text, addSpecialTokens=true)}.
 */
record PostProcessor(int[] prefix, int[] suffix) {
    static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    int[] apply(int[] ids) {
        if (prefix.length == 0 && suffix.length == 0) {
            return ids;
        }
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, ids.length);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    static PostProcessor fromJson(JsonNode json) {
        if (json == null || json.isNull()) {
            return NONE;
        }
        String type = json.path("type").asText();
        return switch (type) {
            case "ByteLevel" -> NONE; // only adjusts offsets
            case "TemplateProcessing" -> template(json);
            case "BertProcessing", "RobertaProcessing" -> new PostProcessor(
                    new int[] {json.path("cls").get(1).asInt()}, new int[] {json.path("sep").get(1).asInt()});
            case "Sequence" -> {
                PostProcessor combined = NONE;
                for (JsonNode step : json.path("processors")) {
                    PostProcessor next = fromJson(step);
                    combined = new PostProcessor(concat(next.prefix, combined.prefix), concat(combined.suffix, next.suffix));
                }
                yield combined;
            }
            default -> throw new IllegalArgumentException("unsupported post_processor type '" + type + "'");
        };
    }

    /** TemplateProcessing's {@code single} template: special tokens before and after {@code $A}. */
    private static PostProcessor template(JsonNode json) {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode item : json.path("single")) {
            if (item.has("Sequence")) {
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode special = json.path("special_tokens").path(name);
                if (!special.has("ids")) {
                    throw new IllegalArgumentException("post_processor: special token '" + name + "' has no ids");
                }
                for (JsonNode id : special.get("ids")) {
                    (seenSequence ? after : before).add(id.asInt());
                }
            } else {
                throw new IllegalArgumentException("post_processor: unknown template item " + item);
            }
        }
        return new PostProcessor(before.stream().mapToInt(Integer::intValue).toArray(),
                after.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
