package dev.reason4j.env;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolArithmeticTaskTest {
    private final Task task = Tasks.create("tool_arithmetic", Map.of());

    /** The expression's value by BigInteger arithmetic, products first: independent of the task's evaluator. */
    private static BigInteger value(String expression) {
        BigInteger total = BigInteger.ZERO;
        for (String term : expression.split("(?=[+-])")) {
            BigInteger product = BigInteger.ONE;
            for (String factor : term.replaceFirst("^[+-]", "").split("\\*")) {
                product = product.multiply(new BigInteger(factor));
            }
            total = term.startsWith("-") ? total.subtract(product) : total.add(product);
        }
        return total;
    }

    @Test
    void defaultsAreThreeToFourDigitsTimesTwoToThreeDigitsPlusAnAddend() {
        Random random = new Random(11);
        Set<String> shapes = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            Problem problem = task.generate(random);
            String expression = (String) problem.extra().get(ToolArithmeticTask.EXPRESSION);
            assertEquals(problem.key(), expression);
            assertEquals("What is " + expression.replace("*", " * ").replace("+", " + ") + "?", problem.prompt());
            assertEquals(value(expression).toString(), problem.answer());
            assertEquals(problem.answer(), problem.groundTruth());
            String[] numbers = expression.split("[*+]");
            assertTrue(numbers[0].length() >= 3 && numbers[0].length() <= 4, expression);
            assertTrue(numbers[1].length() >= 2 && numbers[1].length() <= 3, expression);
            if (numbers.length == 3) {
                assertTrue(numbers[2].length() <= 4, expression);
            }
            shapes.add(expression.replaceAll("\\d+", "n"));
            // steps scratchpad: one line per operation, then the boxed answer
            BigInteger product = new BigInteger(numbers[0]).multiply(new BigInteger(numbers[1]));
            String expected = numbers[0] + "*" + numbers[1] + "=" + product + "\n"
                    + (numbers.length == 3 ? product + "+" + numbers[2] + "=" + problem.answer() + "\n" : "")
                    + "\\boxed{" + problem.answer() + "}";
            assertEquals(expected, problem.solution());
        }
        assertEquals(Set.of("n*n", "n*n+n"), shapes);
    }

    @Test
    void everyFormEvaluatesExactlyAndNeverGoesNegative() {
        Task all = Tasks.create("tool_arithmetic", Map.of("forms", "a*b, a*b+c, a*b-c, a*b+c*d", "digits", 2,
                "min_digits", 1, "multiplier_digits", 1, "min_multiplier_digits", 1, "addend_digits", 3));
        Random random = new Random(2);
        Set<String> shapes = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Problem problem = all.generate(random);
            BigInteger value = value(problem.key());
            assertTrue(value.signum() >= 0, problem.key());
            assertEquals(value.toString(), problem.answer());
            assertEquals(1.0, all.verify(problem.solution(), problem.groundTruth()));
            shapes.add(problem.key().replaceAll("\\d+", "n"));
        }
        assertEquals(Set.of("n*n", "n*n+n", "n*n-n", "n*n+n*n"), shapes);
    }

    @Test
    void heldOutSplitHasTwoHundredDistinctProblemsDisjointFromTrain() {
        List<Problem> heldOut = task.distinct(Split.TEST, 200, 1);
        Set<String> train = new HashSet<>();
        task.distinct(Split.TRAIN, 5000, 1).forEach(problem -> train.add(problem.key()));
        for (Problem problem : heldOut) {
            assertEquals(Split.TEST, Split.of(problem.key()));
            assertTrue(!train.contains(problem.key()), problem.key());
        }
    }

    @Test
    void verifierReadsTheLastBoxedIntegerExactly() {
        Problem problem = task.sample(Split.TRAIN, new Random(4));
        String answer = problem.answer();
        assertEquals(1.0, task.verify("calculator says " + answer + "\n\\boxed{" + answer + "}",
                problem.groundTruth()));
        assertEquals(0.0, task.verify("\\boxed{" + new BigInteger(answer).add(BigInteger.ONE) + "}",
                problem.groundTruth()));
        assertEquals(0.0, task.verify(answer, problem.groundTruth()));
        Example example = problem.toExample();
        assertEquals(problem.key(), example.extra().get("expression"));
        assertEquals("tool_arithmetic", example.dataSource());
    }

    @Test
    void badFormIsAOneLineError() {
        IllegalArgumentException form = assertThrows(IllegalArgumentException.class,
                () -> Tasks.create("tool_arithmetic", Map.of("forms", "a*b,a/b")));
        assertEquals("task tool_arithmetic: option forms: unknown form 'a/b' (forms: a*b, a*b+c, a*b-c, a*b+c*d)",
                form.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tasks.create("tool_arithmetic", Map.of("digit", 3)));
    }
}
