package dev.reason4j.reward.math;

import dev.reason4j.reward.math.MathExpr.Add;
import dev.reason4j.reward.math.MathExpr.Answers;
import dev.reason4j.reward.math.MathExpr.Const;
import dev.reason4j.reward.math.MathExpr.Div;
import dev.reason4j.reward.math.MathExpr.Func;
import dev.reason4j.reward.math.MathExpr.Interval;
import dev.reason4j.reward.math.MathExpr.Matrix;
import dev.reason4j.reward.math.MathExpr.Mul;
import dev.reason4j.reward.math.MathExpr.Neg;
import dev.reason4j.reward.math.MathExpr.Num;
import dev.reason4j.reward.math.MathExpr.Percent;
import dev.reason4j.reward.math.MathExpr.Pow;
import dev.reason4j.reward.math.MathExpr.Relation;
import dev.reason4j.reward.math.MathExpr.SetOf;
import dev.reason4j.reward.math.MathExpr.Sym;
import dev.reason4j.reward.math.MathExpr.Text;
import dev.reason4j.reward.math.MathExpr.Tuple;
import dev.reason4j.reward.math.MathExpr.Union;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Decides whether two parsed answers are the same. Structures are matched by shape (sets and several answers
 * order-free, tuples and matrices in order, intervals with their ends); scalars exactly when both are rational and
 * written without decimals, else numerically with a relative tolerance; expressions with variables by evaluation
 * at random points, and by the CAS ({@code Simplify(a-b) == 0}) only where evaluation cannot decide.
 */
final class Equivalence {
    /** Random points at which expressions with variables are compared, and how many must be defined. */
    private static final int POINTS = 8;
    private static final int MIN_DEFINED_POINTS = 3;
    /** Above this power of a variable, sampled values under- or overflow: the CAS decides instead. */
    private static final double MAX_SAMPLED_POWER = 60;
    /** Longest list compared order-free (the comparison is quadratic). */
    private static final int MAX_LIST = 64;
    /** Fixed, so a verdict never changes between runs. */
    private static final long SEED = 0x5eed;
    /** Relative agreement required of values that are exact in principle: double rounding only. */
    private static final double EXACT_TOLERANCE = 1e-10;

    private final double relativeTolerance;
    private final int decimalPlaces;
    private final Duration casTimeout;
    private boolean timedOut;
    private long casDeadline;
    private String reason = "";
    /** The pair in {@link #structured} is (prediction, gold) rather than (gold, prediction). */
    private boolean swapped;

    /**
     * @param decimalPlaces when not negative, decimals compare as Math-Verify's {@code float_rounding} does: equal once
     *                      both sides are rounded to this many places (instead of the relative tolerance)
     */
    Equivalence(double relativeTolerance, int decimalPlaces, Duration casTimeout) {
        this.relativeTolerance = relativeTolerance;
        this.decimalPlaces = decimalPlaces;
        this.casTimeout = casTimeout;
    }

    boolean timedOut() {
        return timedOut;
    }

    /** Why the last decision went the way it did, in a few words. */
    String reason() {
        return reason;
    }

    boolean equivalent(MathExpr gold, MathExpr pred) {
        if (gold.equals(pred)) {
            reason = "identical";
            return true;
        }
        // "x = 2" against "2" (either way round): the value of an equation whose left side names the answer
        MathExpr goldValue = assignedValue(gold, pred);
        MathExpr predValue = assignedValue(pred, gold);
        if (goldValue == FALSE_EQUATION || predValue == FALSE_EQUATION) {
            return decide(false, "", "a false equation: its two sides differ");
        }
        if (goldValue != gold || predValue != pred) {
            boolean same = equivalent(goldValue, predValue);
            reason = (same ? "" : "not ") + "the value of the equation: " + reason;
            return same;
        }
        // a set in the gold answer is not matched by an inequality (Math-Verify's default); the other way it is
        if ((isSetLike(gold) || gold instanceof Tuple(List<MathExpr> items) && items.size() == 2)
                && isInequality(pred)) {
            reason = "the gold answer is a set; an inequality does not answer it";
            return false;
        }
        // order the pair so the more structured side comes first, remembering which one is the gold answer
        boolean outer = swapped;
        swapped = rank(pred) > rank(gold);
        boolean result = swapped ? structured(pred, gold) : structured(gold, pred);
        swapped = outer;
        return result;
    }

