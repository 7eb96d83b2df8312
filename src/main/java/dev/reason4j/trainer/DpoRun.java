package dev.reason4j.trainer;

import dev.reason4j.algo.PreferenceLoss;
import dev.reason4j.algo.PreferenceLossConfig;
import dev.reason4j.algo.PreferenceLosses;
import dev.reason4j.config.Config;
import dev.reason4j.env.PreferencePair;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Offline preference optimisation as configured by the {@code dpo} section (DPO, cDPO, IPO, SimPO; {@code
 * dpo.loss_type}): the reference log-probs of every pair computed once, then {@code dpo.total_steps} optimizer
 * steps on random batches in a run directory as {@link SftRun}'s, with held-out metrics every {@code
 * dpo.eval_freq} steps and at the end.
 */
public final class DpoRun {
    private DpoRun() {}

    /** A DPO run's training and held-out pairs, tokenized. */
    public record Pairs(List<TokenizedPair> train, List<TokenizedPair> heldOut) {
    }

    /**
     * {@code dpo.train_files}, and held out {@code dpo.eval_files} or else {@code dpo.eval_size} pairs of the train
     * files (at most a tenth, said on stderr), each prompt rendered by the tokenizer's chat template.
     */
    public static Pairs pairs(Config config, Tokenizer tokenizer) {
        Config dpo = config.section("dpo");
        List<String> trainFiles = dpo.getStringList("train_files");
        if (trainFiles.isEmpty()) {
            throw new IllegalArgumentException("dpo.train_files is empty: give the preference pairs (JSON lines with "
                    + "\"prompt\" or \"messages\", \"chosen\", \"rejected\") with --train FILE");
        }
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        List<PreferencePair> train = PreferencePair.load(trainFiles.stream().map(Path::of).toList());
        List<String> evalFiles = dpo.getStringList("eval_files");
        List<PreferencePair> heldOut;
        if (!evalFiles.isEmpty()) {
            heldOut = PreferencePair.load(evalFiles.stream().map(Path::of).toList());
        } else {
            List<PreferencePair> shuffled = new ArrayList<>(train);
            Collections.shuffle(shuffled, new Random(config.getInt("data.seed") + 7919L));
            int held = Math.min(dpo.getInt("eval_size"), shuffled.size() / 10);
            heldOut = shuffled.subList(0, held);
            train = shuffled.subList(held, shuffled.size());
            if (held == 0) {
                System.err.printf("reason4j: warning: no dpo.eval_files and too few pairs in %s to hold any out (a"
                        + " tenth of %d); no held-out metrics%n", trainFiles, shuffled.size());
            } else {
                System.err.printf("reason4j: no dpo.eval_files: evaluating on %d pairs held out of %s (dpo.eval_size,"
                        + " at most a tenth); training on the other %d%n", held, trainFiles, train.size());
            }
        }
        return new Pairs(TokenizedPair.of(train, tokenizer, formatter), TokenizedPair.of(heldOut, tokenizer, formatter));
    }

    /**
     * Trains {@code policy} on {@code pairs} and returns the final held-out metrics (TRL's names under {@code
     * eval/}; empty without held-out pairs). The reference model is {@code policy} as given, before any step: its
     * log-probs of the train and held-out pairs are computed before training (and before a resume loads a
     * checkpoint's weights), so no second model is kept; SimPO computes none. The config must name the tokenizer
     * ({@code model.tokenizer} or {@code model.path}), whose files each checkpoint's model carries.
     */
    public static Map<String, Double> train(Transformer policy, List<TokenizedPair> pairs,
                                            List<TokenizedPair> heldOut, Config config, Path runDirectory,
                                            PrintStream console) throws IOException {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("DPO has no training pairs");
        }
        checkLengths(policy, pairs, "training");
        checkLengths(policy, heldOut, "held-out");
        Config dpo = config.section("dpo");
        PreferenceLoss loss = PreferenceLosses.get(dpo.getString("loss_type"));
        PreferenceLossConfig lossConfig = new PreferenceLossConfig(dpo.getDouble("beta"),
                dpo.getDouble("label_smoothing"), dpo.getDouble("simpo_gamma"));
        int steps = dpo.getInt("total_steps");
        int evalFrequency = dpo.getInt("eval_freq");
        ModelOptimizer optimizer = new ModelOptimizer(policy, dpo, steps);
        DpoTrainer trainer = new DpoTrainer(policy, optimizer, loss, lossConfig, dpo.getDouble("rpo_alpha"),
                dpo.getInt("micro_batch_size"), dpo.getBoolean("recompute"));
        // The reference is the policy before its first update; a resume must not take the checkpoint's weights.
        List<DpoTrainer.PairLogProbs> reference = trainer.referenceLogProbs(policy, pairs);
        List<DpoTrainer.PairLogProbs> heldOutReference = trainer.referenceLogProbs(policy, heldOut);
        var finalEval = new java.util.concurrent.atomic.AtomicReference<Map<String, Double>>();
        OfflineRun.train(policy, optimizer, config, "dpo", pairs.size(), runDirectory, console, (step, batch) -> {
            Map<String, Object> metrics = new java.util.LinkedHashMap<>(trainer.step(
                    batch.stream().map(pairs::get).toList(), batch.stream().map(reference::get).toList()));
            boolean last = step == steps;
            if (!heldOut.isEmpty() && (last || evalFrequency > 0 && step % evalFrequency == 0)) {
                Map<String, Double> eval = trainer.evaluate(heldOut, heldOutReference);
                metrics.putAll(eval);
                if (last) {
                    finalEval.set(eval);
                }
            }
            return metrics;
        }, "step", "loss", "rewards/accuracies", "rewards/margins", "eval/rewards/accuracies");
        if (finalEval.get() == null) {   // a run that was already complete: evaluate the checkpoint it resumed
            finalEval.set(heldOut.isEmpty() ? Map.of() : trainer.evaluate(heldOut, heldOutReference));
        }
        return finalEval.get();
    }

    private static void checkLengths(Transformer policy, List<TokenizedPair> pairs, String which) {
        int limit = policy.config().maxPositionEmbeddings();
        for (int i = 0; i < pairs.size(); i++) {
            TokenizedPair pair = pairs.get(i);
            int longest = Math.max(pair.chosenSequence().length, pair.rejectedSequence().length);
            if (longest > limit) {
                throw new IllegalArgumentException(which + " pair " + (i + 1) + " is " + longest
                        + " tokens long, more than the model's max_position_embeddings=" + limit);
            }
        }
    }
}
