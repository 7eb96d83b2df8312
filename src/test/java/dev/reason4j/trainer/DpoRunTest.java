package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.algo.PreferenceLossConfig;
import dev.reason4j.algo.PreferenceLosses;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.env.PreferencePair;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoRunTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * "What is i + 1?" for i in [from, to) that {@code keep} accepts: the sum boxed preferred to the sum bare. (Not
     * the right sum to a wrong one: each wrong sum is another prompt's right one, and DPO then learns to prefer or
     * avoid answers whatever the prompt, which held-out prompts punish.)
     */
    static List<PreferencePair> pairs(int from, int to, java.util.function.IntPredicate keep) {
        List<PreferencePair> pairs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (!keep.test(i)) {
                continue;
            }
            pairs.add(new PreferencePair(new Example("What is " + i + " + 1?", null, null, null, Map.of()),
                    "\\boxed{" + (i + 1) + "}", String.valueOf(i + 1)));
        }
        return pairs;
    }

    private static Config config(Path temp, String... overrides) {
        List<String> all = new ArrayList<>(List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "model.tiny.hidden_size=32", "model.tiny.num_layers=1", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64", "dpo.batch_size=8",
                "dpo.micro_batch_size=4", "dpo.lr=1e-2", "dpo.warmup_steps=0"));
        all.addAll(List.of(overrides));
        return Config.load(null, all);
    }

    private record Data(Tokenizer tokenizer, List<TokenizedPair> train, List<TokenizedPair> heldOut) {
    }

    /** The pairs of the sums below {@code to}, every fifth held out (unseen in training), and their tokenizer. */
    private static Data data(Path temp, int to) throws java.io.IOException {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        return new Data(tokenizer, TokenizedPair.of(pairs(0, to, i -> i % 5 != 0), tokenizer, formatter),
                TokenizedPair.of(pairs(0, to, i -> i % 5 == 0), tokenizer, formatter));
    }

    @Test
    void dpoLearnsThePreferenceAndLogsTrlsMetrics(@TempDir Path temp) throws Exception {
        Data data = data(temp, 200);
        Tokenizer tokenizer = data.tokenizer();
        List<TokenizedPair> train = data.train();
        List<TokenizedPair> heldOut = data.heldOut();
        Config config = config(temp, "dpo.total_steps=60", "dpo.eval_freq=20", "dpo.beta=0.5");
        Transformer policy = Setup.policy(config, tokenizer);
        Transformer initial = policy.copy();
        Path run = temp.resolve("run");
        Map<String, Double> result = DpoRun.train(policy, train, heldOut, config, run, QUIET);

        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(60, rows.size());
        // Step 1 is taken at the reference: every implicit reward is 0 and the loss log 2.
        Map<String, Object> first = rows.getFirst();
        assertEquals(Math.log(2), number(first, "loss"), 1e-6);
        assertEquals(0, number(first, "rewards/chosen"), 1e-6);
        assertEquals(0, number(first, "rewards/accuracies"), 0);
        for (String key : List.of("step", "phase", "learning_rate", "grad_norm", "loss", "rewards/chosen",
                "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected")) {
            assertTrue(first.containsKey(key), key + " in " + first.keySet());
        }
        assertTrue(rows.get(19).containsKey("eval/rewards/accuracies") && !rows.get(18).containsKey("eval/loss"));
        // The returned metrics are the last step's held-out ones: preference accuracy from 0 (a tie at the
        // reference) to most pairs, margins positive.
        assertEquals(7, result.size());
        result.forEach((key, value) -> assertEquals(number(rows.getLast(), key), value, 0, key));
        assertTrue(result.get("eval/rewards/accuracies") >= 0.9, result.toString());
        assertTrue(result.get("eval/rewards/margins") > 0, result.toString());

        // The reported held-out numbers are the formula's on log-probs summed here from separate forwards.
        double loss = 0;
        double chosen = 0;
        for (TokenizedPair pair : heldOut) {
            double policyChosen = sum(policy, pair.prompt().length, pair.chosenSequence());
            double policyRejected = sum(policy, pair.prompt().length, pair.rejectedSequence());
            double referenceChosen = sum(initial, pair.prompt().length, pair.chosenSequence());
            double referenceRejected = sum(initial, pair.prompt().length, pair.rejectedSequence());
            double margin = (policyChosen - referenceChosen) - (policyRejected - referenceRejected);
            loss += Math.log1p(Math.exp(-0.5 * margin));
            chosen += policyChosen;
        }
        assertEquals(loss / heldOut.size(), result.get("eval/loss"), 1e-4);
        assertEquals(chosen / heldOut.size(), result.get("eval/logps/chosen"), 1e-3);
        // Checkpoint: a model directory with the tokenizer's files.
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-000060/model/tokenizer.json")));
    }

    /**
     * A resumed DPO run measures its rewards against the reference it started from, not against the checkpoint it
     * loads: step 11 of the resumed run matches the original's (at 1e-6, as SftRunTest explains); a reference
     * recomputed from the checkpoint would put its rewards near 0. A complete run asked again returns its final
     * held-out metrics without training.
     */
    @Test
    void aResumedRunKeepsTheReferenceItStartedFrom(@TempDir Path temp) throws Exception {
        Data data = data(temp, 60);
        Config config = config(temp, "dpo.total_steps=15", "dpo.save_freq=10", "dpo.eval_freq=0");
        Path run = temp.resolve("run");
        Map<String, Double> finished = train(data, config, run, QUIET);
        List<Map<String, Object>> original = MetricsLog.read(run.resolve("metrics.jsonl"));

        Checkpoints.deleteRecursively(run.resolve("checkpoints/step-000015"));
        Files.writeString(run.resolve("checkpoints/latest"), "step-000010\n");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        train(data, config, run, new PrintStream(console));
        assertTrue(console.toString().contains("from step 10, continuing at step 11"), console.toString());
        List<Map<String, Object>> resumed = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(15, resumed.size());
        for (String key : List.of("rewards/chosen", "rewards/margins", "loss")) {
            double expected = number(original.get(10), key);
            assertTrue(Math.abs(expected) > 1e-3, key + " " + expected);
            assertEquals(expected, number(resumed.get(10), key), 1e-6 * Math.abs(expected), "step 11 " + key);
        }
        Map<String, Double> again = train(data, config, run, QUIET);
        assertEquals(finished.keySet(), again.keySet());
        assertEquals(finished.get("eval/rewards/margins"), again.get("eval/rewards/margins"),
                1e-6 * Math.abs(finished.get("eval/rewards/margins")));
        assertEquals(15, MetricsLog.read(run.resolve("metrics.jsonl")).size());
    }

    /** DPO from a new tiny model of {@code config}. */
    private static Map<String, Double> train(Data data, Config config, Path run, PrintStream console)
            throws java.io.IOException {
        return DpoRun.train(Setup.policy(config, data.tokenizer()), data.train(), data.heldOut(), config, run, console);
    }

    /** Σ log π of the response tokens (after the prompt), from one sequence's own forward. */
    private static double sum(Transformer model, int promptLength, int[] sequence) {
        float[] logProbs = model.forward(List.of(sequence), ForwardOptions.inference()).logProbs[0];
        double sum = 0;
        for (int position = promptLength; position < sequence.length; position++) {
            sum += logProbs[position - 1];   // logProbs[t] is of token t + 1
        }
        return sum;
    }

    private static double number(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }

    /**
     * The gradient a step applies is that of its batch loss: central differences on a few weights of the tiny
     * float32 model (steps of 1e-2, float32 noise ~1e-5 in the loss: 2% agreement), through the trainer's own
     * held-out loss on the same pairs, for each built-in loss, and DPO with RPO's NLL term.
     */
    @Test
    void theStepsGradientIsTheLossGradient(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        List<TokenizedPair> pairs = TokenizedPair.of(pairs(3, 7, i -> true), tokenizer, Setup.chatFormatter(tokenizer));
        for (String lossType : List.of("sigmoid", "ipo", "simpo", "sigmoid+rpo")) {
            Config config = config(temp);
            Transformer policy = Setup.policy(config, tokenizer);
            Transformer reference = policy.copy();
            // Move the policy off the reference, so the DPO gradient is not the one at margin 0.
            java.util.Random random = new java.util.Random(5);
            for (var parameter : policy.parameters()) {
                for (int i = 0; i < parameter.data().length; i++) {
                    parameter.data()[i] += (float) (0.02 * random.nextGaussian());
                }
            }
            boolean rpo = lossType.endsWith("+rpo");
            DpoTrainer trainer = new DpoTrainer(policy, new ModelOptimizer(policy, config.section("dpo"), 1),
                    PreferenceLosses.get(lossType.replace("+rpo", "")), new PreferenceLossConfig(2.0, 0.1, 0.5),
                    rpo ? 0.7 : 0, 3, false);
            List<DpoTrainer.PairLogProbs> referenceLogProbs = trainer.referenceLogProbs(reference, pairs);
            if (rpo) {   // TRL's nll_loss: minus the chosen tokens' summed log-probs over their count
                double logProbs = 0;
                int tokens = 0;
                for (TokenizedPair pair : pairs) {
                    logProbs += sum(policy, pair.prompt().length, pair.chosenSequence());
                    tokens += pair.chosen().length;
                }
                assertEquals(-logProbs / tokens, trainer.evaluate(pairs, referenceLogProbs).get("eval/nll_loss"),
                        1e-5);
            }
            policy.zeroGrad();
            trainer.backward(pairs, referenceLogProbs);
            var parameter = policy.parameters().stream().filter(p -> p.name().contains("o_proj")).findFirst()
                    .orElseThrow();
            float[] grad = parameter.grad().clone();
            for (int index : new int[] {0, 7, 40, 301}) {
                float saved = parameter.data()[index];
                double h = 1e-2;
                parameter.data()[index] = (float) (saved + h);
                double plus = trainer.evaluate(pairs, referenceLogProbs).get("eval/loss");
                parameter.data()[index] = (float) (saved - h);
                double minus = trainer.evaluate(pairs, referenceLogProbs).get("eval/loss");
                parameter.data()[index] = saved;
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, grad[index], 0.02 * Math.abs(numeric) + 1e-4,
                        lossType + " " + parameter.name() + "[" + index + "]");
            }
        }
    }
}
