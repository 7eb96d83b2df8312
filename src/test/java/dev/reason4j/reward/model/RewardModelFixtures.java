package dev.reason4j.reward.model;

import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small ChatML tokenizer and a tiny untied Qwen3 policy for reward-model tests. */
public final class RewardModelFixtures {
    private RewardModelFixtures() {}

    public static Tokenizer tokenizer(Path directory) throws IOException {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + 1? The answer is " + (i + 1) + ". yes no good bad step\n");
        }
        return BpeTrainer.chatml(300).trainAndSave(corpus, directory);
    }

    /** A reward model from a fresh policy's trunk, saved with the tokenizer in {@code temp/rm}. */
    public record Saved(Tokenizer tokenizer, Path tokenizerDir, RewardModel rm, Path dir) {}

    public static Saved savedRewardModel(Path temp, long seed) throws IOException {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = tokenizer(tokenizerDir);
        RewardModel rm = RewardModel.fromPolicy(policy(tokenizer, seed), seed + 1);
        Path dir = temp.resolve("rm");
        rm.save(dir, tokenizerDir);
        return new Saved(tokenizer, tokenizerDir, rm, dir);
    }

    /** Untied, so the LM head is a tensor of its own that the reward model must drop. */
    public static Transformer policy(Tokenizer tokenizer, long seed) {
        ModelConfig config = ModelConfig.tiny(ModelConfig.Architecture.QWEN3, tokenizer.vocabSize(), 32, 64, 2, 4, 2,
                false);
        return Transformer.create(config, seed);
    }
}
