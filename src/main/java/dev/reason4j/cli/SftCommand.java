package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.Setup;
import dev.reason4j.trainer.SftRun;
import java.nio.file.Path;

/** {@code ./reason4j sft}: supervised fine-tuning with a loss mask, to warm-start a policy for RL. */
final class SftCommand implements Command {
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
                usage: ./reason4j sft [--config FILE] [--out DIR] [--overwrite] [section.key=value ...]

                Fine-tunes model.path (or a new model.tiny for model.tokenizer) on sft.train_files: JSON lines
                with "messages" (the loss covers the assistant's tokens, as the chat template marks them) or with
                "prompt" and "response" (the loss covers the response). Without files it uses sft.num_examples
                worked solutions of the data.task train split. Settings: sft.* (lr, schedule, steps, batch).
                Writes DIR/model (weights, config.json and the tokenizer files: a model directory for
                ./reason4j train or eval), DIR/metrics.jsonl, DIR/config.yaml and DIR/checkpoints/ (every
                sft.save_freq steps and at the end). Running it again with the same settings resumes the run
                (trainer.resume); with other settings it refuses: give --out NEW_DIR, or --overwrite to delete
                DIR's run first. Default DIR: runs/sft.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String file = args.string("config", null);
        Path out = Path.of(args.string("out", "runs/sft"));
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        Config config = Config.load(file == null ? null : Path.of(file), args.positional());
        if (overwrite) {
            RunDirectory.clear(out);
        }
        Task task = Setup.task(config);
        Tokenizer tokenizer = Setup.tokenizer(config);
        Transformer model = Setup.policy(config, tokenizer);
        SftRun.train(model, SftRun.sequences(config, task, tokenizer, Setup.chatFormatter(tokenizer)), config, out,
                System.out);
        Path modelDirectory = out.resolve("model");
        Setup.saveModel(model, config, modelDirectory);
        System.out.println("saved " + modelDirectory);
        return 0;
    }
}