    /** {@link #equivalent} of two parts of the pair {@link #structured} compares, gold part first. */
    private boolean parts(MathExpr first, MathExpr second) {
        return swapped ? equivalent(second, first) : equivalent(first, second);
    }

    /**
     * The right side of {@code expr} when it is an equation {@code name = value} and {@code other} is no relation,
     * else {@code expr} itself. A closed-form left side must be right ({@code 2 + 3 = 5} is 5, {@code 10 = 5}
     * nothing); any other left side ({@code b - 2y = 1}, {@code x^2 = 4}) keeps the equation whole.
     */
    private MathExpr assignedValue(MathExpr expr, MathExpr other) {
        if (!(expr instanceof Relation(List<MathExpr> operands, List<String> operators))
                || !operators.equals(List.of("=")) || other instanceof Relation) {
            return expr;
        }
        MathExpr left = operands.get(0);
        if (LatexParser.isName(left)) {
            return operands.get(1);
        }
        boolean closedForm = Evaluator.variables(left).isEmpty() && Evaluator.exact(left) != null;
        if (closedForm && Evaluator.variables(operands.get(1)).isEmpty()) {
            String saved = reason;
            boolean consistent = scalarEquivalent(left, operands.get(1));
            reason = saved;
            return consistent ? operands.get(1) : FALSE_EQUATION;
        }
        return expr;
    }

    private static boolean isSetLike(MathExpr expr) {
        return expr instanceof Interval || expr instanceof Union;
    }

    private static boolean isInequality(MathExpr expr) {
        return expr instanceof Relation(List<MathExpr> operands, List<String> operators)
                && operators.stream().noneMatch(op -> op.equals("=") || op.equals("!="));
    }

    private boolean structured(MathExpr gold, MathExpr pred) {
        return switch (gold) {
            case Text t -> decide(pred instanceof Text other && t.words().equals(other.words()),
                    "same text", "different text");
            case Answers a -> unorderedMatch(a.items(), itemsOf(pred, true), "answers");
            case SetOf s when pred instanceof Tuple(List<MathExpr> items) && s.bareBraces() ->
                    orderedMatch(s.items(), items, "{...} read in order as the tuple");
            case SetOf s -> pred instanceof SetOf || pred instanceof Answers
                    ? unorderedMatch(s.items(), itemsOf(pred, true), "set") : decide(false, "", "a set against " + kind(pred));
            case Union u -> pred instanceof Union other ? unorderedMatch(u.parts(), other.parts(), "union")
                    : solvedMatches(u, pred);
            case Matrix m -> pred instanceof Matrix other ? matricesEquivalent(m, other)
                    : isVector(m) && (pred instanceof Tuple || pred instanceof Answers)
                    ? orderedMatch(m.rows().stream().flatMap(List::stream).toList(), itemsOf(pred, false), "vector")
                    : decide(false, "", "a matrix against " + kind(pred));
            case Interval i -> intervalEquivalent(i, pred);
            case Tuple t when pred instanceof Relation && t.items().size() == 2 ->
                    intervalEquivalent(new Interval(t.items().get(0), t.items().get(1), false, false), pred);
            case Tuple t -> (pred instanceof Tuple || pred instanceof Answers)
                    ? orderedMatch(t.items(), itemsOf(pred, false), "tuple") : decide(false, "", "a tuple against " + kind(pred));
            case Relation r -> relationEquivalent(r, pred);
            default -> scalarEquivalent(gold, pred);
        };
    }

    private boolean decide(boolean result, String yes, String no) {
        reason = result ? yes : no;
        return result;
    }

    private static String kind(MathExpr expr) {
        return switch (expr) {
            case Text t -> "text";
            case Answers a -> "several answers";
            case SetOf s -> "a set";
            case Union u -> "a union";
            case Matrix m -> "a matrix";
            case Interval i -> "an interval";
            case Tuple t -> "a tuple";
            case Relation r -> "a relation";
            default -> "a value";
        };
    }

