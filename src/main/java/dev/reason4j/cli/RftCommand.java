package dev.reason4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.config.Config;
import dev.reason4j.trainer.Experiment;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ./reason4j rft}: rejection-sampling fine-tuning (STaR / RFT) of a model on a task or a dataset. */
final class RftCommand implements Command {
    @Override
    public String name() {
        return "rft";
    }

    @Override
    public String summary() {
        return "rejection-sampling fine-tuning (STaR / RFT): sample k per problem, keep the verified, SFT, repeat";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j rft --model DIR (--task NAME | FILE ...) [--out DIR] [--config FILE] [--overwrite]
                                      [section.key=value ...]

                For rft.rounds rounds: samples rft.samples_per_problem responses to each of rft.problems_per_round
                training problems with the current policy (rollout.temperature, top_k, top_p), keeps those whose reward (reward.*: by default the
                verifier of each problem's data source) is at least rft.reward_threshold and that were not cut by
                data.max_response_length, drops identical responses to the same problem, and fine-tunes on them
                for rft.steps_per_round steps (sft.* optimizer and batch). Problems: the built-in --task (data.task;
                see ./reason4j task) or dataset FILEs (data.train_files: JSON lines or Parquet with a prompt and
                an answer). Logs per round rft/kept_fraction, rft/solved_fraction, sft/loss and the held-out
                eval/pass@1 (trainer.eval), also before the first round; prints the last held-out metrics as JSON.
                Writes DIR/model (a model directory with the tokenizer's files), DIR/metrics.jsonl,
                DIR/config.yaml, DIR/checkpoints/ (one per round). Running it again with the same settings
                resumes; --overwrite deletes DIR's run first. Default --out: runs/rft.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.require("model");
        String task = args.string("task", null);
        String file = args.string("config", null);
        Path out = Path.of(args.string("out", "runs/rft"));
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        if (!Files.isDirectory(Path.of(model))) {
            throw new IllegalArgumentException("--model: directory does not exist: " + model);
        }
        List<String> dataFiles = new ArrayList<>(args.words());
        List<String> overrides = new ArrayList<>(List.of("model.path=" + model));
        overrides.addAll(args.overrides());
        if (task != null && !dataFiles.isEmpty()) {
            throw new IllegalArgumentException("give --task NAME or data files, not both");
        }
        if (task != null) {
            overrides.add("data.task=" + task);
        }
        for (String path : dataFiles) {
            if (!Files.isRegularFile(Path.of(path))) {
                throw new IllegalArgumentException("data file does not exist: " + path);
            }
        }
        if (!dataFiles.isEmpty()) {
            overrides.add("data.train_files=" + Args.yamlList(dataFiles));
        }
        Config config = Config.load(file == null ? null : Path.of(file), overrides);
        if (overwrite) {
            RunDirectory.clear(out);
        }
        try (Experiment experiment = new Experiment(config)) {
            Map<String, Double> heldOut = experiment.rejectionSampling(out, System.out);
            Path modelDirectory = out.resolve("model");
            Setup.saveModel(experiment.policy(), config, modelDirectory);
            System.out.println("saved " + modelDirectory);
            System.out.println(new ObjectMapper().writeValueAsString(heldOut));
        }
        return 0;
    }
}
