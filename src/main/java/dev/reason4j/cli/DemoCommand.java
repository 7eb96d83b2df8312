package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.trainer.Demo;
import dev.reason4j.trainer.PreferenceDemo;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.ToolDemo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code ./reason4j demo}: from nothing to a model that RL made measurably better at reasoning. */
final class DemoCommand implements Command {
    /** Preset name → its config resource. */
    static final java.util.Map<String, String> PRESETS = java.util.Map.of(
            "reasoning", "/dev/reason4j/config/demo.yaml",
            "tools", "/dev/reason4j/config/demo_tools.yaml",
            "preference", "/dev/reason4j/config/demo_preference.yaml");

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
                usage: ./reason4j demo [--preset reasoning|tools|preference] [--out DIR] [--overwrite] [--config FILE]
                                       [--dashboard [--dashboard-port 8265]] [section.key=value ...]

                From nothing, on this CPU: trains a BPE tokenizer and a tiny Qwen3-shaped model on a built-in
                task, fine-tunes it on worked solutions (SFT), evaluates pass@1 on held-out problems, runs GRPO
                with the task's exact verifier as the reward, and evaluates again. Settings: the demo's config
                (src/main/resources/dev/reason4j/config/demo.yaml) on top of the defaults, then FILE, then overrides.
                Writes DIR/summary.json (eval_before, eval_after, wall_seconds), DIR/config.yaml, DIR/tokenizer/,
                DIR/sft/ and DIR/rl/ (each run's metrics, checkpoints and resolved config), DIR/sft_model/ and
                DIR/rl_model/ (model directories with the tokenizer files) and DIR/curves.png. Default DIR:
                runs/demo. Run again with the same settings, it resumes (or finds the demo complete); with other
                settings it refuses: give --out NEW_DIR, or --overwrite to delete DIR's demo first.
                --dashboard serves ./reason4j dashboard over DIR's parent while the demo runs (prints the URL).

                --preset tools (config demo_tools.yaml): the model learns when to call a calculator. SFT on
                tool-use demonstrations (half of them call it, half answer in the head), then GRPO in the agent
                loop on tool_arithmetic; summary.json adds tool_call_rate and tool_error_rate to each evaluation,
                and eval_after_without_tools. Default DIR: runs/demo-tools.

                --preset preference (config demo_preference.yaml): which method teaches a rule that only
                preferences reveal? SFT on worked sums of which 30% check the answer by the inverse operation;
                preference pairs prefer the checked one. From the same SFT model: a reward model (Bradley-Terry),
                GRPO against it, DPO on the pairs, and on-policy distillation of the RL policy into a fresh SFT
                student. summary.json: rm_pairwise_accuracy and hidden_rule_score (correct and checked, greedy,
                held out) for sft, rl_rm, dpo, distilled. Default DIR: runs/demo-preference.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String preset = args.string("preset", "reasoning");
        if (!PRESETS.containsKey(preset)) {
            throw new IllegalArgumentException("--preset: unknown preset '" + preset + "' (presets: reasoning, tools,"
                    + " preference)");
        }
        Path out = Path.of(args.string("out", preset.equals("reasoning") ? "runs/demo" : "runs/demo-" + preset));
        String file = args.string("config", null);
        boolean overwrite = args.flag("overwrite");
        boolean dashboard = args.flag("dashboard");
        int dashboardPort = args.integer("dashboard-port", DashboardCommand.DEFAULT_PORT);
        args.rejectUnknown();
        Config config = demoConfig(preset);
        if (file != null) {
            config = config.merge(Path.of(file));
        }
        config = config.override(args.positional());
        if (overwrite) {
            RunDirectory.clear(out);
        }
        try (var server = dashboard ? DashboardCommand.beside(out, dashboardPort) : null) {
            switch (preset) {
                case "tools" -> new ToolDemo(config, out, System.out).run();
                case "preference" -> new PreferenceDemo(config, out, System.out).run();
                default -> new Demo(config, out, System.out).run();
            }
        }
        return 0;
    }

    /** The defaults with a preset's settings merged on top. */
    static Config demoConfig(String preset) throws IOException {
        String resource = PRESETS.get(preset);
        try (InputStream in = DemoCommand.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return Config.defaults().mergeYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        }
    }
}
