package dev.reason4j.env;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CountdownTaskTest {
    private final CountdownTask useAll = new CountdownTask(Map.of());
    private final CountdownTask atMostOnce = new CountdownTask(Map.of("use_all", false));
    private static final String TRUTH = "{\"target\": 24, \"numbers\": [1, 3, 4, 6]}";

    @Test
    void exactRationalEvaluation() {
        // 6 / (1 - 3/4) = 24 needs an exact fraction on the way.
        assertEquals(1.0, useAll.verify("\\boxed{6/(1-3/4)}", TRUTH));
        assertEquals(1.0, useAll.verify("<think>...</think>\\boxed{ 6 ÷ (1 − 3 ÷ 4) }".replace("−", "-"), TRUTH));
        assertEquals(0.0, useAll.verify("\\boxed{(6 × 4) × (3 - 1) / 1}", TRUTH), "48, not 24");
        assertEquals(1.0, useAll.verify("\\boxed{6*4*(3-1-1)}", "{\"target\": 24, \"numbers\": [1, 1, 3, 4, 6]}"));
        assertEquals(1.0, useAll.verify("\\boxed{6/(1-3/4) = 24}", TRUTH));
        assertEquals(0.0, useAll.verify("\\boxed{6/(1-3/4) = 25}", TRUTH));
    }

    @Test
    void numbersMustComeFromTheList() {
        assertEquals(0.0, useAll.verify("\\boxed{6*4}", TRUTH), "must use all with use_all");
        assertEquals(1.0, atMostOnce.verify("\\boxed{6*4}", TRUTH));
        assertEquals(0.0, atMostOnce.verify("\\boxed{6*4*1*1}", TRUTH), "1 used twice");
        assertEquals(0.0, atMostOnce.verify("\\boxed{12*2}", TRUTH), "12 and 2 not given");
        assertEquals(0.0, atMostOnce.verify("\\boxed{64/4*1+3-3}", TRUTH), "no concatenating 6 and 4");
    }

    @Test
    void malformedIsZero() {
        for (String bad : new String[]{"\\boxed{}", "\\boxed{6*(4}", "\\boxed{-6+30}", "\\boxed{6**4}",
                "\\boxed{6/(4-4)*3+1}", "\\boxed{6 4}", "\\boxed{x}", "no answer", "\\boxed{2^3}",
                "\\boxed{" + "(".repeat(500) + "1" + ")".repeat(500) + "}"}) {
            assertEquals(0.0, atMostOnce.verify(bad, TRUTH), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> useAll.verify("\\boxed{1}", "24"));
    }

    @Test
    void minimalParenthesesKeepTheMeaning() {
        Random random = new Random(11);
        CountdownTask hard = new CountdownTask(Map.of("numbers", 6, "max_number", 9, "max_target", 1000));
        for (int i = 0; i < 500; i++) {
            Problem problem = hard.generate(random);
            assertEquals(1.0, hard.verify("\\boxed{" + problem.answer() + "}", problem.groundTruth()),
                    problem.toString());
        }
    }

    @Test
    void promptAndKey() {
        Problem problem = useAll.generate(new Random(2));
        assertTrue(problem.prompt().startsWith("Using the numbers "), problem.prompt());
        assertTrue(problem.prompt().endsWith("each number exactly once."), problem.prompt());
        assertTrue(problem.key().matches("\\[\\d+, \\d+, \\d+]->\\d+"), problem.key());
    }
}
