package dev.reason4j.rollout;

import dev.reason4j.model.InferenceSession;
import dev.reason4j.model.Transformer;
import dev.reason4j.tensor.Parallel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rollout engine: continuous batching over a paged KV cache (Yu et al., "Orca", OSDI 2022; Kwon et al.,
 * "PagedAttention", SOSP 2023). Requests arrive one at a time from any thread ({@link #submit}), each with its own
 * prompt, sampling parameters, stop ids and seed, and complete independently. A scheduler thread runs steps: every
 * running sequence that needs a token gets one decode row, and prompts are prefilled in chunks in the rows left
 * over, all in one forward; a sequence joins as soon as KV blocks are free and leaves when it stops. The n samples
 * of a prompt share its prefill and its full KV blocks.
 *
 * <p>Results do not depend on what else is running: the kernels are batch-invariant (a row's numbers have the same
 * bits whatever rows sit beside it) and every sample draws from its own RNG, derived from (seed, prompt index,
 * sample index). So tokens and log-probs are bit-identical to the training forward's and to a run of the request
 * alone. When the KV budget runs out, the most recently admitted request is preempted and later recomputed, which
 * changes nothing in its results either.
 *
 * <p>The weights are packed when the engine first runs; after they change call {@link #updateWeights()}.
 */
public final class Generator implements RolloutEngine {
    /**
     * @param maxCacheBytes   KV-cache budget (keys and values of all layers)
     * @param maxRowsPerStep  rows per forward step: decode rows plus prefill chunks; also the most sequences running
     * @param strictContext   refuse a request whose prompt plus max new tokens exceeds max_position_embeddings,
     *                        instead of cutting max new tokens (with a warning, once)
     */
    public record Options(long maxCacheBytes, int maxRowsPerStep, boolean strictContext) {
        public Options {
            if (maxCacheBytes < 1 || maxRowsPerStep < 1) {
                throw new IllegalArgumentException("generator maxCacheBytes and maxRowsPerStep must be ≥ 1, got "
                        + maxCacheBytes + " and " + maxRowsPerStep);
            }
        }

        /** A quarter of the maximum heap for the KV cache (at most 4 GiB), 256 rows per step, lenient context. */
        public static Options defaults() {
            return new Options(Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 4), 256, false);
        }

        public Options withStrictContext(boolean strict) {
            return new Options(maxCacheBytes, maxRowsPerStep, strict);
        }
    }

    /**
     * One prompt to complete n times.
     *
     * @param index    the prompt's index in its batch: sample j draws from the RNG of (params.seed, index, j), and
     *                 completions report it as {@link Completion#promptIndex}
     * @param listener sees each token as it is sampled (streaming, stop strings), or null
     */
    public record Request(int[] prompt, SamplingParams params, int index, TokenListener listener) {
        public Request {
            if (prompt == null || prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + index + " is empty");
            }
            prompt = prompt.clone();
        }

        public Request(int[] prompt, SamplingParams params, int index) {
            this(prompt, params, index, null);
        }
    }

    /**
     * Sees each sampled token of a request, in order per sample, on the scheduler thread after the step's sampling:
     * it must be quick (hand the token to another thread). It changes no token or log-prob of any sample.
     */
    public interface TokenListener {
        /**
         * @param top the position's top log-probs when the params ask for them, else null
         * @return true to end this sample here, the token kept (finish STOP): e.g. a stop string was completed
         */
        boolean onToken(int sampleIndex, int token, float logProb, TopLogProbs top);
    }

    /** What the engine is doing, for metrics. */
    public record Stats(int running, int waiting, int kvBlocksUsed, int kvBlocksBudget, long steps, long rows,
                        long preemptions) {}

    private static final AtomicBoolean WARNED_CONTEXT = new AtomicBoolean();

    private final Transformer model;
    private final Options options;
    private final int maxPositions;
    private final Object lock = new Object();
    private final ConcurrentLinkedQueue<RequestState> incoming = new ConcurrentLinkedQueue<>();
    private volatile boolean weightsChanged;
    private Thread worker;                      // guarded by lock; null when idle

    // Scheduler state: touched by the worker thread only.
    private InferenceSession session;
    private final ArrayDeque<RequestState> waiting = new ArrayDeque<>();
    private final List<RequestState> running = new ArrayList<>();
    private int[] blockRefs = new int[0];
    private final ArrayDeque<Integer> freeBlocks = new ArrayDeque<>();
    private int blocksCreated;
    private long admissions;
    private long steps;
    private long rowsRun;
    private long preemptions;
    private float[] logitBuffer = new float[0];
    private volatile Stats stats = new Stats(0, 0, 0, 0, 0, 0, 0);   // a snapshot, published after each step

    public Generator(Transformer model) {
        this(model, Options.defaults());
    }

    /** A generator whose KV cache takes at most {@code maxCacheBytes}. */
    public Generator(Transformer model, long maxCacheBytes) {
        this(model, new Options(maxCacheBytes, Options.defaults().maxRowsPerStep(), false));
    }

    public Generator(Transformer model, Options options) {
        this.model = model;
        this.options = options;
        this.maxPositions = model.config().maxPositionEmbeddings();
    }

    // ------------------------------------------------------------------------------------------------ API

    /** Completes each prompt n times; completions in order (prompt 0's samples, then prompt 1's, ...). */
    public List<Completion> generate(List<int[]> prompts, SamplingParams params) {
        List<CompletableFuture<List<Completion>>> futures = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            futures.add(submit(new Request(prompts.get(p), params, p)));
        }
        List<Completion> all = new ArrayList<>();
        for (CompletableFuture<List<Completion>> future : futures) {
            try {
                all.addAll(future.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw e;
            }
        }
        return all;
    }

    /**
     * Queues a request; the future gets its n completions (in sample order) when the last one stops. Cancelling the
     * future ({@code future.cancel(true)}) aborts the request: before the next step it leaves the queue or the
     * running batch and its KV blocks go back to the pool.
     */
    @Override
    public CompletableFuture<List<Completion>> submit(Request request) {
        RequestState state = new RequestState(request);
        if (state.future.isDone()) {
            return state.future;
        }
        incoming.add(state);
        synchronized (lock) {
            if (worker == null) {
                worker = Thread.ofPlatform().daemon().name("reason4j-generator").start(this::run);
            }
        }
        return state.future;
    }

    /** The weights changed: the next step packs them again (running sequences keep their KV cache). */
    public void updateWeights() {
        weightsChanged = true;
    }

    public Stats stats() {
        return stats;
    }

    // ------------------------------------------------------------------------------------------------ state

    /** A request and its n sample sequences. */
    private final class RequestState {
        final Request request;
        final SamplingParams params;
        final Sequence[] samples;
        final CompletableFuture<List<Completion>> future = new CompletableFuture<>();
        final boolean contextLimited;
        /** True until sample 0's prefill of the prompt is done and the others have forked from it. */
        boolean sharingPrefill;
        long admittedAt;

        RequestState(Request request) {
            this.request = request;
            this.params = request.params();
            int promptLength = request.prompt().length;
            int maxNew = params.maxNewTokens();
            boolean limited = promptLength + (long) maxNew > maxPositions;
            this.contextLimited = limited;
            this.samples = new Sequence[params.n()];
            if (limited) {
                String message = "prompt " + request.index() + " has " + promptLength + " tokens and asks for up to "
                        + maxNew + " new ones, past the model's max_position_embeddings " + maxPositions;
                if (options.strictContext()) {
                    future.completeExceptionally(new IllegalArgumentException(message));
                    return;
                }
                if (WARNED_CONTEXT.compareAndSet(false, true)) {
                    System.err.println("reason4j: warning: " + message + "; generating at most "
                            + Math.max(0, maxPositions - promptLength) + " (further such cuts are counted in "
                            + "rollout/context_limited, not repeated here)");
                }
                maxNew = Math.max(0, maxPositions - promptLength);
            }
            for (int i = 0; i < samples.length; i++) {
                samples[i] = new Sequence(this, i, maxNew);
            }
            sharingPrefill = samples.length > 1;
            if (maxNew == 0) {
                finishAll();
            }
        }

        void finishAll() {
            List<Completion> completions = new ArrayList<>(samples.length);
            for (Sequence s : samples) {
                completions.add(s.completion());
            }
            future.complete(completions);
        }

        boolean done() {
            for (Sequence s : samples) {
                if (s.finish == null) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One sample: prompt + generated tokens, how many of them are cached, and its KV block table. */
    private final class Sequence {
        final RequestState owner;
        final int sampleIndex;
        final int promptLength;
        final int[] tokens;
        final float[] logProbs;
        final float[] entropies;
        final TopLogProbs[] topLogProbs;     // null unless the params ask for them
        final SplittableRandom rng;
        int length;
        int cached;
        int[] table = new int[0];    // store rows of its blocks (InferenceSession.blockRow)
        int blocks;
        FinishReason finish;

        Sequence(RequestState owner, int sampleIndex, int maxNew) {
            this.owner = owner;
            this.sampleIndex = sampleIndex;
            int[] prompt = owner.request.prompt();
            this.promptLength = prompt.length;
            this.tokens = Arrays.copyOf(prompt, prompt.length + maxNew);
            this.logProbs = new float[maxNew];
            this.entropies = new float[maxNew];
            this.topLogProbs = owner.params.topLogProbs() > 0 ? new TopLogProbs[maxNew] : null;
            this.length = prompt.length;
            this.rng = Sampler.rngFor(owner.params.seed(), owner.request.index(), sampleIndex);
            if (maxNew == 0) {
                finish = FinishReason.LENGTH;
            }
        }

        int generated() {
            return length - promptLength;
        }

        /** Waits for sample 0 to prefill the shared prompt. */
        boolean waitsForPrefill() {
            return owner.sharingPrefill && sampleIndex > 0;
        }

        Completion completion() {
            return new Completion(owner.request.index(), sampleIndex, Arrays.copyOfRange(tokens, promptLength, length),
                    Arrays.copyOf(logProbs, generated()), Arrays.copyOf(entropies, generated()),
                    finish == null ? FinishReason.LENGTH : finish, owner.contextLimited,
                    topLogProbs == null ? List.of() : Arrays.asList(topLogProbs).subList(0, generated()));
        }
    }

    // ------------------------------------------------------------------------------------------------ scheduler

    private void run() {
        while (true) {
            for (RequestState r; (r = incoming.poll()) != null; ) {
                waiting.add(r);
            }
            if (running.isEmpty() && waiting.isEmpty()) {
                synchronized (lock) {
                    if (incoming.isEmpty()) {
                        worker = null;
                        return;
                    }
                }
                continue;
            }
            try {
                step();
            } catch (RuntimeException | Error e) {
                failAll(e);
            }
        }
    }

    private void failAll(Throwable failure) {
        List<RequestState> all = new ArrayList<>(running);
        all.addAll(waiting);
        running.clear();
        waiting.clear();
        session = null;            // the KV cache may be half-written: start over
        blockRefs = new int[0];
        freeBlocks.clear();
        blocksCreated = 0;
        for (RequestState r : all) {
            r.future.completeExceptionally(failure);
        }
    }

    private InferenceSession session() {
        if (session == null) {
            long budget = options.maxCacheBytes() / InferenceSession.bytesPerBlock(model.config());
            session = model.newSession(options.maxRowsPerStep(), (int) Math.max(1, Math.min(budget, 1 << 24)));
            weightsChanged = false;
        } else if (weightsChanged) {
            weightsChanged = false;
            session.repack();
        }
        return session;
    }

    private int runningSequences() {
        int count = 0;
        for (RequestState r : running) {
            for (Sequence s : r.samples) {
                count += s.finish == null ? 1 : 0;
            }
        }
        return count;
    }

    /** Blocks a request needs to start: its prompt, and a block for each sample's first tokens. */
    private static int blocksToStart(RequestState r) {
        return InferenceSession.blocksFor(r.request.prompt().length) + r.samples.length;
    }

    /** One forward step over as many rows as fit. */
    private void step() {
        InferenceSession session = session();
        dropCancelled();
        admit(session);
        Plan plan = plan(session);
        if (plan.rows == 0) {
            publishStats(session);       // e.g. the last request was cancelled: show the freed slots
            return;
        }
        session.forward(plan.rows, plan.tokens, plan.positions, plan.tables);
        for (int i = 0; i < plan.fed.size(); i++) {
            plan.fed.get(i).cached += plan.fedRows.get(i);
        }
        sample(session, plan);
        List<RequestState> finished = new ArrayList<>();
        running.removeIf(r -> r.done() && finished.add(r));
        steps++;
        rowsRun += plan.rows;
        // Published before the futures complete, so a caller that waited on one sees this step counted.
        publishStats(session);
        finished.forEach(RequestState::finishAll);
    }

    private void publishStats(InferenceSession session) {
        stats = new Stats(runningSequences(), waiting.size(), usedBlocks(), session.maxBlocks(), steps, rowsRun,
                preemptions);
    }

    /** Requests whose future was cancelled leave the queue and the batch; their blocks are freed. */
    private void dropCancelled() {
        waiting.removeIf(r -> r.future.isDone());
        running.removeIf(r -> {
            if (!r.future.isDone()) {
                return false;
            }
            for (Sequence s : r.samples) {
                release(s);
            }
            return true;
        });
    }

    /** KV blocks held by sequences now. */
    private int usedBlocks() {
        return blocksCreated - freeBlocks.size();
    }

    /** Moves waiting requests to running while there are KV blocks and rows for them. */
    private void admit(InferenceSession session) {
        while (!waiting.isEmpty()) {
            RequestState next = waiting.peek();
            int need = blocksToStart(next);
            if (need > session.maxBlocks()) {
                waiting.poll();
                next.future.completeExceptionally(new IllegalStateException("request " + next.request.index()
                        + " needs " + need + " KV blocks to start, the cache budget holds "
                        + session.maxBlocks() + "; raise the generator's maxCacheBytes"));
                continue;
            }
            if (need > session.maxBlocks() - usedBlocks() || runningSequences() + next.samples.length > options.maxRowsPerStep()) {
                return;
            }
            waiting.poll();
            next.admittedAt = admissions++;
            running.add(next);
        }
    }

    /** The rows of one step. */
    private final class Plan {
        final int[] tokens;
        final int[] positions;
        final int[][] tables;
        int rows;
        final List<Sequence> fed = new ArrayList<>();
        final List<Integer> fedRows = new ArrayList<>();     // rows fed per sequence of fed
        /** Rows whose logits are sampled from, and the sequences sampling from each. */
        final List<Integer> sampleRows = new ArrayList<>();
        final List<List<Sequence>> samplers = new ArrayList<>();

        Plan(int maxRows) {
            tokens = new int[maxRows];
            positions = new int[maxRows];
            tables = new int[maxRows][];
        }
    }

    /**
     * Decode rows first (one per sequence that needs a token), then prefill chunks in the rows left, every KV block
     * they write allocated. When blocks run out, the last admitted request is preempted and planning starts over.
     */
    private Plan plan(InferenceSession session) {
        while (true) {
            Plan plan = new Plan(session.maxRows());
            boolean complete = true;
            for (int pass = 0; pass < 2 && complete; pass++) {
                for (RequestState r : running) {
                    for (Sequence s : r.samples) {
                        int need = s.length - s.cached;
                        if (s.finish != null || s.waitsForPrefill() || need == 0 || (pass == 0) != (need == 1)) {
                            continue;
                        }
                        int take = Math.min(need, session.maxRows() - plan.rows);
                        if (take == 0) {
                            break;
                        }
                        if (!reserve(session, s, s.cached + take)) {
                            complete = false;
                            break;
                        }
                        addRows(plan, s, take);
                    }
                    if (!complete) {
                        break;
                    }
                }
            }
            if (complete && reserveForks(session, plan)) {
                return plan;
            }
            preemptLast();
        }
    }

    private void addRows(Plan plan, Sequence s, int take) {
        for (int i = 0; i < take; i++) {
            int row = plan.rows++;
            plan.tokens[row] = s.tokens[s.cached + i];
            plan.positions[row] = s.cached + i;
            plan.tables[row] = s.table;
        }
        plan.fed.add(s);
        plan.fedRows.add(take);
        if (s.cached + take == s.length) {
            // The last known token is fed: its logits give the next token, to this sample and, at the end of a
            // shared prefill, to every sample of the prompt.
            List<Sequence> samplers = new ArrayList<>();
            if (s.owner.sharingPrefill) {
                samplers.addAll(Arrays.asList(s.owner.samples));
            } else {
                samplers.add(s);
            }
            plan.sampleRows.add(plan.rows - 1);
            plan.samplers.add(samplers);
        }
    }

    /** Allocates blocks so that s can hold {@code positions} positions; false when the budget is spent. */
    private boolean reserve(InferenceSession session, Sequence s, int positions) {
        int needed = InferenceSession.blocksFor(positions);
        while (s.blocks < needed) {
            int block = allocate(session);
            if (block < 0) {
                return false;
            }
            if (s.table.length == s.blocks) {
                s.table = Arrays.copyOf(s.table, Math.max(4, 2 * s.table.length));
            }
            s.table[s.blocks++] = InferenceSession.blockRow(block);
        }
        return true;
    }

    /** A free block id, or -1 when the budget is spent. */
    private int allocate(InferenceSession session) {
        Integer reused = freeBlocks.poll();
        int block;
        if (reused != null) {
            block = reused;
        } else if (blocksCreated < session.maxBlocks()) {
            block = blocksCreated++;
            session.ensureBlocks(blocksCreated);
            if (blockRefs.length < blocksCreated) {
                blockRefs = Arrays.copyOf(blockRefs, Math.max(blocksCreated, 2 * blockRefs.length));
            }
        } else {
            return -1;
        }
        blockRefs[block] = 1;
        return block;
    }

    private void release(Sequence s) {
        for (int b = 0; b < s.blocks; b++) {
            int block = s.table[b] >> InferenceSession.BLOCK_SHIFT;
            if (--blockRefs[block] == 0) {
                freeBlocks.push(block);
            }
        }
        s.blocks = 0;
        s.table = new int[0];
        s.cached = 0;
    }

    /** A shared prefill ending this step needs a copy of its partial last block for each other sample. */
    private boolean reserveForks(InferenceSession session, Plan plan) {
        int needed = 0;
        for (List<Sequence> samplers : plan.samplers) {
            Sequence leader = samplers.get(0);
            if (samplers.size() > 1 && leader.length % InferenceSession.BLOCK_SIZE != 0) {
                needed += samplers.size() - 1;
            }
        }
        return session.maxBlocks() - usedBlocks() >= needed;
    }

    /** Frees the blocks of the last admitted request and puts it back at the head of the queue. */
    private void preemptLast() {
        RequestState victim = null;
        for (RequestState r : running) {
            if (victim == null || r.admittedAt > victim.admittedAt) {
                victim = r;
            }
        }
        if (victim == null || running.size() == 1) {
            throw new IllegalStateException("the KV cache budget (" + session.maxBlocks() + " blocks of "
                    + InferenceSession.BLOCK_SIZE + " positions) cannot hold request " + (victim == null ? "?"
                    : victim.request.index()) + " alone; raise the generator's maxCacheBytes");
        }
        running.remove(victim);
        for (Sequence s : victim.samples) {
            release(s);
        }
        // sharingPrefill stays as it is: before the fork, sample 0 prefills the prompt again for all; after it,
        // each sample is a sequence of its own and recomputes its prompt and tokens.
        waiting.addFirst(victim);
        preemptions++;
    }

    /** Samples the next token of every sequence whose last known token was fed this step. */
    private void sample(InferenceSession session, Plan plan) {
        int vocab = model.config().vocabSize();
        int count = plan.sampleRows.size();
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = plan.sampleRows.get(i);
            List<Sequence> samplers = plan.samplers.get(i);
            if (samplers.size() > 1) {
                fork(session, samplers);
            }
        }
        int logitRows = Math.max(1, Math.min(session.maxRows(), (16 << 20) / vocab));
        if (logitBuffer.length < logitRows * vocab) {
            logitBuffer = new float[logitRows * vocab];
        }
        float[] logits = logitBuffer;
        for (int first = 0; first < count; first += logitRows) {
            int chunk = Math.min(logitRows, count - first);
            session.logits(rows, first, chunk, logits);
            List<int[]> tasks = new ArrayList<>();   // (row within chunk, sampler index)
            for (int i = 0; i < chunk; i++) {
                for (int j = 0; j < plan.samplers.get(first + i).size(); j++) {
                    tasks.add(new int[]{i, first + i, j});
                }
            }
            Parallel.forRange(0, tasks.size(), task -> {
                int[] t = tasks.get(task);
                Sequence s = plan.samplers.get(t[1]).get(t[2]);
                Sampler sampler = SAMPLERS.get().forParams(s.owner.params, vocab);
                float[] logProbAndEntropy = new float[2];
                int token = sampler.sample(logits, t[0] * vocab, s.rng, logProbAndEntropy);
                if (s.topLogProbs != null) {
                    s.topLogProbs[s.generated()] = sampler.topLogProbs(logits, t[0] * vocab);
                }
                s.logProbs[s.generated()] = logProbAndEntropy[0];
                s.entropies[s.generated()] = logProbAndEntropy[1];
                s.tokens[s.length++] = token;
                if (s.owner.params.isStop(token)) {
                    s.finish = FinishReason.STOP;
                } else if (s.length == s.tokens.length) {
                    s.finish = FinishReason.LENGTH;
                }
            });
            notifyListeners(plan, first, chunk);
        }
        for (List<Sequence> samplers : plan.samplers) {
            for (Sequence s : samplers) {
                if (s.finish != null) {
                    release(s);
                }
            }
        }
    }

    /** Hands this chunk's new tokens to their requests' listeners, in order; a listener may end its sample. */
    private static void notifyListeners(Plan plan, int first, int chunk) {
        for (int i = first; i < first + chunk; i++) {
            for (Sequence s : plan.samplers.get(i)) {
                TokenListener listener = s.owner.request.listener();
                if (listener == null || s.owner.future.isDone()) {
                    continue;
                }
                int at = s.generated() - 1;
                try {
                    boolean stop = listener.onToken(s.sampleIndex, s.tokens[s.length - 1], s.logProbs[at],
                            s.topLogProbs == null ? null : s.topLogProbs[at]);
                    if (stop && s.finish == null) {
                        s.finish = FinishReason.STOP;
                    }
                } catch (RuntimeException e) {
                    s.owner.future.completeExceptionally(e);   // this request only: dropped before the next step
                }
            }
        }
    }

    /**
     * The end of a shared prefill: the other samples take the leader's full blocks (shared, counted) and a copy of
     * its partial last block, and from now on are sequences of their own.
     */
    private void fork(InferenceSession session, List<Sequence> samplers) {
        Sequence leader = samplers.get(0);
        leader.owner.sharingPrefill = false;
        int full = leader.length >> InferenceSession.BLOCK_SHIFT;
        int partial = leader.length % InferenceSession.BLOCK_SIZE;
        for (int i = 1; i < samplers.size(); i++) {
            Sequence s = samplers.get(i);
            s.table = Arrays.copyOf(leader.table, leader.table.length);
            s.blocks = full;
            for (int b = 0; b < full; b++) {
                blockRefs[leader.table[b] >> InferenceSession.BLOCK_SHIFT]++;
            }
            if (partial > 0) {
                int block = allocate(session);   // reserved by reserveForks
                session.copyBlock(leader.table[full] >> InferenceSession.BLOCK_SHIFT, block, partial);
                s.table[s.blocks++] = InferenceSession.blockRow(block);
            }
            s.cached = leader.length;
        }
    }

    /** One sampler (scratch buffers) per thread, rebuilt when the parameters change. */
    private static final ThreadLocal<SamplerCache> SAMPLERS = ThreadLocal.withInitial(SamplerCache::new);

    private static final class SamplerCache {
        private Sampler sampler;
        private SamplingParams params;
        private int vocab;

        Sampler forParams(SamplingParams p, int vocabSize) {
            if (sampler == null || params != p || vocab != vocabSize) {
                sampler = new Sampler(p, vocabSize);
                params = p;
                vocab = vocabSize;
            }
            return sampler;
        }
    }
}
