package dev.reason4j.model;

import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.PackedMatrix;
import dev.reason4j.tensor.Parallel;
import dev.reason4j.tensor.VectorOps;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A decoder-only transformer (Qwen2 / Qwen3 / Llama 3) with an explicit forward and backward, llm.c style.
 *
 * <p>A batch of variable-length sequences is packed row after row into [N, hidden] matrices (N = total tokens, no
 * padding): every linear layer is one {@code sgemm} over all N rows, and only attention looks at sequence
 * boundaries. Each row's keys and values live in a key/value store, found through its sequence's block table
 * ({@link KvBlocks}): in training the store is the packed K/V of the batch itself (one block per sequence), when
 * decoding it is an {@link InferenceSession}'s paged KV cache. Both run the same {@link #layerForward} and row
 * kernels, and the products go through the batch-invariant {@link BatchInvariantMatmul}, so a row's numbers have
 * the same bits however it was batched, packed, chunked or cached.
 */
public final class Transformer {
    final ModelConfig config;
    final Weight embedTokens;       // [V, C]
    Weight lmHead;                  // [V, C], == embedTokens when tied; null in a score model
    final Layer[] layers;
    final Weight finalNorm;         // [C]
    Weight valueHead;               // [1, C] or null
    Weight valueHeadBias;           // [1]
    Weight scoreHead;               // [1, C] or null: HF's score Linear
    Weight scoreBias;               // [1] or null (token classification has one, sequence classification not)
    final Rope rope;

    /** One decoder layer's weights (HF names under model.layers.N.). Biases / q-k norms are null when absent. */
    record Layer(Weight inputNorm, Weight q, Weight k, Weight v, Weight qBias, Weight kBias, Weight vBias,
                 Weight qNorm, Weight kNorm, Weight o, Weight postNorm, Weight gate, Weight up, Weight down) {
        List<Weight> weights() {
            List<Weight> all = new ArrayList<>();
            for (Weight w : new Weight[]{inputNorm, q, qBias, k, kBias, v, vBias, qNorm, kNorm, o, postNorm, gate,
                    up, down}) {
                if (w != null) {
                    all.add(w);
                }
            }
            return all;
        }
    }

