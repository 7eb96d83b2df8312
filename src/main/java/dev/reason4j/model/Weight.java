package dev.reason4j.model;

import dev.reason4j.safetensors.DType;
import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.PackedMatrix;


import java.util.Arrays;

/**
 * One named weight tensor in HF layout (a linear layer's weight is [out, in]). Values are held in float32
 * ({@link #data}) or, for inference-only models, in bfloat16 ({@link #bf16}); the float32 gradient is allocated when
 * training needs it. Every product goes through {@link BatchInvariantMatmul}: the forward's through
 * {@code multiply}, the backward's through {@code multiplyAdd} on transposed views.
 */
final class Weight {
    final String name;
    final int[] shape;
    float[] data;
    /**
     * The values in bfloat16 (inference only), held in the layout the forward's kernel reads, so the rollout engine
     * multiplies by them in place and a bf16 model takes its size once, not twice.
     */
    PackedMatrix bf16;
    float[] grad;

    /** A weight without values yet (create, load or copy gives them). */
    Weight(String name, int... shape) {
        this.name = name;
        this.shape = shape.clone();
    }

    int size() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    int rows() {
        return shape[0];
    }

    int cols() {
        return shape.length == 1 ? 1 : shape[1];
    }

    boolean isBf16() {
        return bf16 != null;
    }

    float[] grad() {
        if (grad == null) {
            grad = new float[size()];
        }
        return grad;
    }

    /** Float32 values (converting from bf16 if that is how they are held). */
    float[] toFloat() {
        return data != null ? data : bf16.toFloats();
    }

    /** Holds these bf16 bits (row-major, as in a checkpoint) from now on, packed. */
    void holdBf16(short[] bits) {
        bf16 = PackedMatrix.pack(bits, rows(), cols());
        data = null;
    }

    /** Holds the values in bf16 from now on (round to nearest even), dropping the float32 copy. */
    void convertToBf16() {
        if (bf16 == null) {
            short[] bits = new short[data.length];
            for (int i = 0; i < data.length; i++) {
                bits[i] = DType.toBfloat16(data[i]);
            }
            holdBf16(bits);
        }
    }

    /** The values as the forward's kernel reads them, without a copy (float32: packed panel by panel on use). */
    PackedMatrix view() {
        return data != null ? PackedMatrix.view(data, rows(), cols()) : bf16;
    }

    /** The values packed, for many products with few rows (decoding): a copy of float32 values, bf16 as held. */
    PackedMatrix packed() {
        return data != null ? PackedMatrix.pack(data, rows(), cols()) : bf16;
    }

    /** dx[n, cols] += dy[n, rows] · W (backward of a linear layer to its input). */
    void backwardInput(float[] dy, int dyOff, int n, float[] dx, int dxOff) {
        requireFloat32();
        BatchInvariantMatmul.multiplyAdd(dy, dyOff, rows(), 1, n,
                PackedMatrix.transposedView(data, 0, cols(), rows(), cols()), dx, dxOff, cols());
    }

    /** dW[rows, cols] += dy[n, rows]ᵀ · x[n, cols] (backward of a linear layer to its weight). */
    void backwardWeight(float[] dy, int dyOff, float[] x, int xOff, int n) {
        // dW[i][j] = Σ_t dy[t][i] · x[t][j]: A = dyᵀ (row stride 1, column stride rows), W' = xᵀ.
        BatchInvariantMatmul.multiplyAdd(dy, dyOff, 1, rows(), rows(),
                PackedMatrix.transposedView(x, xOff, cols(), n, cols()), grad(), 0, cols());
    }

    void requireFloat32() {
        if (data == null) {
            throw new IllegalStateException("weight " + name + " is held in bf16 (inference only); "
                    + "load the model in float32 to train it");
        }
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