    /** Structure rank: higher ranks decide how a pair is compared. */
    private static int rank(MathExpr expr) {
        return switch (expr) {
            case Text t -> 9;
            case Answers a -> 8;
            case SetOf s -> 7;
            case Union u -> 6;
            case Matrix m -> 5;
            case Interval i -> 4;
            case Tuple t -> 3;
            case Relation r -> 2;
            default -> 0;
        };
    }

    private static List<MathExpr> itemsOf(MathExpr expr, boolean anyList) {
        return switch (expr) {
            case Answers a -> a.items();
            case Tuple t -> t.items();
            case SetOf s when anyList -> s.items();
            case Union u when anyList -> u.parts();
            default -> List.of(expr);
        };
    }

    /** Same elements, order and repetition aside ({1, 2, 2} is {2, 1}), as sets are. */
    private boolean unorderedMatch(List<MathExpr> expected, List<MathExpr> actual, String what) {
        if (expected.size() > MAX_LIST || actual.size() > MAX_LIST) {
            return decide(false, "", what + " too long to compare");
        }
        // gold items first, so the reason names what the prediction lacks
        MathExpr missing = swapped ? uncovered(actual, expected, false) : uncovered(expected, actual, true);
        if (missing != null) {
            return decide(false, "", what + ": the gold's " + MathExpr.render(missing) + " is not in the prediction");
        }
        missing = swapped ? uncovered(expected, actual, true) : uncovered(actual, expected, false);
        if (missing != null) {
            return decide(false, "", what + ": the prediction's " + MathExpr.render(missing) + " is not in the gold");
        }
        return decide(true, what + " match (" + expected.size() + " items, any order)", "");
    }

    /** The first item without an equivalent in {@code by}, or null. */
    private MathExpr uncovered(List<MathExpr> items, List<MathExpr> by, boolean itemsFirst) {
        for (MathExpr item : items) {
            boolean found = false;
            for (int j = 0; j < by.size() && !found; j++) {
                found = itemsFirst ? parts(item, by.get(j)) : parts(by.get(j), item);
            }
            if (!found) {
                return item;
            }
        }
        return null;
    }

