package dev.reason4j.reward.math;

import dev.reason4j.reward.math.MathExpr.Add;
import dev.reason4j.reward.math.MathExpr.Answers;
import dev.reason4j.reward.math.MathExpr.Const;
import dev.reason4j.reward.math.MathExpr.Div;
import dev.reason4j.reward.math.MathExpr.Interval;
import dev.reason4j.reward.math.MathExpr.Matrix;
import dev.reason4j.reward.math.MathExpr.Neg;
import dev.reason4j.reward.math.MathExpr.Num;
import dev.reason4j.reward.math.MathExpr.Percent;
import dev.reason4j.reward.math.MathExpr.Relation;
import dev.reason4j.reward.math.MathExpr.SetOf;
import dev.reason4j.reward.math.MathExpr.Sym;
import dev.reason4j.reward.math.MathExpr.Text;
import dev.reason4j.reward.math.MathExpr.Tuple;
import dev.reason4j.reward.math.MathExpr.Union;
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
    private final Duration casTimeout;
    private boolean timedOut;
    private long casDeadline;

    Equivalence(double relativeTolerance, Duration casTimeout) {
        this.relativeTolerance = relativeTolerance;
        this.casTimeout = casTimeout;
    }

    boolean timedOut() {
        return timedOut;
    }

    boolean equivalent(MathExpr gold, MathExpr pred) {
        if (gold.equals(pred)) {
            return true;
        }
        // order the pair so the more structured side comes first; the rules are symmetric
        return rank(pred) > rank(gold) ? structured(pred, gold) : structured(gold, pred);
    }

    private boolean structured(MathExpr gold, MathExpr pred) {
        return switch (gold) {
            case Text t -> pred instanceof Text other && t.words().equals(other.words());
            case Answers a -> unorderedMatch(a.items(), itemsOf(pred, true));
            case SetOf s -> pred instanceof SetOf || pred instanceof Answers
                    ? unorderedMatch(s.items(), itemsOf(pred, true)) : false;
            case Union u -> pred instanceof Union other && unorderedMatch(u.parts(), other.parts());
            case Matrix m -> pred instanceof Matrix other ? matricesEquivalent(m, other)
                    : isVector(m) && (pred instanceof Tuple || pred instanceof Answers)
                    && orderedMatch(m.rows().stream().flatMap(List::stream).toList(), itemsOf(pred, false));
            case Interval i -> intervalEquivalent(i, pred);
            case Tuple t when pred instanceof Relation && t.items().size() == 2 ->
                    intervalEquivalent(new Interval(t.items().get(0), t.items().get(1), false, false), pred);
            case Tuple t -> (pred instanceof Tuple || pred instanceof Answers)
                    && orderedMatch(t.items(), itemsOf(pred, false));
            case Relation r -> relationEquivalent(r, pred);
            default -> scalarEquivalent(gold, pred);
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
    private boolean unorderedMatch(List<MathExpr> expected, List<MathExpr> actual) {
        if (expected.size() > MAX_LIST || actual.size() > MAX_LIST) {
            return false;
        }
        return covers(expected, actual) && covers(actual, expected);
    }

    private boolean covers(List<MathExpr> items, List<MathExpr> by) {
        for (MathExpr item : items) {
            boolean found = false;
            for (int j = 0; j < by.size() && !found; j++) {
                found = equivalent(item, by.get(j));
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    private boolean orderedMatch(List<MathExpr> expected, List<MathExpr> actual) {
        if (expected.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!equivalent(expected.get(i), actual.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isVector(Matrix m) {
        return m.rows().size() == 1 || m.rows().stream().allMatch(row -> row.size() == 1);
    }

    private boolean matricesEquivalent(Matrix a, Matrix b) {
        if (a.rows().size() != b.rows().size()) {
            return false;
        }
        for (int i = 0; i < a.rows().size(); i++) {
            if (!orderedMatch(a.rows().get(i), b.rows().get(i))) {
                return false;
            }
        }
        return true;
    }

    private boolean intervalEquivalent(Interval interval, MathExpr pred) {
        Interval other = switch (pred) {
            case Interval i -> i;
            // (a, b) written as a pair is the open interval
            case Tuple(List<MathExpr> items) when items.size() == 2 ->
                    new Interval(items.get(0), items.get(1), false, false);
            case Relation r -> asInterval(r);
            default -> null;
        };
        return other != null && interval.lowClosed() == other.lowClosed()
                && interval.highClosed() == other.highClosed()
                && equivalent(interval.low(), other.low()) && equivalent(interval.high(), other.high());
    }

    /** {@code -1 < x <= 10} is (-1, 10]; {@code x > 2} is (2, inf); null for other relations. */
    static Interval asInterval(Relation relation) {
        List<MathExpr> operands = relation.operands();
        List<String> operators = relation.operators();
        MathExpr infinity = new Const("inf");
        MathExpr minusInfinity = new Neg(infinity);
        if (operands.size() == 3 && operands.get(1) instanceof Sym
                && sameDirection(operators.get(0), operators.get(1))) {
            boolean ascending = operators.get(0).startsWith("<");
            MathExpr low = ascending ? operands.get(0) : operands.get(2);
            MathExpr high = ascending ? operands.get(2) : operands.get(0);
            boolean lowClosed = (ascending ? operators.get(0) : operators.get(1)).endsWith("=");
            boolean highClosed = (ascending ? operators.get(1) : operators.get(0)).endsWith("=");
            return new Interval(low, high, lowClosed, highClosed);
        }
        if (operands.size() == 2 && !operators.getFirst().equals("=") && !operators.getFirst().equals("!=")) {
            String operator = operators.getFirst();
            boolean symbolLeft = operands.get(0) instanceof Sym;
            if (!symbolLeft && !(operands.get(1) instanceof Sym)) {
                return null;
            }
            MathExpr bound = symbolLeft ? operands.get(1) : operands.get(0);
            // "x < c" and "c > x" both bound x from above
            boolean upperBound = symbolLeft == operator.startsWith("<");
            boolean closed = operator.endsWith("=");
            return upperBound ? new Interval(minusInfinity, bound, false, closed)
                    : new Interval(bound, infinity, closed, false);
        }
        return null;
    }

    private static boolean sameDirection(String a, String b) {
        return (a.startsWith("<") && b.startsWith("<")) || (a.startsWith(">") && b.startsWith(">"));
    }

    private boolean relationEquivalent(Relation gold, MathExpr pred) {
        if (!(pred instanceof Relation other)) {
            // "x = 2" against "2": the value on the right
            // (a closed-form left side must itself be right: "2 + 3 = 5" is 5, "10 = 5" is nothing)
            return gold.operators().equals(List.of("="))
                    && (isSolvedFor(gold) || equivalent(gold.operands().get(0), gold.operands().get(1)))
                    && equivalent(gold.operands().get(1), pred);
        }
        if (gold.operators().equals(List.of("=")) && other.operators().equals(List.of("="))) {
            MathExpr l1 = gold.operands().get(0);
            MathExpr r1 = gold.operands().get(1);
            MathExpr l2 = other.operands().get(0);
            MathExpr r2 = other.operands().get(1);
            if ((equivalent(l1, l2) && equivalent(r1, r2)) || (equivalent(l1, r2) && equivalent(r1, l2))) {
                return true;
            }
            // x + y = 3 and 2x + 2y = 6: the differences are proportional
            return proportional(new Add(List.of(l1, new Neg(r1))), new Add(List.of(l2, new Neg(r2))));
        }
        Interval a = asInterval(gold);
        Interval b = asInterval(other);
        if (a != null && b != null) {
            return intervalEquivalent(a, b);
        }
        return gold.operators().equals(other.operators()) && orderedMatch(gold.operands(), other.operands());
    }

    /** {@code y = 2x + 1}, {@code x = 2}, {@code f(x) = ...}: an equation whose left side names the answer. */
    private static boolean isSolvedFor(Relation relation) {
        MathExpr left = relation.operands().getFirst();
        return !Evaluator.variables(left).isEmpty() || Evaluator.exact(left) == null;
    }

    // ---- scalars ------------------------------------------------------------------------------------------------

    private boolean scalarEquivalent(MathExpr a, MathExpr b) {
        if (a instanceof Percent(MathExpr value) && b instanceof Percent(MathExpr other)) {
            return scalarEquivalent(value, other);
        }
        if (b instanceof Percent) {
            MathExpr swap = a;
            a = b;
            b = swap;
        }
        if (a instanceof Percent(MathExpr value)) {
            // 50% matches 50 and 0.5
            return scalarEquivalent(value, b) || scalarEquivalent(new Div(value, new Num(Rational.of(100), false)), b);
        }
        if (isInfinity(a) || isInfinity(b)) {
            return a.equals(b) || (isInfinity(a) && isInfinity(b) && negative(a) == negative(b));
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
                return exactA.equals(exactB);
            }
            double x = Evaluator.approx(a, Map.of());
            double y = Evaluator.approx(b, Map.of());
            if (Double.isFinite(x) && Double.isFinite(y)) {
                return close(x, y, tolerance);
            }
            return casSaysEqual(a, b);
        }
        if (Evaluator.hasSteepPower(a, MAX_SAMPLED_POWER) || Evaluator.hasSteepPower(b, MAX_SAMPLED_POWER)) {
            return casSaysEqual(a, b);
        }
        return switch (compareAtRandomPoints(a, b, variables, tolerance)) {
            case EQUAL -> true;
            case DIFFERENT -> false;
            case UNDECIDED -> casSaysEqual(a, b);
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
            return false;
        }
        CasChecker cas = CasChecker.shared();
        if (cas == null) {
            return false;
        }
        // one budget for the whole check, however many items need the CAS (the clock starts once Symja is up)
        long now = System.nanoTime();
        if (casDeadline == 0) {
            casDeadline = now + casTimeout.toNanos();
        }
        if (now >= casDeadline) {
            timedOut = true;
            return false;
        }
        CasChecker.Outcome outcome = cas.isZero(difference, Duration.ofNanos(casDeadline - now));
        if (outcome == CasChecker.Outcome.TIMEOUT) {
            timedOut = true;
        }
        return outcome == CasChecker.Outcome.ZERO;
    }
}
