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
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The loop of a training run on a fixed dataset (SFT, reward models): {@code section.total_steps} optimizer steps on
 * batches of {@code section.batch_size} examples drawn at random (seeded by {@code data.seed}), in a run directory:
 * config.yaml, metrics.jsonl (one row per step, with {@code phase}), and checkpoints every
 * {@code section.save_freq} steps and at the end ({@code checkpoints/step-N/}: the model, the optimizer state, the
 * step), resumed as {@code trainer.resume} says — the batches of the restored steps drawn again, so the next ones
 * match the original run's.
 */
final class OfflineLoop {
    private OfflineLoop() {}

    /**
     * @param step       one optimizer step on a batch; returns its metrics
     * @param afterStep  more metrics for a step number (an evaluation), or an empty map
     * @param saveModel  writes the model into a checkpoint's {@code model/} directory
     */
    static <T> void run(String phase, Config config, List<T> examples, Transformer model, ModelOptimizer optimizer,
                        Function<List<T>, Map<String, Object>> step, IntFunction<Map<String, Object>> afterStep,
                        Checkpoints.Writer saveModel, Path runDirectory, PrintStream console,
                        String... progressKeys) throws IOException {
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Config section = config.section(phase);
        int steps = section.getInt("total_steps");
        int batchSize = section.getInt("batch_size");
        int saveFrequency = section.getInt("save_freq");
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int restored = RunDirectory.resume(runDirectory, config, checkpoints, directory -> {
            Checkpoints.loadWeights(directory.resolve("model"), model);
            Checkpoints.loadOptimizer(optimizer, directory.resolve("optimizer.safetensors"));
            return TrainerState.read(directory).step();
        }, steps, console);
        Random order = new Random(config.getInt("data.seed"));
        for (long draw = 0; draw < (long) restored * batchSize; draw++) {
            order.nextInt(examples.size());   // the batches of the restored steps, drawn again so the next match
        }
        try (MetricsLog log = new MetricsLog(runDirectory.resolve(RunDirectory.METRICS_FILE))) {
            for (int s = restored + 1; s <= steps; s++) {
                List<T> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    batch.add(examples.get(order.nextInt(examples.size())));
                }
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("step", s);
                metrics.put("phase", phase);
                metrics.putAll(step.apply(batch));
                Map<String, Object> after = afterStep.apply(s);
                metrics.putAll(after);
                log.write(metrics);
                if (s % 25 == 0 || s == steps || !after.isEmpty()) {
                    console.println(phase + " " + MetricsLog.progressLine(metrics, progressKeys));
                }
                if ((saveFrequency > 0 && s % saveFrequency == 0) || s == steps) {
                    int savedStep = s;
                    checkpoints.save(s, directory -> {
                        saveModel.write(directory.resolve("model"));
                        optimizer.save(directory.resolve("optimizer.safetensors"));
                        AtomicFiles.writeString(directory.resolve(TrainerState.FILE),
                                "{\"step\": " + savedStep + "}\n");
                    });
                }
            }
        }
    }
}
