package dev.reason4j.model;

import dev.reason4j.tensor.PackedMatrix;

import java.util.Arrays;

/**
 * Incremental inference with a paged KV cache (Kwon et al. 2023, "PagedAttention"): keys and values live in blocks
 * of {@link #BLOCK_SIZE} positions, and each sequence has a block table listing the store row of each of its
 * blocks, so sequences grow, share a prefix (one block referenced by several tables) and leave without copying or
 * fragmenting. Rows run through exactly the same {@link Transformer#layerForward} and kernels as training; only the
 * K/V store differs, and the kernels do not care where a value is stored. The weight matrices are packed once when
 * the session is made ({@link #repack}), as decoding multiplies few rows by them many times.
 *
 * <p>Not thread-safe: one scheduler drives it ({@code rollout.Generator}).
 */
public final class InferenceSession {
    /** log2 of the positions per KV block. */
    public static final int BLOCK_SHIFT = 4;
    public static final int BLOCK_SIZE = 1 << BLOCK_SHIFT;

    private final Transformer model;
    private final int maxRows;
    private final int maxBlocks;
    private Transformer.LayerMatrices[] matrices;
    private PackedMatrix lmHead;
    private int allocatedBlocks;
    private float[][] keys;        // per layer [allocatedBlocks · BLOCK_SIZE, kvDim]
    private float[][] values;
    private final Transformer.Activations activations;
    private final float[] x;
    private final float[] hidden;
    private final float[] rstd;
    private final float[] gathered;

    InferenceSession(Transformer model, int maxRows, int maxBlocks) {
        ModelConfig config = model.config;
        if (maxRows < 1 || maxBlocks < 1) {
            throw new IllegalArgumentException("an inference session needs maxRows ≥ 1 and maxBlocks ≥ 1, got "
                    + maxRows + " and " + maxBlocks);
        }
        if ((long) maxBlocks * BLOCK_SIZE * config.kvDim() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a KV cache of " + maxBlocks + " blocks is too large for one array "
                    + "per layer; give it a smaller budget");
        }
        this.model = model;
        this.maxRows = maxRows;
        this.maxBlocks = maxBlocks;
        keys = new float[config.numLayers()][0];
        values = new float[config.numLayers()][0];
        activations = new Transformer.Activations(config, maxRows);
        x = new float[maxRows * config.hiddenSize()];
        hidden = new float[maxRows * config.hiddenSize()];
        rstd = new float[maxRows];
        gathered = new float[maxRows * config.hiddenSize()];
        repack();
    }

    /** Packs the model's weights as they are now: call after they change (a training step, a weight sync). */
    public void repack() {
        Transformer.LayerMatrices[] packed = new Transformer.LayerMatrices[model.layers.length];
        for (int l = 0; l < packed.length; l++) {
            packed[l] = Transformer.LayerMatrices.packed(model.layers[l]);
        }
        matrices = packed;
        lmHead = model.lmHead.packed();
    }

    public int maxRows() {
        return maxRows;
    }

    /** The budget: block ids are below this. */
    public int maxBlocks() {
        return maxBlocks;
    }

    /** Blocks that hold {@code positions} positions. */
    public static int blocksFor(int positions) {
        return (positions + BLOCK_SIZE - 1) >> BLOCK_SHIFT;
    }

    /** The store row of a block's first position: what block tables hold. */
    public static int blockRow(int block) {
        return block << BLOCK_SHIFT;
    }

    /** Bytes of KV cache per block (keys and values, all layers). */
    public static long bytesPerBlock(ModelConfig config) {
        return 2L * 4 * config.numLayers() * config.kvDim() * BLOCK_SIZE;
    }

    /** Makes room for block ids below {@code blocks} (≤ {@link #maxBlocks}), growing the storage geometrically. */
    public void ensureBlocks(int blocks) {
        if (blocks > maxBlocks) {
            throw new IllegalArgumentException(blocks + " KV blocks exceed the session's budget of " + maxBlocks);
        }
        if (blocks <= allocatedBlocks) {
            return;
        }
        int grown = (int) Math.min(maxBlocks, Math.max(blocks, 2L * allocatedBlocks));
        int floats = grown * BLOCK_SIZE * model.config.kvDim();
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], floats);
            values[l] = Arrays.copyOf(values[l], floats);
        }
        allocatedBlocks = grown;
    }

    /**
     * Runs n rows (n ≤ maxRows): row r is token {@code tokens[r]} at {@code positions[r]} of the sequence whose block
     * table is {@code tables[r]} ({@link #blockRow} of each block). Writes their keys/values into the cache and leaves
     * the final-norm hidden states for {@link #logits}. Rows of one sequence must come in position order, and every
     * earlier position of the sequence must already be cached (or come earlier in this call).
     */
    public void forward(int n, int[] tokens, int[] positions, int[][] tables) {
        if (n > maxRows) {
            throw new IllegalArgumentException("forward of " + n + " rows exceeds the session's maxRows " + maxRows);
        }
        int c = model.config.hiddenSize();
        for (int r = 0; r < n; r++) {
            int block = positions[r] >> BLOCK_SHIFT;
            if (positions[r] < 0 || block >= tables[r].length
                    || tables[r][block] < 0 || tables[r][block] >= blockRow(allocatedBlocks)) {
                throw new IllegalArgumentException("position " + positions[r] + " of row " + r
                        + " has no allocated block in its table");
            }
            if (tokens[r] < 0 || tokens[r] >= model.config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary");
            }
        }
        model.embed(n, tokens, x);
        for (int l = 0; l < model.layers.length; l++) {
            model.layerForward(model.layers[l], matrices[l], n, positions, tables, BLOCK_SHIFT, x, activations,
                    keys[l], values[l]);
            System.arraycopy(activations.output, 0, x, 0, n * c);
        }
        model.finalNorm(n, x, hidden, rstd);
    }

    /** logits[count, V] of rows rows[first .. first+count) of the last {@link #forward}. */
    public void logits(int[] rows, int first, int count, float[] logits) {
        int c = model.config.hiddenSize();
        for (int i = 0; i < count; i++) {
            System.arraycopy(hidden, rows[first + i] * c, gathered, i * c, c);
        }
        model.logits(lmHead, gathered, 0, count, logits);
    }

    /** Copies the first {@code positions} cached positions of one block into another (a prefix's partial block). */
    public void copyBlock(int fromBlock, int toBlock, int positions) {
        int kvDim = model.config.kvDim();
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], blockRow(fromBlock) * kvDim, keys[l], blockRow(toBlock) * kvDim,
                    positions * kvDim);
            System.arraycopy(values[l], blockRow(fromBlock) * kvDim, values[l], blockRow(toBlock) * kvDim,
                    positions * kvDim);
        }
    }

    @Override
    public String toString() {
        return "InferenceSession(blocks=" + allocatedBlocks + "/" + maxBlocks + ", maxRows=" + maxRows + ")";
    }
}
