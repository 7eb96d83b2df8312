package dev.reason4j.reward.model;

import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.TokenizedPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An outcome reward model's score of a response: the ids {@code encode(prompt) + encode(response) + end-of-turn}
 * ({@link TokenizedPair}'s convention, the ids the model was trained on), scored at the last token. The prompt is
 * {@link RewardInput#prompt()}, the text the policy continued (its chat template already applied). Thread-safe:
 * the scorer's threads take turns on one forward at a time (the forward itself uses every core).
 */
public final class LearnedReward implements RewardFunction {
    private final ModelSource<RewardModel> source;
    private final Tokenizer tokenizer;
    private final int endOfTurn;

    /** The reward model in {@code directory} (with its tokenizer), refreshed as {@link ModelSource} says. */
    public LearnedReward(Path directory, long refreshEvery) throws IOException {
        this.tokenizer = Tokenizer.load(directory);
        this.endOfTurn = endOfTurn(tokenizer);
        this.source = new ModelSource<>(directory, RewardModel::load, refreshEvery);
    }

    /**
     * The learned reward {@code reward.reward_model} describes ({@code path}, {@code type: orm | prm},
     * {@code aggregate}, {@code dense}, {@code refresh_freq}); {@code responsesPerStep} turns refresh_freq's steps
     * into scored responses.
     */
    public static RewardFunction fromConfig(Config section, long responsesPerStep) throws IOException {
        Path directory = Path.of(section.getString("path"));
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("reward.reward_model.path: not a directory: " + directory);
        }
        long refreshEvery = section.getInt("refresh_freq") * responsesPerStep;
        return switch (section.getString("type")) {
            case "orm" -> new LearnedReward(directory, refreshEvery);
            case "prm" -> new ProcessReward(directory, ProcessRewardModel.Aggregate.parse(
                    section.getString("aggregate")), section.getBoolean("dense"), refreshEvery);
            default -> throw new IllegalArgumentException("reward.reward_model.type must be orm or prm, got '"
                    + section.getString("type") + "'");
        };
    }

    static int endOfTurn(Tokenizer tokenizer) {
        return tokenizer.eosTokenId().orElseThrow(
                () -> new IllegalArgumentException("the reward model's tokenizer has no eos_token to end responses"));
    }

    @Override
    public RewardResult score(RewardInput input) {
        RewardModel rm = source.next();
        int[] ids = TokenizedPair.concat(tokenizer.encode(input.prompt(), false),
                TokenizedPair.response(tokenizer, input.response(), endOfTurn));
        float reward;
        synchronized (this) {
            reward = rm.score(List.of(ids))[0];
        }
        return new RewardResult(reward, Map.of());
    }
}
