package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.reward.model.ProcessRewardModel;
import dev.reason4j.reward.model.RewardModelFixtures;
import dev.reason4j.reward.model.StepLabels;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRewardTrainerTest {
    @TempDir
    Path temp;

    @Test
    void stepLossIsBinaryCrossEntropyWithGradientSigmoidMinusLabel() {
        double h = 1e-6;
        for (double[] c : new double[][] {{0.4, 1}, {-1.3, 0}, {2.5, 0.7}, {-8, 0.2}, {30, 1}}) {
            double s = c[0];
            double y = c[1];
            double sigma = 1 / (1 + Math.exp(-s));
            double bce = -(y * Math.log(sigma) + (1 - y) * Math.log(1 - sigma));
            if (s < 20) {
                assertEquals(bce, ProcessRewardTrainer.stepLoss(s, y), 1e-12, "s=" + s + " y=" + y);
            }
            double numeric = (ProcessRewardTrainer.stepLoss(s + h, y) - ProcessRewardTrainer.stepLoss(s - h, y))
                    / (2 * h);
            assertEquals(sigma - y, numeric, 1e-8, "s=" + s + " y=" + y);
        }
    }

    /**
     * The accumulated gradient (soft and hard labels, two micro-batches) against central differences of the mean
     * step loss recomputed from the step probabilities at perturbed weights; float32 forward, so a step of 1e-2
     * as in RewardModelTrainerTest (the embeddings left out for the same reason).
     */
    @Test
    void theAccumulatedGradientIsTheFiniteDifferenceOfTheStepLoss() throws Exception {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        ProcessRewardModel prm = ProcessRewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 4), 2, "\n");
        java.util.Random random = new java.util.Random(5);
        for (var p : prm.model().parameters()) {
            if (p.name().startsWith("score.")) {
                for (int i = 0; i < p.data().length; i++) {
                    p.data()[i] = (float) random.nextGaussian();
                }
            }
        }
        var formatter = Setup.chatFormatter(tokenizer);
        List<StepLabels> batch = List.of(
                StepLabels.of(tokenizer, tokenizer.encode(formatter.render(example("What is 2 + 1?")), false),
                        "step good\nThe answer is 3.", "\n", new double[] {1, 0.7}),
                StepLabels.of(tokenizer, tokenizer.encode(formatter.render(example("What is 5 + 1?")), false),
                        "bad\nno\nyes", "\n", new double[] {0, 0.2, 1}));
        Config section = Config.load(null, List.of()).section("rm");
        ProcessRewardTrainer trainer = new ProcessRewardTrainer(prm, new ModelOptimizer(prm.model(), section, 1), 1,
                false);
        prm.model().zeroGrad();
        double loss = (double) trainer.accumulate(batch).get("rm/loss");
        assertEquals(stepLoss(prm, batch), loss, 1e-5);
        double h = 1e-2;
        int checked = 0;
        for (var p : prm.model().parameters()) {
            if (!p.name().startsWith("score.") && !p.name().equals("model.norm.weight")
                    && !p.name().endsWith("layers.1.mlp.down_proj.weight")) {
                continue;
            }
            float[] grad = p.grad().clone();
            for (int k = 0; k < Math.min(3, p.data().length); k++) {
                int i = random.nextInt(p.data().length);
                float saved = p.data()[i];
                p.data()[i] = saved + (float) h;
                double plus = stepLoss(prm, batch);
                p.data()[i] = saved - (float) h;
                double minus = stepLoss(prm, batch);
                p.data()[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, grad[i], 5e-4 + 1e-3 * Math.abs(numeric), p.name() + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(10, checked);
    }

    private static dev.reason4j.env.Example example(String prompt) {
        return new dev.reason4j.env.Example(prompt, null, null, null, Map.of());
    }

    /** Mean over steps of −[y log p + (1 − y) log(1 − p)], p from the model's step probabilities. */
    private static double stepLoss(ProcessRewardModel prm, List<StepLabels> batch) {
        List<double[]> probabilities = prm.stepProbabilities(batch);
        double total = 0;
        int steps = 0;
        for (int e = 0; e < batch.size(); e++) {
            double[] labels = batch.get(e).labels();
            for (int i = 0; i < labels.length; i++) {
                double p = probabilities.get(e)[i];
                total -= labels[i] * Math.log(p) + (1 - labels[i]) * Math.log(1 - p);
                steps++;
            }
        }
        return total / steps;
    }

    /** "bad" steps are labelled 0 and the rest 1; held out are other solutions mixing the same kinds of step. */
    @Test
    void aProcessRewardModelRunLearnsStepLabels() throws Exception {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        Path data = temp.resolve("steps.jsonl");
        StringBuilder lines = new StringBuilder();
        String[] good = {"step good", "The answer is 4.", "yes good"};
        String[] bad = {"step bad", "bad answer", "no bad"};
        for (int i = 0; i < 48; i++) {
            String first = (i % 3 == 0 ? bad : good)[i % 3];
            String second = (i % 2 == 0 ? bad : good)[(i / 2) % 3];
            lines.append("{\"prompt\": \"What is ").append(i).append(" + 1?\", \"steps\": [\"").append(first)
                    .append("\", \"").append(second).append("\"], \"labels\": [").append(i % 3 == 0 ? "false" : "true")
                    .append(", ").append(i % 2 == 0 ? 0 : 1.0).append("]}\n");
        }
        Files.writeString(data, lines);
        List<StepLabels> all = StepLabels.load(List.of(data), tokenizer, Setup.chatFormatter(tokenizer), "\n");
        assertEquals(48, all.size());
        List<StepLabels> train = new ArrayList<>(all.subList(0, 36));
        List<StepLabels> heldOut = all.subList(36, 48);
        ProcessRewardModel prm = ProcessRewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 8), 3, "\n");
        Config config = Config.load(null, List.of("model.tokenizer=" + tokenizerDir, "rm.type=prm",
                "rm.total_steps=40", "rm.batch_size=8", "rm.micro_batch_size=4", "rm.lr=3e-3",
                "rm.warmup_steps=0", "rm.lr_schedule=constant", "rm.eval_freq=0"));
        Path run = temp.resolve("run");
        double accuracy = RewardModelRun.train(prm, train, heldOut, config, run,
                new PrintStream(OutputStream.nullOutputStream()));
        assertTrue(accuracy >= 0.95, "held-out step accuracy " + accuracy);
        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(List.of(40), rows.stream().filter(r -> r.containsKey("rm/eval_accuracy"))
                .map(r -> ((Number) r.get("step")).intValue()).toList());
        Path saved = run.resolve("checkpoints/step-000040/model");
        assertEquals(accuracy, ProcessRewardModel.load(saved).stepAccuracy(heldOut), 1e-12);
    }

    @Test
    void badStepRecordsNameTheFileLineAndField() throws Exception {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        Path data = temp.resolve("bad.jsonl");
        for (String[] bad : new String[][] {
                {"{\"prompt\": \"q\", \"steps\": [\"a\"], \"labels\": [1, 0]}", "\"labels\" has 2 entries for 1 steps"},
                {"{\"prompt\": \"q\", \"steps\": [\"a\\nb\"], \"labels\": [1]}", "\"steps\"[0] contains the step separator"},
                {"{\"prompt\": \"q\", \"steps\": [\"a\"], \"labels\": [2]}", "\"labels\"[0] must be 0/1"},
                {"{\"prompt\": \"q\", \"labels\": [1]}", "missing \"steps\""}}) {
            Files.writeString(data, "{\"prompt\": \"q\", \"steps\": [\"a\"], \"labels\": [1]}\n" + bad[0] + "\n");
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> StepLabels.load(List.of(data), tokenizer, Setup.chatFormatter(tokenizer), "\n"));
            assertTrue(error.getMessage().startsWith(data + ":2"), error.getMessage());
            assertTrue(error.getMessage().contains(bad[1]), error.getMessage());
        }
    }
}
