package dev.reason4j.env;

import dev.reason4j.config.Options;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Countdown, as in TinyZero: reach the target from the given numbers with + - * / and parentheses.
 * "Using the numbers 8, 3, 2, make 22." → {@code \boxed{8*3-2}}. The verifier parses the expression in the last
 * {@code \boxed{}}, checks it uses only the given numbers (each at most once; with {@code use_all}, each exactly
 * once as TinyZero's {@code validate_equation} requires), evaluates it exactly with rationals and compares to the
 * target. The generator builds the target from the numbers, so every problem is solvable.
 *
 * <p>Options: {@code numbers} (how many, default 3), {@code max_number} (each drawn from 1..max, default 20),
 * {@code min_target} / {@code max_target} (default 1 / 100), {@code use_all} (default true), {@code think}.
 * The worked solution lists the steps that built the target ({@code 8*3=24}, {@code 24-2=22}), then the expression.
 * Ground truth is JSON {@code {"target": 22, "numbers": [8, 3, 2]}}, verl's Countdown layout.
 */
public final class CountdownTask implements Task {
    public static final String NAME = "countdown";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPS = "+-*/";

    private final int count;
    private final int maxNumber;
    private final int minTarget;
    private final int maxTarget;
    private final boolean useAll;
    private final boolean think;

    public CountdownTask(Map<String, Object> options) {
        Options read = new Options("task " + NAME, options);
        count = read.integer("numbers", 3, 2, 8);
        maxNumber = read.integer("max_number", 20, 2, 1_000_000);
        minTarget = read.integer("min_target", 1, 0, Integer.MAX_VALUE);
        maxTarget = read.integer("max_target", 100, minTarget, Integer.MAX_VALUE);
        useAll = read.bool("use_all", true);
        think = read.bool("think", false);
        read.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** An expression tree node: a number, or an operation on two nodes. */
    private record Node(long value, char op, Node left, Node right) {
        static Node leaf(long value) {
            return new Node(value, ' ', null, null);
        }

        boolean isLeaf() {
            return left == null;
        }

        int precedence() {
            return isLeaf() ? 3 : op == '+' || op == '-' ? 1 : 2;
        }

        /** With the fewest parentheses that keep its meaning. */
        @Override
        public String toString() {
            if (isLeaf()) {
                return Long.toString(value);
            }
            String l = left.toString();
            String r = right.toString();
            if (left.precedence() < precedence()) {
                l = "(" + l + ")";
            }
            // a-(b+c) and a/(b*c) need them; a+(b-c) and a*(b/c) do not.
            if (right.precedence() < precedence() || right.precedence() == precedence() && (op == '-' || op == '/')) {
                r = "(" + r + ")";
            }
            return l + op + r;
        }
    }

    @Override
    public Problem generate(Random random) {
        while (true) {
            List<Long> numbers = new ArrayList<>();
            List<Node> pool = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long n = 1 + random.nextInt(maxNumber);
                numbers.add(n);
                pool.add(Node.leaf(n));
            }
            List<String> lines = new ArrayList<>();
            boolean stuck = false;
            while (pool.size() > 1 && !stuck) {
                Node a = pool.remove(random.nextInt(pool.size()));
                Node b = pool.remove(random.nextInt(pool.size()));
                List<Character> valid = new ArrayList<>();
                for (char op : OPS.toCharArray()) {
                    if (op == '-' && a.value() <= b.value()) {
                        continue;  // keep every intermediate positive
                    }
                    if (op == '/' && (b.value() <= 1 || a.value() % b.value() != 0)) {
                        continue;  // exact division by more than 1
                    }
                    valid.add(op);
                }
                char op = valid.get(random.nextInt(valid.size()));
                long value = switch (op) {
                    case '+' -> a.value() + b.value();
                    case '-' -> a.value() - b.value();
                    case '*' -> a.value() * b.value();
                    default -> a.value() / b.value();
                };
                stuck = value > Integer.MAX_VALUE;
                lines.add(a.value() + String.valueOf(op) + b.value() + "=" + value);
                pool.add(new Node(value, op, a, b));
            }
            long target = pool.getFirst().value();
            if (stuck || target < minTarget || target > maxTarget) {
                continue;
            }
            String expression = pool.getFirst().toString();
            StringBuilder listed = new StringBuilder();
            for (long n : numbers) {
                listed.append(listed.isEmpty() ? "" : ", ").append(n);
            }
            String prompt = "Using the numbers " + listed + ", make " + target + ". Use + - * / and each number "
                    + (useAll ? "exactly once." : "at most once.");
            // The key ignores order: the same numbers and target in another order are the same problem.
            List<Long> sorted = numbers.stream().sorted().toList();
            String key = sorted + "->" + target;
            return new Problem(NAME, key, prompt, expression, groundTruth(target, numbers),
                    Answers.workedSolution(lines, expression, think));
        }
    }

    /** {@code {"target": 22, "numbers": [8, 3, 2]}} */
    static String groundTruth(long target, List<Long> numbers) {
        ObjectNode node = JSON.createObjectNode();
        node.put("target", target);
        ArrayNode array = node.putArray("numbers");
        numbers.forEach(array::add);
        return node.toString();
    }

    @Override
    public double verify(String response, String groundTruth) {
        JsonNode truth;
        try {
            truth = JSON.readTree(groundTruth);
        } catch (Exception e) {
            throw new IllegalArgumentException("countdown ground truth must be JSON {\"target\", \"numbers\"}, got "
                    + groundTruth);
        }
        if (truth == null || !truth.has("target") || !truth.path("numbers").isArray()) {
            throw new IllegalArgumentException("countdown ground truth must be JSON {\"target\", \"numbers\"}, got "
                    + groundTruth);
        }
        List<BigInteger> available = new ArrayList<>();
        truth.get("numbers").forEach(n -> available.add(n.bigIntegerValue()));
        String boxed = Answers.lastBoxed(response);
        if (boxed == null) {
            return 0.0;
        }
        String expression = boxed;
        int equals = boxed.indexOf('=');
        if (equals >= 0) {  // "8*3-2=22" is fine when the right side is the target
            BigInteger stated = Answers.parseInteger(boxed.substring(equals + 1));
            if (stated == null || !stated.equals(truth.get("target").bigIntegerValue())) {
                return 0.0;
            }
            expression = boxed.substring(0, equals);
        }
        List<BigInteger> used = new ArrayList<>();
        Rational value = new ExpressionParser(expression, used).parse();
        if (value == null) {
            return 0.0;
        }
        for (BigInteger n : used) {
            if (!available.remove(n)) {
                return 0.0;  // not given, or used more often than given
            }
        }
        if (useAll && !available.isEmpty()) {
            return 0.0;
        }
        return value.equals(Rational.of(truth.get("target").bigIntegerValue())) ? 1.0 : 0.0;
    }

    /** An exact fraction in lowest terms with a positive denominator. */
    record Rational(BigInteger numerator, BigInteger denominator) {
        static Rational of(BigInteger n) {
            return new Rational(n, BigInteger.ONE);
        }

        static Rational of(BigInteger numerator, BigInteger denominator) {
            if (denominator.signum() < 0) {
                numerator = numerator.negate();
                denominator = denominator.negate();
            }
            BigInteger gcd = numerator.gcd(denominator);
            return gcd.signum() == 0 ? new Rational(numerator, denominator)
                    : new Rational(numerator.divide(gcd), denominator.divide(gcd));
        }

        Rational apply(char op, Rational o) {
            return switch (op) {
                case '+' -> of(numerator.multiply(o.denominator).add(o.numerator.multiply(denominator)),
                        denominator.multiply(o.denominator));
                case '-' -> of(numerator.multiply(o.denominator).subtract(o.numerator.multiply(denominator)),
                        denominator.multiply(o.denominator));
                case '*' -> of(numerator.multiply(o.numerator), denominator.multiply(o.denominator));
                default -> o.numerator.signum() == 0 ? null
                        : of(numerator.multiply(o.denominator), denominator.multiply(o.numerator));
            };
        }
    }

    /**
     * Recursive descent over {@code expr := term (('+'|'-') term)*}, {@code term := factor (('*'|'/') factor)*},
     * {@code factor := integer | '(' expr ')'}; also accepts × and ÷. No unary minus (as TinyZero). Records the
     * numbers it reads. {@link #parse} gives null for anything malformed or a division by zero.
     */
    static final class ExpressionParser {
        private static final int MAX_DIGITS = 12;
        private final String text;
        private final List<BigInteger> numbers;
        private int position;

        ExpressionParser(String text, List<BigInteger> numbers) {
            this.text = text.replace('×', '*').replace('÷', '/').replace("\\times", "*").replace("\\div", "/");
            this.numbers = numbers;
        }

        Rational parse() {
            try {
                Rational value = expression(0);
                skipSpaces();
                return position == text.length() ? value : null;
            } catch (IllegalStateException malformed) {
                return null;
            }
        }

        private Rational expression(int depth) {
            if (depth > 64) {
                throw new IllegalStateException("too deep");
            }
            Rational value = term(depth);
            while (peek() == '+' || peek() == '-') {
                char op = text.charAt(position++);
                value = value.apply(op, term(depth));
            }
            return value;
        }

        private Rational term(int depth) {
            Rational value = factor(depth);
            while (peek() == '*' || peek() == '/') {
                char op = text.charAt(position++);
                value = value.apply(op, factor(depth));
                if (value == null) {
                    throw new IllegalStateException("division by zero");
                }
            }
            return value;
        }

        private Rational factor(int depth) {
            char c = peek();
            if (c == '(') {
                position++;
                Rational value = expression(depth + 1);
                if (peek() != ')') {
                    throw new IllegalStateException("missing )");
                }
                position++;
                return value;
            }
            int start = position;
            while (position < text.length() && Character.isDigit(text.charAt(position))
                    && text.charAt(position) < 128) {
                position++;
            }
            if (position == start || position - start > MAX_DIGITS) {
                throw new IllegalStateException("expected a number at " + start);
            }
            BigInteger number = new BigInteger(text.substring(start, position));
            numbers.add(number);
            return Rational.of(number);
        }

        private char peek() {
            skipSpaces();
            return position < text.length() ? text.charAt(position) : '\0';
        }

        private void skipSpaces() {
            while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
                position++;
            }
        }
    }
}
