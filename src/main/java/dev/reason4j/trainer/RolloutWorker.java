package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.List;

/**
 * Prompts → scored rollouts: {@link SingleTurnWorker} samples one response per sample, {@link AgentWorker} runs
 * multi-turn episodes with tools and environments.
 */
public interface RolloutWorker {
    Tokenizer tokenizer();

    /** Where the samples are generated: this machine, or a fleet of servers to keep at the policy's weights. */
    RolloutBackend backend();

    /**
     * Samples {@code params.n()} scored rollouts for each example, in example order. Group ids start at
     * {@code firstGroup}, one per example.
     */
    List<Rollout> rollout(Transformer policy, List<Example> examples, SamplingParams params, int firstGroup);
}
