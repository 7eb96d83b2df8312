package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised primitives on slices of {@code float[]} ({@code array, offset, length}), for the model's elementwise
 * work: reductions, axpy, the softmax exponentials, RMSNorm, SwiGLU. Each is a plain Vector API loop plus a scalar tail.
 */
public final class VectorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorOps() {}

    /** Σ a[i]·b[i]. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {  // two accumulators hide the FMA latency
            acc0 = FloatVector.fromArray(S, a, aOffset + i).fma(FloatVector.fromArray(S, b, bOffset + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOffset + i + L)
                    .fma(FloatVector.fromArray(S, b, bOffset + i + L), acc1);
        }
        for (; i <= n - L; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOffset + i).fma(FloatVector.fromArray(S, b, bOffset + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** y += alpha·x. */
    public static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        FloatVector scale = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xOffset + i).fma(scale, FloatVector.fromArray(S, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += alpha * x[xOffset + i];
        }
    }

    /** x *= factor. */
    public static void scale(float[] x, int offset, int n, float factor) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, offset + i).mul(factor).intoArray(x, offset + i);
        }
        for (; i < n; i++) {
            x[offset + i] *= factor;
        }
    }

    /** Σ x[i]. */
    public static float sum(float[] x, int offset, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = acc.add(FloatVector.fromArray(S, x, offset + i));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[offset + i];
        }
        return sum;
    }

    /** Σ x[i]². */
    public static float sumOfSquares(float[] x, int offset, int n) {
        return dot(x, offset, x, offset, n);
    }

    /** max x[i]; −∞ for n = 0. NaN in, NaN out. */
    public static float max(float[] x, int offset, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) {
            acc = acc.max(FloatVector.fromArray(S, x, offset + i));
        }
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        return max;
    }

    /** x[i] = exp(x[i] − shift), returns Σ of the new values: softmax's numerator and denominator in one pass. */
    public static float expAndSum(float[] x, int offset, int n, float shift) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, offset + i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, offset + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[offset + i] - shift);
            x[offset + i] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * RMSNorm (Zhang & Sennrich 2019): out = x / sqrt(mean(x²) + eps) ⊙ weight. Returns the reciprocal RMS
     * 1/sqrt(mean(x²)+eps), which the backward pass needs. out may alias x.
     */
    public static float rmsNorm(float[] x, int xOffset, float[] weight, int weightOffset, float eps,
                                float[] out, int outOffset, int n) {
        float inverseRms = (float) (1.0 / Math.sqrt(sumOfSquares(x, xOffset, n) / n + eps));
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, x, xOffset + i).mul(inverseRms).mul(FloatVector.fromArray(S, weight, weightOffset + i))
                    .intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            out[outOffset + i] = x[xOffset + i] * inverseRms * weight[weightOffset + i];
        }
        return inverseRms;
    }

    /** out = silu(gate) ⊙ up, SwiGLU's combination (Shazeer 2020); silu(g) = g·σ(g). out may alias either input. */
    public static void swiglu(float[] gate, int gateOffset, float[] up, int upOffset, float[] out, int outOffset,
                              int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, gateOffset + i);
            g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(S, up, upOffset + i)).intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            float g = gate[gateOffset + i];
            out[outOffset + i] = g / (1f + (float) Math.exp(-g)) * up[upOffset + i];
        }
    }
}
