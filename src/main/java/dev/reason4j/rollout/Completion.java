package dev.reason4j.rollout;

import java.util.List;

/**
 * One sampled continuation of prompt {@code promptIndex} (sample {@code sampleIndex} of n).
 *
 * @param tokens   the generated token ids (a sampled stop token included, as the last one)
 * @param logProbs logProbs[i] = log p(tokens[i] | prompt, tokens[..i]) under softmax(logits / temperature),
 *                 before top-k/top-p/min-p truncation: the convention of {@code Transformer.forward} at that temperature
 * @param entropies entropies[i] = entropy of that same distribution at step i (the training forward's convention too)
 * @param contextLimited the model's max_position_embeddings cut the tokens it could generate below max new tokens
 * @param topLogProbs the most likely tokens at each position, when {@link SamplingParams#topLogProbs} asked for
 *                    them (one per token); else empty
 */
public record Completion(int promptIndex, int sampleIndex, int[] tokens, float[] logProbs, float[] entropies,
                         FinishReason finishReason, boolean contextLimited, List<TopLogProbs> topLogProbs) {
    public Completion {
        topLogProbs = List.copyOf(topLogProbs);
    }

    /** A completion without top log-probs. */
    public Completion(int promptIndex, int sampleIndex, int[] tokens, float[] logProbs, float[] entropies,
                      FinishReason finishReason, boolean contextLimited) {
        this(promptIndex, sampleIndex, tokens, logProbs, entropies, finishReason, contextLimited, List.of());
    }
}
