package dev.reason4j.reward.math;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Checks a model's answer against a gold answer: extraction ({@link AnswerExtractor}), normalisation
 * ({@link LatexNormalizer}), parsing ({@link LatexParser}) and equivalence ({@link Equivalence}). Immutable and
 * thread-safe; most checks never leave the calling thread. Only symbolic checks that random-point evaluation cannot
 * decide go to the CAS, each with a time limit.
 */
public final class MathVerifier {

    /**
     * @param relativeTolerance  numbers compare as {@code |a-b| <= tol * max(|a|,|b|)} when either has a decimal or
     *                           irrational value (exact rationals compare exactly); 1e-4 as verl's prime_math and
     *                           Qwen2.5-Math's grader ({@code isclose(rel_tol=1e-4)})
     * @param casTimeout         time limit for all symbolic (CAS) work of one check
     * @param lastNumberFallback take the last number of a response that marks no answer (GSM8K-style tasks)
     */
    public record Options(double relativeTolerance, Duration casTimeout, boolean lastNumberFallback) {
        public Options {
            if (!(relativeTolerance >= 0 && relativeTolerance < 1)) {
                throw new IllegalArgumentException("relative tolerance must be in [0, 1), got " + relativeTolerance);
            }
            if (casTimeout.isNegative() || casTimeout.isZero()) {
                throw new IllegalArgumentException("CAS timeout must be positive, got " + casTimeout);
            }
        }

        public static Options defaults() {
            return new Options(1e-4, Duration.ofSeconds(2), false);
        }

        public Options withLastNumberFallback(boolean enabled) {
            return new Options(relativeTolerance, casTimeout, enabled);
        }
    }

    /** {@code 3,5}: a decimal comma, tried when the list reading (3 and 5) does not match. */
    private static final Pattern DECIMAL_COMMA = Pattern.compile("-?\\d+,\\d+");

    private final Options options;

    public MathVerifier() {
        this(Options.defaults());
    }

    public MathVerifier(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    /** Starts the CAS in the background, so the first symbolic check does not wait seconds for it. */
    public static void warmUp() {
        Thread.ofPlatform().daemon().name("reason4j-cas-init").start(CasChecker::shared);
    }

    /**
     * @param gold     the reference answer: bare ({@code 42}, {@code \frac{1}{2}}), boxed, or after {@code ####}
     * @param response the model's output (or a bare answer)
     */
    public MathVerdict verify(String gold, String response) {
        MathExpr goldExpr = parse(AnswerExtractor.extractGold(gold == null ? "" : gold));
        String predAnswer = AnswerExtractor.extract(response, options.lastNumberFallback());
        if (predAnswer == null) {
            return new MathVerdict(false, MathExpr.render(goldExpr), null, false);
        }
        MathExpr predExpr = parse(predAnswer);
        Equivalence equivalence = new Equivalence(options.relativeTolerance(), options.casTimeout());
        boolean correct = equivalence.equivalent(goldExpr, predExpr);
        if (!correct && DECIMAL_COMMA.matcher(predAnswer.strip()).matches()) {
            MathExpr decimal = parse(predAnswer.strip().replace(',', '.'));
            if (equivalence.equivalent(goldExpr, decimal)) {
                correct = true;
                predExpr = decimal;
            }
        }
        return new MathVerdict(correct, MathExpr.render(goldExpr), MathExpr.render(predExpr), equivalence.timedOut());
    }

    /** Parses an answer; what is not maths becomes text. */
    static MathExpr parse(String answer) {
        if (answer.length() > LatexParser.MAX_LENGTH) {
            return LatexParser.text(answer.substring(0, LatexParser.MAX_LENGTH));
        }
        String normalized = LatexNormalizer.normalize(answer);
        try {
            return LatexParser.parse(normalized);
        } catch (LatexParser.ParseException | ArithmeticException e) {
            return LatexParser.text(normalized);
        }
    }
}
