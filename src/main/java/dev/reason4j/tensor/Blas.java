package dev.reason4j.tensor;

/**
 * General matrix multiply on row-major {@code float[]} with offsets and leading dimensions, BLAS semantics:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(X) is X or X^T, op(A) is m×k, op(B) is k×n, C is m×n.
 *
 * <p>Every matrix product of the engine goes through here. (Placeholder implementation: the kernels work replaces
 * the body with OpenBLAS via FFM and a Vector API fallback; the signature is the contract.)
 */
public final class Blas {
    private Blas() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                    float bv = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOffset + i * ldc + j;
                c[ci] = alpha * sum + (beta == 0f ? 0f : beta * c[ci]);
            }
        }
    }
}
