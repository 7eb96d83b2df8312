package dev.reason4j.model;

import dev.reason4j.safetensors.DType;
import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.Blas;
import dev.reason4j.tensor.PackedMatrix;


import java.util.Arrays;

/**
 * One named weight tensor in HF layout (a linear layer's weight is [out, in]). Values are held in float32
 * ({@link #data}) or, for inference-only models, in bfloat16 ({@link #bf16}); the float32 gradient is allocated when
 * training needs it. Forward products go through {@link BatchInvariantMatmul}, backward ones through {@link Blas#sgemm}.
 */
final class Weight {
    final String name;
    final int[] shape;
    float[] data;
    short[] bf16;
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
        if (data != null) {
            return data;
        }
        float[] values = new float[bf16.length];
        widen(bf16, 0, values, 0, values.length);
        return values;
    }

    /** Holds the values in bf16 from now on (round to nearest even), dropping the float32 copy. */
    void convertToBf16() {
        if (bf16 == null) {
            bf16 = new short[data.length];
            for (int i = 0; i < data.length; i++) {
                bf16[i] = DType.toBfloat16(data[i]);
            }
            data = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ products

    /**
     * out[n, rows] = x[n, cols] · Wᵀ: a linear layer without bias. Always the batch-invariant kernel (float32 or
     * bf16 weights), so a row's output has the same bits however many rows are multiplied with it: sampling and the
     * training forward agree exactly. Backward products have no such need and go through {@link Blas#sgemm}.
     */
    void matmulTransposed(float[] x, int xOff, int n, float[] out, int outOff) {
        BatchInvariantMatmul.multiply(x, xOff, n, view(), out, outOff);
    }

    /** The values as the forward's kernel reads them, without a copy (packed panel by panel on use). */
    PackedMatrix view() {
        return data != null ? PackedMatrix.view(data, rows(), cols()) : PackedMatrix.view(bf16, rows(), cols());
    }

    /** A packed copy of the values, for many products with few rows (decoding). */
    PackedMatrix packed() {
        return data != null ? PackedMatrix.pack(data, rows(), cols()) : PackedMatrix.pack(bf16, rows(), cols());
    }

    /** dx[n, cols] += dy[n, rows] · W (backward of a linear layer to its input). */
    void backwardInput(float[] dy, int dyOff, int n, float[] dx, int dxOff) {
        requireFloat32();
        Blas.sgemm(false, false, n, cols(), rows(), 1f, dy, dyOff, rows(), data, 0, cols(), 1f, dx, dxOff, cols());
    }

    /** dW[rows, cols] += dy[n, rows]ᵀ · x[n, cols] (backward of a linear layer to its weight). */
    void backwardWeight(float[] dy, int dyOff, float[] x, int xOff, int n) {
        Blas.sgemm(true, false, rows(), cols(), n, 1f, dy, dyOff, rows(), x, xOff, cols(), 1f, grad(), 0, cols());
    }

    /** bf16 bits → float32 (exact: bf16 is the upper half of a float32). */
    static void widen(short[] bits, int bitsOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = DType.fromBfloat16(bits[bitsOff + i]);
        }
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
