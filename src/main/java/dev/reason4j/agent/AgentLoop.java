package dev.reason4j.agent;

import dev.reason4j.config.Seeds;
import dev.reason4j.env.Environment;
import dev.reason4j.env.StepResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Multi-turn, tool-integrated episodes on the continuous-batching engine. Per episode: sample an assistant turn
 * until a stop token (or the per-turn cap, after which the end-of-turn token is inserted); if it calls tools, run
 * them (off the generation thread), insert their responses as {@code tool} messages and sample again; otherwise the
 * turn is an action for the {@link Environment}, whose observation is inserted as a user message until it says
 * done — up to {@code maxTurns} turns and {@code maxResponseTokens} tokens after the prompt.
 *
 * <p>Token in, token out: the episode is the sampled ids as sampled, plus the ids of what was inserted between turns
 * ({@link TurnDelta}); nothing sampled is ever re-tokenized from text. Each turn is its own engine request, so while
 * one episode waits on a tool the others decode. The n episodes of one prompt share its first prefill.
 */
public final class AgentLoop implements AutoCloseable {

    /**
     * @param maxTurns          assistant turns per episode at most
     * @param maxResponseTokens sampled plus inserted tokens after the prompt at most
     * @param toolTimeout       one tool call's time limit (the model reads a timeout error)
     * @param systemPrompt      a system message before the first observation, or null
     * @param enableThinking    the template's {@code enable_thinking} (Qwen3), or null for its default
     */
    public record Settings(int maxTurns, int maxResponseTokens, Duration toolTimeout, String systemPrompt,
                           Boolean enableThinking) {
        public Settings {
            if (maxTurns < 1 || maxResponseTokens < 1) {
                throw new IllegalArgumentException("agent.max_turns and agent.max_tokens must be ≥ 1, got "
                        + maxTurns + " and " + maxResponseTokens);
            }
        }
    }

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final ToolCallFormat format;
    private final List<Tool> tools;
    private final List<Map<String, Object>> schemas;
    private final Settings settings;
    private final TurnDelta delta;
    private final int endOfTurnId;
    private final ExecutorService toolThreads = Executors.newVirtualThreadPerTaskExecutor();

