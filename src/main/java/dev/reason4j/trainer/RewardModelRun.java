package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.model.ProcessRewardModel;
import dev.reason4j.reward.model.RewardModel;
import dev.reason4j.reward.model.StepLabels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Reward-model training as configured by the {@code rm} section: {@code rm.total_steps} optimizer steps on random
 * batches of {@code rm.batch_size} examples (preference pairs for an outcome model, step-labelled solutions for a
 * process model), in a run directory as an SFT run's (config.yaml, metrics.jsonl, {@code checkpoints/step-N/} with
 * the model in HF layout, optimizer state and step; resumed as {@code trainer.resume} says). Every
 * {@code rm.eval_freq} steps and at the end the held-out accuracy is logged as {@code rm/eval_accuracy}: pairwise
 * for an outcome model, per step for a process model. The config must name the tokenizer ({@code model.tokenizer}
 * or {@code model.path}), whose files each saved model carries.
 */
public final class RewardModelRun {
    private RewardModelRun() {}

    /** Trains an outcome reward model with {@link RewardModelTrainer}; returns the final held-out pairwise accuracy. */
    public static double train(RewardModel rm, List<TokenizedPair> train, List<TokenizedPair> heldOut, Config config,
                               Path runDirectory, PrintStream console) throws IOException {
        Config section = config.section("rm");
        ModelOptimizer optimizer = new ModelOptimizer(rm.model(), section, section.getInt("total_steps"));
        RewardModelTrainer trainer = new RewardModelTrainer(rm, optimizer, section.getInt("micro_batch_size"),
                section.getDouble("center_coef"), section.getBoolean("recompute"));
        return run(rm.model(), optimizer, train, trainer::step, heldOut, pairs -> pairwiseAccuracy(rm, pairs),
                directory -> rm.save(directory, Setup.tokenizerDirectory(config)), config, runDirectory, console);
    }

    /** Trains a process reward model with {@link ProcessRewardTrainer}; returns the final held-out step accuracy. */
    public static double train(ProcessRewardModel prm, List<StepLabels> train, List<StepLabels> heldOut,
                               Config config, Path runDirectory, PrintStream console) throws IOException {
        Config section = config.section("rm");
        ModelOptimizer optimizer = new ModelOptimizer(prm.model(), section, section.getInt("total_steps"));
        ProcessRewardTrainer trainer = new ProcessRewardTrainer(prm, optimizer, section.getInt("micro_batch_size"),
                section.getBoolean("recompute"));
        return run(prm.model(), optimizer, train, trainer::step, heldOut, prm::stepAccuracy,
                directory -> prm.save(directory, Setup.tokenizerDirectory(config)), config, runDirectory, console);
    }

    /** Share of pairs the model ranks right (r_chosen &gt; r_rejected; a tie counts as wrong). NaN for none. */
    public static double pairwiseAccuracy(RewardModel rm, List<TokenizedPair> pairs) {
        if (pairs.isEmpty()) {
            return Double.NaN;
        }
        List<int[]> sequences = new ArrayList<>(2 * pairs.size());
        for (TokenizedPair pair : pairs) {
            sequences.add(pair.chosenSequence());
            sequences.add(pair.rejectedSequence());
        }
        float[] rewards = rm.score(sequences);
        int correct = 0;
        for (int i = 0; i < pairs.size(); i++) {
            correct += rewards[2 * i] > rewards[2 * i + 1] ? 1 : 0;
        }
        return (double) correct / pairs.size();
    }

    private static <T> double run(Transformer model, ModelOptimizer optimizer, List<T> train,
                                  Function<List<T>, Map<String, Object>> step, List<T> heldOut,
                                  ToDoubleFunction<List<T>> evaluate, Checkpoints.Writer saveModel, Config config,
                                  Path runDirectory, PrintStream console) throws IOException {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("reward-model training has no training examples");
        }
        int steps = config.getInt("rm.total_steps");
        int evalFrequency = config.getInt("rm.eval_freq");
        double[] accuracy = {Double.NaN};
        OfflineRun.train(model, optimizer, config, "rm", train.size(), saveModel, runDirectory, console,
                (s, batch) -> {
                    Map<String, Object> metrics = new LinkedHashMap<>(step.apply(batch.stream().map(train::get)
                            .toList()));
                    if (!heldOut.isEmpty() && ((evalFrequency > 0 && s % evalFrequency == 0) || s == steps)) {
                        accuracy[0] = evaluate.applyAsDouble(heldOut);
                        metrics.put("rm/eval_accuracy", accuracy[0]);
                    }
                    return metrics;
                }, "step", "rm/loss", "rm/accuracy", "rm/eval_accuracy", "rm/lr");
        // A run resumed after its last step trains nothing: its model is the final one, measured now.
        return Double.isNaN(accuracy[0]) && !heldOut.isEmpty() ? evaluate.applyAsDouble(heldOut) : accuracy[0];
    }
}
