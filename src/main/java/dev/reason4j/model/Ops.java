package dev.reason4j.model;

import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.PackedMatrix;
import dev.reason4j.tensor.VectorOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transformer's row kernels, forward and backward, vectorised with the Vector API. Each works on one row (or one
 * attention head of one row) so callers parallelise over rows and heads, and so training and decoding run exactly
 * the same arithmetic for a row: that is what makes sampled log-probs equal the training forward's.
 */
public final class Ops {
    private Ops() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    // ------------------------------------------------------------------------------------------------ RMSNorm

    /**
     * RMSNorm backward for one row: dx += rstd·w·dy − x·rstd³·(Σ dy·w·x)/n. The weight gradient
     * (dw += dy·x·rstd) is accumulated by {@link #rmsNormWeightGrad} so rows can run in parallel.
     */
    public static void rmsNormBackward(float[] dy, int dyOff, float[] x, int xOff, float[] weight, int wOff, float rstd,
                                       float[] dx, int dxOff, int n) {
        float dyWx = 0f;
        for (int i = 0; i < n; i++) {
            dyWx += dy[dyOff + i] * weight[wOff + i] * x[xOff + i];
        }
        float c = rstd * rstd * rstd * dyWx / n;
        for (int i = 0; i < n; i++) {
            dx[dxOff + i] += rstd * weight[wOff + i] * dy[dyOff + i] - c * x[xOff + i];
        }
    }

    /** dw += dy · x · rstd for one row. */
    public static void rmsNormWeightGrad(float[] dy, int dyOff, float[] x, int xOff, float rstd, float[] dw, int dwOff,
                                         int n) {
        for (int i = 0; i < n; i++) {
            dw[dwOff + i] += dy[dyOff + i] * x[xOff + i] * rstd;
        }
    }

    // ------------------------------------------------------------------------------------------------ RoPE

