package dev.reason4j.model;

import dev.reason4j.model.ModelConfig.Architecture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerTest {

    /** Tiny configs of the three architectures: GQA (4 heads, 2 kv heads), untied and tied, Llama 3 rope scaling. */
    static List<ModelConfig> tinyConfigs() {
        ModelConfig qwen2 = ModelConfig.tiny(Architecture.QWEN2, 61, 32, 48, 2, 4, 2, false);
        ModelConfig qwen3 = new ModelConfig(Architecture.QWEN3, 53, 32, 40, 2, 4, 2, 12, 1e-6f, 1e6, null, 4096,
                true, 0.02f, 0, List.of(1));
        ModelConfig llama = new ModelConfig(Architecture.LLAMA, 47, 24, 40, 2, 4, 1, 6, 1e-5f, 500000.0,
                new ModelConfig.Llama3RopeScaling(8.0, 1.0, 4.0, 16), 4096, false, 0.02f, 0, List.of(1));
        return List.of(qwen2, qwen3, llama);
    }

    /** A model whose every weight (norms and biases included) is random with the given std, so all paths matter. */
    static Transformer randomModel(ModelConfig config, long seed, double std) {
        Transformer model = Transformer.create(config, seed);
        Random random = new Random(seed);
        for (Weight w : model.weights()) {
            for (int i = 0; i < w.data.length; i++) {
                double base = w.name.endsWith("norm.weight") ? 1.0 : 0.0;
                w.data[i] = (float) (base + std * random.nextGaussian());
            }
        }
        return model;
    }

    static List<int[]> randomSequences(int vocab, long seed, int... lengths) {
        Random random = new Random(seed);
        List<int[]> sequences = new ArrayList<>();
        for (int length : lengths) {
            int[] tokens = new int[length];
            for (int t = 0; t < length; t++) {
                tokens[t] = random.nextInt(vocab);
            }
            sequences.add(tokens);
        }
        return sequences;
    }

    static float[][] randomLike(float[][] shape, Random random) {
        float[][] out = new float[shape.length][];
        for (int b = 0; b < shape.length; b++) {
            out[b] = new float[shape[b].length];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = (float) random.nextGaussian();
            }
        }
        return out;
    }

    @Test
    void forwardMatchesFloat64Reference() {
        for (ModelConfig config : tinyConfigs()) {
            Transformer model = randomModel(config, 7, 0.3);
            model.addValueHead(3);
            model.addScoreHead(4, true);
            List<int[]> sequences = randomSequences(config.vocabSize(), 11, 6, 1, 9);
            for (float temperature : new float[]{1f, 0.7f}) {
                ForwardResult result = model.forward(sequences, ForwardOptions.inference().withTemperature(temperature)
                        .withEntropy(true).withValues(true).withScores(true).withMeanLogProbs(true));
                ReferenceModel reference = new ReferenceModel(model);
                for (int b = 0; b < sequences.size(); b++) {
                    ReferenceModel.Outputs expected = reference.forward(sequences.get(b), temperature);
                    String what = config.architecture() + " T=" + temperature + " sequence " + b;
                    assertClose(expected.logProbs(), result.logProbs[b], 2e-5, what + " logProbs");
                    assertClose(expected.entropy(), result.entropy[b], 2e-5, what + " entropy");
                    assertClose(expected.meanLogProbs(), result.meanLogProbs[b], 2e-5, what + " mean log-prob");
                    assertClose(expected.values(), result.values[b], 2e-5, what + " values");
                    assertClose(expected.scores(), result.scores[b], 2e-5, what + " scores");
                }
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfFloat64Reference() {
        for (ModelConfig config : tinyConfigs()) {
            Transformer model = randomModel(config, 5, 0.3);
            model.addValueHead(8);
            model.addScoreHead(9, true);
            List<int[]> sequences = randomSequences(config.vocabSize(), 13, 5, 7, 2);
            float temperature = 0.8f;
            ForwardResult result = model.forward(sequences, ForwardOptions.training().withTemperature(temperature)
                    .withEntropy(true).withValues(true).withScores(true));
            Random random = new Random(17);
            float[][] gLogProbs = randomLike(result.logProbs, random);
            float[][] gEntropy = randomLike(result.entropy, random);
            float[][] gValues = randomLike(result.values, random);
            float[][] gScores = randomLike(result.scores, random);
            model.zeroGrad();
            model.backward(result, gLogProbs, gEntropy, gValues, gScores);

            ReferenceModel reference = new ReferenceModel(model);
            double h = 1e-5;
            for (Weight w : model.weights()) {
                double[] values = reference.w(w.name);
                int checks = Math.min(values.length, 6);
                for (int c = 0; c < checks; c++) {
                    int i = c < 2 ? c : random.nextInt(values.length);
                    double saved = values[i];
                    values[i] = saved + h;
                    double plus = reference.loss(sequences, temperature, gLogProbs, gEntropy, gValues, gScores);
                    values[i] = saved - h;
                    double minus = reference.loss(sequences, temperature, gLogProbs, gEntropy, gValues, gScores);
                    values[i] = saved;
                    double numeric = (plus - minus) / (2 * h);
                    double analytic = w.grad[i];
                    assertEquals(numeric, analytic, 1e-4 + 2e-4 * Math.abs(numeric),
                            config.architecture() + " d" + w.name + "[" + i + "]");
                }
            }
        }
    }

    /** A score model is the trunk, copied, with a fresh score head and no LM head (nor its tensor). */
    @Test
    void aScoreModelIsTheTrunkWithAScoreHeadAndNoLmHead() {
        ModelConfig config = tinyConfigs().get(0);   // untied: lm_head is a tensor of its own
        Transformer policy = randomModel(config, 31, 0.3);
        Transformer scorer = policy.scoreModel(6, false);
        assertFalse(scorer.hasLmHead());
        List<String> expected = new ArrayList<>();
        for (Weight w : policy.weights()) {
            if (!w.name.equals("lm_head.weight")) {
                expected.add(w.name);
            }
        }
        expected.add("score.weight");
        assertEquals(expected, scorer.weights().stream().map(w -> w.name).toList());
        policy.addScoreHead(6, false);   // the same head on the policy itself: the same scores, bit for bit
        List<int[]> sequences = randomSequences(config.vocabSize(), 32, 5, 2);
        ForwardOptions scores = ForwardOptions.inference().withLogProbs(false).withScores(true);
        ForwardResult fromPolicy = policy.forward(sequences, scores);
        ForwardResult fromScorer = scorer.forward(sequences, scores);
        for (int b = 0; b < sequences.size(); b++) {
            assertArrayEquals(fromPolicy.scores[b], fromScorer.scores[b]);
        }
        scorer.weights().getFirst().data[0] += 1f;   // a copy: the policy's trunk is not shared
        assertNotEquals(scorer.weights().getFirst().data[0], policy.weights().getFirst().data[0]);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> scorer.forward(sequences, ForwardOptions.inference()));
        assertEquals("forward asked for log-probs or entropy but the model has no LM head", error.getMessage());
    }

    @Test
    void recomputedActivationsGiveTheSameGradients() {
        ModelConfig config = tinyConfigs().get(1);
        Transformer model = randomModel(config, 21, 0.3);
        List<int[]> sequences = randomSequences(config.vocabSize(), 22, 8, 3);
        Random random = new Random(23);
        ForwardResult kept = model.forward(sequences, ForwardOptions.training().withEntropy(true));
        float[][] gLogProbs = randomLike(kept.logProbs, random);
        float[][] gEntropy = randomLike(kept.entropy, random);
        model.zeroGrad();
        model.backward(kept, gLogProbs, gEntropy, null);
        List<float[]> expected = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            expected.add(p.grad().clone());
        }
        ForwardResult recomputed = model.forward(sequences, ForwardOptions.training().withEntropy(true)
                .withRecompute(true));
        assertArrayEquals(kept.logProbs[0], recomputed.logProbs[0]);
        model.zeroGrad();
        model.backward(recomputed, gLogProbs, gEntropy, null);
        List<Parameter> parameters = model.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            assertArrayEquals(expected.get(i), parameters.get(i).grad(), parameters.get(i).name());
        }
    }

    @Test
    void batchingDoesNotChangeAnySequencesResult() {
        ModelConfig config = tinyConfigs().get(0);
        Transformer model = randomModel(config, 31, 0.3);
        List<int[]> sequences = randomSequences(config.vocabSize(), 32, 4, 9, 6);
        ForwardResult together = model.forward(sequences, ForwardOptions.inference());
        for (int b = 0; b < sequences.size(); b++) {
            ForwardResult alone = model.forward(List.of(sequences.get(b)), ForwardOptions.inference());
            // Up to float rounding: the matrix products' blocking depends on the number of rows.
            assertArrayEquals(alone.logProbs[0], together.logProbs[b], 1e-5f);
        }
    }

    @Test
    void parametersAreHfNamedAndGradientsAccumulate() {
        ModelConfig config = tinyConfigs().get(0);
        Transformer model = Transformer.create(config, 1);
        List<Parameter> parameters = model.parameters();
        assertEquals("model.embed_tokens.weight", parameters.get(0).name());
        assertTrue(parameters.stream().anyMatch(p -> p.name().equals("model.layers.1.self_attn.q_proj.bias")));
        assertEquals("lm_head.weight", parameters.getLast().name());
        List<int[]> sequences = randomSequences(config.vocabSize(), 2, 5);
        float[][] g = {{1, 0, 0, -1}};
        model.zeroGrad();
        model.backward(model.forward(sequences, ForwardOptions.training()), g, null, null);
        float once = parameters.get(0).grad()[sequences.get(0)[0] * config.hiddenSize()];
        model.backward(model.forward(sequences, ForwardOptions.training()), g, null, null);
        assertEquals(2 * once, parameters.get(0).grad()[sequences.get(0)[0] * config.hiddenSize()], 1e-6);
    }

    static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + "[" + i + "]");
        }
    }
}
