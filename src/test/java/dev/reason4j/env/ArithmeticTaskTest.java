package dev.reason4j.env;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArithmeticTaskTest {
    private final ArithmeticTask task = new ArithmeticTask(Map.of());

    @Test
    void columnAdditionWritesCarries() {
        List<String> lines = new ArrayList<>();
        assertEquals(BigInteger.valueOf(432), ArithmeticTask.add(BigInteger.valueOf(47), BigInteger.valueOf(385),
                lines));
        assertEquals(List.of("7+5+0=12", "4+8+1=13", "0+3+1=04"), lines);
    }

    @Test
    void columnSubtractionWritesBorrows() {
        List<String> lines = new ArrayList<>();
        assertEquals(BigInteger.valueOf(338), ArithmeticTask.subtract(BigInteger.valueOf(385), BigInteger.valueOf(47),
                lines));
        assertEquals(List.of("15-7-0=8", "8-4-1=3", "3-0-0=3"), lines);
        lines.clear();
        ArithmeticTask.subtract(BigInteger.valueOf(1000), BigInteger.valueOf(1), lines);
        assertEquals(List.of("10-1-0=9", "10-0-1=9", "10-0-1=9", "1-0-1=0"), lines);
    }

    @Test
    void longMultiplicationWritesColumnsAndPartialProducts() {
        List<String> lines = new ArrayList<>();
        assertEquals(BigInteger.valueOf(469), ArithmeticTask.multiply(BigInteger.valueOf(67), BigInteger.valueOf(7),
                lines));
        assertEquals(List.of("7*7+0=49", "6*7+4=46"), lines);
        lines.clear();
        assertEquals(BigInteger.valueOf(1081), ArithmeticTask.multiply(BigInteger.valueOf(47),
                BigInteger.valueOf(23), lines));
        assertEquals(List.of("7*3+0=21", "4*3+2=14", "47*3=141", "7*2+0=14", "4*2+1=09", "47*20=940",
                "1+0+0=01", "4+4+0=08", "1+9+0=10", "141+940=1081"), lines);
    }

    @Test
    void wholeWorkedSolution() {
        Problem problem = new ArithmeticTask(Map.of("digits", 3)).generate(new java.util.Random(0));
        // One concrete problem, printed in full to pin the format.
        String expected = String.join("\n", columnsOf(problem)) + "\n" + problem.key() + "=" + problem.answer()
                + "\n\\boxed{" + problem.answer() + "}";
        assertEquals(expected, problem.solution());
        assertEquals("What is " + problem.key().replace("+", " + ") + "?", problem.prompt());
    }

    private static List<String> columnsOf(Problem problem) {
        String[] parts = problem.key().split("\\+");
        List<String> lines = new ArrayList<>();
        ArithmeticTask.add(new BigInteger(parts[0]), new BigInteger(parts[1]), lines);
        return lines;
    }

    @Test
    void scratchpadStepsAndNone() {
        Problem steps = new ArithmeticTask(Map.of("scratchpad", "steps", "operands", 3)).generate(new java.util.Random(1));
        assertEquals(3, steps.solution().lines().count(), steps.solution());
        Problem none = new ArithmeticTask(Map.of("scratchpad", "none")).generate(new java.util.Random(1));
        assertEquals("\\boxed{" + none.answer() + "}", none.solution());
    }

    @Test
    void verifyReadsTheLastBoxedInteger() {
        assertEquals(1.0, task.verify("7+5+0=12\n\\boxed{432}", "432"));
        assertEquals(1.0, task.verify("\\boxed{ 432 }", "432"));
        assertEquals(0.0, task.verify("\\boxed{431}", "432"));
        assertEquals(0.0, task.verify("432", "432"));
        assertEquals(0.0, task.verify("\\boxed{432} no wait \\boxed{431}", "432"));
        assertEquals(0.0, task.verify("\\boxed{432.5}", "432"));
        assertEquals(0.0, task.verify("", "432"));
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> task.verify("\\boxed{1}", "one"));
        assertEquals("task arithmetic: ground truth must be an integer, got 'one'", bad.getMessage());
    }

    @Test
    void precedenceAndNonNegativeIntermediates() {
        ArithmeticTask mixed = new ArithmeticTask(Map.of("digits", 2, "operands", 4, "operators", "+-*"));
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 500; i++) {
            Problem problem = mixed.generate(random);
            assertEquals(javaEval(problem.key()), new BigInteger(problem.answer()), problem.key());
            assertEquals(false, problem.solution().contains("=-"), problem.solution());
        }
    }

    /** Reference: * before + and -, left to right. */
    private static BigInteger javaEval(String expression) {
        BigInteger total = BigInteger.ZERO;
        for (String signed : expression.replace("-", "+-").split("\\+")) {
            boolean negative = signed.startsWith("-");
            BigInteger product = BigInteger.ONE;
            for (String factor : signed.replace("-", "").split("\\*")) {
                product = product.multiply(new BigInteger(factor));
            }
            total = negative ? total.subtract(product) : total.add(product);
        }
        return total;
    }

    @Test
    void checkPercentAddsTheInverseSubtractionAndTheHiddenRuleReadsIt() {
        ArithmeticTask checking = new ArithmeticTask(Map.of("check_percent", 50));
        java.util.Random random = new java.util.Random(3);
        int checked = 0;
        for (int i = 0; i < 400; i++) {
            Problem problem = checking.generate(random);
            String[] parts = problem.key().split("\\+");
            String check = problem.answer() + "-" + parts[1] + "=" + parts[0];
            assertEquals(check, problem.extra().get(ArithmeticTask.CHECK));
            String with = ArithmeticTask.solution(problem, true);
            String without = ArithmeticTask.solution(problem, false);
            assertEquals(without.replace("\\boxed{", check + "\n\\boxed{"), with);
            assertTrue(problem.solution().equals(with) || problem.solution().equals(without));
            checked += problem.solution().equals(with) ? 1 : 0;
            Example example = problem.toExample();
            assertTrue(checking.meetsCheckRule(with, example));
            assertFalse(checking.meetsCheckRule(without, example), "no check line");
            assertFalse(checking.meetsCheckRule(with.replace("\\boxed{" + problem.answer(), "\\boxed{x"), example),
                    "checked but wrong");
            assertFalse(checking.meetsCheckRule(with.replace(check, check + "0"), example), "a wrong check");
        }
        assertTrue(checked > 150 && checked < 250, "about half checked: " + checked);
        // Without the option the problems are exactly as before: no extra field, no extra random draws.
        java.util.Random a = new java.util.Random(9);
        java.util.Random b = new java.util.Random(9);
        ArithmeticTask plain = new ArithmeticTask(Map.of());
        ArithmeticTask zero = new ArithmeticTask(Map.of("check_percent", 0));
        for (int i = 0; i < 20; i++) {
            Problem p = plain.generate(a);
            assertEquals(p, zero.generate(b));
            assertTrue(p.extra().isEmpty());
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ArithmeticTask(Map.of("check_percent", 10, "operators", "*")));
        assertEquals("task arithmetic: option check_percent needs operands: 2, operators: '+', scratchpad: columns"
                + " and no think (the check is one subtraction line before the answer)", e.getMessage());
    }
}
