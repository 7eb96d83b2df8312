package dev.reason4j.tensor;

import dev.reason4j.safetensors.DType;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchInvariantMatmulTest {
    private static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    @Test
    void matchesFloat64Products() {
        for (int[] shape : new int[][]{{1, 1, 1}, {3, 7, 5}, {5, 17, 33}, {64, 45, 128}, {9, 100, 259}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            float[] x = random(m * k, 1);
            float[] w = random(n * k, 2);
            float[] out = new float[m * n];
            BatchInvariantMatmul.multiply(x, 0, m, PackedMatrix.view(w, n, k), out, 0);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = 0;
                    double magnitude = 0;
                    for (int p = 0; p < k; p++) {
                        expected += (double) x[i * k + p] * w[j * k + p];
                        magnitude += Math.abs((double) x[i * k + p] * w[j * k + p]);
                    }
                    assertEquals(expected, out[i * n + j], 1e-6 * magnitude + 1e-7, "m=" + m + " n=" + n + " k=" + k);
                }
            }
        }
    }

    /**
     * multiplyAdd, as the backward and attention call it: A read with any strides (a transpose), W a strided view or a
     * transposed view, out a slice of wider rows, added to what out holds.
     */
    @Test
    void multiplyAddMatchesFloat64WithStridesAndTransposes() {
        for (int[] shape : new int[][]{{1, 1, 1}, {3, 7, 5}, {6, 50, 33}, {130, 64, 300}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            for (boolean transposedA : new boolean[]{false, true}) {
                for (boolean transposedW : new boolean[]{false, true}) {
                    int ldA = (transposedA ? m : k) + 3;
                    float[] a = random(ldA * (transposedA ? k : m) + 2, 5);
                    int ldW = (transposedW ? n : k) + 1;
                    float[] w = random(ldW * (transposedW ? k : n) + 4, 6);
                    int ldOut = n + 5;
                    float[] out = random(ldOut * m + 1, 7);
                    float[] before = out.clone();
                    PackedMatrix view = transposedW ? PackedMatrix.transposedView(w, 4, ldW, k, n)
                            : PackedMatrix.view(w, 4, ldW, n, k);
                    BatchInvariantMatmul.multiplyAdd(a, 2, transposedA ? 1 : ldA, transposedA ? ldA : 1, m, view,
                            out, 1, ldOut);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < ldOut; j++) {
                            int o = 1 + i * ldOut + j;
                            if (j >= n) {
                                assertEquals(before[o], out[o], "m=" + m + ": outside the product is untouched");
                                continue;
                            }
                            double expected = before[o];
                            double magnitude = Math.abs(before[o]);
                            for (int p = 0; p < k; p++) {
                                double ai = a[2 + (transposedA ? i + p * ldA : i * ldA + p)];
                                double wj = w[4 + (transposedW ? j + p * ldW : j * ldW + p)];
                                expected += ai * wj;
                                magnitude += Math.abs(ai * wj);
                            }
                            assertEquals(expected, out[o], 1e-6 * magnitude + 1e-7,
                                    "m=" + m + " n=" + n + " k=" + k + " transposedA=" + transposedA
                                            + " transposedW=" + transposedW);
                        }
                    }
                }
            }
        }
    }

    /** Every row's bits are the same whatever rows are multiplied with it, where it sits, and how many there are. */
    @Test
    void aRowHasTheSameBitsInEveryBatch() {
        int n = 131, k = 300;   // two accumulation blocks along k, a partial last panel
        float[] w = random(n * k, 3);
        short[] wBf16 = new short[w.length];
        for (int i = 0; i < w.length; i++) {
            wBf16[i] = DType.toBfloat16(w[i]);
        }
        int rows = 70;
        float[] x = random(rows * k, 4);
        float[] all = new float[rows * n];
        float[] allBf16 = new float[rows * n];
        BatchInvariantMatmul.multiply(x, 0, rows, PackedMatrix.view(w, n, k), all, 0);
        BatchInvariantMatmul.multiply(x, 0, rows, PackedMatrix.pack(wBf16, n, k), allBf16, 0);
        // The packed copies (what decoding reads) give the same bits as the views (what training reads).
        PackedMatrix packed = PackedMatrix.pack(w, n, k);
        PackedMatrix packedBf16 = PackedMatrix.pack(wBf16, n, k);
        for (int batch = 1; batch <= 64; batch++) {
            for (int first = 0; first + batch <= rows; first += Math.max(1, batch / 2 + 3)) {
                float[] part = new float[batch * n + 5];
                BatchInvariantMatmul.multiply(x, first * k, batch, packed, part, 5);
                float[] partBf16 = new float[batch * n];
                BatchInvariantMatmul.multiply(x, first * k, batch, packedBf16, partBf16, 0);
                for (int i = 0; i < batch; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(Float.floatToIntBits(all[(first + i) * n + j]),
                                Float.floatToIntBits(part[5 + i * n + j]), "row " + (first + i) + " in a batch of " + batch);
                        assertEquals(Float.floatToIntBits(allBf16[(first + i) * n + j]),
                                Float.floatToIntBits(partBf16[i * n + j]), "bf16 row " + (first + i));
                    }
                }
            }
        }
    }

    /** Several matrices on one input in one call (q, k, v) give each product's own bits. */
    @Test
    void severalMatricesAtOnceGiveTheSameBitsAsOneByOne() {
        int k = 70;
        int[] rows = {131, 5, 48};
        for (int m : new int[]{1, 3, 64}) {
            float[] x = random(m * k, 8);
            PackedMatrix[] ws = new PackedMatrix[rows.length];
            float[][] together = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                ws[i] = PackedMatrix.pack(random(rows[i] * k, 9 + i), rows[i], k);
                together[i] = new float[m * rows[i] + 2];
            }
            BatchInvariantMatmul.multiply(x, 0, m, ws, together, new int[]{0, 1, 2});
            for (int i = 0; i < rows.length; i++) {
                float[] alone = new float[m * rows[i]];
                BatchInvariantMatmul.multiply(x, 0, m, ws[i], alone, 0);
                for (int j = 0; j < alone.length; j++) {
                    assertEquals(Float.floatToIntBits(alone[j]), Float.floatToIntBits(together[i][i + j]),
                            "matrix " + i + " element " + j + " of m=" + m);
                }
            }
        }
    }

    @Test
    void bf16WeightsAreWidenedExactly() {
        int m = 6, n = 10, k = 37;
        float[] x = random(m * k, 5);
        float[] w = random(n * k, 6);
        short[] bits = new short[w.length];
        float[] widened = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            bits[i] = DType.toBfloat16(w[i]);
            widened[i] = DType.fromBfloat16(bits[i]);
        }
        float[] fromBits = new float[m * n];
        float[] fromFloats = new float[m * n];
        BatchInvariantMatmul.multiply(x, 0, m, PackedMatrix.pack(bits, n, k), fromBits, 0);
        BatchInvariantMatmul.multiply(x, 0, m, PackedMatrix.view(widened, n, k), fromFloats, 0);
        for (int i = 0; i < fromBits.length; i++) {
            assertEquals(Float.floatToIntBits(fromFloats[i]), Float.floatToIntBits(fromBits[i]));
        }
    }

    @Test
    void outOfBoundsIsRefused() {
        float[] x = new float[10];
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.view(new float[14], 3, 5));
        PackedMatrix w = PackedMatrix.view(new float[15], 3, 5);
        assertThrows(IllegalArgumentException.class, () -> BatchInvariantMatmul.multiply(x, 1, 2, w, new float[6], 0));
        assertThrows(IllegalArgumentException.class, () -> BatchInvariantMatmul.multiply(x, 0, 2, w, new float[5], 0));
    }
}