    private Transformer(ModelConfig config) {
        this.config = config;
        int c = config.hiddenSize();
        int d = config.headDim();
        embedTokens = new Weight("model.embed_tokens.weight", config.vocabSize(), c);
        lmHead = config.tieWordEmbeddings() ? embedTokens : new Weight("lm_head.weight", config.vocabSize(), c);
        layers = new Layer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "model.layers." + l + ".";
            boolean bias = config.architecture().qkvBias();
            boolean qkNorm = config.architecture().qkNorm();
            layers[l] = new Layer(
                    new Weight(p + "input_layernorm.weight", c),
                    new Weight(p + "self_attn.q_proj.weight", config.qDim(), c),
                    new Weight(p + "self_attn.k_proj.weight", config.kvDim(), c),
                    new Weight(p + "self_attn.v_proj.weight", config.kvDim(), c),
                    bias ? new Weight(p + "self_attn.q_proj.bias", config.qDim()) : null,
                    bias ? new Weight(p + "self_attn.k_proj.bias", config.kvDim()) : null,
                    bias ? new Weight(p + "self_attn.v_proj.bias", config.kvDim()) : null,
                    qkNorm ? new Weight(p + "self_attn.q_norm.weight", d) : null,
                    qkNorm ? new Weight(p + "self_attn.k_norm.weight", d) : null,
                    new Weight(p + "self_attn.o_proj.weight", c, config.qDim()),
                    new Weight(p + "post_attention_layernorm.weight", c),
                    new Weight(p + "mlp.gate_proj.weight", config.intermediateSize(), c),
                    new Weight(p + "mlp.up_proj.weight", config.intermediateSize(), c),
                    new Weight(p + "mlp.down_proj.weight", c, config.intermediateSize()));
        }
        finalNorm = new Weight("model.norm.weight", c);
        rope = new Rope(Rope.inverseFrequencies(config));
    }

    public ModelConfig config() {
        return config;
    }

    // ------------------------------------------------------------------------------------------------ creation

    /** Random init like HF: matrices and embeddings ~ normal(0, initializer_range), norms = 1, biases = 0. */
    public static Transformer create(ModelConfig config, long seed) {
        return create(config, seed, Precision.FP32);
    }

    public static Transformer create(ModelConfig config, long seed, Precision precision) {
        Transformer model = new Transformer(config);
        for (Weight w : model.weights()) {
            w.data = new float[w.size()];
            if (w.name.endsWith("norm.weight")) {
                Arrays.fill(w.data, 1f);
            } else if (!w.name.endsWith(".bias")) {
                // Chunks of 1M values, each from its own seeded stream: parallel, and the same whatever the threads.
                int chunks = (w.size() + INIT_CHUNK - 1) / INIT_CHUNK;
                Parallel.forRange(0, chunks, chunk -> {
                    SplittableRandom random = new SplittableRandom(
                            seed * 0x9E3779B97F4A7C15L + w.name.hashCode() * 0xBF58476D1CE4E5B9L + chunk);
                    for (int j = chunk * INIT_CHUNK, end = Math.min(w.size(), j + INIT_CHUNK); j < end; j++) {
                        w.data[j] = (float) random.nextGaussian(0.0, config.initializerRange());
                    }
                });
                if (precision == Precision.BF16 && w.shape.length == 2) {
                    w.convertToBf16();   // one weight at a time: the float32 copy of the whole model never exists
                }
            }
        }
        return model;
    }

    private static final int INIT_CHUNK = 1 << 20;

    /** Loads config.json and the safetensors weights (single file or sharded) of an HF model directory. */
    public static Transformer load(Path modelDir) throws IOException {
        return load(modelDir, Precision.FP32);
    }

    public static Transformer load(Path modelDir, Precision precision) throws IOException {
        ModelConfig config = ModelConfig.fromJson(modelDir.resolve("config.json"));
        Transformer model = new Transformer(config);
        WeightFiles.read(modelDir, model, precision);
        return model;
    }

    /** Writes config.json and model.safetensors (sharded with an index above {@code WeightFiles.SHARD_BYTES}). */
    public void save(Path modelDir) throws IOException {
        WeightFiles.write(modelDir, this);
    }

    /** A deep copy of the weights (gradients are not copied), e.g. a frozen reference model. */
    public Transformer copy() {
        Transformer copy = new Transformer(config);
        List<Weight> from = weights();
        if (valueHead != null) {
            copy.addValueHead(0);
        }
        if (scoreHead != null) {
            copy.addScoreHead(0, scoreBias != null);
        }
        if (lmHead == null) {
            copy.lmHead = null;
        }
        List<Weight> to = copy.weights();
        for (int i = 0; i < from.size(); i++) {
            Weight source = from.get(i);
            Weight target = to.get(i);
            target.data = source.data == null ? null : source.data.clone();
            target.bf16 = source.bf16;   // never written after it is made: the copy may share it
        }
        return copy;
    }

    /** Holds every weight matrix in bf16 from now on (inference only; norms and biases stay float32). */
    public void convertToBf16() {
        for (Weight w : weights()) {
            if (w.shape.length == 2) {
                w.convertToBf16();
            }
        }
    }

    /** Adds a scalar-per-token value head (critic): value_head.weight [1, C] ~ normal(0, 1/(C+1)), bias 0. */
    public void addValueHead(long seed) {
        valueHead = headWeight("value_head.weight", seed);
        valueHeadBias = new Weight("value_head.bias", 1);
        valueHeadBias.data = new float[1];
    }

    /**
     * Adds a scalar-per-token score head, HF's {@code score} Linear: score.weight [1, C] ~ normal(0, 1/(C+1)), with
     * score.bias [1] = 0 when {@code bias} (HF's ...ForTokenClassification has one, ...ForSequenceClassification,
     * which reads the score at the last token, has none).
     */
    public void addScoreHead(long seed, boolean bias) {
        scoreHead = headWeight("score.weight", seed);
        scoreBias = null;
        if (bias) {
            scoreBias = new Weight("score.bias", 1);
            scoreBias.data = new float[1];
        }
    }

    /**
     * A score model initialised from this model's trunk (InstructGPT's reward model from the SFT policy): a deep copy
     * of the embeddings, layers and final norm, no LM head, and a fresh score head ({@link #addScoreHead}). Saved,
     * it is HF's ...ForSequenceClassification (no bias) or ...ForTokenClassification (bias) checkpoint.
     */
    public Transformer scoreModel(long seed, boolean bias) {
        Transformer copy = new Transformer(config);
        copy.lmHead = null;
        for (Weight target : copy.weights()) {
            Weight source = weights().stream().filter(w -> w.name.equals(target.name)).findFirst().orElseThrow();
            source.requireFloat32();
            target.data = source.data.clone();
        }
        copy.addScoreHead(seed, bias);
        return copy;
    }

    /** Whether the model has a score head ({@link #addScoreHead}), and it has a bias exactly when {@code bias}. */
    public boolean hasScoreHead(boolean bias) {
        return scoreHead != null && (scoreBias != null) == bias;
    }

    /** Whether the model has an LM head (log-probs, generation); a score model has none. */
    public boolean hasLmHead() {
        return lmHead != null;
    }

    private Weight headWeight(String name, long seed) {
        Weight w = new Weight(name, 1, config.hiddenSize());
        w.data = new float[w.size()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int j = 0; j < w.data.length; j++) {
            w.data[j] = (float) random.nextGaussian(0.0, 1.0 / (config.hiddenSize() + 1));
        }
        return w;
    }

    /** Every weight in HF order (embed, layers, norm, lm_head unless tied, heads). */
    List<Weight> weights() {
        List<Weight> all = new ArrayList<>();
        all.add(embedTokens);
        for (Layer layer : layers) {
            all.addAll(layer.weights());
        }
        all.add(finalNorm);
        if (lmHead != null && lmHead != embedTokens) {
            all.add(lmHead);
        }
        for (Weight w : new Weight[]{valueHead, valueHeadBias, scoreHead, scoreBias}) {
            if (w != null) {
                all.add(w);
            }
        }
        return all;
    }

    /** The trainable parameters (float32 values and gradients, allocated on first call). */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Weight w : weights()) {
            w.requireFloat32();
            all.add(new Parameter(w.name, w.shape.clone(), w.data, w.grad()));
        }
        return all;
    }

    public long parameterCount() {
        long n = 0;
        for (Weight w : weights()) {
            n += w.size();
        }
        return n;
    }

    /** Bytes held by the weights (float32 or bf16 as held) and gradients. */
    public long weightBytes() {
        long bytes = 0;
        for (Weight w : weights()) {
            bytes += w.data != null ? 4L * w.data.length : w.bf16.bytes();
            bytes += w.grad != null ? 4L * w.grad.length : 0;
        }
        return bytes;
    }

    public void zeroGrad() {
        for (Weight w : weights()) {
            Arrays.fill(w.grad(), 0f);
        }
    }

    /**
     * A paged KV-cache session for generation: up to {@code maxRows} rows (prefill chunks and decode rows of many
     * sequences) per {@link InferenceSession#forward} call, and at most {@code maxBlocks} KV blocks. It packs the
     * weights as they are now.
     */
    public InferenceSession newSession(int maxRows, int maxBlocks) {
        if (lmHead == null) {
            throw new IllegalStateException("a score model has no LM head to generate with");
        }
        return new InferenceSession(this, maxRows, maxBlocks);
    }

    // ------------------------------------------------------------------------------------------------ batch

    /**
     * How a batch of sequences is packed: row r holds token {@code tokens[r]} at {@code positions[r]} of sequence
     * b, whose rows start at {@code starts[b]}. In training the K/V store is the packed batch, so the block table of
     * row r is one block starting at {@code starts[b]} ({@code blocks[r]}, shared by the sequence's rows).
     */
    record Batch(int rows, int[] tokens, int[] positions, int[][] blocks, int[] starts, int[] lengths) {
        static Batch pack(List<int[]> sequences, int vocabSize) {
            int total = 0;
            for (int b = 0; b < sequences.size(); b++) {
                int[] sequence = sequences.get(b);
                if (sequence == null || sequence.length == 0) {
                    throw new IllegalArgumentException("sequence " + b + " is empty");
                }
                total += sequence.length;
            }
            int[] tokens = new int[total];
            int[] positions = new int[total];
            int[][] blocks = new int[total][];
            int[] starts = new int[sequences.size()];
            int[] lengths = new int[sequences.size()];
            int row = 0;
            for (int b = 0; b < sequences.size(); b++) {
                int[] sequence = sequences.get(b);
                starts[b] = row;
                lengths[b] = sequence.length;
                int[] table = {row};
                for (int t = 0; t < sequence.length; t++, row++) {
                    if (sequence[t] < 0 || sequence[t] >= vocabSize) {
                        throw new IllegalArgumentException("sequence " + b + " position " + t + ": token id "
                                + sequence[t] + " is outside the vocabulary [0, " + vocabSize + ")");
                    }
                    tokens[row] = sequence[t];
                    positions[row] = t;
                    blocks[row] = table;
                }
            }
            return new Batch(total, tokens, positions, blocks, starts, lengths);
        }
    }

    /** One layer's activations for n rows (what the backward needs). */
    static final class Activations {
        float[] input;                       // [n, C] the layer input (not owned)
        final float[] ln1, rstd1;            // input RMSNorm output [n, C], its rstd [n]
        final float[] qRaw, kRaw;            // projections before q/k-norm (== q, k when there is none)
        final float[] qRstd, kRstd;          // q/k-norm rstd per row and head
        final float[] q, k, v;               // after norm and RoPE: [n, qDim], [n, kvDim], [n, kvDim]
        final float[] lse;                   // attention log-sum-exp [n, heads]
        final float[] attOut;                // [n, qDim]
        final float[] mid;                   // residual after attention [n, C]
        final float[] ln2, rstd2;            // post-attention RMSNorm
        final float[] gate, up;              // MLP projections [n, I]
        final float[] act;                   // silu(gate)·up [n, I]: scratch, may be shared by all layers (backward
                                             // recomputes it), which saves a quarter of the kept activations
        final float[] output;                // [n, C]

        Activations(ModelConfig config, int n) {
            this(config, n, new float[n * config.intermediateSize()]);
        }

        Activations(ModelConfig config, int n, float[] sharedAct) {
            int c = config.hiddenSize();
            boolean qkNorm = config.architecture().qkNorm();
            input = null;
            ln1 = new float[n * c];
            rstd1 = new float[n];
            q = new float[n * config.qDim()];
            k = new float[n * config.kvDim()];
            v = new float[n * config.kvDim()];
            qRaw = qkNorm ? new float[n * config.qDim()] : q;
            kRaw = qkNorm ? new float[n * config.kvDim()] : k;
            qRstd = qkNorm ? new float[n * config.numHeads()] : null;
            kRstd = qkNorm ? new float[n * config.numKvHeads()] : null;
            lse = new float[n * config.numHeads()];
            attOut = new float[n * config.qDim()];
            mid = new float[n * c];
            ln2 = new float[n * c];
            rstd2 = new float[n];
            gate = new float[n * config.intermediateSize()];
            up = new float[n * config.intermediateSize()];
            act = sharedAct;
            output = new float[n * c];
        }
    }

    /** Per-thread scratch for attention's scores (and, in the backward, their gradients). */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int slot, int size) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < size) {
            s[slot] = new float[Math.max(size, 2 * s[slot].length)];
        }
        return s[slot];
    }

    // ------------------------------------------------------------------------------------------------ forward

    /** Embedding lookup of n rows into x [n, C]. */
    void embed(int n, int[] tokens, float[] x) {
        int c = config.hiddenSize();
        Parallel.forRange(0, n, c, r -> {
            if (embedTokens.data != null) {
                System.arraycopy(embedTokens.data, tokens[r] * c, x, r * c, c);
            } else {
                embedTokens.bf16.row(tokens[r], x, r * c);
            }
        });
    }

    /**
     * One decoder layer over n rows: a.output = x + attention(norm(x)) + mlp(norm(...)). Keys and values of row r
     * are written to the store row of position {@code positions[r]} in its block table {@code blocks[r]}
     * ({@link KvBlocks#row}), and row r attends to positions 0 .. positions[r] there. {@code matrices} are the
     * layer's weights as the matmul kernel reads them (views in training, packed copies when decoding).
     */
    void layerForward(Layer layer, LayerMatrices matrices, int n, int[] positions, int[][] blocks, int blockShift,
                      float[] x, Activations a, float[] keyStore, float[] valueStore) {
        int c = config.hiddenSize();
        int d = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int qDim = config.qDim();
        int kvDim = config.kvDim();
        float eps = config.rmsNormEps();
        a.input = x;

        Parallel.forRange(0, n, c, r -> a.rstd1[r] = VectorOps.rmsNorm(x, r * c, layer.inputNorm.data, 0, eps, a.ln1,
                r * c, c));
        BatchInvariantMatmul.multiply(a.ln1, 0, n, new PackedMatrix[]{matrices.q(), matrices.k(), matrices.v()},
                new float[][]{a.qRaw, a.kRaw, a.v}, new int[3]);

        Parallel.forRange(0, n, 2L * (qDim + 2 * kvDim), r -> {
            if (layer.qBias != null) {
                VectorOps.axpy(1f, layer.qBias.data, 0, a.qRaw, r * qDim, qDim);
                VectorOps.axpy(1f, layer.kBias.data, 0, a.kRaw, r * kvDim, kvDim);
                VectorOps.axpy(1f, layer.vBias.data, 0, a.v, r * kvDim, kvDim);
            }
            if (layer.qNorm != null) {
                for (int h = 0; h < heads; h++) {
                    int off = r * qDim + h * d;
                    a.qRstd[r * heads + h] = VectorOps.rmsNorm(a.qRaw, off, layer.qNorm.data, 0, eps, a.q, off, d);
                }
                for (int h = 0; h < kvHeads; h++) {
                    int off = r * kvDim + h * d;
                    a.kRstd[r * kvHeads + h] = VectorOps.rmsNorm(a.kRaw, off, layer.kNorm.data, 0, eps, a.k, off, d);
                }
            }
            Rope.Angles angles = rope.angles(positions[r]);
            int angleOff = positions[r] * (d / 2);
            for (int h = 0; h < heads; h++) {
                Ops.rope(a.q, r * qDim + h * d, d, angles.cos(), angles.sin(), angleOff, 1f);
            }
            for (int h = 0; h < kvHeads; h++) {
                Ops.rope(a.k, r * kvDim + h * d, d, angles.cos(), angles.sin(), angleOff, 1f);
            }
            int storeRow = KvBlocks.row(blocks[r], blockShift, positions[r]);
            if (keyStore != a.k) {
                System.arraycopy(a.k, r * kvDim, keyStore, storeRow * kvDim, kvDim);
                System.arraycopy(a.v, r * kvDim, valueStore, storeRow * kvDim, kvDim);
            }
        });

        float scale = (float) (1.0 / Math.sqrt(d));
        int group = heads / kvHeads;
        // One task per (row, key/value head): the query heads of a group share its key and value rows.
        Parallel.forRange(0, n * kvHeads, task -> {
            int r = task / kvHeads;
            int g = task % kvHeads;
            int length = positions[r] + 1;
            int qOff = r * qDim + g * group * d;
            Ops.attendGroup(a.q, qOff, group, keyStore, valueStore, blocks[r], blockShift, kvDim, g * d, length, d,
                    scale, scratch(0, group * length), a.attOut, qOff, a.lse, r * heads + g * group);
        });

        BatchInvariantMatmul.multiply(a.attOut, 0, n, matrices.o(), a.mid, 0);
        Parallel.forRange(0, n, 2L * c, r -> {
            VectorOps.axpy(1f, x, r * c, a.mid, r * c, c);
            a.rstd2[r] = VectorOps.rmsNorm(a.mid, r * c, layer.postNorm.data, 0, eps, a.ln2, r * c, c);
        });
        BatchInvariantMatmul.multiply(a.ln2, 0, n, new PackedMatrix[]{matrices.gate(), matrices.up()},
                new float[][]{a.gate, a.up}, new int[2]);
        int inter = config.intermediateSize();
        Parallel.forRange(0, n, 4L * inter, r -> VectorOps.swiglu(a.gate, r * inter, a.up, r * inter, a.act,
                r * inter, inter));
        BatchInvariantMatmul.multiply(a.act, 0, n, matrices.down(), a.output, 0);
        Parallel.forRange(0, n, c, r -> VectorOps.axpy(1f, a.mid, r * c, a.output, r * c, c));
    }

    /** The final RMSNorm of n rows: hidden = norm(x), returns per-row rstd in {@code rstd}. */
    void finalNorm(int n, float[] x, float[] hidden, float[] rstd) {
        int c = config.hiddenSize();
        Parallel.forRange(0, n, c, r -> rstd[r] = VectorOps.rmsNorm(x, r * c, finalNorm.data, 0,
                config.rmsNormEps(), hidden, r * c, c));
    }

    /** logits[n, V] = hidden[n, C] · lm_headᵀ, for n rows of hidden starting at row {@code row0}. */
    public void logits(float[] hidden, int row0, int n, float[] logits) {
        logits(lmHead.view(), hidden, row0, n, logits);
    }

    /** The same with the LM head as given (a packed copy when decoding). */
    void logits(PackedMatrix head, float[] hidden, int row0, int n, float[] logits) {
        BatchInvariantMatmul.multiply(hidden, row0 * config.hiddenSize(), n, head, logits, 0);
    }

    /** A layer's matrices as the matmul kernel reads them. */
    record LayerMatrices(PackedMatrix q, PackedMatrix k, PackedMatrix v, PackedMatrix o, PackedMatrix gate,
                         PackedMatrix up, PackedMatrix down) {
        /** Views of the weights themselves: for training, whose weights change every step. */
        static LayerMatrices views(Layer l) {
            return new LayerMatrices(l.q().view(), l.k().view(), l.v().view(), l.o().view(), l.gate().view(),
                    l.up().view(), l.down().view());
        }

        /** Packed copies: for decoding, which multiplies few rows many times by weights that do not change. */
        static LayerMatrices packed(Layer l) {
            return new LayerMatrices(l.q().packed(), l.k().packed(), l.v().packed(), l.o().packed(),
                    l.gate().packed(), l.up().packed(), l.down().packed());
        }
    }

    /** Rows of the LM head computed at once: bounds the [rows, V] logits buffer to about 16 MB. */
    int logitChunkRows() {
        return Math.max(1, Math.min(256, (4 << 20) / config.vocabSize()));
    }

    /**
     * Runs the model over a batch of variable-length sequences (packed, no padding). See {@link ForwardResult} for
     * what comes back; with {@code options.forBackward()} the activations are kept for {@link #backward}.
     */
    public ForwardResult forward(List<int[]> sequences, ForwardOptions options) {
        if (options.values() && valueHead == null) {
            throw new IllegalStateException("forward asked for values but the model has no value head");
        }
        if (options.scores() && scoreHead == null) {
            throw new IllegalStateException("forward asked for scores but the model has no score head");
        }
        if ((options.logProbs() || options.entropy()) && lmHead == null) {
            throw new IllegalStateException("forward asked for log-probs or entropy but the model has no LM head");
        }
        Batch batch = Batch.pack(sequences, config.vocabSize());
        int n = batch.rows();
        int c = config.hiddenSize();
        boolean keepAll = options.forBackward() && !options.recompute();

        float[] x = new float[n * c];
        embed(n, batch.tokens(), x);
        Activations[] kept = keepAll ? new Activations[layers.length] : null;
        float[] sharedAct = keepAll ? new float[n * config.intermediateSize()] : null;
        float[][] layerInputs = options.forBackward() && options.recompute() ? new float[layers.length][] : null;
        Activations reused = null;
        for (int l = 0; l < layers.length; l++) {
            Activations a;
            if (keepAll) {
                a = kept[l] = new Activations(config, n, sharedAct);
            } else {
                // One set of buffers for all layers: the output is copied out, as it is the next layer's input.
                a = reused == null ? (reused = new Activations(config, n)) : reused;
            }
            if (layerInputs != null) {
                layerInputs[l] = x;
            }
            layerForward(layers[l], LayerMatrices.views(layers[l]), n, batch.positions(), batch.blocks(),
                    KvBlocks.ONE_BLOCK, x, a, a.k, a.v);
            if (keepAll) {
                x = a.output;
            } else if (layerInputs != null) {
                x = a.output.clone();   // recompute keeps every layer's input
            } else {
                System.arraycopy(a.output, 0, x, 0, n * c);   // inference: one buffer carries the residual stream
            }
        }
        float[] finalInput = x;
        float[] finalRstd = new float[n];
        float[] hidden = new float[n * c];
        finalNorm(n, finalInput, hidden, finalRstd);

        int b = sequences.size();
        float[][] logProbs = null;
        float[][] entropy = null;
        float[][] meanLogProbs = null;
        float[] rowLse = null;
        float[] rowEntropy = null;
        if (options.logProbs() || options.entropy() || options.meanLogProbs()) {
            rowLse = new float[n];
            rowEntropy = new float[n];
            logProbs = new float[b][];
            entropy = options.entropy() ? new float[b][] : null;
            meanLogProbs = options.meanLogProbs() ? new float[b][] : null;
            for (int s = 0; s < b; s++) {
                logProbs[s] = new float[batch.lengths()[s] - 1];
                if (entropy != null) {
                    entropy[s] = new float[batch.lengths()[s] - 1];
                }
                if (meanLogProbs != null) {
                    meanLogProbs[s] = new float[batch.lengths()[s] - 1];
                }
            }
            headStatistics(batch, hidden, 1f / options.temperature(), rowLse, rowEntropy, logProbs, entropy,
                    meanLogProbs);
            if (!options.logProbs()) {
                logProbs = null;
            }
        }
        float[][] values = null;
        if (options.values()) {
            values = new float[b][];
            for (int s = 0; s < b; s++) {
                values[s] = new float[batch.lengths()[s]];
                for (int t = 0; t < values[s].length; t++) {
                    values[s][t] = VectorOps.dot(hidden, (batch.starts()[s] + t) * c, valueHead.data, 0, c)
                            + valueHeadBias.data[0];
                }
            }
        }
        float[][] scores = null;
        if (options.scores()) {
            scores = new float[b][];
            float bias = scoreBias == null ? 0f : scoreBias.data[0];
            for (int s = 0; s < b; s++) {
                scores[s] = new float[batch.lengths()[s]];
                for (int t = 0; t < scores[s].length; t++) {
                    scores[s][t] = VectorOps.dot(hidden, (batch.starts()[s] + t) * c, scoreHead.data, 0, c) + bias;
                }
            }
        }
        boolean keep = options.forBackward();
        return new ForwardResult(this, sequences, batch, options, logProbs, entropy, values, scores, meanLogProbs,
                kept, layerInputs, keep ? finalInput : null, keep ? finalRstd : null, keep ? hidden : null,
                rowLse, rowEntropy);
    }

    /** Rows that predict a next token: all but the last of each sequence, in packed order. */
    private static int[] targetRows(Batch batch) {
        int count = batch.rows() - batch.starts().length;
        int[] rows = new int[count];
        int i = 0;
        for (int s = 0; s < batch.starts().length; s++) {
            for (int t = 0; t < batch.lengths()[s] - 1; t++) {
                rows[i++] = batch.starts()[s] + t;
            }
        }
        return rows;
    }

    /**
     * LM head in chunks of rows (never all [N, V] logits at once): per-row lse, entropy, target log-prob and, when
     * asked, the mean log-prob over the vocabulary, (1/V)·Σ_j (z_j/T − lse) = (Σ_j z_j)/(V·T) − lse.
     */
    private void headStatistics(Batch batch, float[] hidden, float invTemperature, float[] rowLse,
                                float[] rowEntropy, float[][] logProbs, float[][] entropy, float[][] meanLogProbs) {
        int c = config.hiddenSize();
        int vocab = config.vocabSize();
        int[] rows = targetRows(batch);
        int[] sequenceOf = new int[batch.rows()];
        for (int s = 0; s < batch.starts().length; s++) {
            Arrays.fill(sequenceOf, batch.starts()[s], batch.starts()[s] + batch.lengths()[s], s);
        }
        int chunk = logitChunkRows();
        float[] gathered = new float[chunk * c];
        float[] logits = new float[chunk * vocab];
        for (int first = 0; first < rows.length; first += chunk) {
            int count = Math.min(chunk, rows.length - first);
            int firstRow = first;
            for (int i = 0; i < count; i++) {
                System.arraycopy(hidden, rows[first + i] * c, gathered, i * c, c);
            }
            logits(gathered, 0, count, logits);
            Parallel.forRange(0, count, i -> {
                int row = rows[firstRow + i];
                float[] stats = new float[2];
                Ops.logSoftmaxStats(logits, i * vocab, vocab, invTemperature, stats);
                rowLse[row] = stats[0];
                rowEntropy[row] = stats[1];
                int s = sequenceOf[row];
                int t = row - batch.starts()[s];
                logProbs[s][t] = Ops.logProb(logits, i * vocab, batch.tokens()[row + 1], invTemperature, stats[0]);
                if (entropy != null) {
                    entropy[s][t] = stats[1];
                }
                if (meanLogProbs != null) {
                    meanLogProbs[s][t] = VectorOps.sum(logits, i * vocab, vocab) * invTemperature / vocab - stats[0];
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------ backward

    /** {@link #backward(ForwardResult, float[][], float[][], float[][], float[][])} without a score-head gradient. */
    public void backward(ForwardResult fwd, float[][] gradLogProbs, float[][] gradEntropy, float[][] gradValues) {
        backward(fwd, gradLogProbs, gradEntropy, gradValues, null);
    }

    /**
     * Accumulates into every parameter's grad the gradient of
     * loss = Σ gradLogProbs·logProbs + Σ gradEntropy·entropy + Σ gradValues·values + Σ gradScores·scores,
     * given those partial derivatives (each may be null; shapes as in {@link ForwardResult}).
     */
    public void backward(ForwardResult fwd, float[][] gradLogProbs, float[][] gradEntropy, float[][] gradValues,
                         float[][] gradScores) {
        if (fwd.model != this) {
            throw new IllegalArgumentException("backward: the forward result belongs to another model");
        }
        if (!fwd.options.forBackward()) {
            throw new IllegalArgumentException("backward: forward ran without forBackward, no activations kept");
        }
        if (gradEntropy != null && fwd.entropy == null) {
            throw new IllegalArgumentException("backward: gradEntropy given but forward did not compute entropy");
        }
        if (gradLogProbs != null && fwd.logProbs == null) {
            throw new IllegalArgumentException("backward: gradLogProbs given but forward did not compute log-probs");
        }
        if (gradValues != null && fwd.values == null) {
            throw new IllegalArgumentException("backward: gradValues given but forward did not compute values");
        }
        if (gradScores != null && fwd.scores == null) {
            throw new IllegalArgumentException("backward: gradScores given but forward did not compute scores");
        }
        for (Weight w : weights()) {
            w.requireFloat32();
            w.grad();
        }
        Batch batch = fwd.batch;
        int n = batch.rows();
        int c = config.hiddenSize();
        float[] dHidden = new float[n * c];

        if (gradLogProbs != null || gradEntropy != null) {
            headBackward(fwd, gradLogProbs, gradEntropy, dHidden);
        }
        if (gradValues != null) {
            for (int s = 0; s < batch.starts().length; s++) {
                requireLength("gradValues", s, gradValues[s], batch.lengths()[s]);
                for (int t = 0; t < batch.lengths()[s]; t++) {
                    int row = batch.starts()[s] + t;
                    float g = gradValues[s][t];
                    VectorOps.axpy(g, valueHead.data, 0, dHidden, row * c, c);
                    VectorOps.axpy(g, fwd.hidden, row * c, valueHead.grad, 0, c);
                    valueHeadBias.grad[0] += g;
                }
            }
        }
        if (gradScores != null) {
            for (int s = 0; s < batch.starts().length; s++) {
                requireLength("gradScores", s, gradScores[s], batch.lengths()[s]);
                for (int t = 0; t < batch.lengths()[s]; t++) {
                    float g = gradScores[s][t];
                    if (g == 0f) {
                        continue;   // a sequence classifier's loss reads one token per sequence
                    }
                    int row = batch.starts()[s] + t;
                    VectorOps.axpy(g, scoreHead.data, 0, dHidden, row * c, c);
                    VectorOps.axpy(g, fwd.hidden, row * c, scoreHead.grad, 0, c);
                    if (scoreBias != null) {
                        scoreBias.grad[0] += g;
                    }
                }
            }
        }

        // Final norm.
        float[] dx = new float[n * c];
        rmsNormBackward(finalNorm, n, dHidden, fwd.finalInput, fwd.finalRstd, dx);

        // Layers, last to first.
        Activations recomputed = fwd.activations == null ? new Activations(config, n) : null;
        for (int l = layers.length - 1; l >= 0; l--) {
            Activations a;
            if (fwd.activations != null) {
                a = fwd.activations[l];
            } else {
                a = recomputed;
                layerForward(layers[l], LayerMatrices.views(layers[l]), n, batch.positions(), batch.blocks(),
                        KvBlocks.ONE_BLOCK, fwd.layerInputs[l], a, a.k, a.v);
            }
            layerBackward(layers[l], batch, a, dx);
        }

        // Embedding: rows with the same token add into the same gradient row, so this runs in row order.
        float[] dEmbed = embedTokens.grad;
        for (int r = 0; r < n; r++) {
            VectorOps.axpy(1f, dx, r * c, dEmbed, batch.tokens()[r] * c, c);
        }
    }

    private static void requireLength(String what, int s, float[] array, int expected) {
        if (array == null || array.length != expected) {
            throw new IllegalArgumentException("backward: " + what + "[" + s + "] must have length " + expected
                    + ", got " + (array == null ? "null" : array.length));
        }
    }

    /** Backward through the LM head, chunk by chunk, recomputing the logits; only rows with a non-zero gradient. */
    private void headBackward(ForwardResult fwd, float[][] gradLogProbs, float[][] gradEntropy, float[] dHidden) {
        Batch batch = fwd.batch;
        int c = config.hiddenSize();
        int vocab = config.vocabSize();
        float invTemperature = 1f / fwd.options.temperature();
        int[] rows = new int[batch.rows()];
        float[] gLogProb = new float[batch.rows()];
        float[] gEntropy = new float[batch.rows()];
        int count = 0;
        for (int s = 0; s < batch.starts().length; s++) {
            int targets = batch.lengths()[s] - 1;
            if (gradLogProbs != null) {
                requireLength("gradLogProbs", s, gradLogProbs[s], targets);
            }
            if (gradEntropy != null) {
                requireLength("gradEntropy", s, gradEntropy[s], targets);
            }
            for (int t = 0; t < targets; t++) {
                float gl = gradLogProbs == null ? 0f : gradLogProbs[s][t];
                float ge = gradEntropy == null ? 0f : gradEntropy[s][t];
                if (gl != 0f || ge != 0f) {
                    rows[count] = batch.starts()[s] + t;
                    gLogProb[count] = gl;
                    gEntropy[count] = ge;
                    count++;
                }
            }
        }
        int chunk = logitChunkRows();
        float[] gathered = new float[chunk * c];
        float[] dGathered = new float[chunk * c];
        float[] logits = new float[chunk * vocab];
        for (int first = 0; first < count; first += chunk) {
            int m = Math.min(chunk, count - first);
            int firstIndex = first;
            for (int i = 0; i < m; i++) {
                System.arraycopy(fwd.hidden, rows[first + i] * c, gathered, i * c, c);
            }
            logits(gathered, 0, m, logits);
            Parallel.forRange(0, m, i -> {
                int row = rows[firstIndex + i];
                Ops.logSoftmaxBackward(logits, i * vocab, vocab, invTemperature, fwd.rowLse[row], fwd.rowEntropy[row],
                        batch.tokens()[row + 1], gLogProb[firstIndex + i], gEntropy[firstIndex + i]);
            });
            Arrays.fill(dGathered, 0f);
            lmHead.backwardInput(logits, 0, m, dGathered, 0);
            lmHead.backwardWeight(logits, 0, gathered, 0, m);
            for (int i = 0; i < m; i++) {
                VectorOps.axpy(1f, dGathered, i * c, dHidden, rows[first + i] * c, c);
            }
        }
    }

    /** dx += RMSNorm backward of n rows of width weight.size(); weight.grad accumulates (in row order). */
    private void rmsNormBackward(Weight weight, int n, float[] dy, float[] x, float[] rstd, float[] dx) {
        int width = weight.size();
        Parallel.forRange(0, n, r -> Ops.rmsNormBackward(dy, r * width, x, r * width, weight.data, 0, rstd[r], dx,
                r * width, width));
        for (int r = 0; r < n; r++) {
            Ops.rmsNormWeightGrad(dy, r * width, x, r * width, rstd[r], weight.grad, 0, width);
        }
    }

    /** Backward of one layer: dx holds dLoss/d(output) on entry and dLoss/d(input) on return. */
    private void layerBackward(Layer layer, Batch batch, Activations a, float[] dx) {
        int n = batch.rows();
        int c = config.hiddenSize();
        int d = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int qDim = config.qDim();
        int kvDim = config.kvDim();
        int inter = config.intermediateSize();

        // MLP: output = mid + down(silu(gate(ln2)) · up(ln2)); dx is also d(mid) through the residual.
        float[] dAct = new float[n * inter];
        layer.down.backwardInput(dx, 0, n, dAct, 0);
        Parallel.forRange(0, n, r -> VectorOps.swiglu(a.gate, r * inter, a.up, r * inter, a.act, r * inter, inter));
        layer.down.backwardWeight(dx, 0, a.act, 0, n);
        float[] dGate = new float[n * inter];
        float[] dUp = new float[n * inter];
        Parallel.forRange(0, n, r -> Ops.swigluBackward(dAct, a.gate, a.up, dGate, dUp, r * inter, inter));
        float[] dLn2 = new float[n * c];
        layer.gate.backwardInput(dGate, 0, n, dLn2, 0);
        layer.up.backwardInput(dUp, 0, n, dLn2, 0);
        layer.gate.backwardWeight(dGate, 0, a.ln2, 0, n);
        layer.up.backwardWeight(dUp, 0, a.ln2, 0, n);
        rmsNormBackward(layer.postNorm, n, dLn2, a.mid, a.rstd2, dx);

        // Attention: mid = input + o(attention(rope(norm(q)), rope(norm(k)), v)).
        float[] dAttOut = new float[n * qDim];
        layer.o.backwardInput(dx, 0, n, dAttOut, 0);
        layer.o.backwardWeight(dx, 0, a.attOut, 0, n);
        float[] dq = new float[n * qDim];
        float[] dk = new float[n * kvDim];
        float[] dv = new float[n * kvDim];
        float scale = (float) (1.0 / Math.sqrt(d));
        int group = heads / kvHeads;
        int sequences = batch.starts().length;
        // One task per (sequence, kv head): it alone writes that head's dk/dv rows and its query heads' dq rows.
        Parallel.forRange(0, sequences * kvHeads, task -> {
            int s = task / kvHeads;
            int g = task % kvHeads;
            int length = batch.lengths()[s];
            int block = Math.min(length, Ops.BACKWARD_QUERY_BLOCK) * length;
            Ops.attentionBackward(a.q, a.attOut, dAttOut, dq, qDim, a.k, a.v, dk, dv, kvDim, g * d,
                    batch.starts()[s], length, g * group, (g + 1) * group, d, scale, a.lse, heads,
                    scratch(0, block), scratch(1, block));
        });

        // RoPE and q/k-norm backward, per row.
        float[] dqRaw = layer.qNorm != null ? new float[n * qDim] : dq;
        float[] dkRaw = layer.kNorm != null ? new float[n * kvDim] : dk;
        Parallel.forRange(0, n, r -> {
            Rope.Angles angles = rope.angles(batch.positions()[r]);
            int angleOff = batch.positions()[r] * (d / 2);
            for (int h = 0; h < heads; h++) {
                Ops.rope(dq, r * qDim + h * d, d, angles.cos(), angles.sin(), angleOff, -1f);
            }
            for (int h = 0; h < kvHeads; h++) {
                Ops.rope(dk, r * kvDim + h * d, d, angles.cos(), angles.sin(), angleOff, -1f);
            }
            if (layer.qNorm != null) {
                for (int h = 0; h < heads; h++) {
                    int off = r * qDim + h * d;
                    Ops.rmsNormBackward(dq, off, a.qRaw, off, layer.qNorm.data, 0, a.qRstd[r * heads + h],
                            dqRaw, off, d);
                }
                for (int h = 0; h < kvHeads; h++) {
                    int off = r * kvDim + h * d;
                    Ops.rmsNormBackward(dk, off, a.kRaw, off, layer.kNorm.data, 0, a.kRstd[r * kvHeads + h],
                            dkRaw, off, d);
                }
            }
        });
        if (layer.qNorm != null) {
            for (int r = 0; r < n; r++) {
                for (int h = 0; h < heads; h++) {
                    int off = r * qDim + h * d;
                    Ops.rmsNormWeightGrad(dq, off, a.qRaw, off, a.qRstd[r * heads + h], layer.qNorm.grad, 0, d);
                }
                for (int h = 0; h < kvHeads; h++) {
                    int off = r * kvDim + h * d;
                    Ops.rmsNormWeightGrad(dk, off, a.kRaw, off, a.kRstd[r * kvHeads + h], layer.kNorm.grad, 0, d);
                }
            }
        }
        if (layer.qBias != null) {
            for (int r = 0; r < n; r++) {
                VectorOps.axpy(1f, dqRaw, r * qDim, layer.qBias.grad, 0, qDim);
                VectorOps.axpy(1f, dkRaw, r * kvDim, layer.kBias.grad, 0, kvDim);
                VectorOps.axpy(1f, dv, r * kvDim, layer.vBias.grad, 0, kvDim);
            }
        }
        float[] dLn1 = new float[n * c];
        layer.q.backwardInput(dqRaw, 0, n, dLn1, 0);
        layer.k.backwardInput(dkRaw, 0, n, dLn1, 0);
        layer.v.backwardInput(dv, 0, n, dLn1, 0);
        layer.q.backwardWeight(dqRaw, 0, a.ln1, 0, n);
        layer.k.backwardWeight(dkRaw, 0, a.ln1, 0, n);
        layer.v.backwardWeight(dv, 0, a.ln1, 0, n);
        rmsNormBackward(layer.inputNorm, n, dLn1, a.input, a.rstd1, dx);
    }
}
