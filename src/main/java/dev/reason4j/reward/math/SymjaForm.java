package dev.reason4j.reward.math;

import dev.reason4j.reward.math.MathExpr.Add;
import dev.reason4j.reward.math.MathExpr.Const;
import dev.reason4j.reward.math.MathExpr.Div;
import dev.reason4j.reward.math.MathExpr.Func;
import dev.reason4j.reward.math.MathExpr.Mul;
import dev.reason4j.reward.math.MathExpr.Neg;
import dev.reason4j.reward.math.MathExpr.Num;
import dev.reason4j.reward.math.MathExpr.Pow;
import dev.reason4j.reward.math.MathExpr.Sym;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a scalar {@link MathExpr} in Symja's input syntax, or refuses (null) what the CAS should not be given:
 * structures, and sizes that could run for minutes or exhaust memory before any time limit is checked (Symja
 * computes {@code 10^(10^10)} in one uninterruptible BigInteger call).
 */
final class SymjaForm {
    private SymjaForm() {}

    /** Largest exponent magnitude handed to the CAS, and largest expression (nodes). */
    static final double MAX_EXPONENT = 1_000;
    static final int MAX_NODES = 300;

    private static final Map<String, String> FUNCTIONS = Map.ofEntries(
            Map.entry("sqrt", "Sqrt"), Map.entry("sin", "Sin"), Map.entry("cos", "Cos"), Map.entry("tan", "Tan"),
            Map.entry("sec", "Sec"), Map.entry("csc", "Csc"), Map.entry("cot", "Cot"), Map.entry("arcsin", "ArcSin"),
            Map.entry("arccos", "ArcCos"), Map.entry("arctan", "ArcTan"), Map.entry("sinh", "Sinh"),
            Map.entry("cosh", "Cosh"), Map.entry("tanh", "Tanh"), Map.entry("log", "Log"), Map.entry("exp", "Exp"),
            Map.entry("abs", "Abs"), Map.entry("floor", "Floor"), Map.entry("ceil", "Ceiling"),
            Map.entry("factorial", "Factorial"), Map.entry("binom", "Binomial"), Map.entry("gcd", "GCD"),
            Map.entry("lcm", "LCM"));

    /** Symja input for {@code left - right}, or null when either side is refused. */
    static String difference(MathExpr left, MathExpr right, Map<String, String> variableNames) {
        if (nodes(left) + nodes(right) > MAX_NODES) {
            return null;
        }
        String a = write(left, variableNames);
        String b = write(right, variableNames);
        return a == null || b == null ? null : "(" + a + ")-(" + b + ")";
    }

    private static int nodes(MathExpr expr) {
        return switch (expr) {
            case Neg n -> 1 + nodes(n.operand());
            case Add a -> 1 + a.terms().stream().mapToInt(SymjaForm::nodes).sum();
            case Mul m -> 1 + m.factors().stream().mapToInt(SymjaForm::nodes).sum();
            case Div d -> 1 + nodes(d.numerator()) + nodes(d.denominator());
            case Pow p -> 1 + nodes(p.base()) + nodes(p.exponent());
            case Func f -> 1 + f.args().stream().mapToInt(SymjaForm::nodes).sum();
            default -> 1;
        };
    }

    private static String write(MathExpr expr, Map<String, String> variableNames) {
        return switch (expr) {
            case Num n -> "(" + n.value() + ")";
            // variables get neutral names: Symja reads e.g. "i" or "C" as built-ins
            case Sym s -> variableNames.computeIfAbsent(s.name(), name -> "v" + (variableNames.size() + 1));
            case Const c -> switch (c.name()) {
                case "pi" -> "Pi";
                case "e" -> "E";
                default -> null;
            };
            case Neg n -> wrap("-", write(n.operand(), variableNames));
            case Add a -> joined(a.terms().stream().map(t -> write(t, variableNames)), "+");
            case Mul m -> joined(m.factors().stream().map(f -> write(f, variableNames)), "*");
            case Div d -> {
                String numerator = write(d.numerator(), variableNames);
                String denominator = write(d.denominator(), variableNames);
                yield numerator == null || denominator == null ? null : "(" + numerator + ")/(" + denominator + ")";
            }
            case Pow p -> {
                double exponent = Evaluator.approx(p.exponent(), Map.of());
                // a symbolic exponent is fine; a numeric one must be small, or the CAS may never return
                if (Evaluator.variables(p.exponent()).isEmpty() && !(Math.abs(exponent) <= MAX_EXPONENT)) {
                    yield null;
                }
                String base = write(p.base(), variableNames);
                String power = write(p.exponent(), variableNames);
                yield base == null || power == null ? null : "(" + base + ")^(" + power + ")";
            }
            case Func f -> writeFunction(f, variableNames);
            default -> null;
        };
    }

    private static String writeFunction(Func f, Map<String, String> variableNames) {
        String first = write(f.args().getFirst(), variableNames);
        String second = f.args().size() > 1 ? write(f.args().get(1), variableNames) : "";
        if (first == null || second == null) {
            return null;
        }
        if (f.name().equals("factorial") && Evaluator.variables(f.args().getFirst()).isEmpty()
                && !(Evaluator.approx(f.args().getFirst(), Map.of()) <= MAX_EXPONENT)) {
            return null;
        }
        return switch (f.name()) {
            case "root" -> "(" + second + ")^(1/(" + first + "))";
            case "log10" -> "Log(10," + first + ")";
            case "logb" -> "Log(" + first + "," + second + ")";
            default -> {
                String name = FUNCTIONS.get(f.name());
                yield name == null ? null : name + "(" + first + (second.isEmpty() ? "" : "," + second) + ")";
            }
        };
    }

    private static String wrap(String prefix, String inner) {
        return inner == null ? null : prefix + "(" + inner + ")";
    }

    private static String joined(java.util.stream.Stream<String> parts, String operator) {
        var list = parts.toList();
        return list.contains(null) ? null : list.stream().map(p -> "(" + p + ")").collect(Collectors.joining(operator));
    }
}
