package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.env.PreferencePair;
import dev.reason4j.model.Parameter;
import dev.reason4j.reward.model.RewardModel;
import dev.reason4j.reward.model.RewardModelFixtures;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelTrainerTest {
    @TempDir
    Path temp;

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** −log σ(d) + c·(r_c + r_r)², d = r_c − r_r − m, written out directly. */
    private static double formula(double chosen, double rejected, double margin, double centerCoef) {
        double d = chosen - rejected - margin;
        double sum = chosen + rejected;
        return -Math.log(1 / (1 + Math.exp(-d))) + centerCoef * sum * sum;
    }

    @Test
    void pairLossIsTheFormulaAndItsGradientTheFiniteDifference() {
        double[][] cases = {{0.3, -0.2, 0, 0}, {1.5, 2.0, 0.5, 0.01}, {-0.7, 0.4, 1.0, 0.3}, {4.0, -3.0, 0.2, 0.05},
                {-6.0, 5.0, 0, 0.1}};
        double h = 1e-6;
        for (double[] c : cases) {
            double[] grad = new double[2];
            double loss = RewardModelTrainer.pairLoss(c[0], c[1], c[2], c[3], grad);
            String what = java.util.Arrays.toString(c);
            assertEquals(formula(c[0], c[1], c[2], c[3]), loss, 1e-12, what);
            double dChosen = (formula(c[0] + h, c[1], c[2], c[3]) - formula(c[0] - h, c[1], c[2], c[3])) / (2 * h);
            double dRejected = (formula(c[0], c[1] + h, c[2], c[3]) - formula(c[0], c[1] - h, c[2], c[3])) / (2 * h);
            assertEquals(dChosen, grad[0], 1e-8, what + " d/dr_c");
            assertEquals(dRejected, grad[1], 1e-8, what + " d/dr_r");
        }
        // Far in the tails the stable form stays finite and exact: softplus(30) = 30 + log1p(e^-30).
        double[] grad = new double[2];
        assertEquals(30 + Math.log1p(Math.exp(-30)), RewardModelTrainer.pairLoss(-20, 10, 0, 0, grad), 1e-12);
        assertEquals(-1.0, grad[0], 1e-12);
    }

    /**
     * The gradient the trainer accumulates through the model (margins and centering on, two micro-batches) against
     * central differences of the batch's mean loss, recomputed from {@link RewardModel#score} at perturbed weights.
     * The forward is float32 and the loss here ~95 (large rewards, strong centering), so rounding puts ~1e-5 of
     * noise on each loss: the step is 1e-2, where the differences of these weights have converged (1e-3 and 3e-3
     * agree with it to 1e-4 relative) and the noise is ~1e-3/2h. The embeddings are left out: their values (~0.02)
     * are of the order of that step; the model's backward for them is checked against a float64 reference in
     * TransformerTest, and this test checks the loss's part of the chain.
     */
    @Test
    void theAccumulatedGradientIsTheFiniteDifferenceOfTheBatchLoss() throws Exception {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        RewardModel rm = RewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 4), 9);
        // Larger head weights than the init, so the rewards differ and every term matters.
        Random random = new Random(3);
        for (Parameter p : rm.model().parameters()) {
            if (p.name().equals("score.weight")) {
                for (int i = 0; i < p.data().length; i++) {
                    p.data()[i] = (float) random.nextGaussian();
                }
            }
        }
        List<TokenizedPair> pairs = List.of(
                pair(tokenizer, "What is 3 + 1?", "The answer is 4.", "The answer is 5.", 0.5),
                pair(tokenizer, "What is 7 + 1?", "yes", "no good", 0.0),
                pair(tokenizer, "What is 12 + 1?", "step bad", "The answer is 13.", 1.2));
        double centerCoef = 0.2;
        Config section = Config.load(null, List.of()).section("rm");
        ModelOptimizer optimizer = new ModelOptimizer(rm.model(), section, 1);
        RewardModelTrainer trainer = new RewardModelTrainer(rm, optimizer, 2, centerCoef, false);
        rm.model().zeroGrad();
        Map<String, Object> metrics = trainer.accumulate(pairs);
        assertEquals(batchLoss(rm, pairs, centerCoef), (double) metrics.get("rm/loss"), 1e-5);

        double h = 1e-2;
        int checked = 0;
        for (Parameter p : rm.model().parameters()) {
            boolean head = p.name().equals("score.weight");
            if (!head && !p.name().equals("model.norm.weight") && !p.name().endsWith("layers.1.mlp.down_proj.weight")
                    && !p.name().endsWith("layers.0.self_attn.v_proj.weight")) {
                continue;
            }
            float[] grad = p.grad().clone();
            for (int k = 0; k < 4; k++) {
                int i = random.nextInt(p.data().length);
                float saved = p.data()[i];
                p.data()[i] = saved + (float) h;
                double plus = batchLoss(rm, pairs, centerCoef);
                p.data()[i] = saved - (float) h;
                double minus = batchLoss(rm, pairs, centerCoef);
                p.data()[i] = saved;
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, grad[i], 5e-4 + 1e-3 * Math.abs(numeric), p.name() + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(16, checked);
    }

    private static double batchLoss(RewardModel rm, List<TokenizedPair> pairs, double centerCoef) {
        double total = 0;
        for (TokenizedPair pair : pairs) {
            float[] r = rm.score(List.of(pair.chosenSequence(), pair.rejectedSequence()));
            total += formula(r[0], r[1], pair.margin(), centerCoef);
        }
        return total / pairs.size();
    }

    static TokenizedPair pair(Tokenizer tokenizer, String prompt, String chosen, String rejected, double margin) {
        Example example = new Example(prompt, null, null, null, margin == 0 ? Map.of() : Map.of("margin", margin));
        return TokenizedPair.of(List.of(new PreferencePair(example, chosen, rejected)), tokenizer,
                Setup.chatFormatter(tokenizer)).getFirst();
    }

    /**
     * A rule the trunk must find in the response: "yes" is preferred to "no", whatever else is said. Held-out pairs
     * are other prompts and fillers. The run logs its held-out accuracy, saves the model in HF layout, and the
     * saved model ranks the held-out pairs as the returned accuracy says.
     */
    @Test
    void aRewardModelRunLearnsAPreferenceAndReportsHeldOutAccuracy() throws Exception {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        RewardModel rm = RewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 6), 1);
        List<TokenizedPair> train = new ArrayList<>();
        List<TokenizedPair> heldOut = new ArrayList<>();
        String[] fillers = {"good", "bad", "step", "The answer is"};
        for (int i = 0; i < 60; i++) {
            String filler = fillers[i % fillers.length];
            boolean yesFirst = i % 2 == 0;
            String chosen = yesFirst ? "yes " + filler : filler + " yes";
            String rejected = yesFirst ? "no " + filler : filler + " no";
            (i < 40 ? train : heldOut).add(pair(tokenizer, "What is " + i + " + 1?", chosen, rejected, 0));
        }
        Config config = Config.load(null, List.of("model.tokenizer=" + tokenizerDir, "rm.total_steps=40",
                "rm.batch_size=8", "rm.micro_batch_size=8", "rm.lr=3e-3", "rm.warmup_steps=0",
                "rm.lr_schedule=constant", "rm.eval_freq=20", "rm.center_coef=0.01"));
        double before = RewardModelRun.pairwiseAccuracy(rm, heldOut);
        Path run = temp.resolve("run");
        double accuracy = RewardModelRun.train(rm, train, heldOut, config, run, QUIET);
        assertTrue(accuracy >= 0.95, "held-out accuracy " + before + " -> " + accuracy);

        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(40, rows.size());
        assertEquals(List.of(20, 40), rows.stream().filter(r -> r.containsKey("rm/eval_accuracy"))
                .map(r -> ((Number) r.get("step")).intValue()).toList());
        assertEquals(accuracy, ((Number) rows.getLast().get("rm/eval_accuracy")).doubleValue(), 1e-12);
        double firstLoss = ((Number) rows.getFirst().get("rm/loss")).doubleValue();
        double lastLoss = ((Number) rows.getLast().get("rm/loss")).doubleValue();
        assertTrue(lastLoss < firstLoss / 2, "loss " + firstLoss + " -> " + lastLoss);

        Path saved = run.resolve("checkpoints/step-000040/model");
        assertTrue(Files.isRegularFile(saved.resolve("tokenizer.json")));
        assertEquals(accuracy, RewardModelRun.pairwiseAccuracy(RewardModel.load(saved), heldOut), 1e-12);
    }
}
