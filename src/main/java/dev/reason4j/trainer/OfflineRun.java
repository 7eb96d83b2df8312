package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.Transformer;
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
 * The loop SFT, DPO and reward-model training share: {@code total_steps} optimizer steps, each on {@code batch_size} records of a fixed
 * dataset drawn at random (seeded by {@code data.seed}), in a run directory as an RL run's: config.yaml,
 * metrics.jsonl, and checkpoints every {@code save_freq} steps and at the end ({@code checkpoints/step-N/}: model
 * with tokenizer files, optimizer state, step), resumed as {@code trainer.resume} says. The keys are read from the
 * run's own section ({@code sft}, {@code dpo}, {@code rm}).
 */
final class OfflineRun {
    /** One optimizer step on the records at {@code batch} (indices into the dataset); returns its metrics. */
    @FunctionalInterface
    interface Step {
        Map<String, Object> run(int step, List<Integer> batch);
    }

    private OfflineRun() {}

    /**
     * Runs the steps not yet in {@code runDirectory}'s checkpoints. {@code optimizer} updates {@code model} and was
     * built from {@code config.section(section)}; each metrics row holds {@code step}, {@code phase} (the section's
     * name) and what {@code step} returns; every 25 steps and the last, the metrics named by {@code progressKeys} go to the console.
     */
    static void train(Transformer model, ModelOptimizer optimizer, Config config, String section, int datasetSize,
                      Path runDirectory, PrintStream console, Step step, String... progressKeys) throws IOException {
        train(model, optimizer, config, section, datasetSize, directory -> Setup.saveModel(model, config, directory),
                runDirectory, console, step, progressKeys);
    }

    /** The same, with the checkpoints' {@code model/} written by {@code saveModel} (a reward model's HF layout). */
    static void train(Transformer model, ModelOptimizer optimizer, Config config, String section, int datasetSize,
                      Checkpoints.Writer saveModel, Path runDirectory, PrintStream console, Step step,
                      String... progressKeys) throws IOException {
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Config settings = config.section(section);
        int steps = settings.getInt("total_steps");
        int batchSize = settings.getInt("batch_size");
        int saveFrequency = settings.getInt("save_freq");
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int restored = RunDirectory.resume(runDirectory, config, checkpoints,
                directory -> restore(directory, model, optimizer), steps, console);
        Random order = new Random(config.getInt("data.seed"));
        for (long draw = 0; draw < (long) restored * batchSize; draw++) {
            order.nextInt(datasetSize);   // the batches of the restored steps, drawn again so the next match
        }
        try (MetricsLog log = MetricsLog.open(runDirectory, config)) {
            for (int s = restored + 1; s <= steps; s++) {
                List<Integer> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    batch.add(order.nextInt(datasetSize));
                }
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("step", s);
                metrics.put("phase", section);
                metrics.putAll(step.run(s, batch));
                log.write(metrics);
                if (s % 25 == 0 || s == steps) {
                    console.println(section + " " + MetricsLog.progressLine(metrics, progressKeys));
                }
                if ((saveFrequency > 0 && s % saveFrequency == 0) || s == steps) {
                    save(checkpoints, s, saveModel, optimizer);
                }
            }
        }
    }

    /** Saves a checkpoint of {@code model} (with the run's tokenizer files) and {@code optimizer} after {@code step}. */
    static void save(Checkpoints checkpoints, int step, Transformer model, ModelOptimizer optimizer, Config config) {
        save(checkpoints, step, directory -> Setup.saveModel(model, config, directory), optimizer);
    }

    private static void save(Checkpoints checkpoints, int step, Checkpoints.Writer saveModel,
                             ModelOptimizer optimizer) {
        checkpoints.save(step, directory -> {
            saveModel.write(directory.resolve("model"));
            optimizer.save(directory.resolve("optimizer.safetensors"));
            AtomicFiles.writeString(directory.resolve(TrainerState.FILE), "{\"step\": " + step + "}\n");
        });
    }

    /** Loads a checkpoint of {@link #save} into the live model and optimizer; returns its step. */
    static int restore(Path directory, Transformer model, ModelOptimizer optimizer) {
        TrainerState state = TrainerState.read(directory);
        Checkpoints.loadWeights(directory.resolve("model"), model);
        Checkpoints.loadOptimizer(optimizer, directory.resolve("optimizer.safetensors"));
        return state.step();
    }
}
