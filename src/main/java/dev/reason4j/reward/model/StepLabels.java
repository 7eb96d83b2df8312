package dev.reason4j.reward.model;

import dev.reason4j.env.Datasets;
import dev.reason4j.env.Example;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.tokenizer.TokenPositions;
import dev.reason4j.trainer.PromptFormatter;
import dev.reason4j.trainer.TokenizedPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A solution split into steps as a process reward model sees it: the rendered prompt's ids, the response's ids
 * (its text, then end-of-turn, as {@link TokenizedPair} and a rollout have them), the response index of each step's
 * last token, and each step's label (the probability the step is correct: 0/1 as PRM800K's or Math-Shepherd's
 * hard labels, or a float as Math-Shepherd's soft ones). Labels are null for a response only to be scored.
 */
public record StepLabels(int[] prompt, int[] response, int[] stepTokens, double[] labels) {
    public StepLabels {
        if (labels != null && labels.length != stepTokens.length) {
            throw new IllegalArgumentException(stepTokens.length + " steps but " + labels.length + " labels");
        }
    }

    /** prompt ids followed by response ids, as the model takes them */
    public int[] sequence() {
        return TokenizedPair.concat(prompt, response);
    }

    /**
     * The records of JSON-lines / Parquet files {@code {"prompt" | "messages", "steps": [text...], "labels":
     * [0/1, float or true/false...]}}, each response the steps joined by {@code separator}; a bad record names its
     * file, line and field.
     */
    public static List<StepLabels> load(List<Path> files, Tokenizer tokenizer, PromptFormatter formatter,
                                        String separator) {
        List<Example> records = Datasets.load(files, record -> {
            steps(record, separator);
            labels(record);
            return record;
        });
        List<StepLabels> examples = new ArrayList<>(records.size());
        for (Example record : records) {
            examples.add(of(tokenizer, tokenizer.encode(formatter.render(record), false),
                    String.join(separator, steps(record, separator)), separator, labels(record)));
        }
        return examples;
    }

    /**
     * A response split on {@code separator} (empty pieces, such as after a final newline, are no steps), each step
     * read at the token that completes its last character.
     */
    public static StepLabels of(Tokenizer tokenizer, int[] prompt, String response, String separator,
                                double[] labels) {
        int endOfTurn = tokenizer.eosTokenId().orElseThrow(
                () -> new IllegalArgumentException("the tokenizer has no eos_token to end responses with"));
        int[] responseIds = TokenizedPair.response(tokenizer, response, endOfTurn);
        int[] text = java.util.Arrays.copyOf(responseIds, responseIds.length - 1);
        int[] ends = stepEnds(response, separator);
        if (labels != null && labels.length != ends.length) {
            throw new IllegalArgumentException(ends.length + " non-empty steps but " + labels.length + " labels");
        }
        return new StepLabels(prompt, responseIds, TokenPositions.ofCharacterEnds(tokenizer, text, ends), labels);
    }

    /** The end offset (exclusive) of each non-empty step of {@code response}. */
    public static int[] stepEnds(String response, String separator) {
        List<Integer> ends = new ArrayList<>();
        int start = 0;
        while (start <= response.length()) {
            int next = response.indexOf(separator, start);
            int end = next < 0 ? response.length() : next;
            if (end > start) {
                ends.add(end);
            }
            if (next < 0) {
                break;
            }
            start = next + separator.length();
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> steps(Example record, String separator) {
        if (!(record.extra().get("steps") instanceof List<?> steps) || steps.isEmpty()) {
            throw new IllegalArgumentException("missing \"steps\" (a non-empty list of step texts)");
        }
        List<String> texts = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            if (!(steps.get(i) instanceof String text) || text.isEmpty()) {
                throw new IllegalArgumentException("\"steps\"[" + i + "] must be non-empty text");
            }
            if (text.contains(separator)) {
                throw new IllegalArgumentException("\"steps\"[" + i + "] contains the step separator '"
                        + separator.replace("\n", "\\n") + "' (rm.step_separator), so it would score as two steps");
            }
            texts.add(text);
        }
        return texts;
    }

    private static double[] labels(Example record) {
        Object steps = record.extra().get("steps");
        if (!(record.extra().get("labels") instanceof List<?> labels)) {
            throw new IllegalArgumentException("missing \"labels\" (one per step: 0/1, a probability or true/false)");
        }
        if (steps instanceof List<?> list && list.size() != labels.size()) {
            throw new IllegalArgumentException("\"labels\" has " + labels.size() + " entries for " + list.size()
                    + " steps");
        }
        double[] values = new double[labels.size()];
        for (int i = 0; i < values.length; i++) {
            Object label = labels.get(i);
            double value = label instanceof Boolean b ? (b ? 1 : 0)
                    : label instanceof Number n ? n.doubleValue() : Double.NaN;
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("\"labels\"[" + i + "] must be 0/1, a probability in [0, 1] or"
                        + " true/false, got " + label);
            }
            values[i] = value;
        }
        return values;
    }
}