    private boolean orderedMatch(List<MathExpr> expected, List<MathExpr> actual, String what) {
        if (expected.size() != actual.size()) {
            return decide(false, "", what + ": " + expected.size() + " items against " + actual.size());
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!parts(expected.get(i), actual.get(i))) {
                return decide(false, "", what + ": item " + (i + 1) + " differs (" + reason + ")");
            }
        }
        return decide(true, what + " match item by item", "");
    }

    private static boolean isVector(Matrix m) {
        return m.rows().size() == 1 || m.rows().stream().allMatch(row -> row.size() == 1);
    }

    private boolean matricesEquivalent(Matrix a, Matrix b) {
        if (a.rows().size() != b.rows().size() || a.rows().getFirst().size() != b.rows().getFirst().size()) {
            return decide(false, "", "matrices of different shapes");
        }
        for (int i = 0; i < a.rows().size(); i++) {
            if (!orderedMatch(a.rows().get(i), b.rows().get(i), "matrix row " + (i + 1))) {
                return false;
            }
        }
        return decide(true, "matrices match entry by entry", "");
    }

    private boolean intervalEquivalent(Interval interval, MathExpr pred) {
        Interval other = switch (pred) {
            case Interval i -> i;
            // (a, b) written as a pair is the open interval
            case Tuple(List<MathExpr> items) when items.size() == 2 ->
                    new Interval(items.get(0), items.get(1), false, false);
            case Relation r when solve(r) != null && solve(r).set() instanceof Interval i -> i;
            default -> null;
        };
        if (other == null) {
            return decide(false, "", "an interval against " + kind(pred));
        }
        if (interval.lowClosed() != other.lowClosed() || interval.highClosed() != other.highClosed()) {
            return decide(false, "", "interval ends differ in being open or closed");
        }
        boolean same = parts(interval.low(), other.low()) && parts(interval.high(), other.high());
        return decide(same, "intervals match", "interval ends differ");
    }

    // ---- relations ------------------------------------------------------------------------------------------------

    /** An inequality read as a set: {@code subject} lies in {@code set} (an interval or a union). */
    record Solved(MathExpr subject, MathExpr set) {}

    private static final MathExpr INFINITY = new Const("inf");
    /** What {@code 10 = 5} stands for: no value. */
    private static final MathExpr FALSE_EQUATION = new Text("a false equation");
    private static final MathExpr MINUS_INFINITY = new Neg(INFINITY);

    /**
     * {@code -1 < x <= 10} is x in (-1, 10]; {@code x > 2} and {@code -x < -2} are x in (2, inf); {@code 2 < g(x) < 5}
     * is g(x) in (2, 5); {@code 2 <= |w| <= 3} is w in [-3, -2] U [2, 3]. Null for other relations.
     */
    static Solved solve(Relation relation) {
        List<MathExpr> operands = relation.operands();
        List<String> operators = relation.operators();
        if (operators.stream().anyMatch(op -> op.equals("=") || op.equals("!="))) {
            return null;
        }
        if (operands.size() == 3 && sameDirection(operators.get(0), operators.get(1))
                && isConstant(operands.get(0)) && isConstant(operands.get(2))) {
            boolean ascending = operators.get(0).startsWith("<");
            MathExpr low = ascending ? operands.get(0) : operands.get(2);
            MathExpr high = ascending ? operands.get(2) : operands.get(0);
            boolean lowClosed = (ascending ? operators.get(0) : operators.get(1)).endsWith("=");
            boolean highClosed = (ascending ? operators.get(1) : operators.get(0)).endsWith("=");
            return solveFor(operands.get(1), new Interval(low, high, lowClosed, highClosed));
        }
        if (operands.size() != 2) {
            return null;
        }
        boolean constantRight = isConstant(operands.get(1));
        if (constantRight == isConstant(operands.get(0))) {
            return null;
        }
        MathExpr subject = constantRight ? operands.get(0) : operands.get(1);
        MathExpr bound = constantRight ? operands.get(1) : operands.get(0);
        String operator = operators.getFirst();
        // "x < c" and "c > x" both bound x from above
        boolean upperBound = constantRight == operator.startsWith("<");
        boolean closed = operator.endsWith("=");
        return solveFor(subject, upperBound ? new Interval(MINUS_INFINITY, bound, false, closed)
                : new Interval(bound, INFINITY, closed, false));
    }

    private static boolean isConstant(MathExpr expr) {
        return Evaluator.variables(expr).isEmpty();
    }

    private static boolean sameDirection(String a, String b) {
        return (a.startsWith("<") && b.startsWith("<")) || (a.startsWith(">") && b.startsWith(">"));
    }

    /** {@code subject} in {@code range}, solved for a variable where the subject is linear in it or |variable|. */
    private static Solved solveFor(MathExpr subject, Interval range) {
        if (subject instanceof Sym) {
            return new Solved(subject, range);
        }
        Set<String> variables = Evaluator.variables(subject);
        if (variables.size() == 1) {
            String name = variables.iterator().next();
            Rational[] line = linear(subject, name);
            if (line != null && line[0].signum() != 0) {
                return new Solved(new Sym(name), throughLine(range, line[0], line[1]));
            }
            if (subject instanceof Func(String function, List<MathExpr> args) && function.equals("abs")
                    && args.getFirst() instanceof Sym) {
                MathExpr set = absoluteValueIn(range);
                return set == null ? null : new Solved(args.getFirst(), set);
            }
        }
        return LatexParser.isName(subject) ? new Solved(subject, range) : null;
    }

    /** {a, b} when {@code expr} is a*name + b with rational a and b, else null. */
    private static Rational[] linear(MathExpr expr, String name) {
        Rational at0 = Evaluator.exact(substitute(expr, name, Rational.ZERO));
        Rational at1 = Evaluator.exact(substitute(expr, name, Rational.ONE));
        Rational at5 = Evaluator.exact(substitute(expr, name, Rational.of(5)));
        Rational atMinus3 = Evaluator.exact(substitute(expr, name, Rational.of(-3)));
        if (at0 == null || at1 == null || at5 == null || atMinus3 == null) {
            return null;
        }
        Rational slope = at1.add(at0.negate());
        boolean straight = at5.equals(slope.multiply(Rational.of(5)).add(at0))
                && atMinus3.equals(slope.multiply(Rational.of(-3)).add(at0));
        return straight ? new Rational[] {slope, at0} : null;
    }

    private static MathExpr substitute(MathExpr expr, String name, Rational value) {
        return switch (expr) {
            case Sym s when s.name().equals(name) -> new Num(value, false);
            case Neg n -> new Neg(substitute(n.operand(), name, value));
            case Add a -> new Add(a.terms().stream().map(t -> substitute(t, name, value)).toList());
            case Mul m -> new Mul(m.factors().stream().map(f -> substitute(f, name, value)).toList());
            case Div d -> new Div(substitute(d.numerator(), name, value), substitute(d.denominator(), name, value));
            case Pow p -> new Pow(substitute(p.base(), name, value), substitute(p.exponent(), name, value));
            case Func f -> new Func(f.name(), f.args().stream().map(arg -> substitute(arg, name, value)).toList());
            default -> expr;
        };
    }

    /** The interval that a*v + b in {@code range} puts v in. */
    private static Interval throughLine(Interval range, Rational slope, Rational offset) {
        MathExpr low = inverse(range.low(), slope, offset);
        MathExpr high = inverse(range.high(), slope, offset);
        return slope.signum() > 0 ? new Interval(low, high, range.lowClosed(), range.highClosed())
                : new Interval(high, low, range.highClosed(), range.lowClosed());
    }

    private static MathExpr inverse(MathExpr bound, Rational slope, Rational offset) {
        if (isInfinity(bound)) {
            return negative(bound) == (slope.signum() > 0) ? MINUS_INFINITY : INFINITY;
        }
        return new Div(new Add(List.of(bound, new Num(offset.negate(), false))), new Num(slope, false));
    }

    /** The values v with |v| in {@code range}: [-hi, -lo] U [lo, hi], or [-hi, hi] when lo <= 0. */
    private static MathExpr absoluteValueIn(Interval range) {
        Rational low = isInfinity(range.low()) ? null : Evaluator.exact(range.low());
        if (low == null && !isInfinity(range.low())) {
            return null;
        }
        MathExpr high = range.high();
        MathExpr minusHigh = isInfinity(high) ? MINUS_INFINITY : new Neg(high);
        if (low == null || low.signum() < 0 || (low.signum() == 0 && range.lowClosed())) {
            return new Interval(minusHigh, high, range.highClosed(), range.highClosed());
        }
        return new Union(List.of(new Interval(minusHigh, new Neg(range.low()), range.highClosed(), range.lowClosed()),
                new Interval(range.low(), high, range.lowClosed(), range.highClosed())));
    }

    /** A union in the gold answer against an inequality ({@code |w| >= 2}) or another form of the set. */
    private boolean solvedMatches(Union union, MathExpr pred) {
        if (pred instanceof Relation r && solve(r) instanceof Solved solved) {
            return equivalent(union, solved.set());
        }
        return decide(false, "", "a union against " + kind(pred));
    }

    private boolean relationEquivalent(Relation gold, MathExpr pred) {
        Solved goldSet = solve(gold);
        if (!(pred instanceof Relation other)) {
            if (goldSet != null && (pred instanceof Interval || pred instanceof Union || pred instanceof Tuple)) {
                boolean same = equivalent(goldSet.set(), pred);
                reason = (same ? "the inequality's set matches: " : "the inequality's set differs: ") + reason;
                return same;
            }
            return decide(false, "", "an equation or inequality against " + kind(pred));
        }
        if (gold.operators().equals(List.of("=")) && other.operators().equals(List.of("="))) {
            MathExpr l1 = gold.operands().get(0);
            MathExpr r1 = gold.operands().get(1);
            MathExpr l2 = other.operands().get(0);
            MathExpr r2 = other.operands().get(1);
            if ((equivalent(l1, l2) && equivalent(r1, r2)) || (equivalent(l1, r2) && equivalent(r1, l2))) {
                return decide(true, "both sides match", "");
            }
            // x + y = 3 and 2x + 2y = 6: the differences are proportional
            return decide(proportional(new Add(List.of(l1, new Neg(r1))), new Add(List.of(l2, new Neg(r2)))),
                    "equations are multiples of each other", "different equations");
        }
        Solved predSet = solve(other);
        if (goldSet != null && predSet != null) {
            if (!equivalent(goldSet.subject(), predSet.subject())) {
                return decide(false, "", "inequalities about different quantities");
            }
            boolean same = equivalent(goldSet.set(), predSet.set());
            reason = (same ? "inequalities give the same set: " : "inequalities give different sets: ") + reason;
            return same;
        }
        return gold.operators().equals(other.operators())
                ? orderedMatch(gold.operands(), other.operands(), "relation")
                : decide(false, "", "different relations");
    }

    // ---- scalars ------------------------------------------------------------------------------------------------

    private boolean scalarEquivalent(MathExpr a, MathExpr b) {
        if (a instanceof Percent(MathExpr value) && b instanceof Percent(MathExpr other)) {
            return scalarEquivalent(value, other);
        }
        if (a instanceof Percent(MathExpr value)) {
            // a gold 50% matches 50 and 0.5; a predicted 50% only 0.5 (as Math-Verify)
            return scalarEquivalent(value, b) || scalarEquivalent(new Div(value, new Num(Rational.of(100), false)), b);
        }
        if (b instanceof Percent(MathExpr value)) {
            return scalarEquivalent(a, new Div(value, new Num(Rational.of(100), false)));
        }
        if (isInfinity(a) || isInfinity(b)) {
            return decide(a.equals(b) || (isInfinity(a) && isInfinity(b) && negative(a) == negative(b)),
                    "same infinity", "infinity against " + (isInfinity(a) && isInfinity(b) ? "its opposite" : "a value"));
        }
        if (dividesByZero(a) || dividesByZero(b)) {
            // 12:00 against 1:00: undefined values are the same only when written the same
            return decide(false, "", "undefined (division by zero) and written differently");
        }
        if (a instanceof Func(String name, List<MathExpr> args) && b instanceof Func(String other, List<MathExpr> more)
                && name.equals(other) && args.size() == more.size() && (name.equals("sum") || name.equals("prod"))) {
            return orderedMatch(args, more, name + " bounds and body");
        }
        Set<String> variables = new TreeSet<>(Evaluator.variables(a));
        variables.addAll(Evaluator.variables(b));
        boolean exactValues = !Evaluator.hasDecimal(a) && !Evaluator.hasDecimal(b);
        // the tolerance is for decimals; exact forms (sqrt(12) vs 2 sqrt(3)) must agree to double precision
        double tolerance = exactValues ? EXACT_TOLERANCE : relativeTolerance;
        if (variables.isEmpty()) {
            Rational exactA = Evaluator.exact(a);
            Rational exactB = Evaluator.exact(b);
            if (exactA != null && exactB != null && exactValues) {
                return decide(exactA.equals(exactB), "equal numbers", "different numbers");
            }
            double x = Evaluator.approx(a, Map.of());
            double y = Evaluator.approx(b, Map.of());
            if (Double.isFinite(x) && Double.isFinite(y)) {
                if (!exactValues && decimalPlaces >= 0) {
                    return decide(rounded(x).equals(rounded(y)), "equal to " + decimalPlaces + " decimal places",
                            "different to " + decimalPlaces + " decimal places");
                }
                return decide(close(x, y, tolerance),
                        exactValues ? "equal values (exact forms agree)" : "equal within the tolerance",
                        exactValues ? "different values" : "different beyond the tolerance");
            }
            return casSaysEqual(a, b);
        }
        if (Evaluator.hasSteepPower(a, MAX_SAMPLED_POWER) || Evaluator.hasSteepPower(b, MAX_SAMPLED_POWER)) {
            return casSaysEqual(a, b);
        }
        return switch (compareAtRandomPoints(a, b, variables, tolerance)) {
            case EQUAL -> decide(true, "equal at " + POINTS + " random points", "");
            case DIFFERENT -> decide(false, "", "differ at a random point");
            case UNDECIDED -> casSaysEqual(a, b);
        };
    }

    private BigDecimal rounded(double value) {
        return BigDecimal.valueOf(value).setScale(decimalPlaces, RoundingMode.HALF_EVEN);
    }

    private static boolean dividesByZero(MathExpr expr) {
        return switch (expr) {
            case Div d -> d.denominator() instanceof Num(Rational value, boolean decimal) && value.signum() == 0
                    || dividesByZero(d.numerator()) || dividesByZero(d.denominator());
            case Neg n -> dividesByZero(n.operand());
            case Add a -> a.terms().stream().anyMatch(Equivalence::dividesByZero);
            case Mul m -> m.factors().stream().anyMatch(Equivalence::dividesByZero);
            default -> false;
        };
    }

    private static boolean isInfinity(MathExpr expr) {
        return expr instanceof Const(String name) && name.equals("inf")
                || expr instanceof Neg(MathExpr inner) && isInfinity(inner);
    }

    private static boolean negative(MathExpr expr) {
        return expr instanceof Neg(MathExpr inner) && !negative(inner);
    }

    private static boolean close(double x, double y, double tolerance) {
        return x == y || Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
    }

    private enum PointComparison { EQUAL, DIFFERENT, UNDECIDED }

    /**
     * Evaluates both sides at fixed pseudo-random points of both signs. Two different expressions agreeing at every
     * one of several random points is vanishingly unlikely (Schwartz-Zippel for polynomials).
     */
    private PointComparison compareAtRandomPoints(MathExpr a, MathExpr b, Set<String> variables, double tolerance) {
        SplittableRandom random = new SplittableRandom(SEED);
        int defined = 0;
        for (int point = 0; point < POINTS; point++) {
            Map<String, Double> values = randomPoint(random, variables);
            double x = Evaluator.approx(a, values);
            double y = Evaluator.approx(b, values);
            if (Double.isFinite(x) && Double.isFinite(y)) {
                if (!close(x, y, tolerance) && Math.abs(x - y) > 1e-12) {
                    return PointComparison.DIFFERENT;
                }
                defined++;
            }
        }
        return defined >= MIN_DEFINED_POINTS ? PointComparison.EQUAL : PointComparison.UNDECIDED;
    }

    /** Values in [0.3, 3] of random sign: away from 0 and 1, where different expressions often coincide. */
    private static Map<String, Double> randomPoint(SplittableRandom random, Set<String> variables) {
        Map<String, Double> values = new HashMap<>();
        for (String name : variables) {
            double magnitude = 0.3 + 2.7 * random.nextDouble();
            values.put(name, random.nextBoolean() ? magnitude : -magnitude);
        }
        return values;
    }

    /** {@code a = c * b} for a constant c != 0 at random points (equivalent equations written differently). */
    private boolean proportional(MathExpr a, MathExpr b) {
        Set<String> variables = new TreeSet<>(Evaluator.variables(a));
        variables.addAll(Evaluator.variables(b));
        if (variables.isEmpty()) {
            return false;
        }
        SplittableRandom random = new SplittableRandom(SEED);
        Double ratio = null;
        int defined = 0;
        for (int point = 0; point < POINTS; point++) {
            Map<String, Double> values = randomPoint(random, variables);
            double x = Evaluator.approx(a, values);
            double y = Evaluator.approx(b, values);
            if (!Double.isFinite(x) || !Double.isFinite(y) || Math.abs(y) < 1e-9) {
                continue;
            }
            double r = x / y;
            if (ratio == null) {
                ratio = r;
            } else if (!close(ratio, r, EXACT_TOLERANCE)) {
                return false;
            }
            defined++;
        }
        return defined >= MIN_DEFINED_POINTS && ratio != null && Math.abs(ratio) > 1e-12;
    }

    private boolean casSaysEqual(MathExpr a, MathExpr b) {
        String difference = SymjaForm.difference(a, b, new HashMap<>());
        if (difference == null) {
            return decide(false, "", "not comparable (too large or unknown to the CAS)");
        }
        CasChecker cas = CasChecker.shared();
        if (cas == null) {
            return decide(false, "", "the CAS is not available");
        }
        // one budget for the whole check, however many items need the CAS (the clock starts once Symja is up)
        long now = System.nanoTime();
        if (casDeadline == 0) {
            casDeadline = now + casTimeout.toNanos();
        }
        if (now >= casDeadline) {
            timedOut = true;
            return decide(false, "", "CAS time limit reached");
        }
        CasChecker.Outcome outcome = cas.isZero(difference, Duration.ofNanos(casDeadline - now));
        if (outcome == CasChecker.Outcome.TIMEOUT) {
            timedOut = true;
            return decide(false, "", "CAS time limit reached");
        }
        return decide(outcome == CasChecker.Outcome.ZERO, "CAS: the difference simplifies to 0",
                "CAS: the difference does not simplify to 0");
    }
}
