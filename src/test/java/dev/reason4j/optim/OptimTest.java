package dev.reason4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptimTest {
    @TempDir
    Path dir;

    /** AdamW in double precision, written from the PyTorch docs' algorithm. */
    private static void referenceStep(double[] p, double[] g, double[] m, double[] v, int t, double lr,
                                      double beta1, double beta2, double eps, double weightDecay) {
        for (int i = 0; i < p.length; i++) {
            p[i] -= lr * weightDecay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(beta1, t));
            double vHat = v[i] / (1 - Math.pow(beta2, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    @Test
    void adamWMatchesDoubleReferenceWithDecayExclusion() throws IOException {
        int n = 1000;  // not a multiple of the vector width: the scalar tail runs too
        Random random = new Random(3);
        float[] weight = new float[n];
        float[] norm = new float[7];
        double[] weightRef = new double[n];
        double[] normRef = new double[7];
        for (int i = 0; i < n; i++) {
            weight[i] = (float) random.nextGaussian();
            weightRef[i] = weight[i];
        }
        for (int i = 0; i < 7; i++) {
            norm[i] = 1f + i;
            normRef[i] = norm[i];
        }
        double beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1;
        AdamW adamW = new AdamW(beta1, beta2, eps, weightDecay, AdamW.exceptNormsAndBiases());
        double[] m = new double[n], v = new double[n], mNorm = new double[7], vNorm = new double[7];
        LearningRateSchedule schedule = LearningRateSchedule.create("cosine", 1e-2, 2, 10, 0.1);
        for (int t = 1; t <= 5; t++) {
            float[] grad = new float[n];
            double[] gradRef = new double[n];
            for (int i = 0; i < n; i++) {
                grad[i] = (float) (random.nextGaussian() * 0.1);
                gradRef[i] = grad[i];
            }
            float[] normGrad = new float[7];
            double[] normGradRef = new double[7];
            for (int i = 0; i < 7; i++) {
                normGrad[i] = (float) (0.01 * (i - 3));
                normGradRef[i] = normGrad[i];
            }
            double lr = schedule.at(t - 1);
            adamW.beginStep();
            adamW.update("model.layers.0.mlp.up_proj.weight", weight, grad, lr);
            adamW.update("model.layers.0.input_layernorm.weight", norm, normGrad, lr);
            referenceStep(weightRef, gradRef, m, v, t, lr, beta1, beta2, eps, weightDecay);
            referenceStep(normRef, normGradRef, mNorm, vNorm, t, lr, beta1, beta2, eps, 0);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(weightRef[i], weight[i], 2e-6, "weight " + i);
        }
        for (int i = 0; i < 7; i++) {
            assertEquals(normRef[i], norm[i], 2e-6, "norm " + i);
        }

        // Save, load into a fresh optimizer, and both take the same next step.
        Path state = dir.resolve("optimizer.safetensors");
        adamW.save(state);
        AdamW restored = new AdamW(beta1, beta2, eps, weightDecay, AdamW.exceptNormsAndBiases());
        restored.load(state);
        assertEquals(5, restored.step());
        float[] weightCopy = weight.clone();
        float[] grad = new float[n];
        java.util.Arrays.fill(grad, 0.05f);
        adamW.beginStep();
        restored.beginStep();
        adamW.update("model.layers.0.mlp.up_proj.weight", weight, grad, 1e-3);
        restored.update("model.layers.0.mlp.up_proj.weight", weightCopy, grad.clone(), 1e-3);
        assertArrayEquals(weight, weightCopy);
    }

    @Test
    void firstStepMovesByLearningRateTimesSign() {
        // With bias correction, step 1 moves each weight by lr·g/(|g|+eps) ≈ lr·sign(g).
        AdamW adamW = new AdamW(0.9, 0.999, 1e-8, 0, name -> true);
        float[] p = {1f, 1f, 1f};
        adamW.beginStep();
        adamW.update("p", p, new float[] {0.5f, -3f, 0f}, 0.1);
        assertEquals(0.9f, p[0], 1e-6);
        assertEquals(1.1f, p[1], 1e-6);
        assertEquals(1f, p[2]);
        assertThrows(IllegalArgumentException.class, () -> adamW.update("p", p, new float[2], 0.1));
        assertThrows(IllegalStateException.class, () -> new AdamW(0.9, 0.999, 1e-8, 0, n -> true)
                .update("p", p, new float[3], 0.1));
    }

    @Test
    void decayExclusionByName() {
        var decays = AdamW.exceptNormsAndBiases();
        assertTrue(decays.test("model.layers.3.self_attn.q_proj.weight"));
        assertFalse(decays.test("model.layers.3.self_attn.q_proj.bias"));
        assertFalse(decays.test("model.layers.3.post_attention_layernorm.weight"));
        assertFalse(decays.test("model.layers.3.self_attn.q_norm.weight"));
        assertFalse(decays.test("model.norm.weight"));
    }

    @Test
    void globalNormClipping() {
        float[] a = {3f, 0f};
        float[] b = {4f};
        double norm = GradientClipping.clipByGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-12);
        double scale = 1.0 / (5.0 + 1e-6);
        assertEquals(3 * scale, a[0], 1e-7);
        assertEquals(4 * scale, b[0], 1e-7);
        assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-6);
        float[] small = {0.1f};
        assertEquals(0.1, GradientClipping.clipByGlobalNorm(List.of(small), 1.0), 1e-7);
        assertEquals(0.1f, small[0]);  // below the limit: untouched
        float[] broken = {Float.NaN, 1f};
        assertTrue(Double.isNaN(GradientClipping.clipByGlobalNorm(List.of(broken), 1.0)));
        assertEquals(1f, broken[1]);
    }

    @Test
    void schedulesAtKnownPoints() {
        LearningRateSchedule constant = LearningRateSchedule.create("constant", 1e-3, 4, 100, 0);
        assertEquals(0.0, constant.at(0));
        assertEquals(0.5e-3, constant.at(2), 1e-15);
        assertEquals(1e-3, constant.at(4));
        assertEquals(1e-3, constant.at(1000));
        assertEquals(1e-3, LearningRateSchedule.create("constant", 1e-3, 0, 100, 0).at(0));

        LearningRateSchedule cosine = LearningRateSchedule.create("cosine", 1.0, 10, 110, 0.1);
        assertEquals(0.1, cosine.at(0), 1e-12);              // warm-up starts at the floor (verl)
        assertEquals(0.55, cosine.at(5), 1e-12);
        assertEquals(1.0, cosine.at(10), 1e-12);             // peak after warm-up
        assertEquals(0.55, cosine.at(60), 1e-12);            // half-way: (1 + 0.1) / 2
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), cosine.at(35), 1e-12);
        assertEquals(0.1, cosine.at(110), 1e-12);            // floor at the end
        assertEquals(0.1, cosine.at(500), 1e-12);            // and after

        LearningRateSchedule linear = LearningRateSchedule.create("linear", 2.0, 0, 10, 0);
        assertEquals(2.0, linear.at(0));
        assertEquals(1.0, linear.at(5), 1e-12);
        assertEquals(0.0, linear.at(10));

        var error = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.create("cosnie", 1, 0, 1, 0));
        assertTrue(error.getMessage().contains("cosine"));
    }
}
