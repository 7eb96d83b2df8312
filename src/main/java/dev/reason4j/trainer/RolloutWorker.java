package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Prompts → rollouts → rewards: formats each example's prompt, samples n responses per prompt with the policy
 * (batched, KV cache, one shared prefill per prompt), decodes them, and scores them asynchronously: each
 * response's reward is submitted as soon as the batch is decoded, so one slow verifier never holds up the others.
 */
public final class RolloutWorker {
    private final Tokenizer tokenizer;
    private final PromptFormatter formatter;
    private final AsyncRewardScorer scorer;

    public RolloutWorker(Tokenizer tokenizer, PromptFormatter formatter, AsyncRewardScorer scorer) {
        this.tokenizer = tokenizer;
        this.formatter = formatter;
        this.scorer = scorer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Samples {@code params.n()} responses for each example and scores them. Group ids start at
     * {@code firstGroup}, one per example.
     */
    public List<Rollout> rollout(Transformer policy, List<Example> examples, SamplingParams params, int firstGroup) {
        List<int[]> prompts = new ArrayList<>(examples.size());
        List<String> promptTexts = new ArrayList<>(examples.size());
        for (Example example : examples) {
            String text = formatter.render(example);
            promptTexts.add(text);
            prompts.add(tokenizer.encode(text, false));
        }
        List<Completion> completions = new Generator(policy).generate(prompts, params);
        List<CompletableFuture<RewardResult>> rewards = new ArrayList<>(completions.size());
        List<String> responses = new ArrayList<>(completions.size());
        for (Completion completion : completions) {
            Example example = examples.get(completion.promptIndex());
            String response = tokenizer.decode(completion.tokens(), true);
            responses.add(response);
            rewards.add(scorer.submit(new RewardInput(promptTexts.get(completion.promptIndex()), response,
                    example.groundTruth(), example.dataSource(), completion.tokens().length, example.extra())));
        }
        List<Rollout> rollouts = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            Completion completion = completions.get(i);
            rollouts.add(new Rollout(examples.get(completion.promptIndex()), firstGroup + completion.promptIndex(),
                    prompts.get(completion.promptIndex()), completion.tokens(), completion.logProbs(),
                    completion.finishReason() == FinishReason.LENGTH, responses.get(i), rewards.get(i).join()));
        }
        return rollouts;
    }
}
