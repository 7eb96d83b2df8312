package dev.reason4j.server;

import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.rollout.TopLogProbs;

import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One API request on the engine: a request per prompt (prompt p's sample j draws from the RNG of (seed, p, j), as
 * {@link Generator#generate} does, so a request's numbers equal a batch run's), the text of every choice as it grows
 * (choice p·n + j), and, when streamed, the tokens as they come.
 */
final class Generation {
    /** A new token of one choice and the text it made final. */
    record Delta(int choice, String text, int token, float logProb, TopLogProbs top) {}

    final List<int[]> prompts;
    final int n;
    private final SampleText[] texts;
    private final List<CompletableFuture<List<Completion>>> futures = new ArrayList<>();
    /** The streamed deltas, or null when not streaming. */
    private final BlockingQueue<Delta> deltas;

    Generation(Generator engine, List<int[]> prompts, List<SamplingParams> params, SamplingRequest request,
               ServedModel model, boolean keepSpecialTokens) {
        this.prompts = prompts;
        this.n = request.params().n();
        this.texts = new SampleText[prompts.size() * n];
        this.deltas = request.stream() ? new LinkedBlockingQueue<>() : null;
        for (int p = 0; p < prompts.size(); p++) {
            int[] stopIds = params.get(p).stopTokenIds();
            for (int j = 0; j < n; j++) {
                texts[p * n + j] = new SampleText(model.tokenizer,
                        request.skipSpecialTokens() && !keepSpecialTokens, request.stops(), stopIds);
            }
        }
        for (int p = 0; p < prompts.size(); p++) {
            int first = p * n;
            futures.add(engine.submit(new Generator.Request(prompts.get(p), params.get(p), p,
                    (sample, token, logProb, top) -> {
                        SampleText text = texts[first + sample];
                        String released = text.add(token);
                        if (deltas != null) {
                            deltas.add(new Delta(first + sample, released, token, logProb, top));
                        }
                        return text.stopped();
                    })));
        }
    }

    int choices() {
        return texts.length;
    }

    /** The next streamed delta, or null after {@code millis} without one. */
    Delta nextDelta(long millis) throws InterruptedException {
        return deltas.poll(millis, TimeUnit.MILLISECONDS);
    }

    boolean done() {
        return futures.stream().allMatch(CompletableFuture::isDone);
    }

    /**
     * Every choice's completion, in choice order (waits). An engine failure is rethrown as it is; a request cancelled
     * because its client went away is an IOException.
     */
    List<Completion> completions() throws IOException {
        List<Completion> all = new ArrayList<>(texts.length);
        for (CompletableFuture<List<Completion>> future : futures) {
            try {
                all.addAll(future.join());
            } catch (CancellationException gone) {
                throw new IOException("the client went away", gone);
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
            }
        }
        return all;
    }

    /** Ends choice {@code choice}'s text; returns what was still held back (call after the engine is done). */
    String finishText(int choice) {
        return texts[choice].finish();
    }

    /** The final text of a choice (after {@link #finishText}). */
    String text(int choice) {
        return texts[choice].text();
    }

    /** Aborts every prompt of the request in the engine (a client went away); false when it had already ended. */
    boolean cancel() {
        boolean any = false;
        for (CompletableFuture<List<Completion>> future : futures) {
            any |= future.cancel(true);
        }
        return any;
    }

    int promptTokens() {
        return prompts.stream().mapToInt(p -> p.length).sum();
    }
}
