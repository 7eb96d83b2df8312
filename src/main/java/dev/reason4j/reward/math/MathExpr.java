package dev.reason4j.reward.math;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A parsed answer: scalar expressions (exact numbers, symbols, + - * / ^, functions) and the structures answers come
 * in (tuples, sets, intervals, matrices, equations and inequalities, several answers, plain text). Records compare
 * structurally, which is the first (and cheapest) equivalence test.
 */
sealed interface MathExpr {

    /** A number literal: exact value; {@code decimal} when written with a decimal point (then tolerance applies). */
    record Num(Rational value, boolean decimal) implements MathExpr {}

    /** A variable such as {@code x}, {@code a_1} or {@code \theta}. */
    record Sym(String name) implements MathExpr {}

    /** A named constant: {@code pi}, {@code e} or {@code inf}. */
    record Const(String name) implements MathExpr {}

    record Add(List<MathExpr> terms) implements MathExpr {}

    record Mul(List<MathExpr> factors) implements MathExpr {}

    record Neg(MathExpr operand) implements MathExpr {}

    record Div(MathExpr numerator, MathExpr denominator) implements MathExpr {}

    record Pow(MathExpr base, MathExpr exponent) implements MathExpr {}

    /** {@code sqrt}, {@code root} (index, radicand), {@code sin}, {@code log} (base, value), {@code abs}, ... */
    record Func(String name, List<MathExpr> args) implements MathExpr {}

    /** {@code left ± right}: stands for two answers. */
    record PlusMinus(MathExpr left, MathExpr right) implements MathExpr {}

    /** A value written with {@code %}. */
    record Percent(MathExpr value) implements MathExpr {}

    /** {@code a = b}, {@code -1 < x < 10}: operands joined by operators ({@code = < > <= >= !=}). */
    record Relation(List<MathExpr> operands, List<String> operators) implements MathExpr {}

    /** An ordered tuple or point {@code (a, b, ...)}. */
    record Tuple(List<MathExpr> items) implements MathExpr {}

    /**
     * A set {@code \{a, b\}}: order-free. {@code bareBraces} when written {@code {a, b}}, a TeX group that people use
     * for sets and for sequences alike: it then also matches the tuple {@code (a, b)} in the same order.
     */
    record SetOf(List<MathExpr> items, boolean bareBraces) implements MathExpr {}

    record Interval(MathExpr low, MathExpr high, boolean lowClosed, boolean highClosed) implements MathExpr {}

    /** Intervals (or sets) joined by {@code \cup}. */
    record Union(List<MathExpr> parts) implements MathExpr {}

    record Matrix(List<List<MathExpr>> rows) implements MathExpr {}

    /** Several answers written as a bare list ({@code 6 and 8}, {@code x = 1, x = 2}): order-free. */
    record Answers(List<MathExpr> items) implements MathExpr {}

    /** A text answer, lower-cased with spacing collapsed. */
    record Text(String words) implements MathExpr {}

    /** A readable, unambiguous rendering (what {@code gold_parsed} / {@code pred_parsed} show). */
    static String render(MathExpr expr) {
        return switch (expr) {
            case Num n -> n.value().toString();
            case Sym s -> s.name();
            case Const c -> c.name();
            case Add a -> {
                StringBuilder text = new StringBuilder(render(a.terms().getFirst()));
                for (MathExpr term : a.terms().subList(1, a.terms().size())) {
                    text.append(term instanceof Neg(MathExpr inner)
                            ? " - " + grouped(inner, false) : " + " + render(term));
                }
                yield text.toString();
            }
            case Mul m -> m.factors().stream().map(f -> grouped(f, false)).collect(Collectors.joining("*"));
            case Neg n -> "-" + grouped(n.operand(), false);
            case Div d -> grouped(d.numerator(), false) + "/" + grouped(d.denominator(), true);
            case Pow p -> grouped(p.base(), true) + "^" + grouped(p.exponent(), true);
            case Func f -> f.name() + "(" + join(f.args()) + ")";
            case PlusMinus pm -> render(pm.left()) + " ± " + render(pm.right());
            case Percent p -> render(p.value()) + "%";
            case Relation r -> {
                StringBuilder text = new StringBuilder(render(r.operands().getFirst()));
                for (int i = 0; i < r.operators().size(); i++) {
                    text.append(' ').append(r.operators().get(i)).append(' ').append(render(r.operands().get(i + 1)));
                }
                yield text.toString();
            }
            case Tuple t -> "(" + join(t.items()) + ")";
            case SetOf s -> "{" + join(s.items()) + "}";
            case Interval i -> (i.lowClosed() ? "[" : "(") + render(i.low()) + ", " + render(i.high())
                    + (i.highClosed() ? "]" : ")");
            case Union u -> u.parts().stream().map(MathExpr::render).collect(Collectors.joining(" ∪ "));
            case Matrix m -> m.rows().stream().map(row -> "[" + join(row) + "]")
                    .collect(Collectors.joining(", ", "[", "]"));
            case Answers a -> join(a.items());
            case Text t -> "\"" + t.words() + "\"";
        };
    }

    /** Renders in parentheses unless atomic (or, when {@code strict} is false, a product or quotient). */
    private static String grouped(MathExpr expr, boolean strict) {
        boolean atomic = switch (expr) {
            case Num n -> n.value().isInteger() && n.value().signum() >= 0;
            case Sym s -> true;
            case Const c -> true;
            case Func f -> true;
            case Mul m -> !strict;
            case Div d -> !strict;
            case Pow p -> true;
            default -> false;
        };
        return atomic ? render(expr) : "(" + render(expr) + ")";
    }

    private static String join(List<MathExpr> items) {
        return items.stream().map(MathExpr::render).collect(Collectors.joining(", "));
    }
}
