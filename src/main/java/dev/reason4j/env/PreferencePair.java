package dev.reason4j.env;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One preference judgement: for a prompt, the response a labeller preferred and the one they did not (TRL's
 * preference format). Read from JSON lines by {@link #load}: {@code {"prompt" | "messages", "chosen", "rejected"}},
 * where chosen and rejected are text or, conversationally, a list of messages whose last is the assistant's reply,
 * and an optional numeric {@code margin} (how strongly chosen is preferred) stays in the prompt's extra fields.
 *
 * @param prompt   the prompt (with its ground truth and data source when the record has them)
 * @param chosen   the preferred response text
 * @param rejected the other response text
 */
public record PreferencePair(Example prompt, String chosen, String rejected) {
    public PreferencePair {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
    }

    /** Every pair of the files ({@code .jsonl} or {@code .parquet}), in order; a bad record names its file and line. */
    public static List<PreferencePair> load(List<java.nio.file.Path> files) {
        return Datasets.load(files, PreferencePair::checked).stream().map(PreferencePair::of).toList();
    }

    /** The pair in a loaded record: its {@code chosen} and {@code rejected} fields leave the prompt's extra. */
    static PreferencePair of(Example record) {
        Map<String, Object> extra = new java.util.LinkedHashMap<>(record.extra());
        String chosen = response(extra.remove("chosen"), "chosen");
        String rejected = response(extra.remove("rejected"), "rejected");
        Example prompt = new Example(record.prompt(), record.messages(), record.groundTruth(), record.dataSource(),
                extra);
        return new PreferencePair(prompt, chosen, rejected);
    }

    private static Example checked(Example record) {
        response(record.extra().get("chosen"), "chosen");
        response(record.extra().get("rejected"), "rejected");
        Object margin = record.extra().get("margin");
        if (margin != null && !(margin instanceof Number number && Double.isFinite(number.doubleValue()))) {
            throw new IllegalArgumentException("\"margin\" must be a number, got " + margin);
        }
        return record;
    }

    /** The record's {@code margin} field, 0 without one. */
    public double margin() {
        return prompt.extra().get("margin") instanceof Number margin ? margin.doubleValue() : 0;
    }

    /** Text, or the content of the last message of a list whose last message is the assistant's. */
    private static String response(Object value, String field) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof List<?> list && !list.isEmpty() && list.getLast() instanceof Map<?, ?> last
                && "assistant".equals(last.get("role")) && last.get("content") instanceof String content) {
            return content;
        }
        throw new IllegalArgumentException(value == null ? "missing \"" + field + "\" (the "
                + (field.equals("chosen") ? "preferred" : "dispreferred") + " response, text or messages)"
                : "\"" + field + "\" must be text or a list of messages ending with the assistant's, got "
                + String.valueOf(value).substring(0, Math.min(80, String.valueOf(value).length())));
    }
}
