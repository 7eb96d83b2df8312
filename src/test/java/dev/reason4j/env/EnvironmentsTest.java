package dev.reason4j.env;

import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvironmentsTest {
    @Test
    void aTaskIsAOneStepEnvironmentScoredByItsVerifier() throws Exception {
        Task task = Tasks.create("tool_arithmetic", Map.of());
        Problem problem = task.sample(Split.TRAIN, new Random(1));
        EnvironmentFactory factory = TaskEnvironment.factory(task.reward());
        try (Environment env = factory.create(problem.toExample())) {
            assertEquals(problem.prompt(), env.reset(3));
            StepResult result = env.step("The calculator says " + problem.answer() + ".\n\\boxed{" + problem.answer()
                    + "}");
            assertEquals(new StepResult("", 1.0, true, Map.of()), result);
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> env.step("\\boxed{1}"));
            assertEquals("environment task: step after the episode ended", again.getMessage());
        }
        Environment wrong = factory.create(problem.toExample());
        wrong.reset(3);
        assertEquals(0.0, wrong.step("\\boxed{12}").reward());
        assertThrows(IllegalStateException.class, () -> factory.create(problem.toExample()).step("1"));
    }

    @Test
    void theRegisteredTaskEnvironmentScoresByDataSource() throws Exception {
        // As a run does (Setup.task): the task's verifier answers to its data source.
        RewardFunctions.configure("tool_arithmetic", Tasks.create("tool_arithmetic", Map.of()).reward());
        EnvironmentFactory factory = Environments.create("task", Map.of());
        Example example = new Example("What is 1000 * 12?", null, "12000", "tool_arithmetic", Map.of());
        Environment env = factory.create(example);
        env.reset(0);
        assertEquals(1.0, env.step("\\boxed{12000}").reward());
        // a chat-message example: the question is its last user message; metrics and errors go to info
        Example chat = new Example(null, List.of(new Message("system", "Be brief."), new Message("user", "2+2?")),
                "4", "judge", Map.of());
        Environment judged = TaskEnvironment.factory(input -> new RewardResult(0.5, Map.of("format", 1.0),
                "judge timed out")).create(chat);
        assertEquals("2+2?", judged.reset(0));
        assertEquals(new StepResult("", 0.5, true, Map.of("format", 1.0, "reward_error", "judge timed out")),
                judged.step("4"));
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> Environments.create("task", Map.of("reward", "math")));
        assertTrue(option.getMessage().startsWith("environment task: unknown option reward"), option.getMessage());
    }

    @Test
    void aUserEnvironmentInAFewLines() throws Exception {
        // Count down from the example's number; each action must say the next one.
        Environments.register("countdown_game", options -> example -> new Environment() {
            int next;

            public String reset(long seed) {
                next = Integer.parseInt(example.groundTruth());
                return "Count down from " + next + ".";
            }

            public StepResult step(String action) {
                boolean right = action.strip().equals(String.valueOf(--next));
                return new StepResult(right ? "Go on." : "Wrong.", right ? 1 : 0, !right || next == 0, Map.of());
            }
        });
        try {
            assertTrue(Environments.names().containsAll(List.of("countdown_game", "guess_number", "http", "task")));
            Environment env = Environments.create("countdown_game", Map.of())
                    .create(new Example("-", null, "2", "countdown_game", Map.of()));
            assertEquals("Count down from 2.", env.reset(0));
            assertEquals(new StepResult("Go on.", 1, false, Map.of()), env.step("1"));
            assertEquals(new StepResult("Go on.", 1, true, Map.of()), env.step("0"));
        } finally {
            Environments.unregister("countdown_game");
        }
    }

    @Test
    void unknownEnvironmentSuggestsTheNearest() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Environments.create("guess_numbr", Map.of()));
        assertTrue(e.getMessage().startsWith("unknown environment 'guess_numbr' — did you mean guess_number?"),
                e.getMessage());
    }
}
