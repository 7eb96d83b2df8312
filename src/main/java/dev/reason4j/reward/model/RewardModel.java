package dev.reason4j.reward.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * An outcome reward model: the transformer trunk and a scalar score head read at a sequence's last token
 * (InstructGPT, Ouyang et al. 2022). On disk it is Hugging Face's {@code ...ForSequenceClassification} with one
 * label: {@code model.*} trunk tensors and {@code score.weight} [1, hidden] — HF's score Linear has no bias, and
 * neither does this head (Bradley–Terry is shift-invariant, so a bias would never be trained) — and no LM head.
 * HF reads the score at the last token that is not {@code pad_token_id}, which {@link #save} sets to a token other
 * than the end-of-turn token every scored sequence ends with.
 */
public final class RewardModel {
    /** Sequences per forward when scoring a long list. */
    static final int SCORE_BATCH = 16;

    private final Transformer model;

    /** @param model a score model with no LM head and a bias-free score head ({@link Transformer#scoreModel}) */
    public RewardModel(Transformer model) {
        if (model.hasLmHead() || !model.hasScoreHead(false)) {
            throw new IllegalArgumentException("a reward model is a trunk with a bias-free score head and no LM head"
                    + " (HF's ...ForSequenceClassification)");
        }
        this.model = model;
    }

    /** A reward model from an SFT policy's trunk with a fresh score head ~ normal(0, 1/(C+1)) (InstructGPT). */
    public static RewardModel fromPolicy(Transformer policy, long seed) {
        return new RewardModel(policy.scoreModel(seed, false));
    }

    /** Loads a {@code ...ForSequenceClassification} directory (one written by {@link #save} or by HF). */
    public static RewardModel load(Path dir) throws IOException {
        Transformer model = Transformer.load(dir);
        if (model.hasLmHead() || !model.hasScoreHead(false)) {
            throw new IOException(dir + ": not a reward model (expected score.weight [1, hidden] without score.bias"
                    + " and no lm_head, HF's ...ForSequenceClassification)");
        }
        return new RewardModel(model);
    }

    /** The score model (for training: forward with scores, backward with their gradients). */
    public Transformer model() {
        return model;
    }

    /**
     * Writes the model directory: model.safetensors, config.json ({@code architectures:
     * [...ForSequenceClassification]}, {@code num_labels: 1}, {@code pad_token_id}) and the tokenizer's files.
     */
    public void save(Path dir, Path tokenizerDir) throws IOException {
        saveScoreModel(model, dir, tokenizerDir);
    }

    /** Saves a score model with the tokenizer's files and a {@code pad_token_id} HF can pool with. */
    static void saveScoreModel(Transformer model, Path dir, Path tokenizerDir) throws IOException {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        Setup.saveModel(model, tokenizerDir, dir);
        Path configFile = dir.resolve("config.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(Files.readString(configFile));
        config.put("pad_token_id", padTokenId(tokenizer));
        AtomicFiles.writeString(configFile, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    /**
     * The tokenizer's pad token, else its bos token — never the end-of-turn (eos) token: HF's sequence
     * classifiers pool at the last token that is not padding, and every scored sequence ends with end-of-turn.
     */
    static int padTokenId(Tokenizer tokenizer) {
        int endOfTurn = tokenizer.eosTokenId().orElse(-1);
        for (String name : List.of("pad_token", "bos_token")) {
            String token = tokenizer.config().specialTokens().get(name);
            OptionalInt id = token == null ? OptionalInt.empty() : tokenizer.tokenToId(token);
            if (id.isPresent() && id.getAsInt() != endOfTurn) {
                return id.getAsInt();
            }
        }
        throw new IllegalArgumentException("the tokenizer has no pad_token or bos_token other than its eos_token;"
                + " a reward model's config.json needs a pad_token_id HF will not confuse with end-of-turn");
    }

    /** The reward of each sequence: the score head at its last token. Thread-safe (each call its own forward). */
    public float[] score(List<int[]> sequences) {
        float[] rewards = new float[sequences.size()];
        ForwardOptions options = ForwardOptions.inference().withLogProbs(false).withScores(true);
        for (int first = 0; first < sequences.size(); first += SCORE_BATCH) {
            List<int[]> chunk = new ArrayList<>(sequences.subList(first, Math.min(sequences.size(),
                    first + SCORE_BATCH)));
            ForwardResult forward = model.forward(chunk, options);
            for (int b = 0; b < chunk.size(); b++) {
                float[] scores = forward.scores[b];
                rewards[first + b] = scores[scores.length - 1];
            }
        }
        return rewards;
    }
}
