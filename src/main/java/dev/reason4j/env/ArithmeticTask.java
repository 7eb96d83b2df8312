package dev.reason4j.env;

import dev.reason4j.config.Options;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Multi-digit arithmetic: "What is 47 + 385?" → 432. Options: {@code digits} (most digits per operand, default 2),
 * {@code min_digits} (default 1), {@code operands} (default 2), {@code operators} (a subset of {@code +-*}, default
 * {@code +}), {@code flawed_percent} (share of worked solutions that forget every carry, like imperfect demonstration
 * data; default 0), {@code check_percent} (share of worked solutions that check their sum by the inverse operation,
 * a line {@code 432-385=47} before the answer: the hidden rule of the preference demo; default 0),
 * {@code scratchpad} ({@code columns} | {@code steps} | {@code none}, default columns), {@code think} (wrap the
 * reasoning in {@code <think>} tags, default false). Usual precedence; every intermediate result is
 * non-negative (problems that would go negative are redrawn).
 *
 * <p>The worked solution does each operation as column arithmetic, lowest digit first, one line per column with
 * the carry (or borrow) written out, so each line is a one-digit fact a small model can learn:
 * <pre>
 * 7+5+0=12        7 + 5 + carry 0 = 12: write 2, carry 1
 * 4+8+1=13
 * 0+3+1=04
 * 47+385=432
 * \boxed{432}
 * </pre>
 * Subtraction borrows visibly ({@code 12-5-0=7} means 2 borrowed 10, then the next column subtracts borrow 1);
 * multiplication does one column line per digit ({@code 7*5+0=35}), then adds the shifted partial products.
 */
public final class ArithmeticTask implements Task {
    public static final String NAME = "arithmetic";

    private final int minDigits;
    private final int maxDigits;
    private final int operands;
    private final String operators;
    private final String scratchpad;
    private final boolean think;
    private final int flawedPercent;
    private final int checkPercent;

    /** The extra field holding a problem's check line (with option {@code check_percent}): {@code 432-385=47}. */
    public static final String CHECK = "check";

