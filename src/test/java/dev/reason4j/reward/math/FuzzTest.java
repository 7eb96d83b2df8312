package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Random LaTeX-ish garbage never throws: a reward function must always answer. */
class FuzzTest {
    private static final String[] TOKENS = {
        "1", "23", ".5", "0", "x", "y", "e", "i", "\\pi", "\\infty", "+", "-", "*", "/", "^", "_", "(", ")", "[", "]",
        "{", "}", "\\{", "\\}", ",", ";", "=", "<", "\\le", "\\ge", "\\pm", "\\frac", "\\sqrt", "\\binom", "\\sin",
        "\\log", "\\ln", "!", "%", "\\%", "|", "\\cup", " and ", " ", "\\left(", "\\right)", "\\text{cm}", "\\text{",
        "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "$", "\\boxed{", "\\cdot", "\\times", "10^{10^{10}}",
        "\\lfloor", "\\rfloor", "\\langle", "\\rangle", "1,000", "^\\circ", "e5", "\\mathbb{R}", "\\in", "'"};

    /**
     * Every input gets a verdict with a reason; no check runs past its CAS budget, whose deadline (not the machine's
     * speed) bounds it; the pure-Java part is bounded by the limits {@link VerifierLimitsTest} checks.
     */
    @Test
    void randomInputsNeverThrowAndAlwaysAnswer() {
        MathVerifier verifier = new MathVerifier();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 3_000; i++) {
            String gold = randomText(random);
            String pred = "\\boxed{" + randomText(random) + "}";
            MathVerdict verdict = verifier.verify(gold, pred);
            assertNotNull(verdict.goldParsed(), gold + " vs " + pred);
            assertFalse(verdict.reason().isEmpty(), gold + " vs " + pred);
            assertTrue(!verdict.timedOut() || !verdict.correct(), "a timed-out check counts as wrong");
        }
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int i = 0; i < length; i++) {
            text.append(TOKENS[random.nextInt(TOKENS.length)]);
        }
        return text.toString();
    }
}