    /**
     * Rotates one head in place, HF rotate-half layout: pairs (i, i + d/2) turn by the angle whose cos and sin are
     * at {@code cos[angleOff + i]}, {@code sin[angleOff + i]} ({@link Rope#angles}). {@code sign} = +1 forward,
     * −1 backward (the transpose of a rotation is the rotation by −angle).
     */
    public static void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int angleOff, float sign) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x1 = x[off + i];
            float x2 = x[off + i + half];
            float c = cos[angleOff + i];
            float s = sign * sin[angleOff + i];
            x[off + i] = x1 * c - x2 * s;
            x[off + i + half] = x2 * c + x1 * s;
        }
    }

    // ------------------------------------------------------------------------------------------------ SwiGLU

    /** dGate = dAct·up·σ(g)(1 + g(1−σ(g))), dUp = dAct·silu(g), with silu(g) = g·σ(g). */
    public static void swigluBackward(float[] dAct, float[] gate, float[] up, float[] dGate, float[] dUp, int off,
                                      int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, off + i);
            FloatVector d = FloatVector.fromArray(F, dAct, off + i);
            FloatVector sigmoid = FloatVector.broadcast(F, 1f).div(VectorOps.exp(g.neg()).add(1f));
            FloatVector silu = g.mul(sigmoid);
            d.mul(FloatVector.fromArray(F, up, off + i)).mul(sigmoid)
                    .mul(g.mul(sigmoid.neg().add(1f)).add(1f)).intoArray(dGate, off + i);
            d.mul(silu).intoArray(dUp, off + i);
        }
        for (; i < n; i++) {
            int k = off + i;
            float g = gate[k];
            float sigmoid = 1f / (VectorOps.exp(-g) + 1f);
            dGate[k] = dAct[k] * up[k] * sigmoid * (1f + g * (1f - sigmoid));
            dUp[k] = dAct[k] * g * sigmoid;
        }
    }

    // ------------------------------------------------------------------------------------------------ attention

    /**
     * Causal attention for one row's query heads {@code [0, heads)} of one key/value group (GQA: the heads that
     * share a key/value head) over {@code length} cached positions (0..length-1). Query head i is at
     * {@code q[qOff + i·headDim]} and writes {@code out[outOff + i·headDim]}. Keys and values are rows of
     * {@code kvStride} floats; position j is at store row {@link KvBlocks#row}(blocks, blockShift, j); the group
     * reads {@code headDim} floats at column {@code kvCol}. Writes softmax(q·kᵀ·scale)·V and stores the log-sum-exp
     * of the scaled scores (kept for the backward) at {@code lse[lseOff + i]}.
     *
     * <p>The heads of a group run together so each key and value row is read from memory once. Per head, the
     * arithmetic depends only on the values, never on where they are stored or which heads run beside it: score j
     * is {@link VectorOps#dot}·scale (sixteen at a time by {@link VectorOps#dots}, with the same bits), the weights
     * are {@link VectorOps#expAndSum}'s over the scores divided by their sum, and each output element is +0 then
     * fma(v_j, w_j, ·) for j in order (the scalar tail: + w_j·v_j), kept in registers across j.
     * {@code scores} is scratch of at least heads·length.
     */
    public static void attendGroup(float[] q, int qOff, int heads, float[] keys, float[] values, int[] blocks,
                                   int blockShift, int kvStride, int kvCol, int length, int headDim, float scale,
                                   float[] scores, float[] out, int outOff, float[] lse, int lseOff) {
        int d = headDim;
        for (int i = 0; i < heads; i++) {
            lse[lseOff + i] = Float.NEGATIVE_INFINITY;   // the running max until the sum is known
        }
        int[] keyOffsets = new int[VectorOps.DOTS];
        float[] partial = new float[8 * VectorOps.DOTS];
        int j = 0;
        for (; j + VectorOps.DOTS <= length; j += VectorOps.DOTS) {   // sixteen scores per head at once
            for (int r = 0; r < VectorOps.DOTS; r++) {
                keyOffsets[r] = KvBlocks.row(blocks, blockShift, j + r) * kvStride + kvCol;
            }
            for (int i = 0; i < heads; i++) {
                VectorOps.dots(q, qOff + i * d, keys, keyOffsets, d, scores, i * length + j, partial);
                for (int r = 0; r < VectorOps.DOTS; r++) {
                    float s = scores[i * length + j + r] * scale;
                    scores[i * length + j + r] = s;
                    lse[lseOff + i] = Math.max(lse[lseOff + i], s);
                }
            }
        }
        for (; j < length; j++) {
            int kOff = KvBlocks.row(blocks, blockShift, j) * kvStride + kvCol;
            for (int i = 0; i < heads; i++) {
                float s = VectorOps.dot(q, qOff + i * d, keys, kOff, d) * scale;
                scores[i * length + j] = s;
                lse[lseOff + i] = Math.max(lse[lseOff + i], s);
            }
        }
        for (int i = 0; i < heads; i++) {
            float max = lse[lseOff + i];
            float sum = VectorOps.expAndSum(scores, i * length, length, max);   // scores = exp(s_j − max)
            float inverseSum = 1f / sum;
            for (int p = 0; p < length; p++) {
                scores[i * length + p] *= inverseSum;
            }
            lse[lseOff + i] = max + (float) Math.log(sum);
            weightedSum(scores, i * length, values, blocks, blockShift, kvStride, kvCol, length, d, out,
                    outOff + i * d);
        }
    }

    /** out[0..d) = Σ_j w_j · v_j (v_j: value row of position j), each element accumulated in order of j. */
    private static void weightedSum(float[] w, int wOff, float[] values, int[] blocks, int blockShift, int kvStride,
                                    int kvCol, int length, int d, float[] out, int outOff) {
        int c = 0;
        for (; c + 4 * L <= d; c += 4 * L) {   // four chunks at once: four independent FMA chains
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int j = 0; j < length; j++) {
                int v = KvBlocks.row(blocks, blockShift, j) * kvStride + kvCol + c;
                FloatVector weight = FloatVector.broadcast(F, w[wOff + j]);
                a0 = FloatVector.fromArray(F, values, v).fma(weight, a0);
                a1 = FloatVector.fromArray(F, values, v + L).fma(weight, a1);
                a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(weight, a2);
                a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(weight, a3);
            }
            a0.intoArray(out, outOff + c);
            a1.intoArray(out, outOff + c + L);
            a2.intoArray(out, outOff + c + 2 * L);
            a3.intoArray(out, outOff + c + 3 * L);
        }
        for (; c + L <= d; c += L) {
            FloatVector a = FloatVector.zero(F);
            for (int j = 0; j < length; j++) {
                int v = KvBlocks.row(blocks, blockShift, j) * kvStride + kvCol + c;
                a = FloatVector.fromArray(F, values, v).fma(FloatVector.broadcast(F, w[wOff + j]), a);
            }
            a.intoArray(out, outOff + c);
        }
        for (; c < d; c++) {
            float a = 0f;
            for (int j = 0; j < length; j++) {
                a += w[wOff + j] * values[KvBlocks.row(blocks, blockShift, j) * kvStride + kvCol + c];
            }
            out[outOff + c] = a;
        }
    }

    /** Query rows per block of {@link #attentionBackward}: its scores for all the keys it sees stay in L2. */
    static final int BACKWARD_QUERY_BLOCK = 32;

    /**
     * Backward of causal attention ({@link #attendGroup} at every row) for one sequence of {@code length} rows and
     * one key/value head with its query heads {@code [headFirst, headEnd)}, as matrix products (the backward of
     * FlashAttention-2, Dao 2023, Algorithm 2, with a whole block of query rows' scores held at once). Per block of
     * query rows and the keys 0 .. its last row:
     * <pre>
     *   S = Q Kᵀ·scale,  P = exp(S − lse) (0 above the diagonal),  dP = dO Vᵀ,  dS = P ∘ (dP − rowsum(dO ∘ O))·scale
     *   dQ += dS K,  dK += dSᵀ Q,  dV += Pᵀ dO
     * </pre>
     * Rows are {@code qStride} floats apart in q, out, dOut and dq (head h at column h·headDim) and {@code kvStride}
     * apart in keys, values, dKeys and dValues (this head at column kvCol); the sequence starts at row {@code row0}.
     * {@code lse[r·heads + h]} is the forward's log-sum-exp. The products are {@link BatchInvariantMatmul}'s, in a
     * fixed order, so the gradients repeat to the bit.
     */
    public static void attentionBackward(float[] q, float[] out, float[] dOut, float[] dq, int qStride,
                                         float[] keys, float[] values, float[] dKeys, float[] dValues, int kvStride,
                                         int kvCol, int row0, int length, int headFirst, int headEnd, int headDim,
                                         float scale, float[] lse, int heads, float[] probs, float[] dScores) {
        int d = headDim;
        int kv0 = row0 * kvStride + kvCol;
        for (int h = headFirst; h < headEnd; h++) {
            for (int t0 = 0; t0 < length; t0 += BACKWARD_QUERY_BLOCK) {
                int rows = Math.min(BACKWARD_QUERY_BLOCK, length - t0);
                int n = t0 + rows;   // the keys this block's rows see
                int q0 = (row0 + t0) * qStride + h * d;
                java.util.Arrays.fill(probs, 0, rows * n, 0f);
                java.util.Arrays.fill(dScores, 0, rows * n, 0f);
                BatchInvariantMatmul.multiplyAdd(q, q0, qStride, 1, rows,
                        PackedMatrix.view(keys, kv0, kvStride, n, d), probs, 0, n);
                BatchInvariantMatmul.multiplyAdd(dOut, q0, qStride, 1, rows,
                        PackedMatrix.view(values, kv0, kvStride, n, d), dScores, 0, n);
                for (int i = 0; i < rows; i++) {
                    int visible = t0 + i + 1;
                    int off = i * n;
                    VectorOps.scale(probs, off, visible, scale);
                    VectorOps.expAndSum(probs, off, visible, lse[(row0 + t0 + i) * heads + h]);
                    java.util.Arrays.fill(probs, off + visible, off + n, 0f);
                    float dOutDotOut = VectorOps.dot(dOut, q0 + i * qStride, out, q0 + i * qStride, d);
                    for (int j = 0; j < visible; j++) {
                        dScores[off + j] = probs[off + j] * (dScores[off + j] - dOutDotOut) * scale;
                    }
                    java.util.Arrays.fill(dScores, off + visible, off + n, 0f);
                }
                BatchInvariantMatmul.multiplyAdd(dScores, 0, n, 1, rows,
                        PackedMatrix.transposedView(keys, kv0, kvStride, n, d), dq, q0, qStride);
                BatchInvariantMatmul.multiplyAdd(dScores, 0, 1, n, n,
                        PackedMatrix.transposedView(q, q0, qStride, rows, d), dKeys, kv0, kvStride);
                BatchInvariantMatmul.multiplyAdd(probs, 0, 1, n, n,
                        PackedMatrix.transposedView(dOut, q0, qStride, rows, d), dValues, kv0, kvStride);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ log-softmax

    /**
     * Log-softmax statistics of one row of logits z at temperature (s = z·invTemperature): returns
     * {lse = log Σ exp(s), entropy = −Σ p log p}. Accumulates in float32 vector lanes, in a fixed order.
     */
    public static void logSoftmaxStats(float[] logits, int off, int n, float invTemperature, float[] lseAndEntropy) {
        FloatVector vInvT = FloatVector.broadcast(F, invTemperature);
        FloatVector vMax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            vMax = vMax.max(FloatVector.fromArray(F, logits, off + i).mul(vInvT));
        }
        float max = vMax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, logits[off + i] * invTemperature);
        }
        // With shifted scores t = s − max ≤ 0: sumExp = Σ e^t, entropy = log(sumExp) − Σ e^t·t / sumExp.
        FloatVector vNegMax = FloatVector.broadcast(F, -max);
        FloatVector vSum = FloatVector.zero(F);
        FloatVector vSumT = FloatVector.zero(F);
        for (i = 0; i < upper; i += F.length()) {
            FloatVector t = FloatVector.fromArray(F, logits, off + i).fma(vInvT, vNegMax);
            FloatVector e = VectorOps.exp(t);
            vSum = vSum.add(e);
            vSumT = e.fma(t, vSumT);
        }
        float sum = VectorOps.sumLanes(vSum);
        float sumT = VectorOps.sumLanes(vSumT);
        for (; i < n; i++) {
            float t = Math.fma(logits[off + i], invTemperature, -max);   // as the vector lanes
            float e = VectorOps.exp(t);
            sum += e;
            sumT = Math.fma(e, t, sumT);
        }
        float logSum = (float) Math.log(sum);
        lseAndEntropy[0] = max + logSum;
        lseAndEntropy[1] = logSum - sumT / sum;
    }

    /** log p(target) at temperature, given the row's lse from {@link #logSoftmaxStats}. */
    public static float logProb(float[] logits, int off, int target, float invTemperature, float lse) {
        return logits[off + target] * invTemperature - lse;
    }

    /**
     * Overwrites one row of logits with dLoss/dz for loss = gLogProb·log p(target) + gEntropy·H, p = softmax(z/T):
     * dz_j = (gLogProb·(1[j=target] − p_j) − gEntropy·p_j·(log p_j + H)) / T.
     */
    public static void logSoftmaxBackward(float[] logits, int off, int n, float invTemperature, float lse,
                                          float entropy, int target, float gradLogProb, float gradEntropy) {
        // dz_j = p_j · (−gLogProb − gEntropy·(log p_j + H)) / T, with log p_j = z_j/T − lse.
        FloatVector vInvT = FloatVector.broadcast(F, invTemperature);
        FloatVector vNegLse = FloatVector.broadcast(F, -lse);
        float a = -gradLogProb * invTemperature;
        float b = -gradEntropy * invTemperature;
        int j = 0;
        for (int upper = F.loopBound(n); j < upper; j += F.length()) {
            FloatVector logP = FloatVector.fromArray(F, logits, off + j).fma(vInvT, vNegLse);
            FloatVector p = VectorOps.exp(logP);
            p.mul(logP.add(entropy).mul(b).add(a)).intoArray(logits, off + j);
        }
        for (; j < n; j++) {
            float logP = Math.fma(logits[off + j], invTemperature, -lse);
            float p = VectorOps.exp(logP);
            logits[off + j] = p * (a + b * (logP + entropy));
        }
        if (target >= 0) {
            logits[off + target] += gradLogProb * invTemperature;
        }
    }
}
