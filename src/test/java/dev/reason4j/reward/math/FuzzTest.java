package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Random LaTeX-ish garbage never throws and never takes long: a reward function must always answer. */
class FuzzTest {
    private static final String[] TOKENS = {
        "1", "23", ".5", "0", "x", "y", "e", "i", "\\pi", "\\infty", "+", "-", "*", "/", "^", "_", "(", ")", "[", "]",
        "{", "}", "\\{", "\\}", ",", ";", "=", "<", "\\le", "\\ge", "\\pm", "\\frac", "\\sqrt", "\\binom", "\\sin",
        "\\log", "\\ln", "!", "%", "\\%", "|", "\\cup", " and ", " ", "\\left(", "\\right)", "\\text{cm}", "\\text{",
        "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "$", "\\boxed{", "\\cdot", "\\times", "10^{10^{10}}",
        "\\lfloor", "\\rfloor", "\\langle", "\\rangle", "1,000", "^\\circ", "e5", "\\mathbb{R}", "\\in", "'"};

    @Test
    void randomInputsNeverThrowAndStayFast() {
        MathVerifier verifier = new MathVerifier();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 3_000; i++) {
            String gold = randomText(random);
            String pred = "\\boxed{" + randomText(random) + "}";
            long start = System.nanoTime();
            MathVerdict verdict = verifier.verify(gold, pred);
            assertNotNull(verdict.goldParsed());
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 2.5, "took " + seconds + " s: " + gold + " vs " + pred);
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
