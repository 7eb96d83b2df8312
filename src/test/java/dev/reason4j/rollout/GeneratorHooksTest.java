package dev.reason4j.rollout;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.reason4j.rollout.GeneratorTest.CONFIG;
import static dev.reason4j.rollout.GeneratorTest.PROMPTS;
import static dev.reason4j.rollout.GeneratorTest.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's hooks for a server: per-token listeners, stopping a sample early, top log-probs, cancelling. */
class GeneratorHooksTest {
    private static final SamplingParams PARAMS = SamplingParams.defaults().withN(3).withMaxNewTokens(12)
            .withTemperature(0.8f).withSeed(5);

    @Test
    void listenerSeesEveryTokenInOrderAndChangesNothing() {
        Transformer model = Transformer.create(CONFIG, 61);
        List<Completion> alone = new Generator(model).generate(PROMPTS, PARAMS);
        Generator engine = new Generator(model);
        List<CompletableFuture<List<Completion>>> futures = new ArrayList<>();
        List<List<List<Float>>> seen = new ArrayList<>();      // [prompt][sample] → log-probs seen
        List<List<List<Integer>>> seenTokens = new ArrayList<>();
        for (int p = 0; p < PROMPTS.size(); p++) {
            List<List<Float>> logProbs = new ArrayList<>();
            List<List<Integer>> tokens = new ArrayList<>();
            for (int j = 0; j < PARAMS.n(); j++) {
                logProbs.add(new ArrayList<>());
                tokens.add(new ArrayList<>());
            }
            seen.add(logProbs);
            seenTokens.add(tokens);
            futures.add(engine.submit(new Generator.Request(PROMPTS.get(p), PARAMS, p, (sample, token, lp, top) -> {
                tokens.get(sample).add(token);
                logProbs.get(sample).add(lp);
                return false;
            })));
        }
        int k = 0;
        for (int p = 0; p < PROMPTS.size(); p++) {
            for (Completion c : futures.get(p).join()) {
                Completion expected = alone.get(k++);
                assertArrayEquals(expected.tokens(), c.tokens());
                assertSameBits(expected.logProbs(), c.logProbs(), "with a listener");
                assertArrayEquals(c.tokens(), seenTokens.get(p).get(c.sampleIndex()).stream()
                        .mapToInt(Integer::intValue).toArray(), "tokens seen by the listener");
                float[] lps = new float[c.tokens().length];
                for (int i = 0; i < lps.length; i++) {
                    lps[i] = seen.get(p).get(c.sampleIndex()).get(i);
                }
                assertSameBits(c.logProbs(), lps, "log-probs seen by the listener");
            }
        }
    }

    @Test
    void listenerEndsOneSampleAndTheOthersRunOn() {
        Transformer model = Transformer.create(CONFIG, 62);
        List<Completion> alone = new Generator(model).generate(List.of(PROMPTS.get(0)), PARAMS);
        List<Completion> cut = new Generator(model).submit(new Generator.Request(PROMPTS.get(0), PARAMS, 0,
                (sample, token, lp, top) -> sample == 1 && alone.get(1).tokens()[2] == token)).join();
        // Sample 1 stops at its third token (or where that token first appears); the others are untouched.
        int stopAt = 0;
        while (alone.get(1).tokens()[stopAt] != alone.get(1).tokens()[2]) {
            stopAt++;
        }
        assertArrayEquals(Arrays.copyOf(alone.get(1).tokens(), stopAt + 1), cut.get(1).tokens());
        assertEquals(FinishReason.STOP, cut.get(1).finishReason());
        assertArrayEquals(alone.get(0).tokens(), cut.get(0).tokens());
        assertArrayEquals(alone.get(2).tokens(), cut.get(2).tokens());
        assertSameBits(alone.get(2).logProbs(), cut.get(2).logProbs(), "sample 2");
    }

