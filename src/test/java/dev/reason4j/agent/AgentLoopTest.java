package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.env.Environment;
import dev.reason4j.env.StepResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent loop against a scripted policy with the real Qwen3 tokenizer and chat template: token in, token out,
 * loss masks, tool errors as tool responses, budgets, environment failures, concurrency.
 */
class AgentLoopTest {
    private static Tokenizer qwen3;
    private static ChatTemplate template;
    private static int imEnd;

    @BeforeAll
    static void load() throws IOException {
        String env = System.getenv("REASON4J_FIXTURES");
        Path fixtures = env != null && !env.isEmpty() ? Path.of(env) : Path.of("..", "shared", "fixtures");
        qwen3 = Tokenizer.load(fixtures.resolve("tokenizers/qwen3"));
        template = ChatTemplate.of(qwen3);
        imEnd = qwen3.tokenToId("<|im_end|>").orElseThrow();
    }

    private static final Tool CALCULATOR = Tool.of("calculator", "Evaluates an arithmetic expression.",
            Map.of("type", "object", "properties", Map.of("expression", Map.of("type", "string")),
                    "required", List.of("expression")),
            arguments -> switch (Tool.string(arguments, "expression")) {
                case "12*34" -> "408";
                case "boom" -> throw new IllegalStateException("kaboom");
                default -> throw new ToolException("cannot evaluate " + arguments.get("expression"));
            });

    private static AgentLoop loop(List<Tool> tools, int maxTurns, int maxTokens, Duration toolTimeout) {
        return new AgentLoop(qwen3, template, ToolCallFormats.of(template, List.of("<|im_end|>")), tools,
                new AgentLoop.Settings(maxTurns, maxTokens, toolTimeout, null, null));
    }

    /** A one-step task: the first action is checked for \boxed{408}. */
    private static class Multiply implements Environment {
        public String reset(long seed) {
            return "What is 12*34?";
        }

        public StepResult step(String action) {
            return new StepResult(null, action.contains("\\boxed{408}") ? 1 : 0, true, Map.of());
        }
    }

    /** A scripted policy: the text of each turn from (sample index, turns so far); every turn ends with im_end. */
    private static final class ScriptedEngine implements RolloutEngine {
        final BiFunction<Integer, Integer, String> script;
        final List<int[]> contexts = new ArrayList<>();
        final Map<Integer, Integer> turnsOfSample = new java.util.HashMap<>();
        final Map<Integer, int[]> firstTurns = new java.util.HashMap<>();
        int promptLength = -1;

        ScriptedEngine(BiFunction<Integer, Integer, String> script) {
            this.script = script;
        }

        public synchronized CompletableFuture<List<Completion>> submit(Generator.Request request) {
            contexts.add(request.prompt());
            List<Completion> completions = new ArrayList<>();
            if (promptLength < 0) {     // the first turn: all n samples in one request
                promptLength = request.prompt().length;
                for (int j = 0; j < request.params().n(); j++) {
                    Completion completion = completion(j, script.apply(j, 0), request.params().maxNewTokens());
                    firstTurns.put(j, completion.tokens());
                    turnsOfSample.put(j, 1);
                    completions.add(completion);
                }
            } else {                    // a later turn of one episode, told apart by its first turn
                int sample = sampleOf(request.prompt());
                int turn = turnsOfSample.merge(sample, 1, Integer::sum) - 1;
                completions.add(completion(sample, script.apply(sample, turn), request.params().maxNewTokens()));
            }
            return CompletableFuture.completedFuture(completions);
        }

        int sampleOf(int[] context) {
            for (Map.Entry<Integer, int[]> entry : firstTurns.entrySet()) {
                int[] first = entry.getValue();
                if (Arrays.equals(context, promptLength, promptLength + first.length, first, 0, first.length)) {
                    return entry.getKey();
                }
            }
            throw new AssertionError("a request that continues no episode");
        }

