package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pure-Java sgemm with the Vector API, for machines without OpenBLAS. Single-threaded: {@link Blas} splits work
 * over {@link Parallel}.
 *
 * <p>GotoBLAS layout (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008): B is packed
 * into KC×NR column panels, A into MC×KC blocks of MR-row panels (both zero-padded, transposes resolved while
 * packing), and a 6×(2 vectors) register-blocked micro-kernel accumulates 12 vector FMAs per step — 12 of the 16
 * AVX2 registers. A product with one to three rows (decode) skips packing: it is memory-bound, so it streams
 * rows of B through dot products (B transposed) or axpys (B as is).
 */
final class JavaGemm implements GemmBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 6;
    static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int MC = 16 * MR;
    private static final int NC = 1024;
    /** Below this many rows of C the packed path costs more than it saves. */
    private static final int SMALL_M = 4;

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

    /** C[0..m) += alpha * op(A) op(B) for a handful of rows, without packing. */
    private static void fewRows(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                float[] c, int cOffset, int ldc) {
        float[] row = new float[k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                row[p] = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
            }
            int cRow = cOffset + i * ldc;
            if (transB) {
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += alpha * VectorOps.dot(row, 0, b, bOffset + j * ldb, k);
                }
            } else {
                for (int p = 0; p < k; p++) {
                    VectorOps.axpy(alpha * row[p], b, bOffset + p * ldb, c, cRow, n);
                }
            }
        }
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
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector x = FloatVector.broadcast(S, pa[ai]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        if (rows == MR && cols == NR) {
            addRow(c00, c01, alpha, c, ci);
            addRow(c10, c11, alpha, c, ci + ldc);
            addRow(c20, c21, alpha, c, ci + 2 * ldc);
            addRow(c30, c31, alpha, c, ci + 3 * ldc);
            addRow(c40, c41, alpha, c, ci + 4 * ldc);
            addRow(c50, c51, alpha, c, ci + 5 * ldc);
            return;
        }
        float[] edge = EDGE.get();
        c00.intoArray(edge, 0);
        c01.intoArray(edge, L);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + L);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + L);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + L);
        c40.intoArray(edge, 4 * NR);
        c41.intoArray(edge, 4 * NR + L);
        c50.intoArray(edge, 5 * NR);
        c51.intoArray(edge, 5 * NR + L);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c[ci + r * ldc + j] += alpha * edge[r * NR + j];
            }
        }
    }

    private static void addRow(FloatVector left, FloatVector right, float alpha, float[] c, int ci) {
        FloatVector scale = FloatVector.broadcast(S, alpha);
        left.fma(scale, FloatVector.fromArray(S, c, ci)).intoArray(c, ci);
        right.fma(scale, FloatVector.fromArray(S, c, ci + L)).intoArray(c, ci + L);
    }
}
