package dev.reason4j.model;

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
     * Rotates one head in place, HF rotate-half layout: pairs (i, i + d/2) turn by angle position·invFreq[i].
     * {@code sign} = +1 forward, −1 backward (the transpose of a rotation is the rotation by −angle).
     */
    public static void rope(float[] x, int off, int headDim, float[] cos, float[] sin, float sign) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x1 = x[off + i];
            float x2 = x[off + i + half];
            float s = sign * sin[i];
            x[off + i] = x1 * cos[i] - x2 * s;
            x[off + i + half] = x2 * cos[i] + x1 * s;
        }
    }

    /** cos/sin of position·invFreq[i], as HF computes them (float32 angle). */
    public static void ropeAngles(int position, float[] invFreq, float[] cos, float[] sin) {
        for (int i = 0; i < invFreq.length; i++) {
            float angle = (float) position * invFreq[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
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
     * Causal attention for one query head of one row over {@code length} cached positions (0..length-1). Keys and
     * values are rows of {@code kvStride} floats; position j is at store row {@link KvBlocks#row}(blocks,
     * blockShift, j); this head reads {@code headDim} floats at column {@code kvCol}. Writes softmax(q·kᵀ·scale)·V
     * to out and returns the log-sum-exp of the scaled scores (kept for the backward). The arithmetic depends only
     * on the values, never on where they are stored. {@code scores} is scratch of at least {@code length}.
     */
    public static float attendRow(float[] q, int qOff, float[] keys, float[] values, int[] blocks, int blockShift,
                                  int kvStride, int kvCol, int length, int headDim, float scale, float[] scores,
                                  float[] out, int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            int row = KvBlocks.row(blocks, blockShift, j);
            float s = VectorOps.dot(q, qOff, keys, row * kvStride + kvCol, headDim) * scale;
            scores[j] = s;
            max = Math.max(max, s);
        }
        float sum = VectorOps.expAndSum(scores, 0, length, max);   // scores[j] = exp(s_j − max)
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        float inverseSum = 1f / sum;
        for (int j = 0; j < length; j++) {
            int row = KvBlocks.row(blocks, blockShift, j);
            VectorOps.axpy(scores[j] * inverseSum, values, row * kvStride + kvCol, out, outOff, headDim);
        }
        return max + (float) Math.log(sum);
    }

    /**
     * Backward of {@link #attendRow} for one query head of one row: recomputes p_j = exp(s_j − lse), then
     * dS_j = p_j (dO·v_j − dO·O); dq += scale·Σ dS_j k_j, dk_j += scale·dS_j q, dv_j += p_j dO. {@code probs} is
     * scratch of at least {@code length}.
     */
    public static void attendRowBackward(float[] q, int qOff, float[] keys, float[] values, int kvRow0, int kvStride,
                                         int kvCol, int length, int headDim, float scale, float lse,
                                         float[] out, int outOff, float[] dOut, int dOutOff,
                                         float[] dq, int dqOff, float[] dKeys, float[] dValues, float[] probs) {
        for (int j = 0; j < length; j++) {
            probs[j] = VectorOps.dot(q, qOff, keys, (kvRow0 + j) * kvStride + kvCol, headDim) * scale;
        }
        VectorOps.expAndSum(probs, 0, length, lse);   // probs[j] = exp(s_j − lse), the forward's softmax
        float dOutDotOut = VectorOps.dot(dOut, dOutOff, out, outOff, headDim);
        for (int j = 0; j < length; j++) {
            int kvOff = (kvRow0 + j) * kvStride + kvCol;
            float p = probs[j];
            float dp = VectorOps.dot(dOut, dOutOff, values, kvOff, headDim);
            float dScore = p * (dp - dOutDotOut) * scale;
            VectorOps.axpy(dScore, keys, kvOff, dq, dqOff, headDim);
            VectorOps.axpy(dScore, q, qOff, dKeys, kvOff, headDim);
            VectorOps.axpy(p, dOut, dOutOff, dValues, kvOff, headDim);
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
