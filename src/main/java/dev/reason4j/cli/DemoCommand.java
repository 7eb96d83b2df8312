package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.trainer.Demo;
import dev.reason4j.trainer.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code ./reason4j demo}: from nothing to a model that RL made measurably better at reasoning. */
final class DemoCommand implements Command {
    static final String DEMO_CONFIG = "/dev/reason4j/config/demo.yaml";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "train a tokenizer and a tiny model, SFT it, then RL (GRPO) it; prints held-out pass@1 before/after";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j demo [--out DIR] [--overwrite] [--config FILE] [section.key=value ...]

                From nothing, on this CPU: trains a BPE tokenizer and a tiny Qwen3-shaped model on a built-in
                task, fine-tunes it on worked solutions (SFT), evaluates pass@1 on held-out problems, runs GRPO
                with the task's exact verifier as the reward, and evaluates again. Settings: the demo's config
                (src/main/resources/dev/reason4j/config/demo.yaml) on top of the defaults, then FILE, then overrides.
                Writes DIR/summary.json (eval_before, eval_after, wall_seconds), DIR/config.yaml, DIR/tokenizer/,
                DIR/sft/ and DIR/rl/ (each run's metrics, checkpoints and resolved config), DIR/sft_model/ and
                DIR/rl_model/ (model directories with the tokenizer files) and DIR/curves.png. Default DIR:
                runs/demo. Run again with the same settings, it resumes (or finds the demo complete); with other
                settings it refuses: give --out NEW_DIR, or --overwrite to delete DIR's demo first.""";
    }

    @Override
    public int run(Args args) throws IOException {
        Path out = Path.of(args.string("out", "runs/demo"));
        String file = args.string("config", null);
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        Config config = demoConfig();
        if (file != null) {
            config = config.merge(Path.of(file));
        }
        config = config.override(args.positional());
        if (overwrite) {
            RunDirectory.clear(out);
        }
        new Demo(config, out, System.out).run();
        return 0;
    }

    /** The defaults with the demo's settings merged on top. */
    static Config demoConfig() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(DEMO_CONFIG)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEMO_CONFIG);
            }
            return Config.defaults().mergeYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEMO_CONFIG);
        }
    }
}
