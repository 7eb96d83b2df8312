package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class MathVerifierTest {
    /** A CAS limit no loaded machine reaches: the table checks decisions, VerifierLimitsTest checks limits. */
    static final MathVerifier VERIFIER =
            new MathVerifier(new MathVerifier.Options(1e-4, Duration.ofSeconds(120), false));

    /** Symja's one-time start-up (seconds) is not part of any check's time. */
    @BeforeAll
    static void startCas() {
        CasChecker.shared();
    }

    record Case(int line, boolean expected, String gold, String response) {}

    /** The table in cases.tsv: expected (yes/no), gold, response ("⏎" is a newline). */
    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = MathVerifierTest.class.getResourceAsStream("cases.tsv")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank() || lines[i].startsWith("#")) {
                    continue;
                }
                String[] fields = lines[i].split("\t");
                assertTrue(fields.length >= 3 && (fields[0].equals("yes") || fields[0].equals("no")),
                        "cases.tsv line " + (i + 1) + " is malformed");
                cases.add(new Case(i + 1, fields[0].equals("yes"), fields[1], fields[2].replace("⏎", "\n")));
            }
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> table() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(
                "line " + c.line() + ": " + c.gold() + " vs " + c.response(), () -> {
                    MathVerdict verdict = VERIFIER.verify(c.gold(), c.response());
                    assertEquals(c.expected(), verdict.correct(), () -> "cases.tsv line " + c.line() + ": " + verdict);
                }));
    }

    @Test
    void tableHasBothAnswersInEveryGroup() throws IOException {
        List<Case> cases = cases();
        long positives = cases.stream().filter(Case::expected).count();
        assertTrue(positives > 60 && cases.size() - positives > 60, "the table needs many positives and negatives");
    }

    @Test
    void reportsWhatWasParsed() {
        MathVerdict verdict = VERIFIER.verify("\\frac{1}{2}", "so \\boxed{0.5}");
        assertTrue(verdict.correct());
        assertEquals("1/2", verdict.goldParsed());
        assertEquals("1/2", verdict.predParsed());
        assertFalse(verdict.timedOut());
    }

    @Test
    void saysHowTheAnswerWasFoundAndWhyItDecided() {
        MathVerdict boxes = VERIFIER.verify("\\{3, 5\\}", "So \\boxed{3} and \\boxed{6}.");
        assertFalse(boxes.correct());
        assertEquals("boxed (several)", boxes.extraction());
        assertEquals("3, 6", boxes.predParsed());
        assertEquals("answers: the gold's 5 is not in the prediction", boxes.reason());

        MathVerdict prose = VERIFIER.verify("48.0", "Final Answer: The area of $PQRS$ is 48. I hope it is correct.");
        assertTrue(prose.correct());
        assertEquals("answer marker", prose.extraction());
        assertEquals("equal within the tolerance", prose.reason());

        MathVerdict equation = VERIFIER.verify("b - 2y = 1", "\\boxed{1}");
        assertFalse(equation.correct());
        assertEquals("an equation or inequality against a value", equation.reason());

        MathVerdict none = VERIFIER.verify("5", "I am not sure.");
        assertEquals("none", none.extraction());
        assertEquals("no answer found in the response", none.reason());
    }

    /** Math-Verify's float_rounding: 0.67 is 2/3 at two decimal places (inside a matrix too), not at the default. */
    @Test
    void decimalPlacesRoundBothSides() {
        String gold = "\\begin{pmatrix} \\frac{2}{3} \\\\ \\frac{1}{4} \\end{pmatrix}";
        String pred = "\\boxed{\\begin{pmatrix} 0.67 \\\\ 0.25 \\end{pmatrix}}";
        MathVerifier rounding = new MathVerifier(MathVerifier.Options.defaults().withDecimalPlaces(2));
        assertTrue(rounding.verify(gold, pred).correct());
        assertFalse(VERIFIER.verify(gold, pred).correct());
        assertFalse(rounding.verify(gold, "\\boxed{\\begin{pmatrix} 0.66 \\\\ 0.25 \\end{pmatrix}}").correct());
        // a decimal is rounded; two exact numbers never are
        assertTrue(rounding.verify("100", "\\boxed{100.004}").correct());
        assertFalse(rounding.verify("3", "\\boxed{\\frac{301}{100}}").correct());
    }

    @Test
    void responseWithoutAnswerHasNoParse() {
        MathVerdict verdict = VERIFIER.verify("5", "I think it is five or so");
        assertFalse(verdict.correct());
        assertNull(verdict.predParsed());
        assertNotNull(verdict.goldParsed());
    }

    @Test
    void lastNumberOnlyWhenAllowed() {
        String response = "She has 3 apples and buys 4 more, so 7 in all";
        assertFalse(VERIFIER.verify("7", response).correct());
        MathVerifier lenient = new MathVerifier(MathVerifier.Options.defaults().withLastNumberFallback(true));
        assertTrue(lenient.verify("7", response).correct());
        assertFalse(lenient.verify("3", response).correct());
    }

    @Test
    void toleranceIsConfigurable() {
        MathVerifier strict = new MathVerifier(new MathVerifier.Options(1e-9, Duration.ofSeconds(1), false));
        assertFalse(strict.verify("\\frac{1}{3}", "\\boxed{0.33333}").correct());
        assertTrue(VERIFIER.verify("\\frac{1}{3}", "\\boxed{0.33333}").correct());
    }
}
