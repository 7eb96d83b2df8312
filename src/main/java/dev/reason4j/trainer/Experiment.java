package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.plugin.Plugins;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * A configured run's parts, built once from a {@link Config}: plugins ({@code trainer.plugins}), tokenizer, policy,
 * task, held-out set, reward scorer, rollout worker and evaluator. {@code ./reason4j train},
 * {@code ./reason4j eval} and {@code ./reason4j rft} start here.
 */
public final class Experiment implements AutoCloseable {
    private final Config config;
    private final Tokenizer tokenizer;
    private final Transformer policy;
    private final Task task;
    private final Setup.RunData data;
    private final AsyncRewardScorer scorer;
    private final PromptFormatter formatter;
    private final RolloutWorker worker;

    public Experiment(Config config) throws IOException {
        this.config = config;
        Plugins.load(config.getStringList("trainer.plugins").stream().map(Path::of).toList());
        this.task = Setup.task(config);
        this.tokenizer = Setup.tokenizer(config);
        this.policy = Setup.policy(config, tokenizer);
        this.formatter = Setup.chatFormatter(tokenizer);
        this.data = Setup.data(config, task, tokenizer, formatter);
        this.scorer = Setup.rewardScorer(config);
        this.worker = Setup.rolloutWorker(config, tokenizer, formatter, scorer);
    }

    /** Held-out metrics of the policy as {@code trainer.eval} configures them. */
    public Map<String, Double> evaluate() {
        if (data.heldOut().isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate on: give data.val_files, or data.val_size > 0");
        }
        return Setup.evaluator(config, worker).evaluate(policy, data.heldOut());
    }

    /** RL in {@code runDirectory} (resuming there); returns the last evaluation. */
    public Map<String, Double> train(Path runDirectory, PrintStream console) throws IOException {
        RlTrainer trainer = new RlTrainer(config, policy, worker, data.train());
        return new RlRun(config, runDirectory, trainer, Setup.evaluator(config, worker), data.heldOut(),
                console).run();
    }

    /** Rejection-sampling fine-tuning in {@code runDirectory} (resuming there); returns the last evaluation. */
    public Map<String, Double> rejectionSampling(Path runDirectory, PrintStream console) throws IOException {
        return RftRun.train(policy, worker, data.train(), Setup.evaluator(config, worker), data.heldOut(), config,
                runDirectory, console);
    }

    /** The policy, as loaded or as training left it. */
    public Transformer policy() {
        return policy;
    }

    @Override
    public void close() {
        scorer.close();
    }
}
