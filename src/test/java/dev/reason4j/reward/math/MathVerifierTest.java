package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class MathVerifierTest {
    private static final MathVerifier VERIFIER = new MathVerifier();

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
                    long start = System.nanoTime();
                    MathVerdict verdict = VERIFIER.verify(c.gold(), c.response());
                    double seconds = (System.nanoTime() - start) / 1e9;
                    assertEquals(c.expected(), verdict.correct(), () -> "cases.tsv line " + c.line() + ": " + verdict);
                    assertTrue(seconds < 3, "cases.tsv line " + c.line() + " took " + seconds + " s");
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
        MathVerifier strict = new MathVerifier(new MathVerifier.Options(1e-9, java.time.Duration.ofSeconds(1), false));
        assertFalse(strict.verify("\\frac{1}{3}", "\\boxed{0.33333}").correct());
        assertTrue(VERIFIER.verify("\\frac{1}{3}", "\\boxed{0.33333}").correct());
    }
}
