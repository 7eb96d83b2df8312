package dev.reason4j.rollout;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.ModelConfig.Architecture;
import dev.reason4j.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {
    static final ModelConfig CONFIG = new ModelConfig(Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6, null,
            4096, true, 0.5f, 0, List.of(1));

    static final List<int[]> PROMPTS = List.of(new int[]{3, 14, 15, 9, 2}, new int[]{6}, new int[]{5, 3, 5, 8, 9, 7, 9});

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void sampledLogProbsEqualTrainingForwardLogProbs() {
        Transformer model = Transformer.create(CONFIG, 42);
        for (float temperature : new float[]{1f, 0.6f}) {
            SamplingParams params = SamplingParams.defaults().withN(3).withMaxNewTokens(12).withSeed(7)
                    .withTemperature(temperature).withTopK(20);
            List<Completion> completions = new Generator(model).generate(PROMPTS, params);
            assertEquals(9, completions.size());
            List<int[]> sequences = new ArrayList<>();
            for (Completion c : completions) {
                sequences.add(concat(PROMPTS.get(c.promptIndex()), c.tokens()));
            }
            ForwardResult forward = model.forward(sequences, ForwardOptions.inference().withTemperature(temperature));
            for (int i = 0; i < completions.size(); i++) {
                Completion c = completions.get(i);
                int promptLength = PROMPTS.get(c.promptIndex()).length;
                for (int t = 0; t < c.tokens().length; t++) {
                    // 1e-5 at temperature 1; rounding differences in the logits are scaled by 1/T.
                    assertEquals(forward.logProbs[i][promptLength - 1 + t], c.logProbs()[t], 1e-5 / temperature,
                            "completion " + i + " token " + t + " at T=" + temperature);
                }
            }
        }
    }

    @Test
    void sameSeedSameTokensWhateverTheBatch() {
        Transformer model = Transformer.create(CONFIG, 43);
        SamplingParams params = SamplingParams.defaults().withN(2).withMaxNewTokens(10).withSeed(99).withTopP(0.9f);
        List<Completion> all = new Generator(model).generate(PROMPTS, params);
        List<Completion> again = new Generator(model).generate(PROMPTS, params);
        // Prompt 0's samples do not depend on what else is in the batch (other prompts, other lengths).
        List<Completion> otherBatch = new Generator(model).generate(List.of(PROMPTS.get(0), new int[]{4, 4}), params);
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(all.get(i).tokens(), again.get(i).tokens());
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(all.get(i).tokens(), otherBatch.get(i).tokens());
            // Equal up to float rounding: the matrix products' blocking depends on how many rows are in the batch.
            assertArrayEquals(all.get(i).logProbs(), otherBatch.get(i).logProbs(), 1e-5f);
        }
        // A KV-cache budget that forces one prompt per wave gives the same samples.
        List<Completion> inWaves = new Generator(model, 1).generate(PROMPTS, params);
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(all.get(i).tokens(), inWaves.get(i).tokens());
            assertEquals(all.get(i).promptIndex(), inWaves.get(i).promptIndex());
        }
        List<Completion> otherSeed = new Generator(model).generate(PROMPTS, params.withSeed(100));
        boolean differs = false;
        for (int i = 0; i < all.size(); i++) {
            differs |= !java.util.Arrays.equals(all.get(i).tokens(), otherSeed.get(i).tokens());
        }
        assertTrue(differs, "another seed should give other samples");
        // The n samples of one prompt differ from each other (their RNGs differ).
        assertNotEquals(java.util.Arrays.toString(all.get(0).tokens()), java.util.Arrays.toString(all.get(1).tokens()));
    }

    @Test
    void greedyDecodingFollowsTheArgmaxOfTheForward() {
        Transformer model = Transformer.create(CONFIG, 44);
        SamplingParams params = SamplingParams.defaults().withTemperature(0f).withMaxNewTokens(8);
        List<Completion> completions = new Generator(model).generate(PROMPTS, params);
        for (Completion c : completions) {
            int[] sequence = PROMPTS.get(c.promptIndex());
            for (int token : c.tokens()) {
                // The next greedy token is the one with the highest log-prob given the sequence so far.
                int best = -1;
                float bestLogProb = Float.NEGATIVE_INFINITY;
                List<int[]> candidates = new ArrayList<>();
                for (int v = 0; v < CONFIG.vocabSize(); v++) {
                    candidates.add(concat(sequence, new int[]{v}));
                }
                ForwardResult forward = model.forward(candidates, ForwardOptions.inference());
                for (int v = 0; v < CONFIG.vocabSize(); v++) {
                    float lp = forward.logProbs[v][sequence.length - 1];
                    if (lp > bestLogProb) {
                        bestLogProb = lp;
                        best = v;
                    }
                }
                assertEquals(best, token);
                sequence = concat(sequence, new int[]{token});
            }
        }
    }

    @Test
    void stopTokensAndLengthEndSamples() {
        Transformer model = Transformer.create(CONFIG, 45);
        SamplingParams params = SamplingParams.defaults().withN(4).withMaxNewTokens(30).withSeed(1);
        List<Completion> free = new Generator(model).generate(PROMPTS, params);
        int stop = free.get(0).tokens()[3];
        List<Completion> stopped = new Generator(model).generate(PROMPTS, params.withStopTokenIds(stop));
        for (int i = 0; i < free.size(); i++) {
            int[] tokens = stopped.get(i).tokens();
            if (stopped.get(i).finishReason() == FinishReason.STOP) {
                assertEquals(stop, tokens[tokens.length - 1]);
                for (int t = 0; t < tokens.length - 1; t++) {
                    assertNotEquals(stop, tokens[t]);
                }
            } else {
                assertEquals(30, tokens.length);
            }
            // Up to and including the stop, the samples are the same as without stop tokens.
            assertArrayEquals(java.util.Arrays.copyOf(free.get(i).tokens(), tokens.length), tokens);
        }
        assertEquals(FinishReason.STOP, stopped.get(0).finishReason());
        assertEquals(4, stopped.get(0).tokens().length);
        assertEquals(0, new Generator(model).generate(PROMPTS, params.withMaxNewTokens(0)).get(0).tokens().length);
    }

    @Test
    void topKAndTopPRestrictTheTokensSampled() {
        Transformer model = Transformer.create(CONFIG, 46);
        int[] prompt = {1, 2, 3};
        ForwardResult forward = model.forward(List.of(concat(prompt, new int[]{0})), ForwardOptions.inference());
        // Rank all next tokens by log-prob.
        List<int[]> next = new ArrayList<>();
        for (int v = 0; v < CONFIG.vocabSize(); v++) {
            next.add(concat(prompt, new int[]{v}));
        }
        ForwardResult all = model.forward(next, ForwardOptions.inference());
        Integer[] ranked = new Integer[CONFIG.vocabSize()];
        for (int v = 0; v < ranked.length; v++) {
            ranked[v] = v;
        }
        java.util.Arrays.sort(ranked, (a, b) -> Float.compare(all.logProbs[b][2], all.logProbs[a][2]));
        Set<Integer> top3 = Set.of(ranked[0], ranked[1], ranked[2]);
        SamplingParams params = SamplingParams.defaults().withN(200).withMaxNewTokens(1).withSeed(3)
                .withTemperature(3f);
        Set<Integer> seen = new HashSet<>();
        for (Completion c : new Generator(model).generate(List.of(prompt), params.withTopK(3))) {
            seen.add(c.tokens()[0]);
        }
        assertEquals(top3, seen);
        // top-p at a tiny mass keeps only the most likely token.
        for (Completion c : new Generator(model).generate(List.of(prompt), params.withTopP(1e-6f))) {
            assertEquals((int) ranked[0], c.tokens()[0]);
        }
        // min-p = 1 keeps only the most likely token too.
        for (Completion c : new Generator(model).generate(List.of(prompt), params.withMinP(1f))) {
            assertEquals((int) ranked[0], c.tokens()[0]);
        }
        assertTrue(forward.logProbs[0].length > 0);
    }
}
