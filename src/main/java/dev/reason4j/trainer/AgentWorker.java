package dev.reason4j.trainer;

import dev.reason4j.agent.AgentLoop;
import dev.reason4j.agent.Episode;
import dev.reason4j.env.Environment;
import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Prompts → multi-turn episodes → rollouts: each example becomes n episodes of its environment, run concurrently
 * by the {@link AgentLoop} on one engine; each episode becomes one rollout whose inserted tokens are masked out and
 * whose step rewards sit on the tokens that earned them. An episode whose environment failed keeps its tokens but
 * trains on none of them (its reward is unknown, not 0) and counts in {@code reward/reward_error}.
 */
public final class AgentWorker implements RolloutWorker {
    private final Tokenizer tokenizer;
    private final RolloutBackend backend;
    private final AgentLoop loop;
    private final Function<Example, Environment> environments;

    /** @param environments a fresh environment for one episode of an example */
    public AgentWorker(Tokenizer tokenizer, AgentLoop loop, Function<Example, Environment> environments) {
        this(tokenizer, loop, environments, RolloutBackend.local());
    }

    public AgentWorker(Tokenizer tokenizer, AgentLoop loop, Function<Example, Environment> environments,
                       RolloutBackend backend) {
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.loop = loop;
        this.environments = environments;
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
        List<CompletableFuture<List<Episode>>> groups = new ArrayList<>(examples.size());
        for (int p = 0; p < examples.size(); p++) {
            List<Environment> episodeEnvironments = new ArrayList<>(params.n());
            for (int i = 0; i < params.n(); i++) {
                episodeEnvironments.add(environments.apply(examples.get(p)));
            }
            groups.add(loop.run(engine, episodeEnvironments, resetSeed(examples.get(p)), params, p));
        }
        List<Rollout> rollouts = new ArrayList<>(examples.size() * params.n());
        for (int p = 0; p < examples.size(); p++) {
            for (Episode episode : Futures.join(groups.get(p))) {
                rollouts.add(toRollout(examples.get(p), firstGroup + p, episode));
            }
        }
        return rollouts;
    }

    /** The seed an example's episodes reset with: its {@code seed} field, else 0 (the example itself is the task). */
    static long resetSeed(Example example) {
        return example.extra().get("seed") instanceof Number seed ? seed.longValue() : 0L;
    }

    private Rollout toRollout(Example example, int group, Episode episode) {
        boolean[] trainable = episode.sampled();
        RewardResult reward = RewardResult.of(episode.reward());
        if (episode.error() != null) {
            trainable = new boolean[trainable.length];   // nothing to learn from an episode the environment broke
            reward = new RewardResult(0.0, Map.of(AsyncRewardScorer.ERROR_METRIC, 1.0), episode.error());
        }
        String text = tokenizer.decode(episode.responseTokens(), false);
        return new Rollout(example, group, episode.promptTokens(), episode.responseTokens(), episode.logProbs(),
                trainable, episode.tokenRewards(), episode.truncated(), episode.contextLimited(), text, reward,
                episode.stats().metrics(), Rollout.UNVERSIONED, backend.exactLogProbs());
    }
}
