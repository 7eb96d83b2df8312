package dev.reason4j.reward.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Parameter;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedRewardTest {
    @TempDir
    Path temp;

    private static RewardInput input(String prompt, String response) {
        return new RewardInput(prompt, response, "5", "arithmetic", 3, Map.of());
    }

    /** The reward is the model's score of encode(prompt) + encode(response) + end-of-turn, as TokenizedPair has it. */
    @Test
    void scoresThePromptAndResponseIdsAsTrainingDid() throws Exception {
        RewardModelFixtures.Saved saved = RewardModelFixtures.savedRewardModel(temp, 3);
        Tokenizer tokenizer = saved.tokenizer();
        RewardModel rm = saved.rm();
        Path dir = saved.dir();
        String prompt = "<|im_start|>user\nWhat is 4 + 1?<|im_end|>\n<|im_start|>assistant\n";
        String response = "The answer is 5.";
        List<Integer> ids = new ArrayList<>();
        for (int id : tokenizer.encode(prompt, false)) {
            ids.add(id);
        }
        for (int id : tokenizer.encode(response, false)) {
            ids.add(id);
        }
        ids.add(tokenizer.tokenToId("<|im_end|>").getAsInt());
        float expected = rm.score(List.of(ids.stream().mapToInt(Integer::intValue).toArray()))[0];
        LearnedReward reward = new LearnedReward(dir, 0);
        assertEquals(expected, reward.score(input(prompt, response)).reward(), 0.0);

        // Concurrent calls (the scorer's threads) give the same values as one at a time.
        List<CompletableFuture<Double>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String text = "The answer is " + i + ".";
            futures.add(CompletableFuture.supplyAsync(() -> reward.score(input(prompt, text)).reward()));
        }
        for (int i = 0; i < 8; i++) {
            assertEquals(reward.score(input(prompt, "The answer is " + i + ".")).reward(), futures.get(i).join(), 0.0);
        }
    }

    /** reward.reward_model registers "reward_model", which reward.functions weighs beside a verifier. */
    @Test
    void theConfigRegistersTheLearnedRewardBesideVerifiers() throws Exception {
        Path dir = RewardModelFixtures.savedRewardModel(temp, 3).dir();
        Config config = Config.load(null, List.of("reward.reward_model.path=" + dir,
                "reward.functions={reward_model: 0.5, math: 1.0}"));
        String prompt = "What is 4 + 1?";
        try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            RewardResult result = scorer.submit(new RewardInput(prompt, "\\boxed{5}", "5", "arithmetic", 3,
                    Map.of())).join();
            double learned = new LearnedReward(dir, 0).score(input(prompt, "\\boxed{5}")).reward();
            assertEquals(learned, result.metrics().get("reward_model"), 0.0);
            assertEquals(1.0, result.metrics().get("math"));
            assertEquals(0.5 * learned + 1.0, result.reward(), 1e-12);
        }

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Setup.rewardScorer(
                Config.load(null, List.of("reward.functions={reward_model: 1.0}"))));
        assertEquals("reward.functions names reward_model, but reward.reward_model.path (the reward model's"
                + " directory) is not set", error.getMessage());
    }

    /** refresh_freq: the reward model is reloaded when its weights changed, at the refresh points only. */
    @Test
    void aRefreshedRewardPicksUpNewWeightsAndAFrozenOneDoesNot() throws Exception {
        RewardModelFixtures.Saved saved = RewardModelFixtures.savedRewardModel(temp, 3);
        Tokenizer tokenizer = saved.tokenizer();
        RewardModel rm = saved.rm();
        Path dir = saved.dir();
        LearnedReward refreshed = new LearnedReward(dir, 3);
        LearnedReward frozen = new LearnedReward(dir, 0);
        RewardInput in = input("What is 4 + 1?", "yes");
        double before = refreshed.score(in).reward();   // call 1
        assertEquals(before, frozen.score(in).reward(), 0.0);

        for (Parameter p : rm.model().parameters()) {
            if (p.name().equals("score.weight")) {
                for (int i = 0; i < p.data().length; i++) {
                    p.data()[i] = -p.data()[i];
                }
            }
        }
        rm.save(dir, saved.tokenizerDir());
        Path weights = dir.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));
        assertEquals(before, refreshed.score(in).reward(), 0.0);   // call 2: not a refresh point
        double after = refreshed.score(in).reward();               // call 3: reloads
        assertEquals(-before, after, 1e-6);
        assertNotEquals(before, after);
        assertEquals(before, frozen.score(in).reward(), 0.0);
        assertTrue(before != 0);
    }
}
