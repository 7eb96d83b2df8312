package dev.reason4j.model;

import dev.reason4j.tensor.VectorOps;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each op's float32 backward against central finite differences of a float64 reference of the op: for
 * loss = Σ r·op(inputs) with random r, dLoss/dinput from our backward must match (f(x+h) − f(x−h)) / 2h in double.
 */
class OpsGradientTest {
    private final Random random = new Random(1234);

    private double[] randomDoubles(int n, double std) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = std * random.nextGaussian();
        }
        return out;
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** Checks every element of analytic against the central difference of loss with respect to input. */
    private static void checkGradient(String what, double[] input, float[] analytic, Function<double[], Double> loss) {
        double h = 1e-6;
        for (int i = 0; i < input.length; i++) {
            double saved = input[i];
            input[i] = saved + h;
            double plus = loss.apply(input);
            input[i] = saved - h;
            double minus = loss.apply(input);
            input[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            assertEquals(numeric, analytic[i], 2e-5 + 1e-4 * Math.abs(numeric), what + "[" + i + "]");
        }
    }

    // ---------------------------------------------------------------------------------------------- RMSNorm

    private static double[] rmsNormReference(double[] x, double[] w, double eps) {
        double meanSquare = dot(x, x) / x.length;
        double rstd = 1 / Math.sqrt(meanSquare + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * rstd * w[i];
        }
        return y;
    }

    @Test
    void rmsNorm() {
        int n = 37;
        float eps = 1e-5f;
        double[] x = randomDoubles(n, 1.5);
        double[] w = randomDoubles(n, 1.0);
        double[] r = randomDoubles(n, 1.0);
        float[] y = new float[n];
        float rstd = VectorOps.rmsNorm(toFloat(x), 0, toFloat(w), 0, eps, y, 0, n);
        double[] expected = rmsNormReference(x, w, eps);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], y[i], 1e-5, "y[" + i + "]");
        }
        float[] dx = new float[n];
        float[] dw = new float[n];
        Ops.rmsNormBackward(toFloat(r), 0, toFloat(x), 0, toFloat(w), 0, rstd, dx, 0, n);
        Ops.rmsNormWeightGrad(toFloat(r), 0, toFloat(x), 0, rstd, dw, 0, n);
        checkGradient("rmsNorm dx", x, dx, input -> dot(r, rmsNormReference(input, w, eps)));
        checkGradient("rmsNorm dw", w, dw, input -> dot(r, rmsNormReference(x, input, eps)));
    }

    // ---------------------------------------------------------------------------------------------- RoPE

    private static double[] ropeReference(double[] x, int position, float[] invFreq) {
        int half = x.length / 2;
        double[] y = new double[x.length];
        for (int i = 0; i < half; i++) {
            double angle = (double) ((float) position * invFreq[i]);
            y[i] = x[i] * Math.cos(angle) - x[i + half] * Math.sin(angle);
            y[i + half] = x[i + half] * Math.cos(angle) + x[i] * Math.sin(angle);
        }
        return y;
    }

    @Test
    void rope() {
        int d = 16;
        int position = 13;
        ModelConfig config = ModelConfig.tiny(ModelConfig.Architecture.LLAMA, 10, 32, 8, 1, 2, 2, false);
        float[] invFreq = Rope.inverseFrequencies(config);
        double[] x = randomDoubles(d, 1.0);
        double[] r = randomDoubles(d, 1.0);
        Rope.Angles angles = new Rope(invFreq).angles(position);
        float[] y = toFloat(x);
        Ops.rope(y, 0, d, angles.cos(), angles.sin(), position * (d / 2), 1f);
        double[] expected = ropeReference(x, position, invFreq);
        for (int i = 0; i < d; i++) {
            assertEquals(expected[i], y[i], 1e-6);
        }
        float[] dx = toFloat(r);
        Ops.rope(dx, 0, d, angles.cos(), angles.sin(), position * (d / 2), -1f);
        checkGradient("rope dx", x, dx, input -> dot(r, ropeReference(input, position, invFreq)));
    }

    // ---------------------------------------------------------------------------------------------- SwiGLU

    private static double[] swigluReference(double[] gate, double[] up) {
        double[] y = new double[gate.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        return y;
    }

    @Test
    void swiglu() {
        int n = 29;
        double[] gate = randomDoubles(n, 2.0);
        double[] up = randomDoubles(n, 1.0);
        double[] r = randomDoubles(n, 1.0);
        float[] act = new float[n];
        VectorOps.swiglu(toFloat(gate), 0, toFloat(up), 0, act, 0, n);
        double[] expected = swigluReference(gate, up);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], act[i], 1e-6);
        }
        float[] dGate = new float[n];
        float[] dUp = new float[n];
        Ops.swigluBackward(toFloat(r), toFloat(gate), toFloat(up), dGate, dUp, 0, n);
        checkGradient("swiglu dGate", gate, dGate, input -> dot(r, swigluReference(input, up)));
        checkGradient("swiglu dUp", up, dUp, input -> dot(r, swigluReference(gate, input)));
    }

    // ---------------------------------------------------------------------------------------------- attention

    /** softmax(q·Kᵀ/√d)·V for one query over `length` keys in rows of `stride` at column `col`. */
    private static double[] attentionReference(double[] q, double[] keys, double[] values, int length, int stride,
                                               int col) {
        int d = q.length;
        double[] scores = new double[length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += q[i] * keys[j * stride + col + i];
            }
            scores[j] = s / Math.sqrt(d);
            max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j < length; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
        }
        double[] out = new double[d];
        for (int j = 0; j < length; j++) {
            for (int i = 0; i < d; i++) {
                out[i] += scores[j] / sum * values[j * stride + col + i];
            }
        }
        return out;
    }

    /** Causal attention of a sequence, query heads [h0, h1) over one kv head: out[t·qStride + h·d ..]. */
    private static double[] causalAttentionReference(double[] q, double[] keys, double[] values, int length,
                                                      int qStride, int h0, int h1, int d, int kvStride, int kvCol) {
        double[] out = new double[length * qStride];
        for (int t = 0; t < length; t++) {
            for (int h = h0; h < h1; h++) {
                double[] row = java.util.Arrays.copyOfRange(q, t * qStride + h * d, t * qStride + (h + 1) * d);
                double[] o = attentionReference(row, keys, values, t + 1, kvStride, kvCol);
                System.arraycopy(o, 0, out, t * qStride + h * d, d);
            }
        }
        return out;
    }

    @Test
    void attentionForwardAndBlockedBackward() {
        // Two query heads (1 and 2 of four) share kv head 1 of three; 37 rows span two query blocks of the backward,
        // and the head dimension is not a multiple of the kernel's panel width.
        int d = 12;
        int length = Ops.BACKWARD_QUERY_BLOCK + 5;
        int heads = 4;
        int qStride = heads * d;
        int kvStride = 3 * d;
        int kvCol = d;
        int h0 = 1;
        int h1 = 3;
        double[] q = randomDoubles(length * qStride, 1.0);
        double[] keys = randomDoubles(length * kvStride, 1.0);
        double[] values = randomDoubles(length * kvStride, 1.0);
        double[] r = randomDoubles(length * qStride, 1.0);
        float scale = (float) (1 / Math.sqrt(d));
        float[] qf = toFloat(q);
        float[] kf = toFloat(keys);
        float[] vf = toFloat(values);
        float[] out = new float[length * qStride];
        float[] lse = new float[length * heads];
        for (int t = 0; t < length; t++) {
            Ops.attendGroup(qf, t * qStride + h0 * d, h1 - h0, kf, vf, new int[]{0}, KvBlocks.ONE_BLOCK, kvStride,
                    kvCol, t + 1, d, scale, new float[(h1 - h0) * length], out, t * qStride + h0 * d, lse,
                    t * heads + h0);
        }
        double[] expected = causalAttentionReference(q, keys, values, length, qStride, h0, h1, d, kvStride, kvCol);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], out[i], 1e-6);
        }
        // Only the heads' columns carry a gradient (r elsewhere would read outputs that are not computed).
        float[] dOut = new float[length * qStride];
        for (int t = 0; t < length; t++) {
            for (int c = h0 * d; c < h1 * d; c++) {
                dOut[t * qStride + c] = (float) r[t * qStride + c];
            }
        }
        double[] weights = toDouble(dOut);
        float[] dq = new float[q.length];
        float[] dKeys = new float[keys.length];
        float[] dValues = new float[values.length];
        int block = Ops.BACKWARD_QUERY_BLOCK * length;
        Ops.attentionBackward(qf, out, dOut, dq, qStride, kf, vf, dKeys, dValues, kvStride, kvCol, 0, length, h0, h1,
                d, scale, lse, heads, new float[block], new float[block]);
        checkGradient("attention dq", q, dq, input -> dot(weights,
                causalAttentionReference(input, keys, values, length, qStride, h0, h1, d, kvStride, kvCol)));
        checkGradient("attention dk", keys, dKeys, input -> dot(weights,
                causalAttentionReference(q, input, values, length, qStride, h0, h1, d, kvStride, kvCol)));
        checkGradient("attention dv", values, dValues, input -> dot(weights,
                causalAttentionReference(q, keys, input, length, qStride, h0, h1, d, kvStride, kvCol)));
    }

    // ---------------------------------------------------------------------------------------------- log-softmax

    /** gLogProb·log p(target) + gEntropy·H of softmax(z/T), in double. */
    private static double logSoftmaxLoss(double[] z, double invT, int target, double gLogProb, double gEntropy) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v * invT);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v * invT - max);
        }
        double lse = max + Math.log(sum);
        double entropy = 0;
        for (double v : z) {
            double logP = v * invT - lse;
            entropy -= Math.exp(logP) * logP;
        }
        return gLogProb * (z[target] * invT - lse) + gEntropy * entropy;
    }

    @Test
    void logSoftmaxLogProbAndEntropy() {
        int n = 41;   // not a multiple of the vector length: the tail loop runs too
        double[] z = randomDoubles(n, 3.0);
        float invT = 1f / 0.7f;
        int target = 17;
        float gLogProb = 0.8f;
        float gEntropy = -1.3f;
        float[] logits = toFloat(z);
        float[] stats = new float[2];
        Ops.logSoftmaxStats(logits, 0, n, invT, stats);
        assertEquals(logSoftmaxLoss(z, invT, target, 1, 0), Ops.logProb(logits, 0, target, invT, stats[0]), 1e-5);
        assertEquals(logSoftmaxLoss(z, invT, target, 0, 1), stats[1], 1e-5);
        Ops.logSoftmaxBackward(logits, 0, n, invT, stats[0], stats[1], target, gLogProb, gEntropy);
        checkGradient("logSoftmax dz", z, logits, input -> logSoftmaxLoss(input, invT, target, gLogProb, gEntropy));
    }
}
