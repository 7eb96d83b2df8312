package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pure-Java sgemm with the Vector API, for machines without OpenBLAS. Single-threaded: {@link Blas} splits work
 * over {@link Parallel}.
 *
 * <p>GotoBLAS layout (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008): B is packed
 * into KC×NR column panels, A into MC×KC blocks of MR-row panels (both zero-padded, transposes resolved while
 * packing), and a 4×(3 vectors) register-blocked micro-kernel accumulates 12 vector FMAs per step: 12 accumulators,
 * 3 loads of B and one broadcast of A fill the 16 AVX2 registers, with 4 broadcasts per 12 FMAs (6×2 needs 6).
 * A product with one to three rows (decode) skips packing: it is memory-bound, so it streams rows of B through dot
 * products (B transposed) or axpys (B as is).
 */
final class JavaGemm implements GemmBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 4;
    static final int NR = 3 * L;
    private static final int KC = 256;
    private static final int MC = 24 * MR;
    private static final int NC = 1024 / NR * NR;  // whole panels
    /** Below this many rows of C the packed path costs more than it saves (for OpenBLAS too: see {@link Blas}). */
    static final int SMALL_M = 4;

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[KC * NC]);
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        if (beta != 1f) {
            for (int i = 0; i < m; i++) {
                int row = cOffset + i * ldc;
                if (beta == 0f) {
                    java.util.Arrays.fill(c, row, row + n, 0f);  // BLAS: beta = 0 ignores C (even NaN)
                } else {
                    VectorOps.scale(c, row, n, beta);
                }
            }
        }
        if (alpha == 0f || k == 0 || m == 0 || n == 0) {
            return;
        }
        if (m < SMALL_M) {
            fewRows(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
            return;
        }
        float[] packedA = PACKED_A.get();
        float[] packedB = PACKED_B.get();
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOffset, ldb, pc, jc, kc, nc, packedB);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOffset, lda, ic, pc, mc, kc, packedA);
                    for (int jr = 0; jr < nc; jr += NR) {
                        for (int ir = 0; ir < mc; ir += MR) {
                            kernel(kc, packedA, ir * kc, packedB, jr * kc, alpha,
                                    c, cOffset + (ic + ir) * ldc + jc + jr, ldc,
                                    Math.min(MR, mc - ir), Math.min(NR, nc - jr));
                        }
                    }
                }
            }
        }
    }

    /**
     * C[0..m) += alpha * op(A) op(B) for a handful of rows, without packing: each element of B is read once per row
     * of A from cache, and B streams through memory once. B transposed (weights as stored by nn.Linear): four dot
     * products at a time share the loads of A's row; B as is: one axpy per element of A's row.
     */
    private static void fewRows(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                float[] c, int cOffset, int ldc) {
        float[][] rows = new float[m][];
        int[] rowOffsets = new int[m];
        for (int i = 0; i < m; i++) {
            if (transA) {
                rows[i] = new float[k];
                for (int p = 0; p < k; p++) {
                    rows[i][p] = a[aOffset + p * lda + i];
                }
            } else {
                rows[i] = a;
                rowOffsets[i] = aOffset + i * lda;
            }
        }
        if (transB) {
            float[] dots = new float[4];
            int j = 0;
            for (; j <= n - 4; j += 4) {
                for (int i = 0; i < m; i++) {
                    dot4(rows[i], rowOffsets[i], b, bOffset + j * ldb, ldb, k, dots);
                    int ci = cOffset + i * ldc + j;
                    c[ci] += alpha * dots[0];
                    c[ci + 1] += alpha * dots[1];
                    c[ci + 2] += alpha * dots[2];
                    c[ci + 3] += alpha * dots[3];
                }
            }
            for (; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    c[cOffset + i * ldc + j] += alpha * VectorOps.dot(rows[i], rowOffsets[i], b, bOffset + j * ldb, k);
                }
            }
        } else {
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    VectorOps.axpy(alpha * rows[i][rowOffsets[i] + p], b, bOffset + p * ldb, c, cOffset + i * ldc, n);
                }
            }
        }
    }

    /** out[r] = x · B[r] for four consecutive rows B[0..3] of stride ld: x is loaded once for all four. */
    private static void dot4(float[] x, int xOffset, float[] b, int bOffset, int ld, int k, float[] out) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S), acc3 = FloatVector.zero(S);
        int p = 0;
        for (int upper = S.loopBound(k); p < upper; p += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOffset + p);
            acc0 = FloatVector.fromArray(S, b, bOffset + p).fma(xv, acc0);
            acc1 = FloatVector.fromArray(S, b, bOffset + ld + p).fma(xv, acc1);
            acc2 = FloatVector.fromArray(S, b, bOffset + 2 * ld + p).fma(xv, acc2);
            acc3 = FloatVector.fromArray(S, b, bOffset + 3 * ld + p).fma(xv, acc3);
        }
        float s0 = VectorOps.sumLanes(acc0), s1 = VectorOps.sumLanes(acc1);
        float s2 = VectorOps.sumLanes(acc2), s3 = VectorOps.sumLanes(acc3);
        for (; p < k; p++) {
            float xp = x[xOffset + p];
            s0 += xp * b[bOffset + p];
            s1 += xp * b[bOffset + ld + p];
            s2 += xp * b[bOffset + 2 * ld + p];
            s3 += xp * b[bOffset + 3 * ld + p];
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /** Packs op(B)[pc..pc+kc, jc..jc+nc] into NR-wide panels, each kc×NR row-major, zero-padded. */
    private static void packB(boolean transB, float[] b, int bOffset, int ldb, int pc, int jc, int kc, int nc,
                              float[] packed) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int panel = jr * kc;
            if (!transB) {
                for (int p = 0; p < kc; p++) {
                    int src = bOffset + (pc + p) * ldb + jc + jr;
                    int dst = panel + p * NR;
                    System.arraycopy(b, src, packed, dst, cols);
                    if (cols < NR) {
                        java.util.Arrays.fill(packed, dst + cols, dst + NR, 0f);
                    }
                }
            } else {
                for (int j = 0; j < NR; j++) {
                    if (j < cols) {
                        int src = bOffset + (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            packed[panel + p * NR + j] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            packed[panel + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Packs op(A)[ic..ic+mc, pc..pc+kc] into MR-tall panels, each kc×MR (column of the panel contiguous). */
    private static void packA(boolean transA, float[] a, int aOffset, int lda, int ic, int pc, int mc, int kc,
                              float[] packed) {
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int panel = ir * kc;
            for (int r = 0; r < MR; r++) {
                if (r >= rows) {
                    for (int p = 0; p < kc; p++) {
                        packed[panel + p * MR + r] = 0f;
                    }
                } else if (!transA) {
                    int src = aOffset + (ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        packed[panel + p * MR + r] = a[src + p];
                    }
                } else {
                    int src = aOffset + pc * lda + ic + ir + r;
                    for (int p = 0; p < kc; p++) {
                        packed[panel + p * MR + r] = a[src + p * lda];
                    }
                }
            }
        }
    }

    /** C[rows×cols tile] += alpha * (A panel)(B panel); the tile is MR×NR unless at an edge of C. */
    private static void kernel(int kc, float[] pa, int ai, float[] pb, int bi, float alpha,
                               float[] c, int ci, int ldc, int rows, int cols) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, pb, bi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, pa[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            x = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            x = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            x = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
        }
        if (rows == MR && cols == NR) {
            addRow(c00, c01, c02, alpha, c, ci);
            addRow(c10, c11, c12, alpha, c, ci + ldc);
            addRow(c20, c21, c22, alpha, c, ci + 2 * ldc);
            addRow(c30, c31, c32, alpha, c, ci + 3 * ldc);
            return;
        }
        float[] edge = EDGE.get();
        c00.intoArray(edge, 0);
        c01.intoArray(edge, L);
        c02.intoArray(edge, 2 * L);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + L);
        c12.intoArray(edge, NR + 2 * L);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + L);
        c22.intoArray(edge, 2 * NR + 2 * L);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + L);
        c32.intoArray(edge, 3 * NR + 2 * L);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c[ci + r * ldc + j] += alpha * edge[r * NR + j];
            }
        }
    }

    private static void addRow(FloatVector v0, FloatVector v1, FloatVector v2, float alpha, float[] c, int ci) {
        FloatVector scale = FloatVector.broadcast(S, alpha);
        v0.fma(scale, FloatVector.fromArray(S, c, ci)).intoArray(c, ci);
        v1.fma(scale, FloatVector.fromArray(S, c, ci + L)).intoArray(c, ci + L);
        v2.fma(scale, FloatVector.fromArray(S, c, ci + 2 * L)).intoArray(c, ci + 2 * L);
    }
}
