package dev.reason4j.env;

import dev.reason4j.config.Options;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Arithmetic too hard for a tiny model to do in its head, meant to be solved with a calculator or Python tool:
 * "What is 4821 * 397 + 55?" → 1914032. The prompt is the plain question; the agent loop renders the tool list.
 * Each problem's {@code extra} holds the {@code expression} to pass to a calculator ({@code 4821*397+55}, also the
 * problem's key), so a tool-use demonstration is {@code calculator(expression) → result → \boxed{result}}; its
 * {@code solution} is the worked answer for SFT without tools.
 *
 * <p>Options: {@code forms} (comma-separated, from {@code a*b}, {@code a*b+c}, {@code a*b-c}, {@code a*b+c*d};
 * default {@code a*b,a*b+c}, each problem picks one uniformly); {@code min_digits} / {@code digits} (first factor
 * of each product, default 3 / 4); {@code min_multiplier_digits} / {@code multiplier_digits} (second factor,
 * default 2 / 3); {@code min_addend_digits} / {@code addend_digits} ({@code c} in {@code a*b±c}, default 1 / 4);
 * {@code scratchpad} ({@code steps}: one line per operation, {@code 4821*397=1913937}; {@code columns}: the column
 * arithmetic of {@link ArithmeticTask}; {@code none}; default steps); {@code think}. The digit count of each number
 * is drawn uniformly; {@code a*b-c} problems that would go negative are redrawn. Verified like {@code arithmetic}.
 */
public final class ToolArithmeticTask implements Task {
    public static final String NAME = "tool_arithmetic";
    /** The {@link Problem#extra} / {@link Example#extra} field with the expression a calculator evaluates. */
    public static final String EXPRESSION = "expression";
    private static final Set<String> FORMS = new LinkedHashSet<>(List.of("a*b", "a*b+c", "a*b-c", "a*b+c*d"));

    private final List<String> forms;
    private final int minDigits;
    private final int maxDigits;
    private final int minMultiplierDigits;
    private final int maxMultiplierDigits;
    private final int minAddendDigits;
    private final int maxAddendDigits;
    private final String scratchpad;
    private final boolean think;

    public ToolArithmeticTask(Map<String, Object> options) {
        Options read = new Options("task " + NAME, options);
        String formList = read.string("forms", "a*b,a*b+c", null);
        maxDigits = read.integer("digits", 4, 1, 18);
        minDigits = read.integer("min_digits", 3, 1, maxDigits);
        maxMultiplierDigits = read.integer("multiplier_digits", 3, 1, 18);
        minMultiplierDigits = read.integer("min_multiplier_digits", 2, 1, maxMultiplierDigits);
        maxAddendDigits = read.integer("addend_digits", 4, 1, 18);
        minAddendDigits = read.integer("min_addend_digits", 1, 1, maxAddendDigits);
        scratchpad = read.string("scratchpad", "steps", Set.of("columns", "steps", "none"));
        think = read.bool("think", false);
        read.finish();
        forms = new ArrayList<>();
        for (String form : formList.split(",")) {
            String trimmed = form.strip();
            if (!FORMS.contains(trimmed)) {
                throw new IllegalArgumentException("task " + NAME + ": option forms: unknown form '" + trimmed
                        + "' (forms: " + String.join(", ", FORMS) + ")");
            }
            if (!forms.contains(trimmed)) {
                forms.add(trimmed);
            }
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Problem generate(Random random) {
        while (true) {
            String form = forms.get(random.nextInt(forms.size()));
            List<BigInteger> numbers = new ArrayList<>();
            List<Character> ops = new ArrayList<>();
            // A form is products (a*b, c*d) and single terms (c) joined by + or -.
            for (String term : form.split("(?=[+-])")) {
                if (!numbers.isEmpty()) {
                    ops.add(term.charAt(0));
                }
                if (term.contains("*")) {
                    numbers.add(ArithmeticTask.randomNumber(random, minDigits, maxDigits));
                    ops.add('*');
                    numbers.add(ArithmeticTask.randomNumber(random, minMultiplierDigits, maxMultiplierDigits));
                } else {
                    numbers.add(ArithmeticTask.randomNumber(random, minAddendDigits, maxAddendDigits));
                }
            }
            List<String> lines = new ArrayList<>();
            BigInteger result = ArithmeticTask.evaluate(new ArrayList<>(numbers), new ArrayList<>(ops), scratchpad,
                    lines);
            if (result == null) {
                continue;  // a*b-c below zero
            }
            String expression = ArithmeticTask.written(numbers, ops, "");
            String answer = result.toString();
            return new Problem(NAME, expression, "What is " + ArithmeticTask.written(numbers, ops, " ") + "?", answer,
                    answer, Answers.workedSolution(lines, answer, think), Map.of(EXPRESSION, expression));
        }
    }

    @Override
    public double verify(String response, String groundTruth) {
        return Answers.verifyInteger(NAME, response, groundTruth);
    }
}
