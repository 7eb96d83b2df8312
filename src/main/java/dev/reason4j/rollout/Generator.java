package dev.reason4j.rollout;

import dev.reason4j.model.InferenceSession;
import dev.reason4j.model.Transformer;
import dev.reason4j.tensor.Parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched sampling with a KV cache. Each prompt is prefilled once (prompts packed into chunks of rows), its cache is
 * copied to its n samples, then all unfinished samples are decoded together: one matrix product per weight per
 * step. Every sample has its own RNG derived from (seed, prompt, sample), so results do not depend on batching or
 * thread scheduling.
 */
public final class Generator {
    /** Rows per prefill call: bounds the activation buffers. */
    static final int PREFILL_ROWS = 256;

    private final Transformer model;
    private final long maxCacheBytes;

    /** A generator whose KV cache takes at most a quarter of the maximum heap (and at most 4 GiB). */
    public Generator(Transformer model) {
        this(model, Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 4));
    }

    /**
     * A generator whose KV cache takes at most {@code maxCacheBytes}: when all samples' caches (prompt + max new
     * tokens each) would exceed it, prompts are generated in successive waves. Results are the same either way
     * (each sample has its own RNG), up to float rounding of differently sized matrix products.
     */
    public Generator(Transformer model, long maxCacheBytes) {
        this.model = model;
        this.maxCacheBytes = maxCacheBytes;
    }

    /** One sample being generated: its slot in the KV cache, its tokens so far and its RNG. */
    private static final class Sample {
        final int promptIndex;
        final int sampleIndex;
        final int promptLength;
        final int[] tokens;
        final float[] logProbs;
        final SplittableRandom rng;
        int generated;
        FinishReason finish;

        Sample(int promptIndex, int sampleIndex, int promptLength, int maxNew, long seed) {
            this.promptIndex = promptIndex;
            this.sampleIndex = sampleIndex;
            this.promptLength = promptLength;
            this.tokens = new int[maxNew];
            this.logProbs = new float[maxNew];
            this.rng = Sampler.rngFor(seed, promptIndex, sampleIndex);
        }
    }

    public List<Completion> generate(List<int[]> prompts, SamplingParams params) {
        int n = params.n();
        int maxPositions = model.config().maxPositionEmbeddings();
        long bytesPerPosition = 2L * 4 * model.config().numLayers() * model.config().kvDim();
        List<Sample> samples = new ArrayList<>();
        List<Integer> waveStarts = new ArrayList<>();   // first prompt of each wave
        long waveBytes = 0;
        for (int p = 0; p < prompts.size(); p++) {
            int[] prompt = prompts.get(p);
            if (prompt == null || prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + p + " is empty");
            }
            if (prompt.length >= maxPositions) {
                throw new IllegalArgumentException("prompt " + p + " has " + prompt.length
                        + " tokens, the model's max_position_embeddings is " + maxPositions);
            }
            int maxNew = Math.min(params.maxNewTokens(), maxPositions - prompt.length);
            for (int i = 0; i < n; i++) {
                samples.add(new Sample(p, i, prompt.length, maxNew, params.seed()));
            }
            long promptBytes = n * (prompt.length + (long) maxNew) * bytesPerPosition;
            if (waveStarts.isEmpty() || waveBytes + promptBytes > maxCacheBytes) {
                waveStarts.add(p);
                waveBytes = 0;
            }
            waveBytes += promptBytes;
        }
        if (params.maxNewTokens() > 0) {
            for (int w = 0; w < waveStarts.size(); w++) {
                int first = waveStarts.get(w);
                int end = w + 1 < waveStarts.size() ? waveStarts.get(w + 1) : prompts.size();
                run(prompts.subList(first, end), params, samples.subList(first * n, end * n));
            }
        }
        List<Completion> completions = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            completions.add(new Completion(s.promptIndex, s.sampleIndex,
                    java.util.Arrays.copyOf(s.tokens, s.generated), java.util.Arrays.copyOf(s.logProbs, s.generated),
                    s.finish == null ? FinishReason.LENGTH : s.finish));
        }
        return completions;
    }

    /** Generates for prompts (one wave) into samples (n per prompt, in order). */
    private void run(List<int[]> prompts, SamplingParams params, List<Sample> samples) {
        int n = params.n();
        int[] capacity = new int[samples.size()];
        for (int slot = 0; slot < capacity.length; slot++) {
            capacity[slot] = samples.get(slot).promptLength + samples.get(slot).tokens.length;
        }
        int vocab = model.config().vocabSize();
        InferenceSession session = model.newSession(Math.max(PREFILL_ROWS, samples.size()), capacity);
        int maxRows = session.maxRows();
        int logitRows = Math.max(1, Math.min(maxRows, (16 << 20) / vocab));
        float[] logits = new float[logitRows * vocab];
        ThreadLocal<Sampler> sampler = ThreadLocal.withInitial(() -> new Sampler(params, vocab));
        int[] tokens = new int[maxRows];
        int[] slots = new int[maxRows];
        int[] positions = new int[maxRows];
        int[] sampleRows = new int[maxRows];      // rows whose logits are sampled from
        int[][] sampleSlots = new int[maxRows][]; // and, per such row, the slots that sample from it

        // Prefill: each prompt into the slot of its sample 0, packed across prompts in chunks of maxRows rows.
        int rows = 0;
        int needed = 0;
        for (int p = 0; p < prompts.size(); p++) {
            int[] prompt = prompts.get(p);
            for (int t = 0; t < prompt.length; t++) {
                tokens[rows] = prompt[t];
                slots[rows] = p * n;
                positions[rows] = t;
                if (t == prompt.length - 1) {
                    // The prompt's last row gives the first token of each of its n samples.
                    sampleRows[needed] = rows;
                    sampleSlots[needed] = new int[n];
                    for (int i = 0; i < n; i++) {
                        sampleSlots[needed][i] = p * n + i;
                    }
                    needed++;
                }
                rows++;
                if (rows == maxRows || (p == prompts.size() - 1 && t == prompt.length - 1)) {
                    session.forward(rows, tokens, slots, positions);
                    for (int i = 0; i < needed; i++) {
                        int[] sharing = sampleSlots[i];
                        int promptLength = samples.get(sharing[0]).promptLength;
                        for (int j = 1; j < sharing.length; j++) {
                            session.copyPrefix(sharing[0], sharing[j], promptLength);
                        }
                    }
                    sampleFrom(session, sampleRows, sampleSlots, needed, samples, params, logits, logitRows, sampler);
                    rows = 0;
                    needed = 0;
                }
            }
        }

        // Decode: all unfinished samples advance one token per step.
        while (true) {
            int count = 0;
            for (int slot = 0; slot < samples.size(); slot++) {
                Sample s = samples.get(slot);
                if (s.finish != null) {
                    continue;
                }
                tokens[count] = s.tokens[s.generated - 1];
                slots[count] = slot;
                positions[count] = s.promptLength + s.generated - 1;
                sampleRows[count] = count;
                if (sampleSlots[count] == null || sampleSlots[count].length != 1) {
                    sampleSlots[count] = new int[1];
                }
                sampleSlots[count][0] = slot;
                count++;
            }
            if (count == 0) {
                return;
            }
            session.forward(count, tokens, slots, positions);
            sampleFrom(session, sampleRows, sampleSlots, count, samples, params, logits, logitRows, sampler);
        }
    }

    /**
     * For rows[0..count): computes the row's logits (logitRows rows at a time), and each slot in slotsOfRow[i]
     * samples its next token from them; records it and checks stop / length.
     */
    private void sampleFrom(InferenceSession session, int[] rows, int[][] slotsOfRow, int count, List<Sample> samples,
                            SamplingParams params, float[] logits, int logitRows, ThreadLocal<Sampler> sampler) {
        int vocab = model.config().vocabSize();
        for (int first = 0; first < count; first += logitRows) {
            int chunk = Math.min(logitRows, count - first);
            session.logits(rows, first, chunk, logits);
            List<int[]> tasks = new ArrayList<>();   // (row within chunk, slot)
            for (int i = 0; i < chunk; i++) {
                for (int slot : slotsOfRow[first + i]) {
                    tasks.add(new int[]{i, slot});
                }
            }
            Parallel.forRange(0, tasks.size(), task -> {
                int row = tasks.get(task)[0];
                Sample s = samples.get(tasks.get(task)[1]);
                float[] logProb = new float[1];
                int token = sampler.get().sample(logits, row * vocab, s.rng, logProb);
                s.tokens[s.generated] = token;
                s.logProbs[s.generated] = logProb[0];
                s.generated++;
                if (params.isStop(token)) {
                    s.finish = FinishReason.STOP;
                } else if (s.generated == s.tokens.length) {
                    s.finish = FinishReason.LENGTH;
                }
            });
        }
    }
}
