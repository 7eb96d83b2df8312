package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The whole story from nothing, on a laptop CPU: train a tokenizer and a tiny Qwen3-shaped model, SFT it on worked
 * solutions, evaluate, improve it with RL against the task's verifier, evaluate again.
 * Writes {@code config.yaml}, {@code tokenizer/}, {@code sft/} (SFT run: metrics, checkpoints), {@code sft_model/},
 * {@code rl/} (RL run), {@code rl_model/}, {@code summary.json} and {@code curves.png} to the run directory.
 */
public final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final Path runDirectory;
    private final PrintStream console;

    public Demo(Config config, Path runDirectory, PrintStream console) {
        this.config = config;
        this.runDirectory = runDirectory;
        this.console = console;
    }

    /**
     * Runs the demo in its directory, or resumes it there when the directory holds the same demo (same config):
     * the tokenizer is kept, SFT and RL continue from their checkpoints. A different config is refused
     * ({@link RunDirectory#claim}).
     */
    public ObjectNode run() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Task task = Setup.task(config);
        long seed = config.getInt("data.seed");

        // 1. A tokenizer trained on the task's text (prompts and worked solutions of the train split).
        Path tokenizerDirectory = runDirectory.resolve("tokenizer");
        Tokenizer tokenizer = tokenizer(tokenizerDirectory, BpeTrainer.chatml(config.getInt("demo.vocab_size")), () -> {
            Random corpusRandom = new Random(seed);
            List<String> corpus = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                Problem problem = task.sample(Split.TRAIN, corpusRandom);
                corpus.add(problem.prompt());
                corpus.add(problem.solution());
            }
            return corpus;
        }, console);
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        Config withTokenizer = config.override("model.tokenizer=" + tokenizerDirectory);

        // 2. A tiny model from scratch.
        Transformer policy = Transformer.create(Setup.tinyModelConfig(config.section("model.tiny"), tokenizer),
                config.getInt("model.seed"));
        console.printf("model: Qwen3-shaped, %,d parameters%n", policy.parameterCount());

        try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            RolloutWorker worker = new SingleTurnWorker(tokenizer, formatter, scorer);
            List<Example> heldOut = Setup.heldOut(config, task);
            HeldOutEvaluator evaluator = Setup.evaluator(config, worker);
            // Greedy decoding too: it tells whether RL taught the model or only sharpened its sampling.
            HeldOutEvaluator greedy = Setup.evaluator(config.override(List.of("trainer.eval.temperature=0",
                    "trainer.eval.n=1", "trainer.eval.k=[1]")), worker);

            // 3. SFT on worked solutions.
            SftRun.train(policy, SftRun.sequences(config, task, tokenizer, formatter), withTokenizer,
                    runDirectory.resolve("sft"), console);
            long sftDone = System.nanoTime();
            Setup.saveModel(policy, tokenizerDirectory, runDirectory.resolve("sft_model"));

            // 4. Evaluate, RL, evaluate.
            Map<String, Double> before = withGreedy(evaluator.evaluate(policy, heldOut), greedy, policy, heldOut);
            console.printf("held-out after SFT: pass@1 %.3f (greedy %.3f) on %d problems%n", before.get("pass@1"),
                    before.get("greedy_pass@1"), heldOut.size());
            Config rlConfig = withTokenizer.override("trainer.val_before_train=false")
                    .override("trainer.out_dir=" + runDirectory.resolve("rl"));
            RlTrainer trainer = new RlTrainer(rlConfig, policy, worker, PromptSource.ofTask(task, seed + 1));
            long rlStart = System.nanoTime();
            Map<String, Double> after = new RlRun(rlConfig, runDirectory.resolve("rl"), trainer, evaluator, heldOut,
                    console).run();
            long rlDone = System.nanoTime();
            after = withGreedy(after.isEmpty() ? evaluator.evaluate(policy, heldOut) : after, greedy, policy, heldOut);
            Setup.saveModel(policy, tokenizerDirectory, runDirectory.resolve("rl_model"));

            ObjectNode summary = JSON.createObjectNode();
            summary.put("task", task.name());
            summary.set("eval_before", JSON.valueToTree(before));
            summary.set("eval_after", JSON.valueToTree(after));
            summary.put("improvement_points", 100 * (after.get("pass@1") - before.get("pass@1")));
            summary.put("parameters", policy.parameterCount());
            summary.put("sft_seconds", (sftDone - start) / 1e9);
            summary.put("rl_seconds", (rlDone - rlStart) / 1e9);
            summary.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            AtomicFiles.writeString(runDirectory.resolve("summary.json"), summary.toPrettyString());
            plot(before);
            console.printf("pass@1 on %d held-out problems (temperature %s): %.1f%% after SFT -> %.1f%% after RL "
                    + "(%+.1f points); greedy %.1f%% -> %.1f%%; %.0f s in all%n", heldOut.size(),
                    config.get("trainer.eval.temperature"), 100 * before.get("pass@1"), 100 * after.get("pass@1"),
                    summary.get("improvement_points").asDouble(), 100 * before.get("greedy_pass@1"),
                    100 * after.get("greedy_pass@1"), summary.get("wall_seconds").asDouble());
            return summary;
        }
    }

    /**
     * A demo run's tokenizer: the one in {@code directory}, trained there before the run was interrupted, else
     * {@code trainer} trained on {@code corpus} and saved there.
     */
    static Tokenizer tokenizer(Path directory, BpeTrainer trainer, java.util.function.Supplier<List<String>> corpus,
                               PrintStream console) throws IOException {
        if (Files.isRegularFile(directory.resolve("tokenizer.json"))) {
            Tokenizer tokenizer = Tokenizer.load(directory);
            console.printf("tokenizer: %d tokens, from %s%n", tokenizer.vocabSize(), directory);
            return tokenizer;
        }
        List<String> texts = corpus.get();
        Tokenizer tokenizer = trainer.trainAndSave(texts, directory);
        console.printf("tokenizer: %d tokens, trained on %d texts%n", tokenizer.vocabSize(), texts.size());
        return tokenizer;
    }

    private static Map<String, Double> withGreedy(Map<String, Double> sampled, HeldOutEvaluator greedy,
                                                  Transformer policy, List<Example> heldOut) {
        Map<String, Double> metrics = new LinkedHashMap<>(sampled);
        metrics.put("greedy_pass@1", greedy.evaluate(policy, heldOut).get("pass@1"));
        return metrics;
    }

    /** curves.png from the SFT and RL metrics. */
    private void plot(Map<String, Double> before) throws IOException {
        // SFT rows (in sft/) and RL rows (in rl/) each count their own steps; no panel mixes them.
        List<Map<String, Object>> rows = new ArrayList<>(MetricsLog.read(runDirectory.resolve("sft")
                .resolve(RunDirectory.METRICS_FILE)));
        rows.add(Map.of("step", 0, "val/pass@1", before.get("pass@1")));   // the SFT model, before RL
        rows.addAll(MetricsLog.read(runDirectory.resolve("rl").resolve("metrics.jsonl")));
        TrainingCurves.write(rows, List.of(
                new TrainingCurves.Panel("SFT loss (x = SFT step)", List.of("sft/loss")),
                new TrainingCurves.Panel("RL: mean reward of rollouts", List.of("reward/mean")),
                new TrainingCurves.Panel("held-out pass@1 (step 0 = SFT model)", List.of("val/pass@1")),
                new TrainingCurves.Panel("RL: response length (tokens)", List.of("response_length/mean")),
                new TrainingCurves.Panel("RL: policy entropy", List.of("actor/entropy")),
                new TrainingCurves.Panel("RL: gradient norm", List.of("actor/grad_norm"))),
                "Reason4j demo: " + config.getString("data.task") + " (SFT, then GRPO)",
                runDirectory.resolve("curves.png"));
    }
}
