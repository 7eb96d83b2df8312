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
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    static void assertSameBits(float[] expected, float[] actual, String message) {
        assertEquals(expected.length, actual.length, message + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(message + " [" + i + "]: expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** Log-probs and entropies of the sampled tokens, as the training forward computes them. */
    static void assertEqualsTrainingForward(Transformer model, List<int[]> prompts, List<Completion> completions,
                                            float temperature, ForwardOptions options, String what) {
        List<int[]> sequences = new ArrayList<>();
        for (Completion c : completions) {
            sequences.add(concat(prompts.get(c.promptIndex()), c.tokens()));
        }
        ForwardResult forward = model.forward(sequences, options.withTemperature(temperature).withEntropy(true));
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            int from = prompts.get(c.promptIndex()).length - 1;
            int to = from + c.tokens().length;
            String message = what + ": completion " + i + " at T=" + temperature;
            assertSameBits(java.util.Arrays.copyOfRange(forward.logProbs[i], from, to), c.logProbs(), message);
            assertSameBits(java.util.Arrays.copyOfRange(forward.entropy[i], from, to), c.entropies(),
                    message + " entropy");
        }
    }

    @Test
    void sampledLogProbsEqualTrainingForwardLogProbsBitForBit() {
        Transformer model = Transformer.create(CONFIG, 42);
        for (float temperature : new float[]{1f, 0.6f, 1.7f}) {
            SamplingParams params = SamplingParams.defaults().withN(3).withMaxNewTokens(12).withSeed(7)
                    .withTemperature(temperature).withTopK(20);
            List<Completion> completions = new Generator(model).generate(PROMPTS, params);
            assertEquals(9, completions.size());
            // Packed in one batch, and with activations kept for backward, recomputed, or not kept at all.
            assertEqualsTrainingForward(model, PROMPTS, completions, temperature, ForwardOptions.training(), "training");
            assertEqualsTrainingForward(model, PROMPTS, completions, temperature,
                    ForwardOptions.training().withRecompute(true), "recompute");
            assertEqualsTrainingForward(model, PROMPTS, completions, temperature, ForwardOptions.inference(),
                    "inference");
            // One sequence per forward (micro-batches of one).
            for (int i = 0; i < completions.size(); i++) {
                Completion c = completions.get(i);
                assertEqualsTrainingForward(model, List.of(PROMPTS.get(c.promptIndex())),
                        List.of(new Completion(0, 0, c.tokens(), c.logProbs(), c.entropies(), c.finishReason(), false)),
                        temperature, ForwardOptions.inference(), "alone " + i);
            }
        }
    }

    @Test
    void bf16WeightsAgreeBitForBitToo() {
        Transformer model = Transformer.create(CONFIG, 47);
        model.convertToBf16();
        SamplingParams params = SamplingParams.defaults().withN(2).withMaxNewTokens(10).withSeed(3);
        List<Completion> completions = new Generator(model).generate(PROMPTS, params);
        assertEqualsTrainingForward(model, PROMPTS, completions, 1f, ForwardOptions.inference(), "bf16");
    }

    /** A prompt's samples have the same tokens and bits in any batch: sizes 1-64, other prompts, other lengths. */
    @Test
    void sameSeedSameBitsWhateverTheBatch() {
        Transformer model = Transformer.create(CONFIG, 43);
        SamplingParams params = SamplingParams.defaults().withN(2).withMaxNewTokens(10).withSeed(99).withTopP(0.9f);
        List<Completion> alone = new Generator(model).generate(List.of(PROMPTS.get(0)), params);
        java.util.Random random = new java.util.Random(5);
        for (int batch : new int[]{1, 2, 3, 5, 8, 16, 31, 64}) {
            List<int[]> prompts = new ArrayList<>();
            prompts.add(PROMPTS.get(0));
            for (int p = 1; p < batch; p++) {
                int[] prompt = new int[1 + random.nextInt(20)];
                for (int t = 0; t < prompt.length; t++) {
                    prompt[t] = random.nextInt(CONFIG.vocabSize());
                }
                prompts.add(prompt);
            }
            List<Completion> all = new Generator(model).generate(prompts, params);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(alone.get(i).tokens(), all.get(i).tokens(), "batch " + batch);
                assertSameBits(alone.get(i).logProbs(), all.get(i).logProbs(), "batch " + batch);
                assertSameBits(alone.get(i).entropies(), all.get(i).entropies(), "batch " + batch);
            }
        }
        List<Completion> otherSeed = new Generator(model).generate(List.of(PROMPTS.get(0)), params.withSeed(100));
        boolean differs = false;
        for (int i = 0; i < alone.size(); i++) {
            differs |= !java.util.Arrays.equals(alone.get(i).tokens(), otherSeed.get(i).tokens());
        }
        assertTrue(differs, "another seed should give other samples");
        // The n samples of one prompt differ from each other (their RNGs differ).
        assertNotEquals(java.util.Arrays.toString(alone.get(0).tokens()), java.util.Arrays.toString(alone.get(1).tokens()));
    }

    /** A KV budget too small for all requests at once: requests wait, or are preempted and recomputed. */
    @Test
    void aSmallKvBudgetChangesNothing() {
        Transformer model = Transformer.create(CONFIG, 48);
        SamplingParams params = SamplingParams.defaults().withN(3).withMaxNewTokens(40).withSeed(11);
        List<int[]> prompts = new ArrayList<>(PROMPTS);
        prompts.add(new int[20]);
        prompts.add(new int[]{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8});
        List<Completion> roomy = new Generator(model).generate(prompts, params);
        long perBlock = dev.reason4j.model.InferenceSession.bytesPerBlock(CONFIG);
        Generator tight = new Generator(model, perBlock * 14);   // a request needs up to 3 x 4 blocks to finish
        List<Completion> squeezed = tight.generate(prompts, params);
        assertTrue(tight.stats().preemptions() > 0, "the budget should force preemption: " + tight.stats());
        for (int i = 0; i < roomy.size(); i++) {
            assertArrayEquals(roomy.get(i).tokens(), squeezed.get(i).tokens(), "completion " + i);
            assertSameBits(roomy.get(i).logProbs(), squeezed.get(i).logProbs(), "completion " + i);
        }
        Generator tooSmall = new Generator(model, perBlock * 2);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> tooSmall.generate(prompts, params));
        assertTrue(e.getMessage().contains("maxCacheBytes"), e.getMessage());
    }

    /** Requests from many threads at once, each with its own parameters, get what they get alone. */
    @Test
    void concurrentRequestsCompleteIndependently() throws Exception {
        Transformer model = Transformer.create(CONFIG, 49);
        Generator shared = new Generator(model);
        List<Generator.Request> requests = new ArrayList<>();
        java.util.Random random = new java.util.Random(9);
        for (int r = 0; r < 24; r++) {
            int[] prompt = new int[1 + random.nextInt(30)];
            for (int t = 0; t < prompt.length; t++) {
                prompt[t] = random.nextInt(CONFIG.vocabSize());
            }
            SamplingParams params = SamplingParams.defaults().withN(1 + r % 3).withMaxNewTokens(5 + r)
                    .withSeed(r).withTemperature(0.5f + r % 4 * 0.3f).withTopK(r % 2 == 0 ? 0 : 10)
                    .withStopTokenIds(r % 5);
            requests.add(new Generator.Request(prompt, params, r));
        }
        List<java.util.concurrent.Future<List<Completion>>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(6)) {
            for (Generator.Request request : requests) {
                results.add(pool.submit(() -> shared.submit(request).join()));
            }
        }
        for (int r = 0; r < requests.size(); r++) {
            List<Completion> alone = new Generator(model).submit(requests.get(r)).join();
            List<Completion> together = results.get(r).get();
            assertEquals(alone.size(), together.size());
            for (int i = 0; i < alone.size(); i++) {
                assertArrayEquals(alone.get(i).tokens(), together.get(i).tokens(), "request " + r);
                assertSameBits(alone.get(i).logProbs(), together.get(i).logProbs(), "request " + r);
                assertEquals(r, together.get(i).promptIndex());
            }
        }
    }

    @Test
    void promptsPastTheContextAreCutWithAWarningOrRefused() {
        ModelConfig small = new ModelConfig(Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6, null,
                16, true, 0.5f, 0, List.of(1));
        Transformer model = Transformer.create(small, 50);
        SamplingParams params = SamplingParams.defaults().withMaxNewTokens(30).withSeed(1);
        List<Completion> cut = new Generator(model).generate(List.of(new int[]{1, 2, 3, 4, 5, 6}, new int[20]), params);
        assertEquals(10, cut.get(0).tokens().length);
        assertTrue(cut.get(0).contextLimited());
        assertEquals(0, cut.get(1).tokens().length);   // a prompt longer than the context: nothing to generate
        assertTrue(cut.get(1).contextLimited());
        assertEquals(FinishReason.LENGTH, cut.get(1).finishReason());
        assertFalse(new Generator(model).generate(List.of(new int[]{1}), params.withMaxNewTokens(15)).get(0)
                .contextLimited());
        Generator strict = new Generator(model, Generator.Options.defaults().withStrictContext(true));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> strict.generate(List.of(new int[]{1, 2, 3, 4, 5, 6}), params));
        assertTrue(e.getMessage().contains("max_position_embeddings 16"), e.getMessage());
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
