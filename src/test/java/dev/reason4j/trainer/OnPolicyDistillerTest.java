package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reason4j.algo.LossAggregation;
import dev.reason4j.config.Config;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Parameter;
import dev.reason4j.model.Transformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The on-policy distillation loss: its gradient against the reverse KL's, computed independently. */
class OnPolicyDistillerTest {
    private static final int VOCAB = 24;

    /** A tiny model with every weight random (std 0.3; norms around 1), so its distributions are far from uniform. */
    static Transformer randomModel(long seed) {
        return randomModel(ModelConfig.tiny(ModelConfig.Architecture.QWEN3, VOCAB, 16, 32, 2, 2, 1, true), seed);
    }

    static Transformer randomModel(ModelConfig config, long seed) {
        Transformer model = Transformer.create(config, seed);
        Random random = new Random(seed);
        for (Parameter parameter : model.parameters()) {
            float[] data = parameter.data();
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((parameter.name().endsWith("norm.weight") ? 1 : 0) + 0.3 * random.nextGaussian());
            }
        }
        return model;
    }

    private static OnPolicyDistiller distiller(Transformer student, int microBatchSize, LossAggregation aggregation) {
        Config optimizer = Config.defaults().section("distill");
        return new OnPolicyDistiller(student, new ModelOptimizer(student, optimizer, 10), microBatchSize, aggregation,
                8, false);
    }

    private static double[] grads(Transformer model) {
        List<Double> all = new ArrayList<>();
        for (Parameter parameter : model.parameters()) {
            for (float g : parameter.grad()) {
                all.add((double) g);
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * The estimate is unbiased: for one-token responses, averaging the step's gradient for each possible token x,
     * weighted by π_S(x), gives the exact gradient of KL(π_S ‖ π_T) = Σ_x π_S(x)(log π_S(x) − log π_T(x)), whose
     * derivative by log π_S(x) is π_S(x)(log π_S(x) − log π_T(x) + 1), back-propagated through the student.
     */
    @Test
    void averagedOverTheStudentsTokensTheGradientIsTheExactReverseKlGradient() throws Exception {
        Transformer student = randomModel(1);
        Transformer teacher = randomModel(2);
        int[] prompt = {3, 5, 7, 11};
        List<int[]> sequences = new ArrayList<>();
        int[] promptLengths = new int[VOCAB];
        for (int x = 0; x < VOCAB; x++) {
            int[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + 1);
            sequence[prompt.length] = x;
            sequences.add(sequence);
            promptLengths[x] = prompt.length;
        }
        float[][] teacherLogProbs = Teacher.local(teacher, 5).logProbs(sequences, promptLengths);

        // The exact gradient, from the formula.
        ForwardResult forward = student.forward(sequences, ForwardOptions.training());
        float[][] gradKl = new float[VOCAB][prompt.length];
        double kl = 0;
        double[] studentProbability = new double[VOCAB];
        for (int x = 0; x < VOCAB; x++) {
            double logStudent = forward.logProbs[x][prompt.length - 1];
            studentProbability[x] = Math.exp(logStudent);
            kl += studentProbability[x] * (logStudent - teacherLogProbs[x][0]);
            gradKl[x][prompt.length - 1] = (float) (studentProbability[x] * (logStudent - teacherLogProbs[x][0] + 1));
        }
        student.zeroGrad();
        student.backward(forward, gradKl, null, null);
        double[] exact = grads(student);

        // The distiller's gradient on each token alone, averaged with the student's probabilities.
        OnPolicyDistiller distiller = distiller(student, 1, LossAggregation.TOKEN_MEAN);
        double[] average = new double[exact.length];
        double reverseKl = 0;
        for (int x = 0; x < VOCAB; x++) {
            student.zeroGrad();
            OnPolicyDistiller.Measured measured = distiller.backward(List.of(
                    new OnPolicyDistiller.Sample(sequences.get(x), prompt.length, teacherLogProbs[x])));
            reverseKl += studentProbability[x] * measured.reverseKl();
            double[] g = grads(student);
            for (int i = 0; i < g.length; i++) {
                average[i] += studentProbability[x] * g[i];
            }
        }
        assertEquals(kl, reverseKl, 1e-6 * Math.abs(kl), "the reverse-KL metric averages to the exact KL");
        double scale = java.util.Arrays.stream(exact).map(Math::abs).max().orElseThrow();
        assertEquals(true, scale > 1e-3, "the exact gradient is not negligible: " + scale);
        for (int i = 0; i < exact.length; i++) {
            assertEquals(exact[i], average[i], 1e-5 * scale, "parameter element " + i);
        }
    }

    /**
     * On sequences of different lengths, split into micro-batches, the gradient is that of
     * −Σ_t w_t · A_t · log π_S(x_t) with A_t = log π_T(x_t) − log π_S(x_t) and the aggregation's weights
     * (token-mean: 1 / all response tokens; seq-mean-token-mean: 1 / (sequences · the sequence's tokens)), the
     * reverse KL the mean of log π_S − log π_T, and the loss the weighted sum.
     */
    @Test
    void theGradientIsThePolicyGradientOfTheTokenAdvantages() {
        Random random = new Random(9);
        int[][] shapes = {{3, 5}, {6, 2}, {2, 7}};   // prompt length, response length
        for (LossAggregation aggregation : List.of(LossAggregation.TOKEN_MEAN, LossAggregation.SEQ_MEAN_TOKEN_MEAN)) {
            Transformer student = randomModel(3);
            List<OnPolicyDistiller.Sample> batch = new ArrayList<>();
            List<int[]> sequences = new ArrayList<>();
            for (int[] shape : shapes) {
                int[] tokens = new int[shape[0] + shape[1]];
                for (int t = 0; t < tokens.length; t++) {
                    tokens[t] = random.nextInt(VOCAB);
                }
                float[] teacher = new float[shape[1]];
                for (int t = 0; t < teacher.length; t++) {
                    teacher[t] = (float) (-3 * random.nextDouble());
                }
                batch.add(new OnPolicyDistiller.Sample(tokens, shape[0], teacher));
                sequences.add(tokens);
            }
            int allTokens = 5 + 2 + 7;

            ForwardResult forward = student.forward(sequences, ForwardOptions.training());
            float[][] grad = new float[batch.size()][];
            double loss = 0;
            double klSum = 0;
            for (int b = 0; b < batch.size(); b++) {
                OnPolicyDistiller.Sample sample = batch.get(b);
                int responseLength = sample.teacherLogProbs().length;
                double weight = aggregation == LossAggregation.TOKEN_MEAN ? 1.0 / allTokens
                        : 1.0 / (batch.size() * (responseLength + 1e-8));
                grad[b] = new float[forward.logProbs[b].length];
                for (int t = 0; t < responseLength; t++) {
                    double logStudent = forward.logProbs[b][sample.promptLength() - 1 + t];
                    double advantage = sample.teacherLogProbs()[t] - logStudent;
                    grad[b][sample.promptLength() - 1 + t] = (float) (-weight * advantage);
                    loss -= weight * advantage * logStudent;
                    klSum += logStudent - sample.teacherLogProbs()[t];
                }
            }
            student.zeroGrad();
            student.backward(forward, grad, null, null);
            double[] expected = grads(student);

            student.zeroGrad();
            OnPolicyDistiller.Measured measured = distiller(student, 2, aggregation).backward(batch);
            double[] actual = grads(student);
            assertEquals(allTokens, measured.tokens());
            assertEquals(klSum / allTokens, measured.reverseKl(), 1e-12, aggregation + " reverse KL");
            assertEquals(loss, measured.loss(), 1e-12 * Math.max(1, Math.abs(loss)), aggregation + " loss");
            double scale = java.util.Arrays.stream(expected).map(Math::abs).max().orElseThrow();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-6 * scale, aggregation + " parameter element " + i);
            }
        }
    }
}
