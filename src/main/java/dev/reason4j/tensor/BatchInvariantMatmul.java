package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code out[m, n] = x[m, k] · Wᵀ} for a weight W [n, k] ({@link PackedMatrix}), with every output element computed
 * by one fixed sequence of operations whatever the shape around it:
 *
 * <pre>
 *   out = +0;  for each block of KC values of p, in order:  acc = +0;  acc = fma(x[p], w[p], acc) for p in order;
 *                                                           out = out + acc
 * </pre>
 *
 * So a row's result does not depend on how many rows are in the batch, which rows sit beside it, where it starts,
 * how the work is split over threads, or whether the code runs interpreted or compiled: the property that makes
 * sampled log-probs equal the training forward's bit for bit ("batch invariance", as in He et al., "Defeating
 * Nondeterminism in LLM Inference", Thinking Machines 2025). A BLAS does not promise it: OpenBLAS picks other
 * kernels for other shapes (gemv for one row, small-matrix kernels, its own k split), so the engine never calls one:
 * the backward's products are this kernel's too ({@link #multiplyAdd}).
 *
 * <p>GotoBLAS's register blocking (Goto & van de Geijn 2008): a micro-kernel keeps a tile of 4 rows × 3 vectors of
 * outputs in 12 accumulators and, per p, issues 3 panel loads, 4 broadcasts of x and 12 FMAs. x is read in place
 * (broadcasts need no packing); W comes packed ({@link PackedMatrix}).
 */
public final class BatchInvariantMatmul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int NR = PackedMatrix.PANEL;
    private static final int MR = 4;
    /** Values of p per accumulation block: the panel rows a block reads (KC · NR floats) stay in L1. */
    static final int KC = 256;
    /** Rows of x per task, at most. */
    private static final int BLOCK_ROWS = 128;
    /**
     * Tasks a parallel product aims for, per thread: with a few rows (decoding) a product has only as many tasks as
     * panels, and the last one to finish leaves the other threads idle, so row blocks shrink (to MR) until there are
     * this many. How the work is split never changes what an element computes.
     */
    private static final int TASKS_PER_THREAD = 8;
    /** Products below this many flops run on the calling thread: handing out a loop costs microseconds. */
    private static final long PARALLEL_MIN_FLOPS = 1L << 18;

    private static final ThreadLocal<float[]> PANEL_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    private BatchInvariantMatmul() {}

    /** The kernel as the benchmark's machine line names it. */
    public static String describe() {
        return "Vector API, " + F.vectorBitSize() + "-bit, " + MR + "×" + NR + " tiles";
    }

    /** out[outOff + i·n + j] = Σ_p x[xOff + i·k + p] · W[j][p], for i < m and j < n (W is [n, k]). */
    public static void multiply(float[] x, int xOff, int m, PackedMatrix w, float[] out, int outOff) {
        multiply(x, xOff, m, new PackedMatrix[]{w}, new float[][]{out}, new int[]{outOff});
    }

    /**
     * outs[i] = x · ws[i]ᵀ for several matrices with the same input (q, k and v; gate and up), in one parallel
     * loop: one fork/join instead of several, which matters when decoding a few rows. Each output is computed
     * exactly as a product of its own would compute it.
     */
    public static void multiply(float[] x, int xOff, int m, PackedMatrix[] ws, float[][] outs, int[] outOffs) {
        int[] ldOuts = new int[ws.length];
        for (int i = 0; i < ws.length; i++) {
            ldOuts[i] = ws[i].n;
        }
        run(x, xOff, ws[0].k, 1, m, ws, outs, outOffs, ldOuts, false);
    }

    /**
     * out[outOff + i·ldOut + j] += Σ_p A[i][p] · W[j][p] with A[i][p] = a[aOff + i·aRowStride + p·aColStride]: the
     * backward's products, where A is a gradient or its transpose and W a weight's transpose or an activation
     * ({@link PackedMatrix#transposedView}), and attention's, on one head's slice of wider rows. Each element adds
     * its KC-blocks' sums to out in order, so a run repeats to the bit; batch invariance is not needed there, but
     * the same kernel gives it.
     */
    public static void multiplyAdd(float[] a, int aOff, int aRowStride, int aColStride, int m, PackedMatrix w,
                                   float[] out, int outOff, int ldOut) {
        run(a, aOff, aRowStride, aColStride, m, new PackedMatrix[]{w}, new float[][]{out}, new int[]{outOff},
                new int[]{ldOut}, true);
    }

    private static void run(float[] x, int xOff, int rowStride, int colStride, int m, PackedMatrix[] ws,
                            float[][] outs, int[] outOffs, int[] ldOuts, boolean accumulate) {
        int panelsTotal = 0;
        for (PackedMatrix w : ws) {
            panelsTotal += PackedMatrix.panels(w.n);
        }
        int blockRows = BLOCK_ROWS;
        while (blockRows > MR && (long) panelsTotal * ((m + blockRows - 1) / blockRows)
                < (long) TASKS_PER_THREAD * Parallel.threads()) {
            blockRows /= 2;
        }
        int rowBlocks = (m + blockRows - 1) / blockRows;
        int rowsPerTask = blockRows;   // final, for the task body
        int[] firstTask = new int[ws.length + 1];   // tasks of matrix i: firstTask[i] .. firstTask[i + 1]
        long flops = 0;
        for (int i = 0; i < ws.length; i++) {
            PackedMatrix w = ws[i];
            if (w.k != ws[0].k) {
                throw new IllegalArgumentException("matmul: matrices of one input need the same k, got " + w.k
                        + " and " + ws[0].k);
            }
            long last = xOff + (long) (m - 1) * rowStride + (long) (w.k - 1) * colStride;
            if (xOff < 0 || (m > 0 && w.k > 0 && last >= x.length)) {
                throw new IllegalArgumentException("matmul: x [" + m + ", " + w.k + "] from offset " + xOff
                        + " needs index " + last + " but has length " + x.length);
            }
            long lastOut = outOffs[i] + (long) (m - 1) * ldOuts[i] + w.n - 1;
            if (outOffs[i] < 0 || ldOuts[i] < w.n || (m > 0 && w.n > 0 && lastOut >= outs[i].length)) {
                throw new IllegalArgumentException("matmul: out [" + m + ", " + w.n + "] from offset " + outOffs[i]
                        + " with row stride " + ldOuts[i] + " needs index " + lastOut + " but has length "
                        + outs[i].length);
            }
            firstTask[i + 1] = firstTask[i] + (m == 0 ? 0 : rowBlocks * PackedMatrix.panels(w.n));
            flops += 2L * m * w.n * w.k;
        }
        int tasks = firstTask[ws.length];
        java.util.function.IntConsumer body = task -> {
            int i = 0;
            while (task >= firstTask[i + 1]) {
                i++;
            }
            int local = task - firstTask[i];
            int panels = PackedMatrix.panels(ws[i].n);
            panelTask(x, xOff, rowStride, colStride, m, ws[i], outs[i], outOffs[i], ldOuts[i], rowsPerTask,
                    local / panels, local % panels, accumulate);
        };
        if (flops < PARALLEL_MIN_FLOPS) {
            for (int task = 0; task < tasks; task++) {
                body.accept(task);
            }
            return;
        }
        Parallel.forRange(0, tasks, body);
    }

    /** Rows of one row block × the outputs of one panel (out = +0 first unless accumulating). */
    private static void panelTask(float[] x, int xOff, int rs, int cs, int m, PackedMatrix w, float[] out, int outOff,
                                  int ldOut, int blockRows, int rowBlock, int panel, boolean accumulate) {
        int n = w.n;
        int k = w.k;
        float[] scratch = PANEL_SCRATCH.get();
        if (scratch.length < NR * k) {
            scratch = new float[NR * k];
            PANEL_SCRATCH.set(scratch);
        }
        int panelOff = w.panel(panel, scratch);
        float[] weights = w.panelArray(scratch);
        int col0 = panel * NR;
        int cols = Math.min(NR, n - col0);
        int row0 = rowBlock * blockRows;
        int rowEnd = Math.min(m, row0 + blockRows);
        float[] edge = cols == NR ? null : EDGE.get();
        for (int i = row0; i < rowEnd; i += MR) {
            int rows = Math.min(MR, rowEnd - i);
            int outTile = outOff + i * ldOut + col0;
            // The last panel, narrower than NR, works on a scratch tile holding its valid columns.
            float[] tile = edge == null ? out : edge;
            int tileOff = edge == null ? outTile : 0;
            int ld = edge == null ? ldOut : NR;
            if (edge != null) {
                java.util.Arrays.fill(edge, 0f);
            }
            for (int r = 0; r < rows; r++) {
                if (!accumulate) {
                    java.util.Arrays.fill(tile, tileOff + r * ld, tileOff + r * ld + cols, 0f);
                } else if (edge != null) {
                    System.arraycopy(out, outTile + r * ldOut, edge, r * NR, cols);
                }
            }
            for (int kb = 0; kb < k; kb += KC) {
                int kc = Math.min(KC, k - kb);
                int xTile = xOff + i * rs + kb * cs;
                if (rows == MR) {
                    tile4(x, xTile, rs, cs, kc, weights, panelOff + kb * NR, tile, tileOff, ld);
                } else {
                    for (int r = 0; r < rows; r++) {
                        tile1(x, xTile + r * rs, cs, kc, weights, panelOff + kb * NR, tile, tileOff + r * ld);
                    }
                }
            }
            if (edge != null) {
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(edge, r * NR, out, outTile + r * ldOut, cols);
                }
            }
        }
    }

    /** out[4 rows × NR] (row stride ldOut) += x[4 rows, kc] (x[r][p] at xOff + r·rs + p·cs) · panel[kc, NR]. */
    private static void tile4(float[] x, int xOff, int rs, int cs, int kc, float[] w, int wOff, float[] out,
                              int outOff, int ldOut) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c02 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F), c12 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c22 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F), c32 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int wi = wOff + p * NR;
            int xi = xOff + p * cs;
            FloatVector b0 = FloatVector.fromArray(F, w, wi);
            FloatVector b1 = FloatVector.fromArray(F, w, wi + L);
            FloatVector b2 = FloatVector.fromArray(F, w, wi + 2 * L);
            FloatVector a = FloatVector.broadcast(F, x[xi]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(F, x[xi + rs]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(F, x[xi + 2 * rs]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(F, x[xi + 3 * rs]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
        }
        addRow(c00, c01, c02, out, outOff);
        addRow(c10, c11, c12, out, outOff + ldOut);
        addRow(c20, c21, c22, out, outOff + 2 * ldOut);
        addRow(c30, c31, c32, out, outOff + 3 * ldOut);
    }

    /** out[NR] += x[kc] · panel[kc, NR]: one row, the same arithmetic per element as {@link #tile4}. */
    private static void tile1(float[] x, int xOff, int cs, int kc, float[] w, int wOff, float[] out, int outOff) {
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int wi = wOff + p * NR;
            FloatVector a = FloatVector.broadcast(F, x[xOff + p * cs]);
            c0 = a.fma(FloatVector.fromArray(F, w, wi), c0);
            c1 = a.fma(FloatVector.fromArray(F, w, wi + L), c1);
            c2 = a.fma(FloatVector.fromArray(F, w, wi + 2 * L), c2);
        }
        addRow(c0, c1, c2, out, outOff);
    }

    private static void addRow(FloatVector v0, FloatVector v1, FloatVector v2, float[] out, int off) {
        FloatVector.fromArray(F, out, off).add(v0).intoArray(out, off);
        FloatVector.fromArray(F, out, off + L).add(v1).intoArray(out, off + L);
        FloatVector.fromArray(F, out, off + 2 * L).add(v2).intoArray(out, off + 2 * L);
    }
}
