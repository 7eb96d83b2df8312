package dev.reason4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.config.Config;
import dev.reason4j.trainer.Experiment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./reason4j eval}: pass@k / maj@k / mean@k of a checkpoint on held-out problems. */
final class EvalCommand implements Command {
    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "evaluate a model on held-out problems: pass@k (unbiased), maj@k, mean@k";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j eval --model DIR [--config FILE] [section.key=value ...]

                Samples trainer.eval.n responses per held-out problem (data.val_size problems of data.task's
                held-out split) at trainer.eval.temperature (0 = greedy) and prints one JSON object with
                pass@k for each k in trainer.eval.k (Chen et al.'s unbiased estimator), maj@k and mean@k.
                With data.train_files and no data.val_files, the held-out records are those training held out
                (the same seeded split). DIR is a Hugging Face model directory, a checkpoint's policy/ or the
                demo's rl_model/ (each carries its tokenizer files; model.tokenizer=DIR gives another).
                Example: ./reason4j eval --model runs/demo/rl_model \\
                         trainer.eval.n=8 'trainer.eval.k=[1,4,8]' trainer.eval.temperature=1.0""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.require("model");
        String file = args.string("config", null);
        args.rejectUnknown();
        if (!java.nio.file.Files.isDirectory(Path.of(model))) {
            throw new IllegalArgumentException("--model: directory does not exist: " + model);
        }
        List<String> overrides = new ArrayList<>();
        overrides.add("model.path=" + model);
        overrides.addAll(args.positional());
        Config config = Config.load(file == null ? null : Path.of(file), overrides);
        try (Experiment experiment = new Experiment(config)) {
            System.out.println(new ObjectMapper().writeValueAsString(experiment.evaluate()));
        }
        return 0;
    }
}
