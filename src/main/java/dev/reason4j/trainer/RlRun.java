package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.reward.RewardNormalizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole RL run in a run directory: resume from the latest checkpoint, step, evaluate every
 * {@code trainer.test_freq} steps, checkpoint every {@code trainer.save_freq} steps (atomically), log every step to
 * {@code metrics.jsonl} (and TensorBoard, as {@code trainer.logger} says), write the first rollouts of each step
 * to {@code samples.jsonl} ({@link SamplesLog}), and keep {@code config.yaml} (the resolved config) beside them.
 */
public final class RlRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final Path runDirectory;
    private final RlTrainer trainer;
    private final HeldOutEvaluator evaluator;
    private final List<Example> heldOut;
    private final PrintStream console;

    public RlRun(Config config, Path runDirectory, RlTrainer trainer, HeldOutEvaluator evaluator,
                 List<Example> heldOut, PrintStream console) {
        this.config = config;
        this.runDirectory = runDirectory;
        this.trainer = trainer;
        this.evaluator = evaluator;
        this.heldOut = heldOut;
        this.console = console;
    }

    /**
     * Runs steps until {@code trainer.total_steps}, resuming as {@code trainer.resume} says (the directory must
     * hold this run or none: {@link RunDirectory#claim}); returns the last evaluation's metrics (empty if none ran,
     * and always when {@code heldOut} is empty).
     */
    public Map<String, Double> run() throws IOException {
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int totalSteps = config.getInt("trainer.total_steps");
        int saveFrequency = config.getInt("trainer.save_freq");
        int testFrequency = heldOut.isEmpty() ? 0 : config.getInt("trainer.test_freq");
        int firstStep = RunDirectory.resume(runDirectory, config, checkpoints, this::restore, totalSteps, console) + 1;
        Map<String, Double> lastEval = Map.of();
        SamplesLog samples = new SamplesLog(runDirectory, config, trainer.tokenizer(), firstStep - 1);
        try (MetricsLog log = MetricsLog.open(runDirectory, config)) {
            if (firstStep == 1 && config.getBoolean("trainer.val_before_train") && testFrequency > 0) {
                lastEval = evaluate(log, 0);
            }
            for (int step = firstStep; step <= totalSteps; step++) {
                Map<String, Object> metrics = trainer.step(step);
                metrics.put("phase", "rl");
                log.write(metrics);
                samples.write(trainer.lastRollouts());
                console.println("rl " + MetricsLog.progressLine(metrics, "step", "reward/mean",
                        "response_length/mean", "actor/entropy", "actor/pg_clipfrac", "actor/grad_norm",
                        "time/step_s"));
                boolean last = step == totalSteps;
                if (testFrequency > 0 && (step % testFrequency == 0 || last)) {
                    lastEval = evaluate(log, step);
                }
                if ((saveFrequency > 0 && step % saveFrequency == 0) || last) {
                    int savedStep = step;
                    checkpoints.save(step, directory -> save(directory, savedStep));
                }
            }
        }
        return lastEval;
    }

    private Map<String, Double> evaluate(MetricsLog log, int step) {
        long start = System.nanoTime();
        Map<String, Double> eval = evaluator.evaluate(trainer.policy(), heldOut);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", step);
        row.put("phase", "eval");
        eval.forEach((name, value) -> row.put("val/" + name, value));
        row.put("time/eval_s", (System.nanoTime() - start) / 1e9);
        log.write(row);
        console.println("eval " + MetricsLog.progressLine(row, "step", "val/pass@1", "val/n", "time/eval_s"));
        return eval;
    }

    private void save(Path directory, int step) throws IOException {
        RlTrainer.State trainerState = trainer.saveState(directory);
        Setup.copyTokenizerFiles(Setup.tokenizerDirectory(config), directory.resolve("policy"));
        ObjectNode state = JSON.createObjectNode();
        state.put("step", step);
        state.put("prompt_position", trainerState.promptPosition());
        state.put("kl_coef", trainerState.klCoefficient());
        state.put("reward_norm_count", trainerState.rewardMoments().count());
        state.put("reward_norm_mean", trainerState.rewardMoments().mean());
        state.put("reward_norm_m2", trainerState.rewardMoments().squaredDeviations());
        AtomicFiles.writeString(directory.resolve(TrainerState.FILE), state.toPrettyString());
    }

    /** Loads a checkpoint into the live trainer; returns its step. A broken file is named in the error. */
    private int restore(Path directory) {
        TrainerState state = TrainerState.read(directory, "prompt_position", "kl_coef");
        // Checkpoints from before reward normalisation have no moments: none seen yet.
        trainer.restoreState(directory, new RlTrainer.State(state.json().get("prompt_position").asLong(),
                state.json().get("kl_coef").asDouble(), new RewardNormalizer.Moments(
                        state.json().path("reward_norm_count").asLong(0),
                        state.json().path("reward_norm_mean").asDouble(0),
                        state.json().path("reward_norm_m2").asDouble(0))));
        return state.step();
    }
}
