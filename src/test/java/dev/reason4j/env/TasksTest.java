package dev.reason4j.env;

import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardInput;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties every built-in task must have. */
class TasksTest {
    private static final List<Task> TASKS = List.of(
            Tasks.create("arithmetic", Map.of()),
            Tasks.create("arithmetic", Map.of("digits", 4, "operands", 3, "operators", "+-*")),
            Tasks.create("arithmetic", Map.of("digits", 3, "scratchpad", "steps", "think", true)),
            Tasks.create("countdown", Map.of()),
            Tasks.create("countdown", Map.of("numbers", 4, "max_number", 50, "use_all", false)),
            Tasks.create("gsm", Map.of()),
            Tasks.create("gsm", Map.of("min_steps", 4, "max_steps", 6, "max_number", 50)),
            Tasks.create("tool_arithmetic", Map.of()),
            Tasks.create("tool_arithmetic", Map.of("forms", "a*b-c,a*b+c*d", "scratchpad", "columns",
                    "think", true)));
    /** Tasks whose worked solution is a move, not equations (a game's first guess). */
    private static final List<Task> GAMES = List.of(Tasks.create("guess_number", Map.of()),
            Tasks.create("guess_number", Map.of("max_low", 0, "min_size", 2, "max_size", 1000)));

    private static List<Task> allTasks() {
        List<Task> all = new ArrayList<>(TASKS);
        all.addAll(GAMES);
        return all;
    }

    @Test
    void workedSolutionsVerifyAndEveryLineIsATrueEquation() {
        Random random = new Random(42);
        for (Task task : TASKS) {
            for (int i = 0; i < 150; i++) {
                Problem problem = task.generate(random);
                assertEquals(1.0, task.verify(problem.solution(), problem.groundTruth()), problem.toString());
                assertTrue(problem.solution().endsWith("\\boxed{" + problem.answer() + "}"), problem.solution());
                for (String line : problem.solution().lines().toList()) {
                    if (line.startsWith("\\boxed") || line.startsWith("<") || line.isEmpty()) {
                        continue;
                    }
                    int eq = line.indexOf('=');
                    CountdownTask.Rational left = new CountdownTask.ExpressionParser(line.substring(0, eq),
                            new ArrayList<>()).parse();
                    assertEquals(CountdownTask.Rational.of(new BigInteger(line.substring(eq + 1))), left,
                            "false step '" + line + "' in " + problem);
                }
            }
        }
    }

    @Test
    void sameSeedSameProblems() {
        for (Task task : allTasks()) {
            assertEquals(task.distinct(Split.TRAIN, 20, 7), task.distinct(Split.TRAIN, 20, 7));
            Problem a = task.sample(Split.TEST, new Random(3));
            assertEquals(a, task.sample(Split.TEST, new Random(3)));
        }
    }

    @Test
    void trainAndHeldOutSplitsAreDisjoint() {
        for (Task task : allTasks()) {
            Set<String> train = new HashSet<>();
            Set<String> test = new HashSet<>();
            Random random = new Random(1);
            for (int i = 0; i < 300; i++) {
                Problem trainProblem = task.sample(Split.TRAIN, random);
                Problem testProblem = task.sample(Split.TEST, random);
                train.add(trainProblem.key());
                test.add(testProblem.key());
                assertEquals(Split.TRAIN, Split.of(trainProblem.key()));
                assertEquals(Split.TEST, Split.of(testProblem.key()));
            }
            assertTrue(test.size() > 25, task.name() + " test problems too few: " + test.size());
            Set<String> overlap = new HashSet<>(train);
            overlap.retainAll(test);
            assertEquals(Set.of(), overlap, task.name());
        }
    }

    @Test
    void heldOutIsAboutTenPercentOfTheSpace() {
        Random random = new Random(5);
        Task task = Tasks.create("arithmetic", Map.of("digits", 3));
        int test = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            test += Split.of(task.generate(random).key()) == Split.TEST ? 1 : 0;
        }
        assertEquals(Split.TEST_PERCENT / 100.0, test / (double) n, 0.01);
    }

    @Test
    void distinctProblemsAreDistinctAndTooSmallASpaceIsAClearError() {
        Task task = Tasks.create("arithmetic", Map.of("digits", 2));
        List<Problem> problems = task.distinct(Split.TEST, 100, 1);
        assertEquals(100, problems.stream().map(Problem::key).distinct().count());
        Task tiny = Tasks.create("arithmetic", Map.of("digits", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tiny.distinct(Split.TEST, 50, 1));
        assertTrue(e.getMessage().contains("distinct TEST problems"), e.getMessage());
    }

    @Test
    void unknownTaskOrOptionSuggestsTheNearest() {
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> Tasks.create("countdwn", Map.of()));
        assertTrue(name.getMessage().contains("did you mean countdown?"), name.getMessage());
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> Tasks.create("arithmetic", Map.of("digts", 3)));
        assertTrue(option.getMessage().startsWith("task arithmetic: unknown option digts — did you mean digits?"),
                option.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tasks.create("arithmetic", Map.of("digits", "3")));
        assertThrows(IllegalArgumentException.class, () -> Tasks.create("arithmetic", Map.of("operators", "+/")));
        assertThrows(IllegalArgumentException.class, () -> Tasks.create("gsm", Map.of("min_steps", 5,
                "max_steps", 2)));
    }

    @Test
    void taskFromConfigAndAsReward() {
        Config config = Config.defaults().override(List.of("data.task=countdown",
                "data.task_options={numbers: 4, max_target: 50}"));
        Task task = Tasks.fromConfig(config);
        Problem problem = task.sample(Split.TRAIN, new Random(9));
        assertTrue(problem.groundTruth().matches("\\{\"target\":\\d+,\"numbers\":\\[\\d+,\\d+,\\d+,\\d+]}"),
                problem.groundTruth());
        Example example = problem.toExample();
        assertEquals("countdown", example.dataSource());
        assertEquals(problem.prompt(), example.asMessages().getFirst().content());
        RewardInput good = new RewardInput(problem.prompt(), problem.solution(), example.groundTruth(),
                example.dataSource(), 10, example.extra());
        assertEquals(1.0, task.reward().score(good).reward());
        RewardInput bad = new RewardInput(problem.prompt(), "\\boxed{1+1}", example.groundTruth(),
                example.dataSource(), 10, example.extra());
        assertEquals(0.0, task.reward().score(bad).reward());
    }

    @Test
    void lastBoxedAndIntegers() {
        assertEquals("432", Answers.lastBoxed("so \\boxed{1} no, \\boxed{432}"));
        assertEquals("\\frac{1}{2}", Answers.lastBoxed("\\boxed{\\frac{1}{2}}"));
        assertEquals("7", Answers.lastBoxed("\\boxed{7} then \\boxed{unclosed"));
        assertEquals(null, Answers.lastBoxed("432"));
        assertEquals(BigInteger.valueOf(1234), Answers.parseInteger(" 1,234 "));
        assertEquals(BigInteger.valueOf(-5), Answers.parseInteger("$-5$"));
        assertEquals(null, Answers.parseInteger("12,34"));
        assertEquals(null, Answers.parseInteger("4.0"));
        assertEquals(null, Answers.parseInteger(null));
    }
}