        Completion completion(int sample, String text, int maxNewTokens) {
            int[] body = qwen3.encode(text, false);
            boolean fits = body.length + 1 <= maxNewTokens;
            int[] tokens = fits ? Arrays.copyOf(body, body.length + 1) : Arrays.copyOf(body, maxNewTokens);
            if (fits) {
                tokens[body.length] = imEnd;
            }
            float[] logProbs = new float[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                logProbs[i] = -0.01f * (i + 1);
            }
            return new Completion(0, sample, tokens, logProbs, new float[tokens.length],
                    fits ? FinishReason.STOP : FinishReason.LENGTH, false);
        }
    }

    private static final String TURN_1 = "<think>\nI can't multiply in my head reliably; use the tool.\n</think>\n\n"
            + "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12*34\"}}\n</tool_call>";
    private static final String TURN_2 = "<think>\nThe calculator says 408.\n</think>\n\nThe answer is \\boxed{408}.";

    /** Qwen's end of turn is the stop token, as the trainer sets it (the tokenizer's eos). */
    private static SamplingParams params() {
        return SamplingParams.defaults().withStopTokenIds(imEnd);
    }

    private static Episode runOne(AgentLoop loop, RolloutEngine engine, Environment environment) {
        return loop.run(engine, List.of(environment), 7, params(), 0).join().get(0);
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] part : parts) {
            n += part.length;
        }
        int[] all = new int[n];
        int at = 0;
        for (int[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static int[] withImEnd(String text) {
        int[] body = qwen3.encode(text, false);
        int[] tokens = Arrays.copyOf(body, body.length + 1);
        tokens[body.length] = imEnd;
        return tokens;
    }

    @Test
    void aToolTurnsIdsAreTheSampledOnesAndTheInsertedOnesAreTheTemplatesDelta() {
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> turn == 0 ? TURN_1 : TURN_2);
        Episode episode;
        try (AgentLoop loop = loop(List.of(CALCULATOR), 4, 512, Duration.ofSeconds(5))) {
            episode = runOne(loop, engine, new Multiply());
            assertArrayEquals(qwen3.encode(loop.promptText("What is 12*34?"), false), episode.promptTokens());
        }
        int[] turn1 = withImEnd(TURN_1);
        int[] turn2 = withImEnd(TURN_2);
        // Qwen3's rendering of a tool response and the next assistant header, written out by hand.
        int[] inserted = qwen3.encode("\n<|im_start|>user\n<tool_response>\n408\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n", false);
        assertArrayEquals(concat(turn1, inserted, turn2), episode.responseTokens());
        // The second turn continued exactly the model's own first turn.
        assertArrayEquals(concat(episode.promptTokens(), turn1, inserted), engine.contexts.get(1));

        List<Integer> trained = new ArrayList<>();
        for (int t = 0; t < episode.responseTokens().length; t++) {
            if (episode.sampled()[t]) {
                trained.add(episode.responseTokens()[t]);
            } else {
                assertEquals(0f, episode.logProbs()[t]);
            }
        }
        assertEquals(Arrays.stream(concat(turn1, turn2)).boxed().toList(), trained);

        // The outcome reward sits on the last sampled token; tool-response tokens carry nothing.
        double[] expected = new double[episode.responseTokens().length];
        expected[expected.length - 1] = 1;
        assertArrayEquals(expected, episode.tokenRewards());
        assertEquals(1.0, episode.reward());
        Episode.Stats stats = episode.stats();
        assertEquals(2, stats.turns());
        assertEquals(Map.of("calculator", 1), stats.callsByTool());
        assertEquals(1, stats.wellFormedCalls());
        assertEquals(0, stats.toolErrors());
        assertEquals(inserted.length, stats.insertedTokens());
        assertEquals(turn1.length + turn2.length, stats.sampledTokens());
        assertFalse(stats.budgetCut());
        assertNull(episode.error());
    }

    @Test
    void qwen3TrainedIdsAreExactlyTheSampledOnesThoughItsTemplateDropsEarlierThinking() {
        Environment guessing = new Environment() {
            public String reset(long seed) {
                return "Guess my number between 1 and 100.";
            }

            public StepResult step(String action) {
                boolean right = action.endsWith("75");
                return new StepResult(right ? null : "higher", right ? 1 : 0, right, Map.of());
            }
        };
        String first = "<think>\nStart in the middle of the range.\n</think>\n\n50";
        String second = "<think>\nHigher than 50: halfway up.\n</think>\n\n75";
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> turn == 0 ? first : second);
        Episode episode;
        try (AgentLoop loop = loop(List.of(), 4, 512, Duration.ofSeconds(5))) {
            episode = runOne(loop, engine, guessing);
        }
        int[] observation = qwen3.encode("\n<|im_start|>user\nhigher<|im_end|>\n<|im_start|>assistant\n", false);
        int[] turns = concat(withImEnd(first), withImEnd(second));
        assertArrayEquals(concat(withImEnd(first), observation, withImEnd(second)), episode.responseTokens());
        List<Integer> trained = new ArrayList<>();
        for (int t = 0; t < episode.responseTokens().length; t++) {
            if (episode.sampled()[t]) {
                trained.add(episode.responseTokens()[t]);
            }
        }
        assertEquals(Arrays.stream(turns).boxed().toList(), trained);
        assertEquals(1.0, episode.reward());

        // Re-rendering the conversation from text, as a text-in loop would, drops the first turn's thinking: the
        // ids trained on would not be the ids sampled.
        String rerendered = template.render(new ChatTemplate.ChatRequest(episode.transcript(), null, false, null,
                Map.of()));
        assertFalse(rerendered.contains("Start in the middle"), rerendered);
        assertTrue(qwen3.decode(episode.responseTokens(), false).contains("Start in the middle"));
        assertNotEquals(Arrays.toString(concat(episode.promptTokens(), episode.responseTokens())),
                Arrays.toString(qwen3.encode(rerendered, false)));
    }

    @Test
    void badCallsBecomeToolResponsesTheModelReadsAndTheEpisodeGoesOn() {
        Tool slow = Tool.of("sleep", "Sleeps.", Map.of("type", "object"), arguments -> {
            Thread.sleep(60_000);
            return "awake";
        });
        String calls = "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"12*\"\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"abacus\", \"arguments\": {}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1/0\"}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"boom\"}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"sleep\", \"arguments\": {}}\n</tool_call>";
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> turn == 0 ? calls : TURN_2);
        Episode episode;
        try (AgentLoop loop = loop(List.of(CALCULATOR, slow), 4, 2048, Duration.ofMillis(200))) {
            episode = runOne(loop, engine, new Multiply());
        }
        String inserted = qwen3.decode(engine.contexts.get(1), false);
        inserted = inserted.substring(inserted.lastIndexOf("</tool_call><|im_end|>"));
        List<String> responses = episode.transcript().stream().filter(m -> "tool".equals(m.get("role")))
                .map(m -> (String) m.get("content")).toList();
        assertEquals(6, responses.size(), inserted);
        for (String response : responses) {
            assertTrue(response.startsWith("Error: "), response);
            assertTrue(inserted.contains(response), response);
        }
        assertTrue(responses.get(1).contains("unknown tool 'abacus'"), responses.get(1));
        assertTrue(String.join("\n", responses).contains("kaboom"));
        assertTrue(String.join("\n", responses).contains("missing argument 'expression'"));
        assertTrue(String.join("\n", responses).contains("timed out"));
        Episode.Stats stats = episode.stats();
        assertEquals(1, stats.malformedCalls());
        assertEquals(5, stats.wellFormedCalls());
        assertEquals(6, stats.toolErrors());
        assertEquals(1.0, episode.reward());   // it answered in its second turn
    }

    @Test
    void turnAndTokenBudgetsEndEpisodes() {
        ScriptedEngine looping = new ScriptedEngine((sample, turn) -> TURN_1);
        try (AgentLoop loop = loop(List.of(CALCULATOR), 3, 4096, Duration.ofSeconds(5))) {
            Episode episode = runOne(loop, looping, new Multiply());
            assertEquals(3, episode.stats().turns());
            assertTrue(episode.stats().budgetCut());
            assertEquals(0.0, episode.reward());
            assertEquals(3, looping.contexts.size());
        }
        ScriptedEngine verbose = new ScriptedEngine((sample, turn) -> TURN_1);
        try (AgentLoop loop = loop(List.of(CALCULATOR), 10, 60, Duration.ofSeconds(5))) {
            Episode episode = runOne(loop, verbose, new Multiply());
            assertTrue(episode.stats().budgetCut());
            assertTrue(episode.responseTokens().length <= 60);
            int[] sent = verbose.contexts.get(verbose.contexts.size() - 1);
            assertTrue(sent.length - episode.promptTokens().length < 60);
        }
    }

    @Test
    void stepRewardsSitOnTheLastSampledTokenOfEachTurnAndObservationsAreMasked() {
        Environment twoSteps = new Environment() {
            int steps;

            public String reset(long seed) {
                return "Say two words, one per turn.";
            }

            public StepResult step(String action) {
                steps++;
                return new StepResult("next word", steps == 1 ? 0.25 : 1.0, steps == 2, Map.of());
            }
        };
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> turn == 0 ? "hello" : "world");
        Episode episode;
        try (AgentLoop loop = loop(List.of(), 5, 512, Duration.ofSeconds(5))) {
            episode = runOne(loop, engine, twoSteps);
        }
        int[] first = withImEnd("hello");
        int[] observation = qwen3.encode("\n<|im_start|>user\nnext word<|im_end|>\n<|im_start|>assistant\n", false);
        int[] second = withImEnd("world");
        assertArrayEquals(concat(first, observation, second), episode.responseTokens());
        double[] rewards = new double[episode.responseTokens().length];
        rewards[first.length - 1] = 0.25;
        rewards[rewards.length - 1] = 1.0;
        assertArrayEquals(rewards, episode.tokenRewards());
        assertEquals(1.25, episode.reward());
        for (int t = 0; t < episode.sampled().length; t++) {
            boolean inObservation = t >= first.length && t < first.length + observation.length;
            assertEquals(!inObservation, episode.sampled()[t], "token " + t);
        }
    }

    @Test
    void anEnvironmentThatFailsEndsItsOwnEpisodeOnly() {
        List<Environment> environments = List.of(new Multiply(), new Environment() {
            public String reset(long seed) {
                return "What is 12*34?";
            }

            public StepResult step(String action) throws IOException {
                throw new IOException("http://127.0.0.1:1/step: connection refused");
            }
        });
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> "\\boxed{408}");
        List<Episode> episodes;
        try (AgentLoop loop = loop(List.of(), 2, 512, Duration.ofSeconds(5))) {
            episodes = loop.run(engine, environments, 3, params().withN(2), 0).join();
        }
        assertNull(episodes.get(0).error());
        assertEquals(1.0, episodes.get(0).reward());
        assertTrue(episodes.get(1).error().contains("connection refused"), episodes.get(1).error());
        assertEquals(0.0, episodes.get(1).reward());
    }

    @Test
    void anEpisodeWaitingOnAToolDoesNotHoldUpTheOthers() throws Exception {
        CountDownLatch otherFinished = new CountDownLatch(1);
        Tool waits = Tool.of("wait", "Waits for the other episode.", Map.of("type", "object"), arguments ->
                otherFinished.await(20, TimeUnit.SECONDS) ? "the other episode finished first" : "timed out");
        Environment signalling = new Multiply() {
            @Override
            public StepResult step(String action) {
                otherFinished.countDown();
                return super.step(action);
            }
        };
        String call = "<tool_call>\n{\"name\": \"wait\", \"arguments\": {}}\n</tool_call>";
        ScriptedEngine engine = new ScriptedEngine((sample, turn) -> sample == 0 && turn == 0 ? call : "\\boxed{408}");
        List<Episode> episodes;
        try (AgentLoop loop = loop(List.of(waits), 3, 512, Duration.ofSeconds(30))) {
            episodes = loop.run(engine, List.of(new Multiply(), signalling), 1, params().withN(2), 0)
                    .get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> toolMessage = episodes.get(0).transcript().stream()
                .filter(m -> "tool".equals(m.get("role"))).findFirst().orElseThrow();
        assertEquals("the other episode finished first", toolMessage.get("content"));
        assertEquals(1.0, episodes.get(0).reward());
        assertEquals(1.0, episodes.get(1).reward());
    }
}
