package dev.reason4j.model;

import java.util.Arrays;

/**
 * Incremental inference with a KV cache: a fixed set of slots (one per sequence being generated), each with room
 * for {@code capacity[slot]} positions, and buffers for up to {@code maxRows} rows per call, all allocated once.
 * Rows run through exactly the same {@link Transformer#layerForward} as training, only the K/V store differs.
 */
public final class InferenceSession {
    private final Transformer model;
    private final int maxRows;
    private final int[] slotStart;
    private final int[] slotCapacity;
    private final float[][] keys;        // per layer [Σ capacity, kvDim]
    private final float[][] values;
    private final Transformer.Activations activations;
    private final float[] x;
    private final float[] hidden;
    private final float[] rstd;
    private final float[] gathered;
    private final int[] kvBase;

    InferenceSession(Transformer model, int maxRows, int[] capacity) {
        ModelConfig config = model.config;
        this.model = model;
        this.maxRows = maxRows;
        this.slotCapacity = capacity.clone();
        this.slotStart = new int[capacity.length];
        long total = 0;
        for (int s = 0; s < capacity.length; s++) {
            slotStart[s] = (int) total;
            total += capacity[s];
        }
        if (total * config.kvDim() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache of " + total + " positions is too large for one array per "
                    + "layer; generate fewer sequences at once");
        }
        keys = new float[config.numLayers()][(int) total * config.kvDim()];
        values = new float[config.numLayers()][(int) total * config.kvDim()];
        activations = new Transformer.Activations(config, maxRows);
        x = new float[maxRows * config.hiddenSize()];
        hidden = new float[maxRows * config.hiddenSize()];
        rstd = new float[maxRows];
        gathered = new float[maxRows * config.hiddenSize()];
        kvBase = new int[maxRows];
    }

    public int maxRows() {
        return maxRows;
    }

    /**
     * Runs n rows (n ≤ maxRows): row r is token {@code tokens[r]} at {@code positions[r]} of slot {@code slots[r]}.
     * Writes their keys/values into the cache and leaves the final-norm hidden states for {@link #logits}. Rows of
     * one slot must come in position order, and every earlier position of the slot must already be cached.
     */
    public void forward(int n, int[] tokens, int[] slots, int[] positions) {
        if (n > maxRows) {
            throw new IllegalArgumentException("forward of " + n + " rows exceeds the session's maxRows " + maxRows);
        }
        int c = model.config.hiddenSize();
        for (int r = 0; r < n; r++) {
            if (positions[r] < 0 || positions[r] >= slotCapacity[slots[r]]) {
                throw new IllegalArgumentException("position " + positions[r] + " is outside slot " + slots[r]
                        + "'s capacity " + slotCapacity[slots[r]]);
            }
            if (tokens[r] < 0 || tokens[r] >= model.config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[r] + " is outside the vocabulary");
            }
            kvBase[r] = slotStart[slots[r]];
        }
        model.embed(n, tokens, x);
        for (int l = 0; l < model.layers.length; l++) {
            model.layerForward(model.layers[l], n, positions, kvBase, x, activations, keys[l], values[l]);
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
        model.logits(gathered, 0, count, logits);
    }

    /** Copies the first {@code length} cached positions of one slot into another (n samples share a prefill). */
    public void copyPrefix(int fromSlot, int toSlot, int length) {
        int kvDim = model.config.kvDim();
        if (length > slotCapacity[toSlot]) {
            throw new IllegalArgumentException("prefix of " + length + " does not fit slot " + toSlot);
        }
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], slotStart[fromSlot] * kvDim, keys[l], slotStart[toSlot] * kvDim, length * kvDim);
            System.arraycopy(values[l], slotStart[fromSlot] * kvDim, values[l], slotStart[toSlot] * kvDim,
                    length * kvDim);
        }
    }

    @Override
    public String toString() {
        return "InferenceSession(slots=" + Arrays.toString(slotCapacity) + ", maxRows=" + maxRows + ")";
    }
}
