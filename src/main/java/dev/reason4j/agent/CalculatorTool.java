package dev.reason4j.agent;

import dev.reason4j.config.Options;
import dev.reason4j.reward.math.PlainArithmetic;
import dev.reason4j.reward.math.Rational;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code calculator} tool: exact rational arithmetic through the math verifier's evaluator
 * ({@link PlainArithmetic}). {@code {"expression": "1/3+1/6"}} gives {@code 1/2 = 0.5}: an integer is written as
 * its digits, any other value as the fraction {@code p/q} in lowest terms followed by its decimal, {@code = } when
 * that is exact and at most 20 significant digits, else {@code ≈ } and 10 significant digits
 * ({@code 1/3 ≈ 0.3333333333}). Division by zero, a power that is not rational and an expression that does not
 * parse are errors the model reads. No options. Stateless and thread-safe.
 */
public final class CalculatorTool implements Tool {
    public static final String NAME = "calculator";
    private static final int EXACT_DECIMAL_DIGITS = 20;
    private static final MathContext APPROXIMATION = new MathContext(10);

    public CalculatorTool(Map<String, Object> options) {
        new Options("tool " + NAME, options).finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Evaluates an arithmetic expression exactly (+ - * / ^, parentheses; fractions stay exact).";
    }

    @Override
    public Map<String, Object> parameters() {
        // Ordered as written: the chat template renders the schema in map order.
        Map<String, Object> expression = new LinkedHashMap<>();
        expression.put("type", "string");
        expression.put("description", "e.g. (123*456 - 7)/8");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("expression", expression));
        parameters.put("required", List.of("expression"));
        return parameters;
    }

    @Override
    public String call(Map<String, Object> arguments) throws ToolException {
        String expression = Tool.string(arguments, "expression");
        try {
            return format(PlainArithmetic.evaluate(expression));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ToolException(e.getMessage());
        }
    }

    /** Digits for an integer; else {@code p/q = decimal} or {@code p/q ≈ decimal}. */
    static String format(Rational value) {
        if (value.denominator().equals(BigInteger.ONE)) {
            return value.numerator().toString();
        }
        BigDecimal numerator = new BigDecimal(value.numerator());
        BigDecimal denominator = new BigDecimal(value.denominator());
        try {
            BigDecimal exact = numerator.divide(denominator);
            if (exact.precision() <= EXACT_DECIMAL_DIGITS) {
                return value + " = " + exact.toPlainString();
            }
        } catch (ArithmeticException notTerminating) {
            // 1/3: no exact decimal
        }
        return value + " ≈ " + numerator.divide(denominator, APPROXIMATION).stripTrailingZeros();
    }
}
