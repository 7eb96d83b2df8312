package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.MetricsLog;
import dev.reason4j.trainer.Setup;
import dev.reason4j.trainer.SftRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** {@code ./reason4j sft}: supervised fine-tuning with a loss mask, to warm-start a policy for RL. */
final class SftCommand implements Command {
    /** Tokenizer files copied next to the fine-tuned weights, so the output is a complete model directory. */
    private static final List<String> TOKENIZER_FILES =
            List.of("tokenizer.json", "tokenizer_config.json", "chat_template.jinja");

    @Override
    public String name() {
        return "sft";
    }

    @Override
    public String summary() {
        return "supervised fine-tuning on assistant tokens only (a dataset's conversations or a task's solutions)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j sft [--config FILE] [--out DIR] [section.key=value ...]

                Fine-tunes model.path (or a new model.tiny for model.tokenizer) on sft.train_files: JSON lines
                with "messages" (the loss covers the assistant's tokens, as the chat template marks them) or with
                "prompt" and "response" (the loss covers the response). Without files it uses sft.num_examples
                worked solutions of the data.task train split. Settings: sft.* (lr, schedule, steps, batch).
                Writes DIR/model (weights, config.json and the tokenizer files: a model directory for
                ./reason4j train or eval), DIR/metrics.jsonl and DIR/config.yaml. Default DIR: runs/sft.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String file = args.string("config", null);
        Path out = Path.of(args.string("out", "runs/sft"));
        args.rejectUnknown();
        Config config = Config.load(file == null ? null : Path.of(file), args.positional());
        Files.createDirectories(out);
        config.save(out.resolve("config.yaml"));
        Task task = Setup.task(config);
        Tokenizer tokenizer = Setup.tokenizer(config);
        Transformer model = Setup.policy(config, tokenizer);
        try (MetricsLog log = new MetricsLog(out.resolve("metrics.jsonl"))) {
            SftRun.train(model, SftRun.sequences(config, task, tokenizer, Setup.chatFormatter(tokenizer)), config,
                    log, System.out);
        }
        Path modelDirectory = out.resolve("model");
        model.save(modelDirectory);
        for (String name : TOKENIZER_FILES) {
            Path source = Setup.tokenizerDirectory(config).resolve(name);
            if (Files.isRegularFile(source)) {
                Files.copy(source, modelDirectory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        System.out.println("saved " + modelDirectory);
        return 0;
    }
}
