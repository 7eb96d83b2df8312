package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import dev.reason4j.config.Config;
import dev.reason4j.env.Datasets;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.ChatTemplate;
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
 * Supervised fine-tuning as configured by the {@code sft} section: the training sequences (a dataset's
 * conversations with their assistant-token masks, or a task's worked solutions), then {@code sft.total_steps}
 * optimizer steps on random batches, each logged.
 */
public final class SftRun {
    private SftRun() {}

    /**
     * {@code sft.train_files} when given — JSON lines with {@code messages} (trained on the assistant's tokens, as
     * the chat template marks them) or {@code prompt} plus {@code response} — else {@code sft.num_examples}
     * distinct worked solutions of the task's train split.
     */
    public static List<SftTrainer.Sequence> sequences(Config config, Task task, Tokenizer tokenizer,
                                                      PromptFormatter formatter) {
        List<String> files = config.getStringList("sft.train_files");
        String endOfTurn = tokenizer.idToToken(tokenizer.eosTokenId().orElseThrow(
                () -> new IllegalArgumentException("the tokenizer has no eos_token to end responses with")));
        List<SftTrainer.Sequence> sequences = new ArrayList<>();
        if (files.isEmpty()) {
            for (Problem problem : task.distinct(Split.TRAIN, config.getInt("sft.num_examples"),
                    config.getInt("data.seed"))) {
                sequences.add(promptAndResponse(tokenizer, formatter, problem.toExample(), problem.solution() + endOfTurn));
            }
            return sequences;
        }
        ChatTemplate template = ChatTemplate.of(tokenizer);
        List<Example> examples = Datasets.load(files.stream().map(Path::of).toList(), example -> {
            if (example.messages() == null && !(example.extra().get("response") instanceof String)) {
                throw new IllegalArgumentException("an SFT record needs \"messages\" with assistant turns, or"
                        + " \"prompt\" and \"response\" (text)");
            }
            return example;
        });
        for (Example example : examples) {
            if (example.messages() != null) {
                ChatTemplate.MaskedConversation rendered = template.renderWithAssistantMask(
                        ChatTemplate.ChatRequest.of(Setup.templateMessages(example.messages()), false), tokenizer);
                sequences.add(new SftTrainer.Sequence(rendered.ids(), rendered.assistantMask()));
            } else {
                sequences.add(promptAndResponse(tokenizer, formatter, example,
                        example.extra().get("response") + endOfTurn));
            }
        }
        return sequences;
    }

    private static SftTrainer.Sequence promptAndResponse(Tokenizer tokenizer, PromptFormatter formatter,
                                                         Example example, String response) {
        return SftTrainer.Sequence.promptAndResponse(tokenizer.encode(formatter.render(example), false),
                tokenizer.encode(response, false));
    }

    /**
     * {@code sft.total_steps} steps of {@code sft.batch_size} sequences drawn at random (seeded), in a run
     * directory as an RL run's: config.yaml, metrics.jsonl, and checkpoints every {@code sft.save_freq} steps and
     * at the end ({@code checkpoints/step-N/}: model with tokenizer files, optimizer state, step), resumed as
     * {@code trainer.resume} says. The config must name the tokenizer ({@code model.tokenizer} or
     * {@code model.path}), whose files each checkpoint's model carries.
     */
    public static void train(Transformer model, List<SftTrainer.Sequence> sequences, Config config,
                             Path runDirectory, PrintStream console) throws IOException {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("SFT has no training sequences");
        }
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Config sft = config.section("sft");
        int steps = sft.getInt("total_steps");
        int batchSize = sft.getInt("batch_size");
        int saveFrequency = sft.getInt("save_freq");
        ModelOptimizer optimizer = new ModelOptimizer(model, sft, steps);
        SftTrainer trainer = new SftTrainer(model, optimizer, sft.getInt("micro_batch_size"),
                sft.getBoolean("recompute"));
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int restored = RunDirectory.resume(runDirectory, config, checkpoints,
                directory -> restore(directory, model, optimizer), steps, console);
        Random order = new Random(config.getInt("data.seed"));
        for (long draw = 0; draw < (long) restored * batchSize; draw++) {
            order.nextInt(sequences.size());   // the batches of the restored steps, drawn again so the next match
        }
        try (MetricsLog log = new MetricsLog(runDirectory.resolve(RunDirectory.METRICS_FILE))) {
            for (int step = restored + 1; step <= steps; step++) {
                List<SftTrainer.Sequence> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    batch.add(sequences.get(order.nextInt(sequences.size())));
                }
                Map<String, Object> metrics = new LinkedHashMap<>();
                metrics.put("step", step);
                metrics.put("phase", "sft");
                metrics.putAll(trainer.step(batch));
                log.write(metrics);
                if (step % 25 == 0 || step == steps) {
                    console.println("sft " + MetricsLog.progressLine(metrics, "step", "sft/loss", "sft/lr",
                            "time/sft_tokens_per_s"));
                }
                if ((saveFrequency > 0 && step % saveFrequency == 0) || step == steps) {
                    int savedStep = step;
                    checkpoints.save(step, directory -> {
                        Setup.saveModel(model, config, directory.resolve("model"));
                        optimizer.save(directory.resolve("optimizer.safetensors"));
                        AtomicFiles.writeString(directory.resolve(TrainerState.FILE),
                                "{\"step\": " + savedStep + "}\n");
                    });
                }
            }
        }
    }

    /** Loads an SFT checkpoint into the live model and optimizer; returns its step. */
    private static int restore(Path directory, Transformer model, ModelOptimizer optimizer) {
        TrainerState state = TrainerState.read(directory);
        Path weights = directory.resolve("model");
        Checkpoints.loadWeights(weights, model);
        Checkpoints.loadOptimizer(optimizer, directory.resolve("optimizer.safetensors"));
        return state.step();
    }
}
