package dev.reason4j.env;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuessNumberTest {
    private static final EnvironmentFactory END_ONLY = Environments.create("guess_number", Map.of());

    /** Plays one whole game with the binary-search player; returns the results of its steps. */
    private static List<StepResult> playOptimally(Environment env) throws Exception {
        BinarySearchPlayer player = new BinarySearchPlayer(env.reset(0));
        List<StepResult> steps = new ArrayList<>();
        String observation = null;
        while (steps.isEmpty() || !steps.getLast().done()) {
            StepResult step = env.step(player.act(observation));
            steps.add(step);
            observation = step.observation();
        }
        return steps;
    }

    private static Example game(int low, int high, int secret, int maxGuesses) {
        GuessNumberTask.Game game = new GuessNumberTask.Game(low, high, secret, maxGuesses);
        return new Example(game.intro(), null, game.toJson(), GuessNumberTask.NAME, Map.of());
    }

    @Test
    void binarySearchAlwaysWinsWithinCeilLog2PlusOneGuesses() throws Exception {
        for (int[] range : new int[][]{{1, 2}, {0, 9}, {17, 80}, {5, 68}, {100, 163}, {3, 1002}}) {
            int size = range[1] - range[0] + 1;
            int bound = (int) Math.ceil(Math.log(size) / Math.log(2)) + 1;
            int worst = 0;
            for (int secret = range[0]; secret <= range[1]; secret++) {
                Environment env = END_ONLY.create(game(range[0], range[1], secret, bound));
                List<StepResult> steps = playOptimally(env);
                StepResult last = steps.getLast();
                assertEquals("Correct!", last.observation());
                assertEquals(1.0, last.reward());
                assertEquals(1, last.info().get("won"));
                assertEquals(steps.size(), last.info().get("guesses"));
                for (StepResult step : steps.subList(0, steps.size() - 1)) {
                    assertEquals(0.0, step.reward());
                    assertFalse(step.done());
                }
                assertTrue(steps.size() <= bound, "secret " + secret + " took " + steps.size());
                worst = Math.max(worst, steps.size());
            }
            // The worst case over all secrets is exactly floor(log2(size)) + 1, what the task's budget builds on.
            assertEquals(31 - Integer.numberOfLeadingZeros(size) + 1, worst, "range " + range[0] + ".." + range[1]);
            assertEquals(worst, GuessNumberTask.binarySearchGuesses(size));
        }
    }

    @Test
    void feedbackCountsDownTheGuessesLeft() throws Exception {
        Environment env = END_ONLY.create(game(1, 100, 30, 3));
        assertEquals("I am thinking of an integer from 1 to 100. Guess it! Give one guess per turn as \\boxed{n};"
                + " I will answer higher, lower or correct. You have 3 guesses.", env.reset(5));
        assertEquals(new StepResult("Lower. 2 guesses left.", 0, false, Map.of("guesses", 1, "invalid", 0)),
                env.step("\\boxed{50}"));
        assertEquals(new StepResult("Higher. 1 guess left.", 0, false, Map.of("guesses", 2, "invalid", 0)),
                env.step("25"));
        assertEquals(new StepResult("Out of guesses: the number was 30.", 0, true,
                Map.of("guesses", 3, "invalid", 0, "won", 0)), env.step("\\boxed{27}"));
        IllegalStateException over = assertThrows(IllegalStateException.class, () -> env.step("\\boxed{30}"));
        assertEquals("environment guess_number: step after the episode ended", over.getMessage());
        // reset starts the same game again
        env.reset(5);
        assertEquals(1.0, env.step("30.").reward());
    }

    @Test
    void invalidActionsAreAnObservationAndUseATurn() throws Exception {
        Environment env = END_ONLY.create(game(23, 87, 41, 4));
        env.reset(0);
        StepResult words = env.step("I think it is forty-one");
        assertEquals(new StepResult("Say a number from 23 to 87, as \\boxed{n}. 3 guesses left.", 0, false,
                Map.of("guesses", 1, "invalid", 1)), words);
        assertEquals("Say a number from 23 to 87, as \\boxed{n}. 2 guesses left.", env.step("\\boxed{100}")
                .observation());
        assertEquals("Say a number from 23 to 87, as \\boxed{n}. 1 guess left.", env.step("\\boxed{4.5}")
                .observation());
        StepResult last = env.step("");
        assertTrue(last.done());
        assertEquals(0.0, last.reward());
        assertEquals(Map.of("guesses", 4, "invalid", 1, "won", 0), last.info());
    }

    @Test
    void guessParsing() {
        assertEquals(41, GuessNumberTask.guess("maybe 10 or 20... \\boxed{41}"));
        assertEquals(41, GuessNumberTask.guess(" 41 "));
        assertEquals(41, GuessNumberTask.guess("41."));
        assertEquals(-3, GuessNumberTask.guess("\\boxed{-3}"));
        assertNull(GuessNumberTask.guess("maybe 41"));
        assertNull(GuessNumberTask.guess("\\boxed{forty}"));
        assertNull(GuessNumberTask.guess("\\boxed{99999999999}"));
        assertNull(GuessNumberTask.guess(""));
    }

    @Test
    void stepRewardIsPotentialBasedShaping() throws Exception {
        EnvironmentFactory shaped = Environments.create("guess_number", Map.of("step_reward", 0.5));
        // A won game returns 1 + step_reward: the shaping telescopes to the bits needed, all learned.
        for (int secret : new int[]{0, 13, 37, 63}) {
            List<StepResult> steps = playOptimally(shaped.create(game(0, 63, secret, 7)));
            double total = steps.stream().mapToDouble(StepResult::reward).sum();
            assertEquals(1.5, total, 1e-12, "secret " + secret);
        }
        // 0..63 (64 numbers, 6 bits): "Lower" to 32 leaves 0..31 (5 bits), one bit learned: 0.5 * 1/6.
        Environment env = shaped.create(game(0, 63, 10, 2));
        env.reset(0);
        assertEquals(0.5 / 6, env.step("\\boxed{32}").reward(), 1e-12);
        // an invalid turn learns nothing; the lost game keeps what it learned
        StepResult lost = env.step("no idea");
        assertEquals(0.0, lost.reward());
        assertTrue(lost.done());
        // a guess outside what is still possible learns nothing either
        Environment again = shaped.create(game(0, 63, 10, 3));
        again.reset(0);
        again.step("\\boxed{32}");
        assertEquals(0.0, again.step("\\boxed{40}").reward());
    }

    @Test
    void taskProblemsAreGamesWithDisjointHeldOutSplits() throws Exception {
        Task task = Tasks.create("guess_number", Map.of());
        List<Problem> heldOut = task.distinct(Split.TEST, 200, 7);
        List<Problem> train = task.distinct(Split.TRAIN, 2000, 7);
        Set<String> trainKeys = new HashSet<>();
        train.forEach(problem -> trainKeys.add(problem.key()));
        for (Problem problem : heldOut) {
            assertFalse(trainKeys.contains(problem.key()), problem.key());
            GuessNumberTask.Game game = GuessNumberTask.Game.parse(problem.groundTruth());
            assertEquals(game.key(), problem.key());
            assertEquals(game.intro(), problem.prompt());
            assertEquals(String.valueOf(game.secret()), problem.answer());
            assertTrue(game.size() >= 10 && game.size() <= 100 && game.low() >= 0 && game.low() <= 100, game.key());
            assertEquals(GuessNumberTask.binarySearchGuesses(game.size()) + 1, game.maxGuesses());
            assertEquals(1.0, task.verify("\\boxed{" + game.secret() + "}", problem.groundTruth()));
            assertEquals(0.0, task.verify("\\boxed{" + (game.secret() + 1) + "}", problem.groundTruth()));
            // the worked solution is binary search's first move
            int middle = game.low() + (game.high() - game.low()) / 2;
            assertEquals(middle, GuessNumberTask.guess(problem.solution()));
        }
        Problem one = task.sample(Split.TRAIN, new Random(3));
        assertEquals(one, task.sample(Split.TRAIN, new Random(3)));
        assertEquals(one.prompt(), END_ONLY.create(one.toExample()).reset(99));
    }

    @Test
    void badGroundTruthAndOptionsAreOneLineErrors() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> END_ONLY.create(new Example("hi", null, null, "guess_number", Map.of())));
        assertEquals("task guess_number: no ground truth (a game needs {\"low\", \"high\", \"secret\","
                + " \"max_guesses\"})", none.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> GuessNumberTask.Game.parse("{\"low\": 1, \"high\": 9, \"secret\": 4}"));
        assertTrue(missing.getMessage().startsWith("task guess_number: ground truth needs an integer"
                + " \"max_guesses\""), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GuessNumberTask.Game.parse("{\"low\": 5, \"high\": 9,"
                + " \"secret\": 11, \"max_guesses\": 3}"));
        IllegalArgumentException option = assertThrows(IllegalArgumentException.class,
                () -> Environments.create("guess_number", Map.of("step_rewards", 0.1)));
        assertTrue(option.getMessage().startsWith("environment guess_number: unknown option step_rewards — did you"
                + " mean step_reward?"), option.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> Environments.create("guess_number", Map.of("step_reward", "some")));
        assertEquals("environment guess_number: option step_reward expects a number, got some", type.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tasks.create("guess_number", Map.of("min_size", 50,
                "max_size", 20)));
    }
}