    /** @param tools the tools the model may call (none: a plain multi-turn environment loop) */
    public AgentLoop(Tokenizer tokenizer, ChatTemplate template, ToolCallFormat format, List<Tool> tools,
                     Settings settings) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.format = format;
        this.tools = List.copyOf(tools);
        this.schemas = tools.isEmpty() ? null : tools.stream().map(Tool::schema).toList();
        this.settings = settings;
        this.delta = new TurnDelta(template, tokenizer, schemas, settings.enableThinking());
        this.endOfTurnId = tokenizer.tokenToId(delta.endOfTurn()).orElseThrow(() -> new IllegalArgumentException(
                "the chat template's end-of-turn " + delta.endOfTurn() + " is not one token of the tokenizer"));
    }

    /** The first prompt's messages for an observation: the system prompt (if any) and the observation. */
    public List<Map<String, Object>> firstMessages(String observation) {
        List<Map<String, Object>> messages = new ArrayList<>();
        if (settings.systemPrompt() != null) {
            messages.add(message("system", settings.systemPrompt()));
        }
        messages.add(message("user", observation));
        return messages;
    }

    /** The prompt text the model continues: the first messages rendered with the tools and generation prompt. */
    public String promptText(String observation) {
        return template.render(new ChatTemplate.ChatRequest(firstMessages(observation), schemas, true,
                settings.enableThinking(), Map.of()));
    }

    /**
     * Runs one episode per environment (the n samples of one prompt: {@code params.n()} environments), each reset
     * with {@code seed}; {@code params.maxNewTokens()} caps each turn, {@code maxResponseTokens} the episode. The
     * future holds them in sample order. An environment that fails ends its episode with the error recorded; the
     * others go on.
     *
     * @param index the prompt's index in its batch (the engine's RNG stream)
     */
    public CompletableFuture<List<Episode>> run(RolloutEngine engine, List<Environment> environments, long seed,
                                                SamplingParams params, int index) {
        if (environments.size() != params.n()) {
            throw new IllegalArgumentException(params.n() + " samples need as many environments, got "
                    + environments.size());
        }
        return CompletableFuture.supplyAsync(() -> reset(environments, seed), toolThreads).thenCompose(first -> {
            List<Map<String, Object>> messages = firstMessages(first);
            int[] prompt = tokenizer.encode(promptText(first), false);
            SamplingParams firstTurn = params.withMaxNewTokens(Math.min(params.maxNewTokens(),
                    settings.maxResponseTokens()));
            return engine.submit(new Generator.Request(prompt, firstTurn, index)).thenCompose(completions -> {
                List<CompletableFuture<Episode>> episodes = new ArrayList<>();
                for (Completion completion : completions) {
                    EpisodeState state = new EpisodeState(engine, environments.get(completion.sampleIndex()),
                            prompt, messages, params, index, completion.sampleIndex());
                    episodes.add(afterTurn(state, completion));
                }
                return CompletableFuture.allOf(episodes.toArray(CompletableFuture[]::new))
                        .thenApply(done -> episodes.stream().map(CompletableFuture::join).toList());
            });
        });
    }

    /** Resets every environment with the seed; they must agree, since their episodes share one prompt. */
    private static String reset(List<Environment> environments, long seed) {
        String first = null;
        for (Environment environment : environments) {
            String observation;
            try {
                observation = environment.reset(seed);
            } catch (Exception e) {
                throw new IllegalStateException("environment reset failed: " + e.getMessage(), e);
            }
            if (first != null && !first.equals(observation)) {
                throw new IllegalStateException("environment reset(" + seed + ") gave two different first "
                        + "observations; reset must be deterministic in its seed");
            }
            first = observation;
        }
        return first;
    }

    /** One episode in progress: its ids so far and what it did. Touched by one thread at a time. */
    private final class EpisodeState {
        final RolloutEngine engine;
        final Environment environment;
        final int[] prompt;
        final SamplingParams params;
        final int index;
        final int sample;
        final List<Tool> episodeTools = new ArrayList<>();
        final List<Map<String, Object>> transcript;
        final List<Integer> tokens = new ArrayList<>();
        final List<Boolean> sampled = new ArrayList<>();
        final List<Float> logProbs = new ArrayList<>();
        final Map<Integer, Double> rewardAt = new TreeMap<>();
        final Map<String, Integer> callsByTool = new TreeMap<>();
        final Map<String, Double> environmentInfo = new TreeMap<>();
        int turns;
        int cutTurns;
        int wellFormed;
        int malformed;
        int toolErrors;
        long toolNanos;
        int sampledCount;
        int insertedCount;
        boolean budgetCut;
        boolean truncated;
        boolean contextLimited;
        String error;

        EpisodeState(RolloutEngine engine, Environment environment, int[] prompt,
                     List<Map<String, Object>> firstMessages, SamplingParams params, int index, int sample) {
            this.engine = engine;
            this.environment = environment;
            this.prompt = prompt;
            this.params = params;
            this.index = index;
            this.sample = sample;
            this.transcript = new ArrayList<>(firstMessages);
            for (Tool tool : tools) {
                episodeTools.add(tool.forEpisode());
            }
        }

        int length() {
            return tokens.size();
        }

        void append(int[] ids, float[] lps, boolean isSampled) {
            for (int i = 0; i < ids.length; i++) {
                tokens.add(ids[i]);
                sampled.add(isSampled);
                logProbs.add(isSampled ? lps[i] : 0f);
            }
        }

        int[] context() {
            int[] context = Arrays.copyOf(prompt, prompt.length + tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                context[prompt.length + i] = tokens.get(i);
            }
            return context;
        }
    }

    /** Handles a sampled turn; the future completes with the episode once it has ended. Runs on a tool thread. */
    private CompletableFuture<Episode> afterTurn(EpisodeState state, Completion turn) {
        return CompletableFuture.supplyAsync(() -> nextInsert(state, turn), toolThreads).thenCompose(inserted -> {
            if (inserted == null) {
                return CompletableFuture.completedFuture(finish(state));
            }
            state.append(inserted, null, false);
            state.insertedCount += inserted.length;
            int remaining = settings.maxResponseTokens() - state.length();
            SamplingParams next = state.params.withN(1).withMaxNewTokens(Math.min(state.params.maxNewTokens(),
                            remaining))
                    .withSeed(Seeds.mix(Seeds.mix(state.params.seed(), state.sample), state.turns));
            return state.engine.submit(new Generator.Request(state.context(), next, state.index))
                    .thenCompose(completions -> afterTurn(state, completions.get(0)));
        });
    }

    /**
     * Records a sampled turn and acts on it: runs its tool calls or steps the environment. Returns the ids to insert
     * before the next turn, or null when the episode is over.
     */
    private int[] nextInsert(EpisodeState state, Completion turn) {
        state.append(turn.tokens(), turn.logProbs(), true);
        state.sampledCount += turn.tokens().length;
        state.turns++;
        state.contextLimited |= turn.contextLimited();
        // A turn ends with its sampled stop token, or was cut (the per-turn cap; a server's stop string).
        boolean cut = !(turn.finishReason() == FinishReason.STOP && endsWithStop(turn.tokens(), state.params));
        if (cut && (state.length() >= settings.maxResponseTokens() || turn.contextLimited())) {
            state.truncated = true;     // out of the episode's tokens or the model's context: nothing can follow
            state.budgetCut = true;
            return null;
        }
        // A cut turn still ends: the template's end-of-turn token is inserted.
        state.cutTurns += cut ? 1 : 0;
        int[] text = cut ? turn.tokens() : Arrays.copyOf(turn.tokens(), turn.tokens().length - 1);
        ParsedTurn parsed = format.parse(tokenizer.decode(text, false));
        state.transcript.add(assistantMessage(parsed));
        List<Map<String, Object>> inserted = new ArrayList<>();
        if (parsed.hasCalls()) {
            if (state.turns >= settings.maxTurns()) {
                state.budgetCut = true;
                return null;
            }
            for (String problem : parsed.malformed()) {
                state.malformed++;
                state.toolErrors++;
                inserted.add(message("tool", "Error: " + problem));
            }
            for (ToolCall call : parsed.calls()) {
                state.wellFormed++;
                inserted.add(message("tool", call(state, call)));
            }
        } else {
            StepResult result;
            try {
                result = state.environment.step(parsed.content());
            } catch (Exception e) {
                state.error = "environment step failed: " + e.getMessage();
                return null;
            }
            result.info().forEach((key, value) -> {
                if (value instanceof Number number) {
                    state.environmentInfo.put(key, number.doubleValue());   // the latest step's value
                }
            });
            if (result.reward() != 0) {
                state.rewardAt.merge(state.length() - 1, result.reward(), Double::sum);
            }
            if (result.done()) {
                return null;
            }
            if (state.turns >= settings.maxTurns()) {
                state.budgetCut = true;
                return null;
            }
            inserted.add(message("user", result.observation()));
        }
        int[] ids = delta.tokens(inserted);
        if (cut) {
            int[] withEnd = new int[ids.length + 1];
            withEnd[0] = endOfTurnId;
            System.arraycopy(ids, 0, withEnd, 1, ids.length);
            ids = withEnd;
        }
        if (state.length() + ids.length >= settings.maxResponseTokens()) {
            state.budgetCut = true;     // no room left to sample a reply to what would be inserted
            return null;
        }
        state.transcript.addAll(inserted);
        return ids;
    }

    private static boolean endsWithStop(int[] tokens, SamplingParams params) {
        if (tokens.length == 0) {
            return false;
        }
        for (int stop : params.stopTokenIds()) {
            if (tokens[tokens.length - 1] == stop) {
                return true;
            }
        }
        return false;
    }

    /** Runs one well-formed call; every failure becomes the text the model reads. */
    private String call(EpisodeState state, ToolCall call) {
        Tool tool = null;
        for (Tool candidate : state.episodeTools) {
            if (candidate.name().equals(call.name())) {
                tool = candidate;
            }
        }
        if (tool == null) {
            state.toolErrors++;
            return "Error: unknown tool '" + call.name() + "'; the tools are "
                    + String.join(", ", tools.stream().map(Tool::name).toList());
        }
        state.callsByTool.merge(tool.name(), 1, Integer::sum);
        Tool chosen = tool;
        long start = System.nanoTime();
        Future<String> result = toolThreads.submit(() -> chosen.call(call.arguments()));
        try {
            return result.get(settings.toolTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            state.toolErrors++;
            return "Error: " + tool.name() + " timed out after " + settings.toolTimeout().toSeconds() + " s";
        } catch (ExecutionException e) {
            state.toolErrors++;
            Throwable cause = e.getCause();
            return "Error: " + (cause instanceof ToolException ? cause.getMessage()
                    : tool.name() + " failed: " + cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            state.toolErrors++;
            return "Error: interrupted";
        } finally {
            state.toolNanos += System.nanoTime() - start;
        }
    }

    private Episode finish(EpisodeState state) {
        for (Tool tool : state.episodeTools) {
            tool.close();
        }
        state.environment.close();
        int n = state.length();
        int[] ids = new int[n];
        boolean[] sampled = new boolean[n];
        float[] logProbs = new float[n];
        for (int i = 0; i < n; i++) {
            ids[i] = state.tokens.get(i);
            sampled[i] = state.sampled.get(i);
            logProbs[i] = state.logProbs.get(i);
        }
        double[] tokenRewards = new double[n];
        double reward = 0;
        for (Map.Entry<Integer, Double> entry : state.rewardAt.entrySet()) {
            tokenRewards[entry.getKey()] += entry.getValue();
            reward += entry.getValue();
        }
        Episode.Stats stats = new Episode.Stats(state.turns, state.callsByTool, state.wellFormed, state.malformed,
                state.toolErrors, state.toolNanos / 1e9, state.sampledCount, state.insertedCount, state.cutTurns,
                state.budgetCut, state.environmentInfo);
        return new Episode(state.prompt, ids, sampled, logProbs, tokenRewards, reward, state.transcript,
                state.truncated, state.contextLimited, state.error, stats);
    }

    private static Map<String, Object> assistantMessage(ParsedTurn turn) {
        Map<String, Object> message = message("assistant", turn.content());
        if (!turn.calls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : turn.calls()) {
                calls.add(Map.of("type", "function", "function",
                        Map.of("name", call.name(), "arguments", call.arguments())));
            }
            message.put("tool_calls", calls);
        }
        return message;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    @Override
    public void close() {
        toolThreads.shutdownNow();
    }
}
