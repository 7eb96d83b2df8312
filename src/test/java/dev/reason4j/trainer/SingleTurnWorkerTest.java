package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SingleTurnWorkerTest {
    @Test
    void aGroupwiseRewardSeesEachPromptsSamplesTogetherWithTheirIdsAndPolicy() throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            corpus.add("What is " + i + " + " + (i * 3 % 50) + "? " + (i + i * 3 % 50));
        }
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus,
                Files.createTempDirectory("reason4j-worker-test"));
        Config config = Config.load(null, List.of("model.tiny.hidden_size=16", "model.tiny.num_layers=1",
                "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=32"));
        Transformer policy = Setup.policy(config, tokenizer);
        List<List<RewardInput>> calls = new CopyOnWriteArrayList<>();
        RewardFunction rank = new RewardFunction() {
            @Override
            public RewardResult score(RewardInput input) {
                throw new AssertionError("scored alone");
            }

            /** Each sample's reward is its index in the group, so the test sees the order kept. */
            @Override
            public List<RewardResult> scoreGroup(List<RewardInput> group) {
                calls.add(group);
                List<RewardResult> results = new ArrayList<>();
                for (int i = 0; i < group.size(); i++) {
                    results.add(RewardResult.of(i));
                }
                return results;
            }

            @Override
            public boolean groupwise() {
                return true;
            }
        };
        List<Example> examples = List.of(new Example("1 + 2?", null, "3", "test", null),
                new Example("4 + 4?", null, "8", "test", null));
        try (AsyncRewardScorer scorer = new AsyncRewardScorer(rank, 2, Duration.ofSeconds(60))) {
            SingleTurnWorker worker = new SingleTurnWorker(tokenizer, Setup.chatFormatter(tokenizer), scorer);
            List<Rollout> rollouts = worker.rollout(policy, examples, SamplingParams.defaults().withN(3)
                    .withMaxNewTokens(4).withSeed(5), 0);
            assertEquals(2, calls.size(), "one call per prompt");
            for (List<RewardInput> group : calls) {
                assertEquals(3, group.size());
                group.forEach(input -> assertSame(policy, input.sample().policy()));
            }
            assertEquals(6, rollouts.size());
            for (int r = 0; r < rollouts.size(); r++) {
                Rollout rollout = rollouts.get(r);
                assertEquals(r % 3, rollout.reward().reward(), "rewards come back in sample order");
                RewardInput input = calls.stream().filter(g -> g.getFirst().groundTruth()
                        .equals(rollout.example().groundTruth())).findFirst().orElseThrow().get(r % 3);
                assertArrayEquals(rollout.promptTokens(), input.sample().promptIds());
                assertArrayEquals(rollout.responseTokens(), input.sample().responseIds());
                assertEquals(rollout.responseText(), input.response());
            }
        }
    }
}