    public ArithmeticTask(Map<String, Object> options) {
        Options read = new Options("task " + NAME, options);
        maxDigits = read.integer("digits", 2, 1, 18);
        minDigits = read.integer("min_digits", 1, 1, maxDigits);
        operands = read.integer("operands", 2, 2, 8);
        operators = read.string("operators", "+", null);
        scratchpad = read.string("scratchpad", "columns", Set.of("columns", "steps", "none"));
        think = read.bool("think", false);
        flawedPercent = read.integer("flawed_percent", 0, 0, 100);
        checkPercent = read.integer("check_percent", 0, 0, 100);
        read.finish();
        if (flawedPercent > 0 && (operands != 2 || !operators.equals("+"))) {
            throw new IllegalArgumentException("task " + NAME + ": option flawed_percent needs operands: 2 and"
                    + " operators: '+' (the flaw is a forgotten carry in column addition)");
        }
        if (checkPercent > 0 && (operands != 2 || !operators.equals("+") || !scratchpad.equals("columns") || think)) {
            throw new IllegalArgumentException("task " + NAME + ": option check_percent needs operands: 2, operators:"
                    + " '+', scratchpad: columns and no think (the check is one subtraction line before the answer)");
        }
        if (operators.isEmpty() || !operators.chars().allMatch(c -> c == '+' || c == '-' || c == '*')
                || operators.chars().distinct().count() != operators.length()) {
            throw new IllegalArgumentException("task " + NAME + ": option operators must be distinct characters of"
                    + " +-* such as '+-', got '" + operators + "'");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Problem generate(Random random) {
        while (true) {
            List<BigInteger> numbers = new ArrayList<>();
            List<Character> ops = new ArrayList<>();
            for (int i = 0; i < operands; i++) {
                numbers.add(randomNumber(random, minDigits, maxDigits));
                if (i > 0) {
                    ops.add(operators.charAt(random.nextInt(operators.length())));
                }
            }
            List<String> lines = new ArrayList<>();
            BigInteger result = evaluate(new ArrayList<>(numbers), new ArrayList<>(ops), scratchpad, lines);
            if (result == null) {
                continue;  // an intermediate result went negative
            }
            String answer = result.toString();
            String solutionAnswer = answer;
            if (flawedPercent > 0 && random.nextInt(100) < flawedPercent) {
                // Imperfect demonstration data: the same layout, but every carry is forgotten.
                lines.clear();
                BigInteger flawed = addForgettingCarries(numbers.get(0), numbers.get(1), lines);
                lines.add(numbers.get(0) + "+" + numbers.get(1) + "=" + flawed);
                solutionAnswer = flawed.toString();
            }
            String key = written(numbers, ops, "");
            String prompt = "What is " + written(numbers, ops, " ") + "?";
            if (checkPercent == 0) {
                return new Problem(NAME, key, prompt, answer, answer, Answers.workedSolution(lines, solutionAnswer,
                        think));
            }
            // The check undoes the sum the solution wrote: flawed solutions check their own wrong sum (and fail).
            String check = solutionAnswer + "-" + numbers.get(1) + "=" + new BigInteger(solutionAnswer)
                    .subtract(numbers.get(1));
            if (random.nextInt(100) < checkPercent) {
                lines.add(check);
            }
            return new Problem(NAME, key, prompt, answer, answer, Answers.workedSolution(lines, solutionAnswer, think),
                    Map.of(CHECK, result + "-" + numbers.get(1) + "=" + numbers.get(0)));
        }
    }

    @Override
    public double verify(String response, String groundTruth) {
        return Answers.verifyInteger(NAME, response, groundTruth);
    }

    /** The expression written out, operators set off by {@code space}: {@code 47*23+5} (a key), {@code 47 * 23 + 5}. */
    static String written(List<BigInteger> numbers, List<Character> ops, String space) {
        StringBuilder text = new StringBuilder(numbers.getFirst().toString());
        for (int i = 0; i < ops.size(); i++) {
            text.append(space).append(ops.get(i)).append(space).append(numbers.get(i + 1));
        }
        return text.toString();
    }

    /** A number with a uniformly drawn digit count in [minDigits, maxDigits] (so short and long are equally likely). */
    static BigInteger randomNumber(Random random, int minDigits, int maxDigits) {
        int digits = minDigits + random.nextInt(maxDigits - minDigits + 1);
        StringBuilder text = new StringBuilder();
        text.append(digits == 1 ? random.nextInt(10) : 1 + random.nextInt(9));
        for (int i = 1; i < digits; i++) {
            text.append(random.nextInt(10));
        }
        return new BigInteger(text.toString());
    }

    /**
     * Evaluates with precedence (all {@code *} first, then left to right), writing each step as the scratchpad
     * ({@code columns}, {@code steps} or {@code none}) asks; null if an intermediate result goes negative. Consumes
     * the lists.
     */
    static BigInteger evaluate(List<BigInteger> numbers, List<Character> ops, String scratchpad, List<String> lines) {
        for (int i = 0; i < ops.size(); ) {
            if (ops.get(i) == '*') {
                numbers.set(i, step(numbers.get(i), '*', numbers.remove(i + 1), scratchpad, lines));
                ops.remove(i);
            } else {
                i++;
            }
        }
        BigInteger value = numbers.getFirst();
        for (int i = 0; i < ops.size(); i++) {
            BigInteger operand = numbers.get(i + 1);
            if (ops.get(i) == '-' && value.compareTo(operand) < 0) {
                return null;
            }
            value = step(value, ops.get(i), operand, scratchpad, lines);
        }
        return value;
    }

    /** One operation: its column lines (per the scratchpad option) and the summary line {@code a+b=c}. */
    private static BigInteger step(BigInteger a, char op, BigInteger b, String scratchpad, List<String> lines) {
        List<String> columns = new ArrayList<>();
        BigInteger result = switch (op) {
            case '+' -> add(a, b, columns);
            case '-' -> subtract(a, b, columns);
            default -> multiply(a, b, columns);
        };
        if (scratchpad.equals("none")) {
            return result;
        }
        if (scratchpad.equals("columns")) {
            lines.addAll(columns);
        }
        lines.add(a + String.valueOf(op) + b + "=" + result);
        return result;
    }

    /** Column addition, lowest digit first: {@code 7+5+0=12} (digit plus digit plus carry, two-digit sum). */
    static BigInteger add(BigInteger a, BigInteger b, List<String> lines) {
        String x = a.toString();
        String y = b.toString();
        int carry = 0;
        for (int i = 0; i < Math.max(x.length(), y.length()); i++) {
            int dx = digit(x, i);
            int dy = digit(y, i);
            int sum = dx + dy + carry;
            lines.add(dx + "+" + dy + "+" + carry + "=" + sum / 10 + sum % 10);
            carry = sum / 10;
        }
        return a.add(b);
    }

    /**
     * Column addition that writes each column's sum but never carries into the next column (the top column keeps
     * its two digits): {@code 47+38} gives {@code 7+8+0=15}, {@code 4+3+0=07}, so 75. A systematic slip, used to
     * make imperfect worked solutions (option {@code flawed_percent}).
     */
    static BigInteger addForgettingCarries(BigInteger a, BigInteger b, List<String> lines) {
        String x = a.toString();
        String y = b.toString();
        int columns = Math.max(x.length(), y.length());
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            int dx = digit(x, i);
            int dy = digit(y, i);
            int sum = dx + dy;
            lines.add(dx + "+" + dy + "+0=" + sum / 10 + sum % 10);
            digits.insert(0, i == columns - 1 ? String.valueOf(sum) : String.valueOf(sum % 10));
        }
        return new BigInteger(digits.toString());
    }

    /** Column subtraction (a ≥ b), lowest digit first: {@code 12-5-0=7} borrows 10, so the next line has {@code -1}. */
    static BigInteger subtract(BigInteger a, BigInteger b, List<String> lines) {
        String x = a.toString();
        String y = b.toString();
        int borrow = 0;
        for (int i = 0; i < x.length(); i++) {
            int top = digit(x, i);
            int dy = digit(y, i);
            int nextBorrow = top - dy - borrow < 0 ? 1 : 0;
            top += 10 * nextBorrow;
            lines.add(top + "-" + dy + "-" + borrow + "=" + (top - dy - borrow));
            borrow = nextBorrow;
        }
        return a.subtract(b);
    }

    /**
     * Long multiplication: for each digit d of b (lowest first) the column lines of a×d ({@code 7*5+0=35}) and the
     * shifted partial product ({@code 47*80=3760}); then the partial products are added column by column.
     */
    static BigInteger multiply(BigInteger a, BigInteger b, List<String> lines) {
        String x = a.toString();
        String y = b.toString();
        BigInteger total = null;
        for (int j = 0; j < y.length(); j++) {
            int d = digit(y, j);
            if (d == 0 && y.length() > 1) {
                continue;  // a zero digit adds nothing
            }
            int carry = 0;
            for (int i = 0; i < x.length(); i++) {
                int dx = digit(x, i);
                int product = dx * d + carry;
                lines.add(dx + "*" + d + "+" + carry + "=" + product / 10 + product % 10);
                carry = product / 10;
            }
            BigInteger multiplier = BigInteger.valueOf(d).multiply(BigInteger.TEN.pow(j));
            BigInteger partial = a.multiply(multiplier);
            if (y.length() > 1) {
                lines.add(a + "*" + multiplier + "=" + partial);
            }
            if (total == null) {
                total = partial;
            } else {
                BigInteger sum = add(total, partial, lines);
                lines.add(total + "+" + partial + "=" + sum);
                total = sum;
            }
        }
        return total;
    }

    /** The i-th digit from the right, 0 past the left end. */
    private static int digit(String number, int i) {
        int index = number.length() - 1 - i;
        return index >= 0 ? number.charAt(index) - '0' : 0;
    }

    /**
     * The preference demo's hidden rule: the response is correct and checks its sum by the inverse operation, a line
     * exactly {@code problem}'s check ({@code 432-385=47}). Needs option {@code check_percent}.
     */
    public boolean meetsCheckRule(String response, Example problem) {
        Object check = problem.extra().get(CHECK);
        if (!(check instanceof String line)) {
            throw new IllegalArgumentException("task " + NAME + ": the problem has no check line (option"
                    + " check_percent is 0)");
        }
        return verify(response, problem.groundTruth()) == 1.0 && response.lines().anyMatch(line::equals);
    }

    /** A correct worked solution of {@code problem} with its check line before the answer, or without it. */
    public static String solution(Problem problem, boolean checked) {
        String line = (String) problem.extra().get(CHECK);
        String without = problem.solution().replace(line + "\n", "");
        int answerAt = without.lastIndexOf(Answers.BOXED);
        return checked ? without.substring(0, answerAt) + line + "\n" + without.substring(answerAt) : without;
    }
}
