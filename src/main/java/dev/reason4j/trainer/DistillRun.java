package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.config.Config;
import dev.reason4j.config.Seeds;
import dev.reason4j.env.Datasets;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.RemoteEngine;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Distillation runs as configured by the {@code distill} section, in a run directory as an SFT or RL run's
 * (config.yaml, metrics.jsonl, atomic checkpoints, resume as {@code trainer.resume} says):
 * {@link #onPolicy} (the student samples, the teacher scores every sampled token) and {@link #traces} (the
 * teacher answers, the student is fine-tuned on its answers).
 */
public final class DistillRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TRACES_FILE = "traces.jsonl";

    private DistillRun() {}

    /**
     * {@code distill.total_steps} steps of on-policy distillation: each takes the next
     * {@code distill.prompts_per_step} prompts (a seeded shuffle of {@code prompts}, reshuffled each pass), samples
     * {@code distill.n} responses per prompt from the live student ({@link Generator}, as RL does), has the teacher
     * score every response token, and takes an {@link OnPolicyDistiller} step. The config must name the tokenizer
     * ({@code model.tokenizer} or {@code model.path}), whose files each checkpoint's model carries. Returns the
     * last step's metrics (empty when the run was already complete).
     */
    public static Map<String, Object> onPolicy(Transformer student, Teacher teacher, List<Example> prompts,
                                               Tokenizer tokenizer, PromptFormatter formatter, Config config,
                                               Path runDirectory, PrintStream console) throws IOException {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("distillation has no prompts");
        }
        Config distill = config.section("distill");
        int steps = distill.getInt("total_steps");
        int promptsPerStep = distill.getInt("prompts_per_step");
        int saveFrequency = distill.getInt("save_freq");
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        ModelOptimizer optimizer = new ModelOptimizer(student, distill, steps);
        OnPolicyDistiller distiller = new OnPolicyDistiller(student, optimizer, distill.getInt("micro_batch_size"),
                LossAggregation.of(distill.getString("loss_agg_mode")), distill.getInt("max_response_length"),
                distill.getBoolean("recompute"));
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int restored = RunDirectory.resume(runDirectory, config, checkpoints,
                directory -> OfflineRun.restore(directory, student, optimizer), steps, console);
        List<int[]> encoded = new ArrayList<>(prompts.size());
        for (Example example : prompts) {
            encoded.add(tokenizer.encode(formatter.render(example), false));
        }
        SamplingParams sampling = sampling(distill, tokenizer);
        long seed = config.getInt("data.seed");
        Map<String, Object> metrics = Map.of();
        try (MetricsLog log = MetricsLog.open(runDirectory, config)) {
            for (int step = restored + 1; step <= steps; step++) {
                long start = System.nanoTime();
                // 1. This step's prompts: positions (step − 1)·P … step·P − 1 of the passes over the prompts, each
                //    pass a shuffle seeded by (data.seed, pass), so a resumed run takes the same ones.
                List<int[]> stepPrompts = new ArrayList<>(promptsPerStep);
                long pass = -1;
                int[] order = null;
                for (long position = (long) (step - 1) * promptsPerStep; position < (long) step * promptsPerStep;
                     position++) {
                    if (position / encoded.size() != pass) {
                        pass = position / encoded.size();
                        order = Seeds.shuffled(encoded.size(), new Random(Seeds.mix(seed, pass)));
                    }
                    stepPrompts.add(encoded.get(order[(int) (position % encoded.size())]));
                }
                // 2. The student samples n responses per prompt.
                List<Completion> completions = new Generator(student).generate(stepPrompts,
                        sampling.withSeed(Seeds.mix(seed, step)));
                List<int[]> sequences = new ArrayList<>(completions.size());
                int[] promptLengths = new int[completions.size()];
                for (int i = 0; i < completions.size(); i++) {
                    int[] prompt = stepPrompts.get(completions.get(i).promptIndex());
                    sequences.add(TokenizedPair.concat(prompt, completions.get(i).tokens()));
                    promptLengths[i] = prompt.length;
                }
                double sampleSeconds = (System.nanoTime() - start) / 1e9;
                // 3. The teacher scores every sampled token.
                long teacherStart = System.nanoTime();
                float[][] teacherLogProbs = teacher.logProbs(sequences, promptLengths);
                double teacherSeconds = (System.nanoTime() - teacherStart) / 1e9;
                List<OnPolicyDistiller.Sample> batch = new ArrayList<>(sequences.size());
                for (int i = 0; i < sequences.size(); i++) {
                    batch.add(new OnPolicyDistiller.Sample(sequences.get(i), promptLengths[i], teacherLogProbs[i]));
                }
                // 4. One optimizer step on the per-token reverse KL.
                metrics = new LinkedHashMap<>();
                metrics.put("step", step);
                metrics.put("phase", "distill");
                metrics.putAll(distiller.step(batch));
                metrics.put("time/sample_s", sampleSeconds);
                metrics.put("time/teacher_s", teacherSeconds);
                metrics.put("time/step_s", (System.nanoTime() - start) / 1e9);
                log.write(metrics);
                if (step % 10 == 0 || step == steps || step == restored + 1) {
                    console.println("distill " + MetricsLog.progressLine(metrics, "step", "distill/reverse_kl",
                            "distill/grad_norm", "response_length/mean", "time/step_s"));
                }
                if ((saveFrequency > 0 && step % saveFrequency == 0) || step == steps) {
                    OfflineRun.save(checkpoints, step, student, optimizer, config);
                }
            }
        }
        return metrics;
    }

    /**
     * Offline distillation: the teacher ({@code teacher}, e.g. a {@link Generator} over a local checkpoint or a
     * {@code RemoteEngine} on a server) answers each prompt {@code distill.n} times; with
     * {@code distill.traces_min_reward} set, only answers whose reward (the verifier of the example's data source)
     * reaches it are kept; then the student is fine-tuned on the kept answers by {@link SftRun#train} with the
     * {@code sft} section's settings. The traces are written to {@code traces.jsonl} in the run directory and read
     * back from there when the run resumes. Returns the counts of traces sampled and kept.
     */
    public static Map<String, Object> traces(Transformer student, RolloutEngine teacher, List<Example> prompts,
                                             Tokenizer tokenizer, PromptFormatter formatter, Config config,
                                             Path runDirectory, PrintStream console) throws IOException {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("distillation has no prompts");
        }
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Path tracesFile = runDirectory.resolve(TRACES_FILE);
        List<Trace> traces = Files.isRegularFile(tracesFile) ? readTraces(tracesFile)
                : sampleTraces(teacher, prompts, tokenizer, formatter, config, tracesFile);
        List<SftTrainer.Sequence> sequences = new ArrayList<>();
        for (Trace trace : traces) {
            if (trace.kept()) {
                sequences.add(SftTrainer.Sequence.promptAndResponse(trace.prompt(), trace.response()));
            }
        }
        console.printf("distill: %d of %d teacher traces kept (%s)%n", sequences.size(), traces.size(), tracesFile);
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("no teacher trace reached distill.traces_min_reward="
                    + config.get("distill.traces_min_reward") + " (of " + traces.size() + " in " + tracesFile
                    + "); lower it or set it to null to keep every trace");
        }
        SftRun.train(student, sequences, config, runDirectory, console);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("distill/traces", traces.size());
        counts.put("distill/traces_kept", sequences.size());
        return counts;
    }

    /**
     * The prompts to distil on: every record of {@code data.train_files} (JSON lines or Parquet with
     * {@code prompt} or {@code messages}) when given, else {@code distill.num_prompts} distinct problems of the
     * task's train split.
     */
    public static List<Example> prompts(Config config, Task task) {
        List<String> files = config.getStringList("data.train_files");
        if (!files.isEmpty()) {
            return Datasets.load(files.stream().map(Path::of).toList());
        }
        List<Example> prompts = new ArrayList<>();
        for (Problem problem : task.distinct(Split.TRAIN, config.getInt("distill.num_prompts"),
                config.getInt("data.seed"))) {
            prompts.add(problem.toExample());
        }
        return prompts;
    }

    /**
     * The teacher that scores tokens: {@code distill.teacher} (a model directory with the student's tokenizer) or
     * the server at {@code distill.teacher_url}, exactly one of them.
     */
    public static Teacher teacher(Config config, Tokenizer student) throws IOException {
        Config distill = config.section("distill");
        Object url = requireOneTeacher(distill);
        if (url == null) {
            return Teacher.load(Path.of(String.valueOf(distill.get("teacher"))), student,
                    distill.getInt("micro_batch_size"));
        }
        return new RemoteTeacher(teacherUri(url), teacherApiKey(distill), distill.getString("teacher_model"),
                teacherTimeout(distill));
    }

    /**
     * The teacher that answers prompts (traces): a {@link Generator} over {@code distill.teacher}, or the server
     * at {@code distill.teacher_url} ({@link RemoteEngine}, OpenAI's API). Close it after use.
     */
    public static RolloutEngine teacherEngine(Config config, Tokenizer student) throws IOException {
        Config distill = config.section("distill");
        Object url = requireOneTeacher(distill);
        if (url == null) {
            return new Generator(Teacher.loadModel(Path.of(String.valueOf(distill.get("teacher"))), student));
        }
        return new RemoteEngine(new RemoteEngine.Options(List.of(teacherUri(url)), RemoteEngine.Api.OPENAI,
                teacherApiKey(distill), distill.getString("teacher_model"), teacherTimeout(distill), 3,
                Duration.ofMillis(200)));
    }

    private static Object requireOneTeacher(Config distill) {
        Object path = distill.get("teacher");
        Object url = distill.get("teacher_url");
        if ((path == null) == (url == null)) {
            throw new IllegalArgumentException(path == null
                    ? "no teacher: give --teacher DIR or --teacher-url URL (distill.teacher, distill.teacher_url)"
                    : "two teachers: give distill.teacher (--teacher) or distill.teacher_url (--teacher-url), not both");
        }
        return url;
    }

    private static URI teacherUri(Object url) {
        try {
            URI uri = new URI(String.valueOf(url));
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new URISyntaxException(String.valueOf(url), "expected http://HOST:PORT");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("distill.teacher_url: '" + url + "' is not a server URL ("
                    + e.getReason() + ")");
        }
    }

    private static String teacherApiKey(Config distill) {
        Object key = distill.get("teacher_api_key");
        return key != null ? String.valueOf(key) : System.getenv("REASON4J_TEACHER_API_KEY");
    }

    private static Duration teacherTimeout(Config distill) {
        return Duration.ofMillis(Math.round(1000 * distill.getDouble("teacher_timeout_s")));
    }

    /** One teacher answer: prompt and response ids (a sampled eos included), its reward, whether it is trained on. */
    record Trace(int[] prompt, int[] response, double reward, boolean kept) {}

    private static List<Trace> sampleTraces(RolloutEngine teacher, List<Example> prompts, Tokenizer tokenizer,
                                            PromptFormatter formatter, Config config, Path file) throws IOException {
        Config distill = config.section("distill");
        SamplingParams sampling = sampling(distill, tokenizer).withSeed(config.getInt("data.seed"));
        Object minReward = distill.get("traces_min_reward");
        List<String> texts = new ArrayList<>(prompts.size());
        List<java.util.concurrent.CompletableFuture<List<Completion>>> futures = new ArrayList<>(prompts.size());
        for (int p = 0; p < prompts.size(); p++) {
            texts.add(formatter.render(prompts.get(p)));
            futures.add(teacher.submit(new Generator.Request(tokenizer.encode(texts.get(p), false), sampling, p)));
        }
        List<Trace> traces = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        for (int p = 0; p < prompts.size(); p++) {
            Example example = prompts.get(p);
            int[] prompt = tokenizer.encode(texts.get(p), false);
            for (Completion completion : Futures.join(futures.get(p))) {
                String response = tokenizer.decode(completion.tokens(), true);
                double reward = Double.NaN;
                boolean kept = true;
                if (minReward != null) {
                    reward = RewardFunctions.forDataSource(example.dataSource()).score(new RewardInput(texts.get(p),
                            response, example.groundTruth(), example.dataSource(), completion.tokens().length,
                            example.extra())).reward();
                    kept = reward >= ((Number) minReward).doubleValue();
                }
                Trace trace = new Trace(prompt, completion.tokens(), reward, kept);
                traces.add(trace);
                ObjectNode line = JSON.createObjectNode();
                line.putPOJO("prompt_ids", trace.prompt());
                line.putPOJO("response_ids", trace.response());
                line.put("response", response);
                if (minReward != null) {
                    line.put("reward", reward);
                }
                line.put("kept", kept);
                lines.append(JSON.writeValueAsString(line)).append('\n');
            }
        }
        AtomicFiles.writeString(file, lines.toString());
        return traces;
    }

    private static List<Trace> readTraces(Path file) throws IOException {
        List<Trace> traces = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            var node = JSON.readTree(line);
            traces.add(new Trace(JSON.treeToValue(node.get("prompt_ids"), int[].class),
                    JSON.treeToValue(node.get("response_ids"), int[].class),
                    node.path("reward").asDouble(Double.NaN), node.path("kept").asBoolean()));
        }
        return traces;
    }

    /** n responses of at most max_response_length tokens at the configured temperature, ending at the eos. */
    private static SamplingParams sampling(Config distill, Tokenizer tokenizer) {
        return new SamplingParams(distill.getInt("n"), distill.getInt("max_response_length"),
                (float) distill.getDouble("temperature"), 0, 1f, 0f, 0, tokenizer.eosTokenId().stream().toArray());
    }
}
