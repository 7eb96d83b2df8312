package dev.reason4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.algo.PreferenceLosses;
import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.DpoRun;
import dev.reason4j.trainer.RunDirectory;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code ./reason4j dpo}: offline preference optimisation (DPO, cDPO, IPO, SimPO) from a model on pair files. */
final class DpoCommand implements Command {
    @Override
    public String name() {
        return "dpo";
    }

    @Override
    public String summary() {
        return "preference optimisation on chosen/rejected pairs: DPO, cDPO, IPO, SimPO (dpo.loss_type)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j dpo --model DIR --train FILE [FILE ...] [--eval FILE] [--out DIR] [--config FILE]
                                      [--overwrite] [section.key=value ...]

                Trains the model in DIR (an SFT model: it is also the frozen reference) on preference pairs, JSON
                lines {"prompt" | "messages", "chosen", "rejected"} (TRL's format; chosen and rejected as text or
                as messages ending with the assistant's), prompts rendered by the model's chat template. The
                reference log-probs are computed once before training. --eval FILE: held-out pairs; without it
                dpo.eval_size pairs (at most a tenth) are held out of the train files. Settings: dpo.* (loss_type
                sigmoid | ipo | simpo, beta, label_smoothing, simpo_gamma, rpo_alpha: + NLL of the chosen, lr,
                total_steps, batch_size, ...).
                Metrics (metrics.jsonl, TRL's names): loss, rewards/chosen, rewards/rejected, rewards/margins,
                rewards/accuracies, logps/chosen, logps/rejected, grad_norm, learning_rate, and eval/... every
                dpo.eval_freq steps and at the end; the final held-out metrics are printed as JSON. Writes
                DIR/model (a model directory with the tokenizer's files), DIR/config.yaml, DIR/checkpoints/.
                Running it again with the same settings resumes the run; --overwrite deletes DIR's run first.
                Default --out: runs/dpo.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.require("model");
        String train = args.string("train", null);
        String eval = args.string("eval", null);
        String file = args.string("config", null);
        Path out = Path.of(args.string("out", "runs/dpo"));
        boolean overwrite = args.flag("overwrite");
        args.rejectUnknown();
        if (!Files.isDirectory(Path.of(model))) {
            throw new IllegalArgumentException("--model: directory does not exist: " + model);
        }
        // Words that are not overrides are more train files: --train a.jsonl b.jsonl.
        List<String> trainFiles = new ArrayList<>(args.words());
        List<String> overrides = new ArrayList<>(List.of("model.path=" + model));
        overrides.addAll(args.overrides());
        if (train != null && !train.equals("true")) {
            trainFiles.addFirst(train);
        } else if (!trainFiles.isEmpty()) {
            throw new IllegalArgumentException("unexpected argument '" + trainFiles.getFirst()
                    + "' (train files follow --train)");
        }
        for (String path : trainFiles) {
            requireFile("--train", path);
        }
        if (!trainFiles.isEmpty()) {
            overrides.add("dpo.train_files=" + Args.yamlList(trainFiles));
        }
        if (eval != null) {
            requireFile("--eval", eval);
            overrides.add("dpo.eval_files=" + Args.yamlList(List.of(eval)));
        }
        Config config = Config.load(file == null ? null : Path.of(file), overrides);
        PreferenceLosses.get(config.getString("dpo.loss_type"));   // an unknown name fails now, before any loading
        if (overwrite) {
            RunDirectory.clear(out);
        }
        Tokenizer tokenizer = Setup.tokenizer(config);
        Transformer policy = Setup.policy(config, tokenizer);
        DpoRun.Pairs pairs = DpoRun.pairs(config, tokenizer);
        Map<String, Double> heldOut = DpoRun.train(policy, pairs.train(), pairs.heldOut(), config, out, System.out);
        Path modelDirectory = out.resolve("model");
        Setup.saveModel(policy, config, modelDirectory);
        System.out.println("saved " + modelDirectory);
        System.out.println(new ObjectMapper().writeValueAsString(heldOut));
        return 0;
    }

    private static void requireFile(String option, String path) {
        if (!Files.isRegularFile(Path.of(path))) {
            throw new IllegalArgumentException(option + ": file does not exist: " + path);
        }
    }
}
