package dev.reason4j.reward.judge;

import dev.reason4j.config.Config;
import dev.reason4j.config.ConfigException;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.RemoteEngine;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A generative judge (LLM-as-a-judge, Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench and Chatbot
 * Arena"): a judge model reads a rubric filled with the prompt, the response and the reference answer, reasons,
 * and ends with a verdict, which {@link JudgeVerdict} reads ({@code \boxed{S}} or {@code Score: S/max}); the reward
 * is S / max, in [0, 1]. The judge runs in this JVM ({@code reward.judge.model}, our generate path) or behind an
 * OpenAI-compatible endpoint ({@code reward.judge.endpoint}, e.g. {@code ./reason4j serve}).
 *
 * <p>When no verdict can be read the reward is {@code on_parse_failure} (0 by default), never silently: the metric
 * {@code judge/parse_failure} is 1 and {@link RewardResult#error} says what the judge wrote. Metrics: {@code score}
 * (the raw S, on readable verdicts) and {@code parse_failure}.
 */
public final class JudgeReward implements RewardFunction {
    public static final String PARSE_FAILURE = "judge/parse_failure";
    public static final String SCORE = "judge/score";

    /** The rubric when {@code reward.judge.template} is not set. */
    public static final String DEFAULT_RUBRIC = """
            You are grading an answer to a problem.

            Problem:
            {prompt}

            Reference answer:
            {reference}

            Answer to grade:
            {response}

            Think step by step about whether the answer is correct and well reasoned, then give your verdict on the \
            last line as "Score: S/10", S an integer from 0 (wrong) to 10 (fully correct).""";

    private final RolloutEngine engine;
    private final Tokenizer tokenizer;
    private final ChatTemplate chat;          // null: the judge reads the rubric as plain text
    private final String rubric;
    private final SamplingParams sampling;
    private final double maxScore;
    private final double onParseFailure;

    /**
     * @param engine         the judge's generator (local or remote)
     * @param tokenizer      the judge's tokenizer; its chat template, if any, wraps the rubric as a user turn
     * @param rubric         the judge's instructions, with {@code {prompt}}, {@code {response}}, {@code {reference}}
     * @param sampling       n is taken as 1
     * @param maxScore       S of a full-marks verdict
     * @param onParseFailure the reward when no verdict can be read
     */
    public JudgeReward(RolloutEngine engine, Tokenizer tokenizer, String rubric, SamplingParams sampling,
                       double maxScore, double onParseFailure) {
        if (!rubric.contains("{response}")) {
            throw new IllegalArgumentException("the judge's rubric has no {response} placeholder");
        }
        if (!(maxScore > 0) || !Double.isFinite(onParseFailure)) {
            throw new IllegalArgumentException("judge: max_score must be > 0 and on_parse_failure a number");
        }
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.chat = tokenizer.config().chatTemplate() == null ? null : ChatTemplate.of(tokenizer);
        this.rubric = rubric;
        this.sampling = sampling.withN(1);
        this.maxScore = maxScore;
        this.onParseFailure = onParseFailure;
    }

    /**
     * The judge of a {@code reward.judge} section: {@code model} (a model directory, run here) or {@code endpoint}
     * (with {@code tokenizer}), the rubric of {@code template} or {@link #DEFAULT_RUBRIC}.
     */
    public static JudgeReward from(Config judge) {
        String model = judge.getString("model");
        String endpoint = judge.getString("endpoint");
        if ((model == null) == (endpoint == null)) {
            throw new ConfigException("reward.judge: set exactly one of model (a judge model directory) and endpoint"
                    + " (an OpenAI-compatible server)");
        }
        String tokenizerDir = judge.getString("tokenizer") != null ? judge.getString("tokenizer") : model;
        if (tokenizerDir == null) {
            throw new ConfigException("reward.judge.tokenizer: the endpoint's judge needs its tokenizer directory");
        }
        try {
            Tokenizer tokenizer = Tokenizer.load(existingDirectory(tokenizerDir, judge.getString("tokenizer") != null
                    ? "reward.judge.tokenizer" : "reward.judge.model"));
            RolloutEngine engine;
            if (model != null) {
                engine = new Generator(Transformer.load(existingDirectory(model, "reward.judge.model")));
            } else {
                URI uri = URI.create(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new ConfigException("reward.judge.endpoint: '" + endpoint + "' is not http://HOST:PORT");
                }
                engine = new RemoteEngine(new RemoteEngine.Options(List.of(uri), RemoteEngine.Api.OPENAI, null,
                        judge.getString("served_model"), Duration.ofMinutes(5), 3, Duration.ofMillis(200)));
            }
            String rubric = DEFAULT_RUBRIC;
            if (judge.getString("template") != null) {
                Path template = Path.of(judge.getString("template"));
                if (!Files.isRegularFile(template)) {
                    throw new ConfigException("reward.judge.template: no such file: " + template);
                }
                rubric = Files.readString(template);
                if (!rubric.contains("{response}")) {
                    throw new ConfigException("reward.judge.template: " + template + " has no {response} placeholder");
                }
            }
            SamplingParams sampling = SamplingParams.defaults().withN(1)
                    .withMaxNewTokens(judge.getInt("max_tokens"))
                    .withTemperature((float) judge.getDouble("temperature"))
                    .withStopTokenIds(tokenizer.eosTokenId().stream().toArray());
            return new JudgeReward(engine, tokenizer, rubric, sampling, judge.getDouble("max_score"),
                    judge.getDouble("on_parse_failure"));
        } catch (IOException e) {
            throw new UncheckedIOException("reward.judge: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw e instanceof ConfigException ? e : new ConfigException("reward.judge: " + e.getMessage());
        }
    }

    private static Path existingDirectory(String directory, String key) {
        Path path = Path.of(directory);
        if (!Files.isDirectory(path)) {
            throw new ConfigException(key + ": directory does not exist: " + directory);
        }
        return path;
    }

    /** The text the judge continues: the filled rubric, as a user turn when the judge has a chat template. */
    String judgePrompt(RewardInput input) {
        String filled = rubric.replace("{prompt}", input.prompt() == null ? "" : input.prompt())
                .replace("{reference}", input.groundTruth() == null ? "(none)" : input.groundTruth())
                .replace("{response}", input.response());
        return chat == null ? filled : chat.render(ChatTemplate.ChatRequest.of(
                List.of(Map.of("role", "user", "content", filled)), true));
    }

    @Override
    public RewardResult score(RewardInput input) {
        int[] prompt = tokenizer.encode(judgePrompt(input), false);
        // A fixed seed per judged text, so a sampling judge grades the same response the same way.
        SamplingParams params = sampling.withSeed(sampling.seed() ^ ((long) input.response().hashCode() << 32
                ^ (input.prompt() == null ? 0 : input.prompt().hashCode())));
        CompletableFuture<List<Completion>> request = engine.submit(new Generator.Request(prompt, params, 0));
        List<Completion> completions;
        try {
            completions = request.get();
        } catch (InterruptedException e) {
            request.cancel(true);   // the scorer's time limit: free the judge's slot
            Thread.currentThread().interrupt();
            throw new IllegalStateException("judge interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("judge failed: " + e.getCause().getMessage(), e.getCause());
        }
        String verdict = tokenizer.decode(completions.getFirst().tokens(), true);
        JudgeVerdict parsed = JudgeVerdict.parse(verdict, maxScore);
        if (parsed.score() == null) {
            return new RewardResult(onParseFailure, Map.of(PARSE_FAILURE, 1.0),
                    "judge verdict unreadable (" + parsed.problem() + "): " + JudgeVerdict.tail(verdict));
        }
        return new RewardResult(parsed.score() / maxScore, Map.of(PARSE_FAILURE, 0.0, SCORE, parsed.score()));
    }
}
