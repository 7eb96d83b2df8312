package dev.reason4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorOpsTest {
    private final Random random = new Random(7);

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian() * 3;
        }
        return x;
    }

    @Test
    void reductionsMatchScalarLoops() {
        for (int n : new int[] {0, 1, 7, 8, 15, 16, 17, 33, 100, 1001}) {
            float[] a = random(n + 3);
            float[] b = random(n + 5);
            double dot = 0, sum = 0, squares = 0, max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                dot += (double) a[i + 3] * b[i + 5];
                sum += a[i + 3];
                squares += (double) a[i + 3] * a[i + 3];
                max = Math.max(max, a[i + 3]);
            }
            assertEquals(dot, VectorOps.dot(a, 3, b, 5, n), 1e-4 * (1 + Math.sqrt(n)));
            assertEquals(sum, VectorOps.sum(a, 3, n), 1e-4 * (1 + Math.sqrt(n)));
            assertEquals(squares, VectorOps.sumOfSquares(a, 3, n), 1e-5 * (1 + squares));
            assertEquals((float) max, VectorOps.max(a, 3, n));
        }
    }

    @Test
    void axpyScaleMultiply() {
        int n = 37;
        float[] x = random(n);
        float[] y = random(n + 1);
        float[] expected = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            expected[i] = i == 0 ? y[0] : y[i] + 0.5f * x[i - 1];
        }
        VectorOps.axpy(0.5f, x, 0, y, 1, n);
        for (int i = 0; i <= n; i++) {
            assertEquals(expected[i], y[i], 1e-6);
        }
        float[] z = x.clone();
        VectorOps.scale(z, 0, n, -2f);
        for (int i = 0; i < n; i++) {
            assertEquals(-2f * x[i], z[i]);
        }
    }

    @Test
    void rmsNormAndSwiglu() {
        int n = 29;
        float[] x = random(n);
        float[] weight = random(n);
        float[] out = new float[n];
        double meanSquare = 0;
        for (float v : x) {
            meanSquare += (double) v * v / n;
        }
        double inverseRms = 1 / Math.sqrt(meanSquare + 1e-6);
        assertEquals(inverseRms, VectorOps.rmsNorm(x, 0, weight, 0, 1e-6f, out, 0, n), 1e-6 * inverseRms);
        float[] gate = random(n);
        float[] up = random(n);
        float[] swiglu = new float[n];
        VectorOps.swiglu(gate, 0, up, 0, swiglu, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(x[i] * inverseRms * weight[i], out[i], 1e-5 * (1 + Math.abs(out[i])));
            double silu = gate[i] / (1 + Math.exp(-gate[i]));
            assertEquals(silu * up[i], swiglu[i], 1e-5 * (1 + Math.abs(swiglu[i])));
        }
    }

    @Test
    void expIsAccurateAndItsVectorAndScalarFormsAgreeBitForBit() {
        int n = 100_003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -110f + 200f * i / n;   // across the whole range, past both ends
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = 0f;
        x[2] = -0f;
        x[3] = Float.NaN;
        x[4] = -87.33654f;                                    // the lowest input that is not 0
        x[5] = Math.nextDown(-87.33654f);
        x[6] = Float.POSITIVE_INFINITY;
        x[7] = Float.intBitsToFloat(0xffc00000);              // a NaN with the sign bit set
        x[8] = Float.MAX_VALUE;
        x[9] = -Float.MAX_VALUE;
        float[] lanes = new float[n + 16];
        jdk.incubator.vector.VectorSpecies<Float> species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        for (int i = 0; i + species.length() <= n; i += species.length()) {
            VectorOps.exp(jdk.incubator.vector.FloatVector.fromArray(species, x, i)).intoArray(lanes, i);
        }
        for (int i = 0; i < species.loopBound(n); i++) {
            float scalar = VectorOps.exp(x[i]);
            assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(lanes[i]), "x = " + x[i]);
            double exact = Math.exp(x[i]);
            if (Float.isNaN(x[i])) {
                assertEquals(Float.NaN, scalar);
            } else if (x[i] < -87.33654f) {
                assertEquals(0f, scalar);                       // below the smallest normal float
            } else if (x[i] <= 88f) {
                assertEquals(exact, scalar, 2 * Math.ulp((float) exact), "x = " + x[i]);
            } else {
                assertEquals((float) Math.exp(88.0), scalar, Math.ulp((float) Math.exp(88.0)) * 2);  // clamped
            }
        }
        assertEquals(1f, VectorOps.exp(0f));
    }

    @Test
    void sumLanesIsAFixedTree() {
        jdk.incubator.vector.VectorSpecies<Float> species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        float[] lanes = random(species.length());
        lanes[0] = 1e8f;   // a big lane makes the order visible in the low bits
        float[] tree = lanes.clone();
        for (int width = lanes.length / 2; width >= 1; width /= 2) {
            for (int j = 0; j < width; j++) {
                tree[j] += tree[j + width];
            }
        }
        float sum = VectorOps.sumLanes(jdk.incubator.vector.FloatVector.fromArray(species, lanes, 0));
        assertEquals(Float.floatToIntBits(tree[0]), Float.floatToIntBits(sum));
    }

    @Test
    void expAndSumIsExpPerElementAndALaneWiseSumThenTheTreeThenTheTailInOrder() {
        int width = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int n = 0; n <= 3 * width + 3; n++) {   // shorter than a vector, whole vectors, and tails
            float[] x = random(n + 4);
            float shift = 1.5f;
            float[] expected = x.clone();
            float[] accumulator = new float[width];
            int whole = n / width * width;
            for (int i = 0; i < n; i++) {
                expected[2 + i] = VectorOps.exp(x[2 + i] - shift);
                if (i < whole) {
                    accumulator[i % width] += expected[2 + i];
                }
            }
            for (int w = width / 2; w >= 1; w /= 2) {
                for (int j = 0; j < w; j++) {
                    accumulator[j] += accumulator[j + w];
                }
            }
            float sum = accumulator[0];
            for (int i = whole; i < n; i++) {
                sum += expected[2 + i];
            }
            float got = VectorOps.expAndSum(x, 2, n, shift);
            assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(got), "n = " + n);
            for (int i = 0; i < x.length; i++) {   // the neighbours outside [2, 2 + n) are untouched
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(x[i]), "n = " + n + ", i = " + i);
            }
        }
    }

    @Test
    void dotsAreDotBitForBit() {
        for (int n : new int[] {0, 1, 15, 16, 17, 31, 32, 48, 63, 64, 65, 100, 128}) {
            float[] a = random(n + 3);
            float[] b = random(40 * (n + 1));
            a[a.length - 1] = 1e7f;   // big terms make any other order of the additions visible in the low bits
            int[] offsets = new int[VectorOps.DOTS];
            for (int r = 0; r < offsets.length; r++) {
                offsets[r] = random.nextInt(b.length - n + 1);
                if (n > 0) {
                    b[offsets[r] + Math.min(n - 1, 5 + r)] = -3e6f * (r + 1);
                }
            }
            float[] out = new float[VectorOps.DOTS + 2];
            VectorOps.dots(a, 3, b, offsets, n, out, 1, new float[8 * VectorOps.DOTS]);
            for (int r = 0; r < offsets.length; r++) {
                assertEquals(Float.floatToIntBits(VectorOps.dot(a, 3, b, offsets[r], n)),
                        Float.floatToIntBits(out[1 + r]), "n = " + n + ", row " + r);
            }
            assertEquals(0f, out[0]);
            assertEquals(0f, out[VectorOps.DOTS + 1]);
        }
    }
}
