package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.env.Datasets;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.PrintStream;
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
        List<Example> examples = Datasets.load(files.stream().map(Path::of).toList());
        for (int i = 0; i < examples.size(); i++) {
            Example example = examples.get(i);
            if (example.messages() != null) {
                ChatTemplate.MaskedConversation rendered = template.renderWithAssistantMask(
                        ChatTemplate.ChatRequest.of(Setup.templateMessages(example.messages()), false), tokenizer);
                sequences.add(new SftTrainer.Sequence(rendered.ids(), rendered.assistantMask()));
            } else if (example.extra().get("response") instanceof String response) {
                sequences.add(promptAndResponse(tokenizer, formatter, example, response + endOfTurn));
            } else {
                throw new IllegalArgumentException("sft.train_files record " + (i + 1) + " (data_source "
                        + example.dataSource() + "): needs \"messages\" with assistant turns, or \"prompt\" and"
                        + " \"response\"");
            }
        }
        return sequences;
    }

    private static SftTrainer.Sequence promptAndResponse(Tokenizer tokenizer, PromptFormatter formatter,
                                                         Example example, String response) {
        return SftTrainer.Sequence.promptAndResponse(tokenizer.encode(formatter.render(example), false),
                tokenizer.encode(response, false));
    }

    /** {@code sft.total_steps} steps of {@code sft.batch_size} sequences drawn at random (seeded), logged. */
    public static void train(Transformer model, List<SftTrainer.Sequence> sequences, Config config, MetricsLog log,
                             PrintStream console) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("SFT has no training sequences");
        }
        Config sft = config.section("sft");
        int steps = sft.getInt("total_steps");
        int batchSize = sft.getInt("batch_size");
        SftTrainer trainer = new SftTrainer(model, new ModelOptimizer(model, sft, steps),
                sft.getInt("micro_batch_size"));
        Random order = new Random(config.getInt("data.seed"));
        for (int step = 1; step <= steps; step++) {
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
        }
    }
}
