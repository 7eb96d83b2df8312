package dev.reason4j.model;

import dev.reason4j.safetensors.DType;
import dev.reason4j.tensor.Blas;
import dev.reason4j.tensor.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * One named weight tensor in HF layout (a linear layer's weight is [out, in]). Values are held in float32
 * ({@link #data}) or, for inference-only models, in bfloat16 ({@link #bf16}); the float32 gradient is allocated when
 * training needs it. Matrix products always go through {@link Blas#sgemm}.
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

    private static final int BF16_TILE_ROWS = 64;
    /** Up to this many rows, bf16 products widen weights in registers instead of tiles + sgemm. */
    private static final int BF16_DIRECT_ROWS = 4;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** Σ x[i]·w[i] with w in bf16: lanes widen short → int, shift into the upper half, reinterpret as float. */
    static float dotBf16(float[] x, int xOff, short[] w, int wOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector weights = ((IntVector) ShortVector.fromArray(S, w, wOff + i)
                    .convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            acc = FloatVector.fromArray(F, x, xOff + i).fma(weights, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[xOff + i] * DType.fromBfloat16(w[wOff + i]);
        }
        return sum;
    }
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[0]);

    /** out[n, rows] = x[n, cols] · Wᵀ (+ beta·out): a linear layer without bias. */
    void matmulTransposed(float[] x, int xOff, int n, float[] out, int outOff, float beta) {
        int rows = rows();
        int cols = cols();
        if (data != null) {
            Blas.sgemm(false, true, n, rows, cols, 1f, x, xOff, cols, data, 0, cols, beta, out, outOff, rows);
            return;
        }
        if (n <= BF16_DIRECT_ROWS) {
            // Decoding: memory-bound, so read each bf16 weight once and widen it in registers.
            int blocks = (rows + BF16_TILE_ROWS - 1) / BF16_TILE_ROWS;
            Parallel.forRange(0, blocks, block -> {
                for (int o = block * BF16_TILE_ROWS, end = Math.min(rows, o + BF16_TILE_ROWS); o < end; o++) {
                    for (int r = 0; r < n; r++) {
                        int outIndex = outOff + r * rows + o;
                        float dot = dotBf16(x, xOff + r * cols, bf16, o * cols, cols);
                        out[outIndex] = beta == 0f ? dot : dot + beta * out[outIndex];
                    }
                }
            });
            return;
        }
        // bf16: widen a tile of rows to float32, multiply, next tile. Tiles are independent (disjoint out columns).
        int tiles = (rows + BF16_TILE_ROWS - 1) / BF16_TILE_ROWS;
        Parallel.forRange(0, tiles, tile -> {
            int row0 = tile * BF16_TILE_ROWS;
            int tileRows = Math.min(BF16_TILE_ROWS, rows - row0);
            float[] scratch = TILE.get();
            if (scratch.length < tileRows * cols) {
                scratch = new float[BF16_TILE_ROWS * cols];
                TILE.set(scratch);
            }
            widen(bf16, row0 * cols, scratch, 0, tileRows * cols);
            Blas.sgemm(false, true, n, tileRows, cols, 1f, x, xOff, cols, scratch, 0, cols,
                    beta, out, outOff + row0, rows);
        });
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
