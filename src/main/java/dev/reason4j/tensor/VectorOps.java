package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised primitives on slices of {@code float[]} ({@code array, offset, length}), for the model's elementwise
 * work: reductions, axpy, the softmax exponentials, RMSNorm, SwiGLU. Each is a plain Vector API loop plus a scalar tail.
 *
 * <p>Every result is a fixed sequence of IEEE operations, the same in the interpreter and in C2-compiled code, and the
 * same whatever else is in the batch. Two Vector API operations do not promise that and are never used here:
 * {@code reduceLanes(ADD)} (its lane order is unspecified, and the C2 intrinsic and the Java fallback differ) and
 * {@code lanewise(EXP)} (C2 calls an SVML routine, the fallback {@code Math.exp}; they differ in the last bit). They
 * are replaced by {@link #sumLanes} (a fixed tree) and {@link #exp(FloatVector)} (our own polynomial, with a scalar
 * twin {@link #exp(float)} that gives the same bits).
 */
public final class VectorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * ROTATE_BY_s moves lane j + s to lane j: the steps of {@link #sumLanes}'s tree. Constants, one field each, so
     * C2 knows each shuffle's exact class and intrinsifies the rearrange (from an array it may not, and then runs
     * the Vector API's Java fallback, many times slower).
     */
    private static final VectorShuffle<Float> ROTATE_BY_8 = VectorShuffle.iota(S, 8 % L, 1, true);
    private static final VectorShuffle<Float> ROTATE_BY_4 = VectorShuffle.iota(S, 4 % L, 1, true);
    private static final VectorShuffle<Float> ROTATE_BY_2 = VectorShuffle.iota(S, 2 % L, 1, true);
    private static final VectorShuffle<Float> ROTATE_BY_1 = VectorShuffle.iota(S, 1 % L, 1, true);
    // dots' tree (16 lanes only): the rotations the other way, and the lanes that take the second operand.
    private static final VectorShuffle<Float> ROTATE_BY_12 = VectorShuffle.iota(S, 12 % L, 1, true);
    private static final VectorShuffle<Float> ROTATE_BY_14 = VectorShuffle.iota(S, 14 % L, 1, true);
    private static final VectorShuffle<Float> ROTATE_BY_15 = VectorShuffle.iota(S, 15 % L, 1, true);
    private static final VectorMask<Float> LANES_8 = VectorMask.fromLong(S, 0xFF00L);
    private static final VectorMask<Float> LANES_4 = VectorMask.fromLong(S, 0xF0F0L);
    private static final VectorMask<Float> LANES_2 = VectorMask.fromLong(S, 0xCCCCL);
    private static final VectorMask<Float> LANES_1 = VectorMask.fromLong(S, 0xAAAAL);
    private static final int[] BIT_REVERSED = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

    private VectorOps() {}

    /**
     * Σ of the lanes in a fixed tree: lane j += lane j + L/2, then j + L/4, ..., so the order never depends on
     * the compiler. Use instead of {@code reduceLanes(ADD)}.
     */
    public static float sumLanes(FloatVector v) {
        for (int shift = L / 2; shift > 8; shift /= 2) {   // vectors wider than 512 bits (SVE): not constants
            v = v.add(v.rearrange(VectorShuffle.iota(S, shift, 1, true)));
        }
        if (L >= 16) {
            v = v.add(v.rearrange(ROTATE_BY_8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(ROTATE_BY_4));
        }
        if (L >= 4) {
            v = v.add(v.rearrange(ROTATE_BY_2));
        }
        if (L >= 2) {
            v = v.add(v.rearrange(ROTATE_BY_1));
        }
        return v.lane(0);
    }

    // exp(x) = 2^n · e^r with n = round(x·log2 e), r = x − n·ln 2 (Cody–Waite split of ln 2), e^r by Cephes expf's
    // minimax polynomial (1 + r + r²·P(r)): max error ~1 ulp over the range.
    private static final float EXP_HI = 88.0f;            // exp(88) < Float.MAX_VALUE, so 2^n never overflows
    private static final float EXP_LO = -87.33654f;       // below: exp(x) < Float.MIN_NORMAL, returned as 0
    private static final float BELOW_EXP_LO = Math.nextDown(EXP_LO);
    private static final float TWO_TO_100 = 0x1p100f;    // (x − BELOW_EXP_LO)·2^100 ≥ 1 for every float x ≥ EXP_LO
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;         // 1.5·2^23: x + ROUND − ROUND rounds x to an integer
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** e^x per lane, bit-identical to {@link #exp(float)} on each lane. */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.min(EXP_HI).max(EXP_LO);
        FloatVector shifted = clamped.fma(LOG2E, ROUND);             // ROUND + round(x·log2 e), exactly
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), clamped);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1).fma(r, FloatVector.broadcast(S, P2)).fma(r, FloatVector.broadcast(S, P3))
                .fma(r, FloatVector.broadcast(S, P4)).fma(r, FloatVector.broadcast(S, P5));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n: the integer n sits in the low mantissa bits of shifted; move it into the exponent field.
        FloatVector twoToN = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND) - 127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        // × 1 where x ≥ EXP_LO, × 0 below (and NaN stays NaN), without a mask: a blend on a compare's mask is not
        // always intrinsified by C2 and then runs the Vector API's Java fallback, many times slower.
        FloatVector keep = x.sub(BELOW_EXP_LO).mul(TWO_TO_100).max(0f).min(1f);
        return e.mul(twoToN).mul(keep);
    }

    /** e^x, the scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    public static float exp(float x) {
        if (x < EXP_LO) {
            return 0f;
        }
        float clamped = Math.max(Math.min(x, EXP_HI), EXP_LO);
        float shifted = Math.fma(clamped, LOG2E, ROUND);
        float n = shifted - ROUND;
        float r = Math.fma(n, -LN2_HI, clamped);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float e = p * (r * r) + r + 1f;
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(shifted) - (Float.floatToRawIntBits(ROUND) - 127))
                << 23);
        return e * twoToN;
    }

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
        float sum = sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** Rows of {@link #dots}: sixteen, a 512-bit vector's lanes. */
    public static final int DOTS = 16;

    /**
     * out[outOffset + r] = {@link #dot}(a, aOffset, b, bOffsets[r], n) for r &lt; {@link #DOTS}, bit for bit: where
     * a vector has 16 lanes, the sixteen lane sums share one transposing tree that adds each row's lanes in
     * sumLanes's order (lane j + lane j + 8, then + 4, + 2, + 1) with half of its shuffles and additions (30 of
     * each, and 15 blends). Attention's scores are such dots. {@code partial} is scratch of at least 8·16 floats.
     */
    public static void dots(float[] a, int aOffset, float[] b, int[] bOffsets, int n, float[] out, int outOffset,
                            float[] partial) {
        if (L != DOTS) {
            for (int r = 0; r < DOTS; r++) {
                out[outOffset + r] = dot(a, aOffset, b, bOffsets[r], n);
            }
            return;
        }
        // Each step halves the vectors: pairSums(x, y, h) keeps x's partial sums in the lanes where (lane & h) is
        // 0 and y's in the others, so after the four steps lane j holds the row in slot j's four bits reversed:
        // rows go in in that order (BIT_REVERSED) and come out in order. All in one method, with the steps'
        // results in `partial`: a helper returning a vector that C2 does not inline would box it.
        int whole = S.loopBound(n);
        for (int pair = 0; pair < 8; pair++) {   // step 8, with dot's accumulators for the pair's two rows
            int xOffset = bOffsets[BIT_REVERSED[2 * pair]];
            int yOffset = bOffsets[BIT_REVERSED[2 * pair + 1]];
            FloatVector x0 = FloatVector.zero(S), x1 = FloatVector.zero(S);
            FloatVector y0 = FloatVector.zero(S), y1 = FloatVector.zero(S);
            int i = 0;
            for (; i <= n - 2 * L; i += 2 * L) {
                FloatVector a0 = FloatVector.fromArray(S, a, aOffset + i);
                FloatVector a1 = FloatVector.fromArray(S, a, aOffset + i + L);
                x0 = a0.fma(FloatVector.fromArray(S, b, xOffset + i), x0);
                x1 = a1.fma(FloatVector.fromArray(S, b, xOffset + i + L), x1);
                y0 = a0.fma(FloatVector.fromArray(S, b, yOffset + i), y0);
                y1 = a1.fma(FloatVector.fromArray(S, b, yOffset + i + L), y1);
            }
            if (i < whole) {
                FloatVector a0 = FloatVector.fromArray(S, a, aOffset + i);
                x0 = a0.fma(FloatVector.fromArray(S, b, xOffset + i), x0);
                y0 = a0.fma(FloatVector.fromArray(S, b, yOffset + i), y0);
            }
            pairSums(x0.add(x1), y0.add(y1), ROTATE_BY_8, ROTATE_BY_8, LANES_8).intoArray(partial, pair * L);
        }
        for (int quad = 0; quad < 4; quad++) {   // step 4
            FloatVector x = FloatVector.fromArray(S, partial, 2 * quad * L);
            FloatVector y = FloatVector.fromArray(S, partial, (2 * quad + 1) * L);
            pairSums(x, y, ROTATE_BY_4, ROTATE_BY_12, LANES_4).intoArray(partial, quad * L);
        }
        FloatVector low = pairSums(FloatVector.fromArray(S, partial, 0), FloatVector.fromArray(S, partial, L),
                ROTATE_BY_2, ROTATE_BY_14, LANES_2);
        FloatVector high = pairSums(FloatVector.fromArray(S, partial, 2 * L),
                FloatVector.fromArray(S, partial, 3 * L), ROTATE_BY_2, ROTATE_BY_14, LANES_2);
        pairSums(low, high, ROTATE_BY_1, ROTATE_BY_15, LANES_1).intoArray(out, outOffset);
        for (int r = 0; r < DOTS; r++) {   // the tail, after the tree, in order, as in dot
            for (int i = whole; i < n; i++) {
                out[outOffset + r] += a[aOffset + i] * b[bOffsets[r] + i];
            }
        }
    }

    /**
     * One step of dots' tree: lane j of x + lane j + h of x where (j &amp; h) is 0, lane j of y + lane j − h of y
     * in the others (the same sums as sumLanes's step h, as x + y = y + x bit for bit).
     */
    private static FloatVector pairSums(FloatVector x, FloatVector y, VectorShuffle<Float> plusH,
                                        VectorShuffle<Float> minusH, VectorMask<Float> yLanes) {
        return x.add(x.rearrange(plusH)).blend(y.add(y.rearrange(minusH)), yLanes);
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
        float sum = sumLanes(acc);
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
        // One exp call site for whole vectors and the tail alike (masked lanes; exp(float) would give the same
        // bits): attention rows are often shorter than a vector, and a call site that runs on few invocations is
        // cold to C2, which then keeps exp out of line, on the Vector API's Java fallback, many times slower.
        int whole = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> lanes = S.indexInRange(i, n);
            FloatVector e = exp(FloatVector.fromArray(S, x, offset + i, lanes).sub(shift));
            e.intoArray(x, offset + i, lanes);
            if (i < whole) {
                acc = acc.add(e);
            }
        }
        float sum = sumLanes(acc);
        for (int i = whole; i < n; i++) {
            sum += x[offset + i];
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
            g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(S, up, upOffset + i)).intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            float g = gate[gateOffset + i];
            out[outOffset + i] = g / (exp(-g) + 1f) * up[upOffset + i];
        }
    }
}
