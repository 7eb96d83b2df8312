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
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates scalar expressions without the CAS: exactly (rationals) where the value is rational, else in doubles.
 * Sizes are estimated before computing, so {@code 10^{10^{10}}} costs nothing: it is simply not exact, and its
 * double value is infinite.
 */
final class Evaluator {
    private Evaluator() {}

    /** Largest exact intermediate, in bits (about 20,000 decimal digits): bigger values are left to doubles. */
    static final long MAX_EXACT_BITS = 65_536;

    /** The exact rational value, or null when not rational, unknown, or too large. */
    static Rational exact(MathExpr expr) {
        try {
            return exactOrThrow(expr);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static Rational exactOrThrow(MathExpr expr) {
        return switch (expr) {
            case Num n -> n.value();
            case Neg n -> negate(exactOrThrow(n.operand()));
            case Add a -> {
                Rational sum = Rational.ZERO;
                for (MathExpr term : a.terms()) {
                    Rational value = exactOrThrow(term);
                    if (value == null) {
                        yield null;
                    }
                    sum = checked(sum.add(value));
                }
                yield sum;
            }
            case Mul m -> {
                Rational product = Rational.ONE;
                for (MathExpr factor : m.factors()) {
                    Rational value = exactOrThrow(factor);
                    if (value == null) {
                        yield null;
                    }
                    if (product.bitLength() + value.bitLength() > MAX_EXACT_BITS) {
                        yield null;
                    }
                    product = product.multiply(value);
                }
                yield product;
            }
            case Div d -> {
                Rational numerator = exactOrThrow(d.numerator());
                Rational denominator = exactOrThrow(d.denominator());
                yield numerator == null || denominator == null || denominator.signum() == 0
                        || numerator.bitLength() + denominator.bitLength() > MAX_EXACT_BITS
                        ? null : numerator.divide(denominator);
            }
            case Pow p -> power(exactOrThrow(p.base()), exactOrThrow(p.exponent()));
            case Func f -> exactFunction(f);
            default -> null;
        };
    }

    private static Rational negate(Rational value) {
        return value == null ? null : value.negate();
    }

    private static Rational checked(Rational value) {
        if (value.bitLength() > MAX_EXACT_BITS) {
            throw new ArithmeticException("too large");
        }
        return value;
    }

    /** {@code base^exponent} when rational: integer exponents, and roots of perfect powers ({@code 8^{2/3}}). */
    private static Rational power(Rational base, Rational exponent) {
        if (base == null || exponent == null || exponent.bitLength() > 64) {
            return null;
        }
        if (base.signum() == 0) {
            return exponent.signum() > 0 ? Rational.ZERO : null;
        }
        if (base.equals(Rational.ONE)) {
            return Rational.ONE;
        }
        BigInteger q = exponent.denominator();
        if (q.bitLength() > 5) {
            return null;
        }
        Rational root = root(base, q.intValue());
        if (root == null) {
            return null;
        }
        long p = exponent.numerator().longValue();
        if (Math.abs(p) > 100_000 || root.bitLength() * Math.abs(p) > MAX_EXACT_BITS) {
            return null;
        }
        return root.pow((int) p);
    }

    /** The exact {@code n}-th root, or null when it is irrational (or not real). */
    static Rational root(Rational value, int n) {
        if (n == 1) {
            return value;
        }
        if (value.signum() < 0) {
            if (n % 2 == 0) {
                return null;
            }
            Rational positive = root(value.negate(), n);
            return positive == null ? null : positive.negate();
        }
        BigInteger numerator = integerRoot(value.numerator(), n);
        BigInteger denominator = integerRoot(value.denominator(), n);
        return numerator == null || denominator == null ? null : new Rational(numerator, denominator);
    }

    private static BigInteger integerRoot(BigInteger value, int n) {
        if (n == 2) {
            BigInteger root = value.sqrt();
            return root.multiply(root).equals(value) ? root : null;
        }
        if (value.bitLength() > 1000) {
            return null;
        }
        BigInteger guess = BigInteger.valueOf(Math.round(Math.pow(value.doubleValue(), 1.0 / n)));
        for (BigInteger candidate : List.of(guess, guess.add(BigInteger.ONE), guess.subtract(BigInteger.ONE))) {
            if (candidate.signum() >= 0 && candidate.pow(n).equals(value)) {
                return candidate;
            }
        }
        return null;
    }

    private static Rational exactFunction(Func f) {
        List<MathExpr> args = f.args();
        Rational x = args.isEmpty() ? null : exactOrThrow(args.getFirst());
        if (x == null) {
            return null;
        }
        return switch (f.name()) {
            case "sqrt" -> root(x, 2);
            case "root" -> {
                Rational value = exactOrThrow(args.get(1));
                yield value != null && x.isInteger() && x.signum() > 0 && x.numerator().bitLength() < 6
                        ? root(value, x.numerator().intValue()) : null;
            }
            case "abs" -> x.signum() < 0 ? x.negate() : x;
            case "floor", "ceil" -> {
                BigInteger[] division = x.numerator().divideAndRemainder(x.denominator());
                BigInteger floor = division[1].signum() < 0 ? division[0].subtract(BigInteger.ONE) : division[0];
                boolean up = f.name().equals("ceil") && !x.isInteger();
                yield new Rational(up ? floor.add(BigInteger.ONE) : floor, BigInteger.ONE);
            }
            case "factorial" -> {
                if (!x.isInteger() || x.signum() < 0 || x.numerator().compareTo(BigInteger.valueOf(2_000)) > 0) {
                    yield null;
                }
                BigInteger product = BigInteger.ONE;
                for (int i = 2; i <= x.numerator().intValue(); i++) {
                    product = product.multiply(BigInteger.valueOf(i));
                }
                yield new Rational(product, BigInteger.ONE);
            }
            case "binom" -> {
                Rational k = exactOrThrow(args.get(1));
                if (k == null || !x.isInteger() || !k.isInteger() || x.signum() < 0 || k.signum() < 0
                        || x.numerator().compareTo(BigInteger.valueOf(100_000)) > 0) {
                    yield null;
                }
                int n = x.numerator().intValue();
                int choose = k.numerator().intValue();
                if (choose > n) {
                    yield Rational.ZERO;
                }
                choose = Math.min(choose, n - choose);
                if (choose > 5_000) {
                    yield null;
                }
                BigInteger result = BigInteger.ONE;
                for (int i = 1; i <= choose; i++) {
                    result = result.multiply(BigInteger.valueOf(n - choose + i)).divide(BigInteger.valueOf(i));
                }
                yield new Rational(result, BigInteger.ONE);
            }
            case "gcd", "lcm" -> {
                Rational y = args.size() == 2 ? exactOrThrow(args.get(1)) : null;
                if (y == null || !x.isInteger() || !y.isInteger()) {
                    yield null;
                }
                BigInteger gcd = x.numerator().gcd(y.numerator());
                yield f.name().equals("gcd") ? new Rational(gcd, BigInteger.ONE)
                        : gcd.signum() == 0 ? Rational.ZERO
                        : new Rational(x.numerator().multiply(y.numerator()).abs().divide(gcd), BigInteger.ONE);
            }
            default -> null;
        };
    }

    /** The value in doubles with variables bound by {@code variables}; NaN when undefined or unknown. */
    static double approx(MathExpr expr, Map<String, Double> variables) {
        return switch (expr) {
            case Num n -> n.value().toDouble();
            case Sym s -> variables.getOrDefault(s.name(), Double.NaN);
            case Const c -> switch (c.name()) {
                case "pi" -> Math.PI;
                case "e" -> Math.E;
                default -> Double.POSITIVE_INFINITY;
            };
            case Neg n -> -approx(n.operand(), variables);
            case Add a -> {
                double sum = 0;
                for (MathExpr term : a.terms()) {
                    sum += approx(term, variables);
                }
                yield sum;
            }
            case Mul m -> {
                double product = 1;
                for (MathExpr factor : m.factors()) {
                    product *= approx(factor, variables);
                }
                yield product;
            }
            case Div d -> approx(d.numerator(), variables) / approx(d.denominator(), variables);
            case Pow p -> {
                double base = approx(p.base(), variables);
                double exponent = approx(p.exponent(), variables);
                if (base < 0 && exponent != Math.rint(exponent)) {
                    Rational exact = exact(p.exponent());
                    // real odd roots of negatives: (-8)^{1/3} = -2
                    yield exact != null && exact.denominator().testBit(0) && exact.denominator().bitLength() < 31
                            ? (exact.numerator().testBit(0) ? -1 : 1) * Math.pow(-base, exponent) : Double.NaN;
                }
                yield Math.pow(base, exponent);
            }
            case Func f -> approxFunction(f, variables);
            default -> Double.NaN;
        };
    }

    private static double approxFunction(Func f, Map<String, Double> variables) {
        double x = approx(f.args().getFirst(), variables);
        double y = f.args().size() > 1 ? approx(f.args().get(1), variables) : Double.NaN;
        return switch (f.name()) {
            case "sqrt" -> Math.sqrt(x);
            case "root" -> y < 0 && x == Math.rint(x) && ((long) x) % 2 == 1
                    ? -Math.pow(-y, 1 / x) : Math.pow(y, 1 / x);
            case "sin" -> Math.sin(x);
            case "cos" -> Math.cos(x);
            case "tan" -> Math.tan(x);
            case "sec" -> 1 / Math.cos(x);
            case "csc" -> 1 / Math.sin(x);
            case "cot" -> 1 / Math.tan(x);
            case "arcsin" -> Math.asin(x);
            case "arccos" -> Math.acos(x);
            case "arctan" -> Math.atan(x);
            case "sinh" -> Math.sinh(x);
            case "cosh" -> Math.cosh(x);
            case "tanh" -> Math.tanh(x);
            case "log" -> Math.log(x);
            case "log10" -> Math.log10(x);
            case "logb" -> Math.log(y) / Math.log(x);
            case "exp" -> Math.exp(x);
            case "abs" -> Math.abs(x);
            case "floor" -> Math.floor(x);
            case "ceil" -> Math.ceil(x);
            case "binom" -> binomial(x, f.args().get(1));
            default -> {
                // integer functions (factorial, binom, gcd, lcm): defined only where exact
                Rational exact = exact(f);
                yield exact == null ? Double.NaN : exact.toDouble();
            }
        };
    }

    /** {@code binom(x, k)} for a small integer k is a polynomial in x: x(x-1)...(x-k+1)/k!. */
    private static double binomial(double x, MathExpr k) {
        Rational exactK = exact(k);
        if (exactK == null || !exactK.isInteger() || exactK.signum() < 0 || exactK.numerator().bitLength() > 7) {
            return Double.NaN;
        }
        double result = 1;
        for (int i = 0; i < exactK.numerator().intValue(); i++) {
            result = result * (x - i) / (i + 1);
        }
        return result;
    }

    /** True when the expression has a decimal literal: then it is compared with the relative tolerance. */
    static boolean hasDecimal(MathExpr expr) {
        return switch (expr) {
            case Num n -> n.decimal();
            case Neg n -> hasDecimal(n.operand());
            case Add a -> a.terms().stream().anyMatch(Evaluator::hasDecimal);
            case Mul m -> m.factors().stream().anyMatch(Evaluator::hasDecimal);
            case Div d -> hasDecimal(d.numerator()) || hasDecimal(d.denominator());
            case Pow p -> hasDecimal(p.base()) || hasDecimal(p.exponent());
            case Func f -> f.args().stream().anyMatch(Evaluator::hasDecimal);
            default -> false;
        };
    }

    /**
     * True when a variable is raised to a numeric power above {@code limit}: such values under- or overflow doubles
     * at most sample points ({@code x^{1000}} reads as 0 for |x| < 0.5), so sampling cannot be trusted with them.
     */
    static boolean hasSteepPower(MathExpr expr, double limit) {
        return switch (expr) {
            case Pow p -> (!variables(p.base()).isEmpty() && variables(p.exponent()).isEmpty()
                    && !(Math.abs(approx(p.exponent(), Map.of())) <= limit))
                    || hasSteepPower(p.base(), limit) || hasSteepPower(p.exponent(), limit);
            case Neg n -> hasSteepPower(n.operand(), limit);
            case Add a -> a.terms().stream().anyMatch(term -> hasSteepPower(term, limit));
            case Mul m -> m.factors().stream().anyMatch(factor -> hasSteepPower(factor, limit));
            case Div d -> hasSteepPower(d.numerator(), limit) || hasSteepPower(d.denominator(), limit);
            case Func f -> f.args().stream().anyMatch(arg -> hasSteepPower(arg, limit));
            default -> false;
        };
    }

    /** The free variables, sorted. */
    static Set<String> variables(MathExpr expr) {
        Set<String> names = new TreeSet<>();
        collectVariables(expr, names);
        return names;
    }

    private static void collectVariables(MathExpr expr, Set<String> names) {
        switch (expr) {
            case Sym s -> names.add(s.name());
            case Neg n -> collectVariables(n.operand(), names);
            case Add a -> a.terms().forEach(term -> collectVariables(term, names));
            case Mul m -> m.factors().forEach(factor -> collectVariables(factor, names));
            case Div d -> {
                collectVariables(d.numerator(), names);
                collectVariables(d.denominator(), names);
            }
            case Pow p -> {
                collectVariables(p.base(), names);
                collectVariables(p.exponent(), names);
            }
            case Func f -> f.args().forEach(arg -> collectVariables(arg, names));
            default -> {
            }
        }
    }
}
