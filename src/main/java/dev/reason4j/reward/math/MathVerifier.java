package dev.reason4j.reward.math;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
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
    public record Options(double relativeTolerance, Duration casTimeout, boolean lastNumberFallback,
                          int decimalPlaces) {
        public Options {
            if (!(relativeTolerance >= 0 && relativeTolerance < 1)) {
                throw new IllegalArgumentException("relative tolerance must be in [0, 1), got " + relativeTolerance);
            }
            if (casTimeout.isNegative() || casTimeout.isZero()) {
                throw new IllegalArgumentException("CAS timeout must be positive, got " + casTimeout);
            }
            if (decimalPlaces > 15) {
                throw new IllegalArgumentException("decimal places must be at most 15, got " + decimalPlaces);
            }
        }

        /** Decimals compared with the relative tolerance (no rounding to decimal places). */
        public Options(double relativeTolerance, Duration casTimeout, boolean lastNumberFallback) {
            this(relativeTolerance, casTimeout, lastNumberFallback, -1);
        }

        public static Options defaults() {
            return new Options(1e-4, Duration.ofSeconds(2), false);
        }

        public Options withLastNumberFallback(boolean enabled) {
            return new Options(relativeTolerance, casTimeout, enabled, decimalPlaces);
        }

        /**
         * Decimals equal once both sides are rounded to {@code places} decimal places, as Math-Verify's
         * {@code float_rounding} (so at 2 places 0.67 is 2/3, also inside a matrix); negative for the relative
         * tolerance.
         */
        public Options withDecimalPlaces(int places) {
            return new Options(relativeTolerance, casTimeout, lastNumberFallback, places);
        }
    }

    /** {@code 3,5}: a decimal comma, tried when the list reading (3 and 5) does not match. */
    private static final Pattern DECIMAL_COMMA = Pattern.compile("-?\\d+,\\d+");
    /** {@code 2,74} or {@code 0,111} written in prose: a comma that cannot group thousands is a decimal comma. */
    private static final Pattern PLAIN_DECIMAL_COMMA = Pattern.compile("([-+]?\\d+),(\\d{1,2}|\\d{4,})(%?)");
    private static final Pattern LEADING_ZERO_COMMA = Pattern.compile("([-+]?0),(\\d+)(%?)");
    /** {@code 4 4/9} written in prose: a mixed number (a proper fraction after a whole number and one space). */
    private static final Pattern MIXED_NUMBER = Pattern.compile("([-+]?)(\\d+) (\\d+)/(\\d+)(%?)");

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
        AnswerExtractor.Extraction goldAnswer = AnswerExtractor.extractGold(gold == null ? "" : gold);
        MathExpr goldExpr = parse(goldAnswer);
        AnswerExtractor.Extraction predAnswer = AnswerExtractor.extract(response, options.lastNumberFallback());
        if (predAnswer == null) {
            return new MathVerdict(false, MathExpr.render(goldExpr), null, false, "none",
                    "no answer found in the response");
        }
        MathExpr predExpr = parse(predAnswer);
        Equivalence equivalence = new Equivalence(options.relativeTolerance(), options.decimalPlaces(),
                options.casTimeout());
        boolean correct = equivalence.equivalent(goldExpr, predExpr);
        String reason = equivalence.reason();
        String text = predAnswer.text().strip();
        if (!correct && DECIMAL_COMMA.matcher(text).matches()) {
            MathExpr decimal = parse(text.replace(',', '.'), false);
            if (equivalence.equivalent(goldExpr, decimal)) {
                correct = true;
                predExpr = decimal;
                reason = "read with a decimal comma: " + equivalence.reason();
            }
        }
        return new MathVerdict(correct, MathExpr.render(goldExpr), MathExpr.render(predExpr), equivalence.timedOut(),
                predAnswer.method(), reason);
    }

    /**
     * A final answer as {@link #verify} reads it: extracted and parsed, for comparing answers with each other
     * ({@link #equivalent}) as TTRL's majority vote does.
     */
    public static final class Answer {
        private final String text;
        private final MathExpr expr;

        private Answer(String text, MathExpr expr) {
            this.text = text;
            this.expr = expr;
        }

        /** The answer as written in the response (several answers joined with " ; "). */
        public String text() {
            return text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** The final answer of a response, extracted as {@link #verify} extracts it; null when it gives none. */
    public Answer answer(String response) {
        AnswerExtractor.Extraction extraction = AnswerExtractor.extract(response, options.lastNumberFallback());
        return extraction == null ? null : new Answer(extraction.text().strip(), parse(extraction));
    }

    /** A reference answer (bare, boxed, or after {@code ####}), read as {@link #verify} reads its gold. */
    public Answer goldAnswer(String gold) {
        AnswerExtractor.Extraction extraction = AnswerExtractor.extractGold(gold == null ? "" : gold);
        return new Answer(extraction.text().strip(), parse(extraction));
    }

    /** Whether two answers are equivalent under this verifier's options (the test {@link #verify} applies). */
    public boolean equivalent(Answer first, Answer second) {
        return new Equivalence(options.relativeTolerance(), options.decimalPlaces(), options.casTimeout())
                .equivalent(first.expr, second.expr);
    }

    /** Parses what was extracted; several answers (boxes, {@code $12$ and $13$}) become one answer set. */
    static MathExpr parse(AnswerExtractor.Extraction extraction) {
        if (extraction.answers().size() == 1) {
            return parse(extraction.answers().getFirst(), extraction.plainText());
        }
        List<MathExpr> items = new ArrayList<>();
        for (String answer : extraction.answers()) {
            MathExpr item = parse(answer, extraction.plainText());
            items.addAll(item instanceof MathExpr.Answers(List<MathExpr> inner) ? inner : List.of(item));
        }
        return new MathExpr.Answers(List.copyOf(items));
    }

    /**
     * Parses an answer; what is not maths becomes text. {@code plainText}: written outside maths delimiters, where
     * {@code 2,74} has a decimal comma and {@code 4 4/9} is a mixed number.
     */
    static MathExpr parse(String answer, boolean plainText) {
        if (answer.length() > LatexParser.MAX_LENGTH) {
            return LatexParser.text(answer.substring(0, LatexParser.MAX_LENGTH));
        }
        String normalized = LatexNormalizer.normalize(answer);
        if (plainText) {
            normalized = plainNumber(normalized);
        }
        try {
            return LatexParser.parse(normalized);
        } catch (LatexParser.ParseException | ArithmeticException e) {
            // "1 = \zzz = x = 0": a chain that does not parse as a whole still answers its last side
            String[] sides = normalized.split("(?<![<>!\\\\])=");
            if (sides.length > 2 && !normalized.contains(",") && !normalized.contains(";")) {
                try {
                    return LatexParser.parse(sides[sides.length - 1].strip());
                } catch (LatexParser.ParseException | ArithmeticException ignored) {
                    // text after all
                }
            }
            return LatexParser.text(normalized);
        }
    }

    private static String plainNumber(String text) {
        Matcher decimal = PLAIN_DECIMAL_COMMA.matcher(text);
        if (decimal.matches()) {
            return decimal.group(1) + "." + decimal.group(2) + decimal.group(3);
        }
        Matcher zero = LEADING_ZERO_COMMA.matcher(text);
        if (zero.matches()) {
            return zero.group(1) + "." + zero.group(2) + zero.group(3);
        }
        Matcher mixed = MIXED_NUMBER.matcher(text);
        if (mixed.matches() && new BigInteger(mixed.group(3)).compareTo(new BigInteger(mixed.group(4))) < 0) {
            return mixed.group(1) + "(" + mixed.group(2) + "+" + mixed.group(3) + "/" + mixed.group(4) + ")"
                    + mixed.group(5);
        }
        return text;
    }
}
