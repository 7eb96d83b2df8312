package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.trainer.Experiment;
import dev.reason4j.trainer.RunDirectory;
import java.nio.file.Path;

/** {@code ./reason4j train}: RL from a config, resumable. */
final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "RL-train a policy (GRPO, DAPO, PPO, RLOO, ...) from a YAML config; resumes a killed run";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j train [--config FILE] [--out DIR] [--overwrite] [--dashboard [--dashboard-port 8265]]
                                        [section.key=value ...]

                Runs reinforcement learning as configured (./reason4j config prints every key and default):
                model.path (a Hugging Face model directory) or a new tiny model, data.task or data.train_files,
                algorithm.adv_estimator, actor.*, rollout.*, reward.*, trainer.*. The run directory (--out, else
                trainer.out_dir) receives config.yaml (resolved), metrics.jsonl (one line per step) and
                checkpoints/ (atomic; the last trainer.max_checkpoints kept). The directory belongs to one run:
                the same command again resumes it from its latest checkpoint (trainer.resume=auto;
                latest_intact skips broken checkpoints; a path resumes from that checkpoint), and other settings
                are refused — give --out NEW_DIR, or --overwrite to delete the old run first. --dashboard serves
                ./reason4j dashboard over the run directory's parent while it trains (127.0.0.1, prints the URL).
                Example: ./reason4j train --config my.yaml algorithm.adv_estimator=grpo actor.clip_ratio_high=0.28""";
    }

    @Override
    public int run(Args args) throws Exception {
        String file = args.string("config", null);
        String out = args.string("out", null);
        boolean overwrite = args.flag("overwrite");
        boolean dashboard = args.flag("dashboard");
        int dashboardPort = args.integer("dashboard-port", DashboardCommand.DEFAULT_PORT);
        args.rejectUnknown();
        Config config = Config.load(file == null ? null : Path.of(file), args.positional());
        Path runDirectory = Path.of(out != null ? out : config.getString("trainer.out_dir"));
        if (overwrite) {
            RunDirectory.clear(runDirectory);
        }
        try (var server = dashboard ? DashboardCommand.beside(runDirectory, dashboardPort) : null;
             Experiment experiment = new Experiment(config)) {
            experiment.train(runDirectory, System.out);
        }
        return 0;
    }
}
