package dev.reason4j.reward.math;

import dev.reason4j.reward.math.MathExpr.Add;
import dev.reason4j.reward.math.MathExpr.Div;
import dev.reason4j.reward.math.MathExpr.Mul;
import dev.reason4j.reward.math.MathExpr.Neg;
import dev.reason4j.reward.math.MathExpr.Num;
import dev.reason4j.reward.math.MathExpr.Pow;

import java.util.List;
import java.util.function.Supplier;

/**
 * Arithmetic written as for a calculator, evaluated exactly: integers and decimals, {@code + - * /}, powers
 * {@code ^} or {@code **} (right-associative and binding tighter than a unary minus on their left, as in Python:
 * {@code -2^2} is -4, {@code 2^-1} is 1/2), parentheses. The entry point of the agent's calculator tool. Each
 * operation is computed by {@link Evaluator}, with its exact rationals and size guards; the grammar is a
 * calculator's, not {@link LatexParser}'s TeX, where {@code 2^10} is {@code 2^1} followed by 0.
 */
public final class PlainArithmetic {
    private static final int MAX_DEPTH = 100;

    private final String text;
    private int position;
    private int depth;

    private PlainArithmetic(String text) {
        this.text = text;
    }

    /**
     * The exact value of {@code expression}.
     *
     * @throws IllegalArgumentException the expression does not parse (the message names what and where)
     * @throws ArithmeticException      division by zero, a power that is not rational, a value too large
     */
    public static Rational evaluate(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("empty expression");
        }
        if (expression.length() > LatexParser.MAX_LENGTH) {
            throw new IllegalArgumentException("expression longer than " + LatexParser.MAX_LENGTH + " characters");
        }
        PlainArithmetic parser = new PlainArithmetic(expression.replace('×', '*').replace('÷', '/')
                .replace('−', '-'));
        Rational value = parser.sum();
        parser.skipSpaces();
        if (parser.position < parser.text.length()) {
            throw parser.unexpected();
        }
        return value;
    }

    /** sum := product (('+' | '-') product)* */
    private Rational sum() {
        Rational value = product();
        for (char op = peek(); op == '+' || op == '-'; op = peek()) {
            position++;
            Rational term = product();
            value = exact(new Add(List.of(num(value), op == '+' ? num(term) : new Neg(num(term)))));
        }
        return value;
    }

    /** product := unary (('*' | '/') unary)* */
    private Rational product() {
        Rational value = unary();
        for (char op = peek(); (op == '*' && !at("**")) || op == '/'; op = peek()) {
            position++;
            Rational factor = unary();
            if (op == '/' && factor.signum() == 0) {
                throw new ArithmeticException("division by zero");
            }
            value = exact(op == '*' ? new Mul(List.of(num(value), num(factor))) : new Div(num(value), num(factor)));
        }
        return value;
    }

    /** unary := ('-' | '+') unary | power */
    private Rational unary() {
        char c = peek();
        if (c == '-' || c == '+') {
            position++;
            Rational operand = nested(this::unary);
            return c == '-' ? operand.negate() : operand;
        }
        return power();
    }

    /** power := atom (('^' | '**') unary)? */
    private Rational power() {
        Rational base = atom();
        if (peek() != '^' && !at("**")) {
            return base;
        }
        position += at("**") ? 2 : 1;
        Rational exponent = nested(this::unary);
        if (base.signum() == 0 && exponent.signum() < 0) {
            throw new ArithmeticException("division by zero (0 to a negative power)");
        }
        Rational value = Evaluator.exact(new Pow(num(base), num(exponent)));
        if (value == null) {
            throw new ArithmeticException(exponent.isInteger() ? tooLarge()
                    : base + "^(" + exponent + ") is not a rational number");
        }
        return value;
    }

    /** atom := number | '(' sum ')' */
    private Rational atom() {
        char c = peek();
        if (c == '(') {
            position++;
            Rational value = nested(this::sum);
            if (peek() != ')') {
                throw position < text.length() ? unexpected()
                        : new IllegalArgumentException("missing ')' at the end");
            }
            position++;
            return value;
        }
        int start = position;
        while (position < text.length() && (Character.isDigit(text.charAt(position)) || text.charAt(position) == '.')) {
            position++;
        }
        String digits = text.substring(start, position);
        if (digits.isEmpty() || digits.equals(".") || digits.indexOf('.') != digits.lastIndexOf('.')) {
            position = start;
            throw unexpected();
        }
        return Rational.parseDecimal(digits);
    }

    private Rational nested(Supplier<Rational> parse) {
        if (++depth > MAX_DEPTH) {
            throw new IllegalArgumentException("expression nested more than " + MAX_DEPTH + " deep");
        }
        Rational value = parse.get();
        depth--;
        return value;
    }

    private static Num num(Rational value) {
        return new Num(value, false);
    }

    private static Rational exact(MathExpr expr) {
        Rational value = Evaluator.exact(expr);
        if (value == null) {
            throw new ArithmeticException(tooLarge());
        }
        return value;
    }

    private static String tooLarge() {
        return "the result is too large to compute exactly (over " + Evaluator.MAX_EXACT_BITS + " bits)";
    }

    /** The next character after spaces, or 0 at the end. */
    private char peek() {
        skipSpaces();
        return position < text.length() ? text.charAt(position) : 0;
    }

    private boolean at(String token) {
        return text.startsWith(token, position);
    }

    private void skipSpaces() {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
    }

    private IllegalArgumentException unexpected() {
        return position >= text.length() ? new IllegalArgumentException("the expression ends too early")
                : new IllegalArgumentException("unexpected '" + text.charAt(position) + "' at column " + (position + 1));
    }
}
