package dev.reason4j.env;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GsmTaskTest {
    @Test
    void stepsOptionSetsTheNumberOfLines() {
        GsmTask task = new GsmTask(Map.of("min_steps", 3, "max_steps", 5));
        Random random = new Random(4);
        for (int i = 0; i < 300; i++) {
            Problem problem = task.generate(random);
            long lines = problem.solution().lines().count() - 1;
            assertTrue(lines >= 3 && lines <= 5, problem.solution());
            assertTrue(problem.prompt().endsWith(" have now?"), problem.prompt());
            assertTrue(Long.parseLong(problem.answer()) >= 0, problem.toString());
        }
    }

    @Test
    void verifyIsExactOnTheLastBox() {
        GsmTask task = new GsmTask(Map.of());
        assertEquals(1.0, task.verify("7+5=12\n\\boxed{12}", "12"));
        assertEquals(0.0, task.verify("\\boxed{12 apples}", "12"));
        assertEquals(0.0, task.verify("\\boxed{13}", "12"));
    }
}
