package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.env.PreferencePair;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.model.ProcessRewardModel;
import dev.reason4j.reward.model.RewardModel;
import dev.reason4j.reward.model.StepLabels;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.PromptFormatter;
import dev.reason4j.trainer.RewardModelRun;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.Setup;
import dev.reason4j.trainer.TokenizedPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/** {@code ./reason4j train-rm}: trains an outcome (Bradley–Terry) or process reward model from a policy's trunk. */
final class TrainRmCommand implements Command {
    @Override
    public String name() {
        return "train-rm";
    }

    @Override
    public String summary() {
        return "train a reward model (Bradley-Terry on preference pairs, or a process RM on step labels)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j train-rm --model DIR --train FILE... [--eval FILE...] --out DIR [--type orm|prm]
                                           [--config FILE] [--overwrite] [section.key=value ...]

                Trains a reward model whose trunk starts as the model in --model (an SFT policy: its LM head is
                dropped and a fresh score head added; a reward model directory continues training as it is).
                --type orm (default, rm.type): JSON lines {"prompt" | "messages", "chosen", "rejected"} (TRL's
                preference format; an optional numeric "margin" per pair), Bradley-Terry loss
                -log sigmoid(r_chosen - r_rejected - margin) plus rm.center_coef * (r_chosen + r_rejected)^2.
                --type prm: JSON lines {"prompt" | "messages", "steps": [text, ...], "labels": [0/1 or
                probability, ...]}, a cross-entropy per step, read at each step's last token (the response is the
                steps joined by rm.step_separator). Several files: repeat after --train, or separate with commas.
                Held out: --eval's records; without --eval, rm.val_size records of the shuffled train files (at
                most a tenth), said on stderr. The held-out accuracy (pairwise, or per step) is logged as
                rm/eval_accuracy every rm.eval_freq steps and printed at the end. Settings: rm.* (lr, steps,
                batch).
                Writes DIR/model, the reward model in Hugging Face's layout (...ForSequenceClassification, or
                ...ForTokenClassification for a PRM: config.json, model.safetensors, tokenizer files), which
                reward.reward_model.path=DIR/model uses as a reward; and DIR/metrics.jsonl, DIR/config.yaml,
                DIR/checkpoints/ as ./reason4j sft (same resume rules). Default DIR: runs/rm.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String file = args.string("config", null);
        String model = args.require("model");
        List<Path> trainFiles = files(args.require("train"));
        String evalOption = args.string("eval", null);
        Path out = Path.of(args.string("out", "runs/rm"));
        String type = args.string("type", null);
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        List<String> overrides = new ArrayList<>(List.of("model.path=" + model));
        for (String word : args.positional()) {
            if (Args.isOverride(word)) {
                overrides.add(word);
            } else {
                trainFiles.add(Path.of(word));   // --train a.jsonl b.jsonl: the shell gives the rest as words
            }
        }
        if (type != null) {
            overrides.add("rm.type=" + type);
        }
        Config config = Config.load(file == null ? null : Path.of(file), overrides);
        type = config.getString("rm.type");
        if (!type.equals("orm") && !type.equals("prm")) {
            throw new IllegalArgumentException("--type (rm.type) must be orm or prm, got '" + type + "'");
        }
        if (overwrite) {
            RunDirectory.clear(out);
        }
        Tokenizer tokenizer = Setup.tokenizer(config);
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        Transformer trunk = Setup.policy(config, tokenizer);
        long seed = config.getInt("rm.seed");
        List<Path> evalFiles = evalOption == null ? List.of() : files(evalOption);
        Path modelDirectory = out.resolve("model");
        double accuracy;
        int heldOut;
        if (type.equals("orm")) {
            Function<List<Path>, List<TokenizedPair>> read = paths -> TokenizedPair.of(PreferencePair.load(paths),
                    tokenizer, formatter);
            Split<TokenizedPair> data = split(read.apply(trainFiles), evalFiles, read, config, "pairs");
            RewardModel rm = trunk.hasLmHead() ? RewardModel.fromPolicy(trunk, seed) : new RewardModel(trunk);
            accuracy = RewardModelRun.train(rm, data.train(), data.heldOut(), config, out, System.out);
            rm.save(modelDirectory, Setup.tokenizerDirectory(config));
            heldOut = data.heldOut().size();
        } else {
            String separator = config.getString("rm.step_separator");
            Function<List<Path>, List<StepLabels>> read = paths -> StepLabels.load(paths, tokenizer, formatter,
                    separator);
            Split<StepLabels> data = split(read.apply(trainFiles), evalFiles, read, config, "solutions");
            ProcessRewardModel prm = trunk.hasLmHead() ? ProcessRewardModel.fromPolicy(trunk, seed, separator)
                    : new ProcessRewardModel(trunk, separator);
            accuracy = RewardModelRun.train(prm, data.train(), data.heldOut(), config, out, System.out);
            prm.save(modelDirectory, Setup.tokenizerDirectory(config));
            heldOut = data.heldOut().size();
        }
        if (heldOut > 0) {
            System.out.printf(Locale.ROOT, "held-out %s accuracy %.3f (%d %s)%n", type.equals("orm") ? "pairwise"
                    : "step", accuracy, heldOut, type.equals("orm") ? "pairs" : "solutions");
        }
        System.out.println("saved " + modelDirectory + " (use it as reward.reward_model.path=" + modelDirectory
                + (type.equals("prm") ? " reward.reward_model.type=prm" : "") + ")");
        return 0;
    }

    private static List<Path> files(String commaSeparated) {
        List<Path> files = new ArrayList<>();
        for (String name : commaSeparated.split(",")) {
            if (!name.isBlank()) {
                files.add(Path.of(name.strip()));
            }
        }
        return files;
    }

    private record Split<T>(List<T> train, List<T> heldOut) {}

    /** --eval's records, else rm.val_size of the train records (at most a tenth), shuffled with data.seed. */
    private static <T> Split<T> split(List<T> train, List<Path> evalFiles, Function<List<Path>, List<T>> read,
                                      Config config, String what) {
        if (!evalFiles.isEmpty()) {
            return new Split<>(train, read.apply(evalFiles));
        }
        int count = Math.min(config.getInt("rm.val_size"), train.size() / 10);
        List<T> shuffled = new ArrayList<>(train);
        Collections.shuffle(shuffled, new Random(config.getInt("data.seed")));
        System.err.println(count == 0 ? "no --eval and too few " + what + " to hold out a tenth: the held-out"
                + " accuracy is not measured"
                : "no --eval: holding out " + count + " of the " + train.size() + " " + what + " of the train"
                + " files (shuffled with data.seed; rm.val_size) for the held-out accuracy");
        return new Split<>(shuffled.subList(count, shuffled.size()), shuffled.subList(0, count));
    }
}