    @Test
    void topLogProbsAreTheTrainingForwardsBestTokens() {
        Transformer model = Transformer.create(CONFIG, 63);
        for (float temperature : new float[]{0f, 0.7f}) {
            SamplingParams params = PARAMS.withN(1).withMaxNewTokens(3).withTemperature(temperature);
            List<Completion> plain = new Generator(model).generate(PROMPTS, params);
            List<Completion> withTop = new Generator(model).generate(PROMPTS, params.withTopLogProbs(4));
            Completion c = withTop.get(2);
            assertArrayEquals(plain.get(2).tokens(), c.tokens(), "top log-probs draw nothing from the RNG");
            assertSameBits(plain.get(2).logProbs(), c.logProbs(), "log-probs");
            assertEquals(c.tokens().length, c.topLogProbs().size());
            assertTrue(plain.get(2).topLogProbs().isEmpty());
            int[] prompt = PROMPTS.get(2);
            for (int position = 0; position < c.tokens().length; position++) {
                // Every vocabulary token after this prefix, by the training forward at the same temperature.
                List<int[]> sequences = new ArrayList<>();
                for (int t = 0; t < CONFIG.vocabSize(); t++) {
                    int[] sequence = Arrays.copyOf(prompt, prompt.length + position + 1);
                    System.arraycopy(c.tokens(), 0, sequence, prompt.length, position);
                    sequence[prompt.length + position] = t;
                    sequences.add(sequence);
                }
                ForwardResult forward = model.forward(sequences,
                        ForwardOptions.inference().withTemperature(temperature == 0f ? 1f : temperature));
                float[] all = new float[CONFIG.vocabSize()];
                for (int t = 0; t < all.length; t++) {
                    all[t] = forward.logProbs[t][prompt.length + position - 1];
                }
                Integer[] order = new Integer[all.length];
                for (int t = 0; t < order.length; t++) {
                    order[t] = t;
                }
                Arrays.sort(order, (a, b) -> all[a] != all[b] ? Float.compare(all[b], all[a]) : Integer.compare(a, b));
                TopLogProbs top = c.topLogProbs().get(position);
                int[] expectedTokens = new int[4];
                float[] expectedLogProbs = new float[4];
                for (int i = 0; i < 4; i++) {
                    expectedTokens[i] = order[i];
                    expectedLogProbs[i] = all[order[i]];
                }
                assertArrayEquals(expectedTokens, top.tokens(), "T=" + temperature + " position " + position);
                assertSameBits(expectedLogProbs, top.logProbs(), "T=" + temperature + " position " + position);
            }
        }
    }

    @Test
    void cancellingFreesTheSlotAndItsKvBlocks() throws Exception {
        Transformer model = Transformer.create(CONFIG, 64);
        Generator engine = new Generator(model);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        SamplingParams longRun = PARAMS.withMaxNewTokens(3000);
        // The listener holds the engine at sample 0's second token until the cancel is issued: the 64-position context
        // would otherwise let the request finish before the cancel on a slow or loaded machine. (The second: the
        // engine publishes its stats after each step, so the first step's KV blocks show by then.)
        AtomicInteger tokens = new AtomicInteger();
        CompletableFuture<List<Completion>> future = engine.submit(new Generator.Request(PROMPTS.get(0), longRun, 0,
                (sample, token, lp, top) -> {
                    if (sample != 0 || tokens.incrementAndGet() < 2) {
                        return false;
                    }
                    started.countDown();
                    try {
                        cancelled.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return false;
                }));
        assertTrue(started.await(60, TimeUnit.SECONDS), "the request never started");
        assertTrue(engine.stats().kvBlocksUsed() > 0);
        assertTrue(future.cancel(true));
        cancelled.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);   // a hang guard, not a speed check
        while ((engine.stats().running() > 0 || engine.stats().kvBlocksUsed() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, engine.stats().running(), "running after cancel");
        assertEquals(0, engine.stats().kvBlocksUsed(), "KV blocks held after cancel");
        assertTrue(future.isCancelled());
        // The engine serves the next request as if nothing had happened.
        List<Completion> next = engine.generate(List.of(PROMPTS.get(1)), PARAMS);
        List<Completion> alone = new Generator(model).generate(List.of(PROMPTS.get(1)), PARAMS);
        for (int i = 0; i < next.size(); i++) {
            assertArrayEquals(alone.get(i).tokens(), next.get(i).tokens());
            assertSameBits(alone.get(i).logProbs(), next.get(i).logProbs(), "after a cancel");
        }
    }
}
