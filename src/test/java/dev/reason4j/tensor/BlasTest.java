package dev.reason4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BlasTest {
    static Stream<GemmBackend> backends() {
        List<GemmBackend> backends = new ArrayList<>(List.of(new JavaGemm()));
        GemmBackend openBlas = Blas.openBlasOrNull();
        if (openBlas != null) {
            backends.add(openBlas);
        }
        return backends.stream();
    }

    /** C = alpha op(A) op(B) + beta C in double precision, on the same padded layout. */
    private static double[] reference(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                      float beta, float[] c, int cOffset, int ldc) {
        double[] out = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i];
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    double bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOffset + i * ldc + j;
                out[ci] = alpha * sum + (beta == 0f ? 0 : beta * (double) c[ci]);
            }
        }
        return out;
    }

    private static float[] random(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static void check(GemmBackend backend, boolean transA, boolean transB, int m, int n, int k, float alpha,
                              float beta, int pad, int offset, long seed) {
        Random random = new Random(seed);
        int lda = (transA ? m : k) + pad;
        int ldb = (transB ? k : n) + pad;
        int ldc = n + pad;
        float[] a = random(random, offset + (transA ? k : m) * lda);
        float[] b = random(random, offset + (transB ? n : k) * ldb);
        float[] c = random(random, offset + m * ldc + 3);
        double[] expected = reference(transA, transB, m, n, k, alpha, a, offset, lda, b, offset, ldb, beta, c, offset,
                ldc);
        Blas.sgemm(backend, transA, transB, m, n, k, alpha, a, offset, lda, b, offset, ldb, beta, c, offset, ldc);
        String what = backend.name() + " transA=" + transA + " transB=" + transB + " m=" + m + " n=" + n + " k=" + k
                + " alpha=" + alpha + " beta=" + beta + " pad=" + pad + " offset=" + offset;
        double tolerance = 1e-5 * Math.sqrt(k) * 4 + 1e-5;
        for (int i = 0; i < c.length; i++) {
            // Padding between rows and around the matrix must be left untouched: exact comparison there.
            assertEquals(expected[i], c[i], tolerance * Math.max(1, Math.abs(expected[i])), what + " at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void allTransposesSizesOffsetsAndScalars(GemmBackend backend) {
        int[][] sizes = {{1, 1, 1}, {1, 37, 19}, {3, 5, 7}, {7, 17, 300}, {13, 33, 9}, {50, 40, 70}, {97, 130, 260},
                {6, 16, 256}, {2, 1000, 64}};
        long seed = 1;
        for (int[] size : sizes) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    check(backend, transA, transB, size[0], size[1], size[2], 1f, 0f, 0, 0, seed++);
                    check(backend, transA, transB, size[0], size[1], size[2], -0.5f, 1f, 3, 5, seed++);
                    check(backend, transA, transB, size[0], size[1], size[2], 2f, 0.25f, 1, 2, seed++);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void largeProductSplitOverThreads(GemmBackend backend) {
        check(backend, false, true, 200, 150, 300, 1f, 0f, 2, 4, 42);  // split by rows
        check(backend, true, false, 2, 2000, 300, 1f, 1f, 0, 0, 43);   // few rows: split by columns
    }

    @ParameterizedTest
    @MethodSource("backends")
    void betaZeroOverwritesNaN(GemmBackend backend) {
        float[] a = {1, 2, 3, 4};
        float[] b = {1, 0, 0, 1};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        Blas.sgemm(backend, false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2);
        assertEquals(List.of(1f, 2f, 3f, 4f), List.of(c[0], c[1], c[2], c[3]));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void kZeroScalesByBeta(GemmBackend backend) {
        float[] c = {1, 2};
        Blas.sgemm(backend, false, false, 1, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 3f, c, 0, 2);
        assertEquals(3f, c[0]);
        assertEquals(6f, c[1]);
    }

    @Test
    void outOfBoundsIsRejectedBeforeNativeCode() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[3];
        var error = assertThrows(IllegalArgumentException.class,
                () -> Blas.sgemm(false, false, 2, 2, 3, 1f, a, 0, 3, b, 0, 2, 0f, c, 0, 2));
        assertTrue(error.getMessage().contains("C"), error.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Blas.sgemm(false, false, 2, 2, 3, 1f, a, 0, 2, b, 0, 2, 0f, new float[4], 0, 2));
    }

    @Test
    void reportsBackend() {
        assertNotNull(Blas.backend());
        assertTrue(Blas.describe().startsWith(Blas.backend()), Blas.describe());
    }
}
