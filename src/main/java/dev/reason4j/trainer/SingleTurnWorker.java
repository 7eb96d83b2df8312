package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.TokenPositions;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Prompts → rollouts → rewards: formats each example's prompt, samples n responses per prompt with the policy
 * (batched, KV cache, one shared prefill per prompt), decodes them, and scores them asynchronously: each
 * response's reward is submitted as soon as the batch is decoded, so one slow verifier never holds up the others.
 */
public final class SingleTurnWorker implements RolloutWorker {
    private final Tokenizer tokenizer;
    private final RolloutBackend backend;
    private final PromptFormatter formatter;
    private final AsyncRewardScorer scorer;

    public SingleTurnWorker(Tokenizer tokenizer, PromptFormatter formatter, AsyncRewardScorer scorer) {
        this(tokenizer, formatter, scorer, RolloutBackend.local());
    }

    public SingleTurnWorker(Tokenizer tokenizer, PromptFormatter formatter, AsyncRewardScorer scorer,
                            RolloutBackend backend) {
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.formatter = formatter;
        this.scorer = scorer;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public RolloutBackend backend() {
        return backend;
    }

    @Override
    public List<Rollout> rollout(Transformer policy, List<Example> examples, SamplingParams params, int firstGroup) {
        RolloutEngine engine = backend.engine(policy);
        // One request per prompt; as each completes, its responses are decoded and sent to the scorer while the
        // engine goes on with the others (rewards overlap generation).
        List<CompletableFuture<List<Rollout>>> groups = new ArrayList<>(examples.size());
        for (int p = 0; p < examples.size(); p++) {
            Example example = examples.get(p);
            String promptText = formatter.render(example);
            int[] prompt = tokenizer.encode(promptText, false);
            int group = firstGroup + p;
            groups.add(engine.submit(new Generator.Request(prompt, params, p))
                    .thenCompose(completions -> score(policy, example, group, promptText, prompt, completions)));
        }
        List<Rollout> rollouts = new ArrayList<>(examples.size() * params.n());
        for (CompletableFuture<List<Rollout>> group : groups) {
            rollouts.addAll(Futures.join(group));
        }
        return rollouts;
    }

    /**
     * Decodes one prompt's completions and scores them as a group (a groupwise reward such as TTRL's majority vote
     * sees all n; any other scores each on its own); the future holds its rollouts in order.
     */
    private CompletableFuture<List<Rollout>> score(Transformer policy, Example example, int group, String promptText,
                                                   int[] prompt, List<Completion> completions) {
        List<String> responses = new ArrayList<>(completions.size());
        List<RewardInput> inputs = new ArrayList<>(completions.size());
        for (Completion completion : completions) {
            String response = tokenizer.decode(completion.tokens(), true);
            responses.add(response);
            inputs.add(new RewardInput(promptText, response, example.groundTruth(), example.dataSource(),
                    completion.tokens().length, example.extra(),
                    new RewardInput.Sample(prompt, completion.tokens(), policy)));
        }
        return scorer.submitGroup(inputs).thenApply(rewards -> {
            List<Rollout> rollouts = new ArrayList<>(completions.size());
            for (int i = 0; i < completions.size(); i++) {
                Completion completion = completions.get(i);
                rollouts.add(fromBackend(Rollout.singleTurn(example, group, prompt, completion.tokens(),
                        completion.logProbs(), completion.finishReason() == FinishReason.LENGTH,
                        completion.contextLimited(), responses.get(i), rewards.get(i),
                        stepTokens(completion.tokens(), rewards.get(i)))));
            }
            return rollouts;
        });
    }

    /** The response token that completes each dense step reward's text (none for an outcome reward). */
    private int[] stepTokens(int[] tokens, RewardResult reward) {
        int[] ends = reward.steps().stream().mapToInt(RewardResult.StepReward::end).toArray();
        return ends.length == 0 ? ends : TokenPositions.ofCharacterEnds(tokenizer, tokens, ends);
    }

    /** A fleet's log-probs are another engine's: the trainer recomputes π_old from them. */
    private Rollout fromBackend(Rollout rollout) {
        return backend.exactLogProbs() ? rollout : rollout.withEngineLogProbs(rollout.logProbs());
    }
}
