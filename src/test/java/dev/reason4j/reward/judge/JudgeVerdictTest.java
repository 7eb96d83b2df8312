package dev.reason4j.reward.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class JudgeVerdictTest {
    private static Double score(String text) {
        return JudgeVerdict.parse(text, 10).score();
    }

    @Test
    void theLastVerdictInEitherFormatCounts() {
        assertEquals(7.0, score("The steps hold up.\nScore: 7/10"));
        assertEquals(8.0, score("so the grade is \\boxed{8}"));
        assertEquals(4.5, score("**Score:** 4.5"));
        assertEquals(9.0, score("A first guess, Score: 2/10, but on reflection \\boxed{9}"));
        assertEquals(3.0, score("\\boxed{9} was too generous. Final score: 3 out of 10"));
        assertEquals(6.0, score("Score: 3/5"), "another scale is rescaled to max");
        assertEquals(0.0, score("Score: 0/10"));
    }

    @Test
    void whatCannotBeReadSaysWhy() {
        JudgeVerdict none = JudgeVerdict.parse("The answer looks right to me.", 10);
        assertNull(none.score());
        assertEquals("no \\boxed{S} or \"Score: S\"", none.problem());
        assertEquals("score 12 is outside [0, 10]", JudgeVerdict.parse("Score: 12", 10).problem());
        assertEquals("score -1 is outside [0, 10]", JudgeVerdict.parse("\\boxed{-1}", 10).problem());
        assertEquals("score 3/0 has no scale", JudgeVerdict.parse("Score: 3/0", 10).problem());
    }
}
