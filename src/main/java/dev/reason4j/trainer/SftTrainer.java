package dev.reason4j.trainer;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised fine-tuning with a loss mask: the mean negative log-likelihood of the masked-in tokens (the
 * assistant's), over all such tokens of an optimizer step's micro-batches.
 */
public final class SftTrainer {
    /**
     * A training sequence and which of its tokens are trained: {@code lossMask[i]} for token i (token 0, having no
     * prediction, is never trained).
     */
    public record Sequence(int[] tokens, boolean[] lossMask) {
        /** A prompt followed by a response; only the response is trained. */
        public static Sequence promptAndResponse(int[] prompt, int[] response) {
            int[] tokens = new int[prompt.length + response.length];
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            System.arraycopy(response, 0, tokens, prompt.length, response.length);
            boolean[] mask = new boolean[tokens.length];
            for (int i = prompt.length; i < tokens.length; i++) {
                mask[i] = true;
            }
            return new Sequence(tokens, mask);
        }
    }

    private final Transformer model;
    private final ModelOptimizer optimizer;
    private final int microBatchSize;
    private final ForwardOptions forwardOptions;

    /** @param recompute activation recomputation: less memory for ~1/3 more compute in backward */
    public SftTrainer(Transformer model, ModelOptimizer optimizer, int microBatchSize, boolean recompute) {
        this.model = model;
        this.optimizer = optimizer;
        this.microBatchSize = microBatchSize;
        this.forwardOptions = ForwardOptions.training().withRecompute(recompute);
    }

    /** One optimizer step over {@code batch}; returns loss (mean NLL per trained token), grad norm, lr. */
    public Map<String, Object> step(List<Sequence> batch) {
        long start = System.nanoTime();
        int trainedTokens = 0;
        for (Sequence sequence : batch) {
            for (int i = 1; i < sequence.tokens().length; i++) {
                trainedTokens += sequence.lossMask()[i] ? 1 : 0;
            }
        }
        double loss = 0;
        for (int first = 0; first < batch.size(); first += microBatchSize) {
            List<Sequence> micro = batch.subList(first, Math.min(batch.size(), first + microBatchSize));
            List<int[]> tokens = new ArrayList<>(micro.size());
            for (Sequence sequence : micro) {
                tokens.add(sequence.tokens());
            }
            ForwardResult forward = model.forward(tokens, forwardOptions);
            float[][] gradLogProbs = new float[micro.size()][];
            for (int b = 0; b < micro.size(); b++) {
                boolean[] mask = micro.get(b).lossMask();
                float[] logProbs = forward.logProbs[b];
                gradLogProbs[b] = new float[logProbs.length];
                for (int t = 0; t < logProbs.length; t++) {
                    if (mask[t + 1]) {   // logProbs[t] predicts token t + 1
                        loss -= logProbs[t];
                        gradLogProbs[b][t] = -1f / trainedTokens;
                    }
                }
            }
            model.backward(forward, gradLogProbs, null, null);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("sft/lr", optimizer.learningRate());
        metrics.put("sft/grad_norm", optimizer.step());
        metrics.put("sft/loss", loss / Math.max(1, trainedTokens));
        metrics.put("time/sft_tokens_per_s", batch.stream().mapToInt(s -> s.tokens().length).sum()
                / ((System.nanoTime() - start) / 1e9));
        return metrics;
    }
}
