package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.DistillRun;
import dev.reason4j.trainer.PromptFormatter;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.Setup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./reason4j distill}: a student learns from a teacher, on its own samples or on the teacher's answers. */
final class DistillCommand implements Command {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String summary() {
        return "distil a teacher into a student: on-policy (reverse KL on the student's samples) or SFT on traces";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j distill --student DIR (--teacher DIR | --teacher-url URL [--teacher-api-key K]
                                          [--teacher-model NAME]) [--task NAME | --data FILE[,FILE...]]
                                          [--out DIR] [--overwrite] [--config FILE] [section.key=value ...]

                distill.mode=on_policy (default): each step the student samples distill.n responses to each of
                distill.prompts_per_step prompts, the teacher scores every sampled token, and the student takes a
                policy-gradient step on the per-token reverse KL (advantage log π_T − log π_S). distill.mode=traces:
                the teacher answers each prompt distill.n times (kept only when distill.traces_min_reward is set and
                the task's verifier scores them that high), then the student is fine-tuned on them with sft.*.
                The teacher must have the student's tokenizer: --teacher DIR is checked (same tokens, same eos);
                --teacher-url is a vLLM or ./reason4j serve server that returns prompt_logprobs (vLLM's; key
                also from env REASON4J_TEACHER_API_KEY). Prompts: --data files' records ("prompt" or "messages"),
                else distill.num_prompts problems of --task (default data.task). Settings: distill.*.
                Writes DIR/model (the student, with its tokenizer files), DIR/metrics.jsonl, DIR/config.yaml and
                DIR/checkpoints/; running it again with the same settings resumes (trainer.resume), with other
                settings it refuses: --out NEW_DIR, or --overwrite. Default DIR: runs/distill. docs/distill.md.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String student = args.require("student");
        String teacher = args.string("teacher", null);
        String teacherUrl = args.string("teacher-url", null);
        String apiKey = args.string("teacher-api-key", null);
        String teacherModel = args.string("teacher-model", null);
        String task = args.string("task", null);
        String data = args.string("data", null);
        String file = args.string("config", null);
        Path out = Path.of(args.string("out", "runs/distill"));
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        if (task != null && data != null) {
            throw new IllegalArgumentException("give --task or --data, not both");
        }
        List<String> overrides = new ArrayList<>();
        overrides.add("model.path=" + student);
        if (teacher != null) {
            overrides.add("distill.teacher=" + teacher);
        }
        if (teacherUrl != null) {
            overrides.add("distill.teacher_url=" + teacherUrl);
        }
        if (apiKey != null) {
            overrides.add("distill.teacher_api_key=" + apiKey);
        }
        if (teacherModel != null) {
            overrides.add("distill.teacher_model=" + teacherModel);
        }
        if (task != null) {
            overrides.add("data.task=" + task);
        }
        if (data != null) {
            overrides.add("data.train_files=[" + data + "]");
        }
        overrides.addAll(args.positional());
        Config config = Config.load(file == null ? null : Path.of(file), overrides);
        if (overwrite) {
            RunDirectory.clear(out);
        }
        Tokenizer tokenizer = Setup.tokenizer(config);
        Transformer model = Setup.policy(config, tokenizer);
        List<Example> prompts = DistillRun.prompts(config, Setup.task(config));
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        String mode = config.getString("distill.mode");
        switch (mode) {
            case "on_policy" -> DistillRun.onPolicy(model, DistillRun.teacher(config, tokenizer), prompts, tokenizer,
                    formatter, config, out, System.out);
            case "traces" -> {
                RolloutEngine engine = DistillRun.teacherEngine(config, tokenizer);
                try {
                    DistillRun.traces(model, engine, prompts, tokenizer, formatter, config, out, System.out);
                } finally {
                    if (engine instanceof AutoCloseable closeable) {
                        closeable.close();
                    }
                }
            }
            default -> throw new IllegalArgumentException("distill.mode: unknown '" + mode + "' (on_policy, traces)");
        }
        Path modelDirectory = out.resolve("model");
        Setup.saveModel(model, config, modelDirectory);
        System.out.println("saved " + modelDirectory);
        return 0;
    }
}
