package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.SamplingParams;
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

class RftRunTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * Answers every problem with five samples in turn: the boxed answer (reward 1), the same again, the answer
     * with words before it (reward 1), a wrong answer (reward 0: giving up), and the boxed answer cut by the length limit
     * (reward 1, truncated). Records what it was asked.
     */
    static final class ScriptedWorker implements RolloutWorker {
        private final Tokenizer tokenizer;
        private final PromptFormatter formatter;
        final List<SamplingParams> calls = new ArrayList<>();
        final List<String> prompts = new ArrayList<>();

        ScriptedWorker(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
            this.formatter = Setup.chatFormatter(tokenizer);
        }

        static String correct(Example example) {
            return "\\boxed{" + example.groundTruth() + "}";
        }

        /** Unlike the correct answer in every token, so training on one does not raise the other. */
        static String wrong(Example example) {
            return "I give up";
        }

        @Override
        public Tokenizer tokenizer() {
            return tokenizer;
        }

        @Override
        public RolloutBackend backend() {
            return RolloutBackend.local();
        }

        @Override
        public List<Rollout> rollout(Transformer policy, List<Example> examples, SamplingParams params, int first) {
            calls.add(params);
            int eos = tokenizer.eosTokenId().orElseThrow();
            List<Rollout> rollouts = new ArrayList<>();
            for (int p = 0; p < examples.size(); p++) {
                Example example = examples.get(p);
                prompts.add(example.prompt());
                int[] prompt = tokenizer.encode(formatter.render(example), false);
                for (int i = 0; i < params.n(); i++) {
                    String text = switch (i % 5) {
                        case 0, 1, 4 -> correct(example);
                        case 2 -> "So " + correct(example);
                        default -> wrong(example);
                    };
                    boolean truncated = i % 5 == 4;
                    int[] response = truncated ? tokenizer.encode(text, false) : TokenizedPair.response(tokenizer, text, eos);
                    rollouts.add(Rollout.singleTurn(example, first + p, prompt, response, new float[response.length],
                            truncated, false, text, RewardResult.of(i % 5 == 3 ? 0 : 1)));
                }
            }
            return rollouts;
        }
    }

    private static Config config(Path temp, String... more) {
        List<String> overrides = new ArrayList<>(List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "model.tiny.hidden_size=32", "model.tiny.num_layers=1", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64", "rft.rounds=2",
                "rft.problems_per_round=6", "rft.samples_per_problem=5", "rollout.temperature=0.8",
                "rft.steps_per_round=15", "sft.batch_size=4", "sft.micro_batch_size=4", "sft.lr=1e-2",
                "sft.warmup_steps=0", "sft.lr_schedule=constant", "data.val_size=3"));
        overrides.addAll(List.of(more));
        return Config.load(null, overrides);
    }

    private static Map<String, Double> train(Config config, Transformer policy, ScriptedWorker worker, Path run,
                                             PrintStream console) throws java.io.IOException {
        var task = Setup.task(config);
        return RftRun.train(policy, worker, PromptSource.ofTask(task, config.getInt("data.seed")),
                new HeldOutEvaluator(worker, new SamplingParams(1, 16, 0f, 0, 1f, 0f, 1, new int[0]), List.of(1)),
                Setup.heldOut(config, task), config, run, console);
    }

    @Test
    void keepsTheVerifiedDistinctResponsesAndTrainsOnThem(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        Config config = config(temp);
        Transformer policy = Setup.policy(config, tokenizer);
        ScriptedWorker worker = new ScriptedWorker(tokenizer);
        Example problem = Setup.task(config).distinct(dev.reason4j.env.Split.TRAIN, 1, config.getInt("data.seed"))
                .getFirst().toExample();
        double correctBefore = logProb(policy, tokenizer, problem, ScriptedWorker.correct(problem));
        double wrongBefore = logProb(policy, tokenizer, problem, ScriptedWorker.wrong(problem));
        Path run = temp.resolve("run");
        Map<String, Double> result = train(config, policy, worker, run, QUIET);

        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(List.of(0, 1, 2), rows.stream().map(row -> row.get("step")).toList());
        assertTrue(rows.getFirst().containsKey("eval/pass@1") && !rows.getFirst().containsKey("rft/kept"));
        for (Map<String, Object> row : rows.subList(1, 3)) {
            // Of 5 samples: 3 pass and end on their own, 2 of those distinct.
            assertEquals(30, row.get("rft/sampled"));
            assertEquals(12, row.get("rft/kept"));
            assertEquals(0.4, number(row, "rft/kept_fraction"), 1e-12);
            assertEquals(0.6, number(row, "rft/accepted_fraction"), 1e-12);
            assertEquals(1.0, number(row, "rft/solved_fraction"), 1e-12);
            assertEquals(0.8, number(row, "rft/reward_mean"), 1e-12);
            assertTrue(row.containsKey("sft/loss") && row.containsKey("eval/pass@1"), row.keySet().toString());
        }
        assertEquals(1.0, result.get("eval/pass@1"));
        SamplingParams sampling = worker.calls.get(1);   // calls: eval, round 1, eval, round 2, eval
        assertEquals(5, sampling.n());
        assertEquals(0.8f, sampling.temperature());
        assertEquals(config.getInt("data.max_response_length"), sampling.maxNewTokens());
        // Trained on the kept responses only: the correct answer's likelihood rises far more than the wrong one's.
        double correctGain = logProb(policy, tokenizer, problem, ScriptedWorker.correct(problem)) - correctBefore;
        double wrongGain = logProb(policy, tokenizer, problem, ScriptedWorker.wrong(problem)) - wrongBefore;
        assertTrue(correctGain > 5 && correctGain > wrongGain + 2, correctGain + " vs " + wrongGain);
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-000002/model/tokenizer.json")));
    }

    /** A resumed run draws the problems the killed run would have drawn next, and logs each round once. */
    @Test
    void aResumedRunContinuesWithTheNextProblems(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        Config config = config(temp, "data.val_size=0");
        Path run = temp.resolve("run");
        ScriptedWorker original = new ScriptedWorker(tokenizer);
        assertEquals(Map.of(), train(config, Setup.policy(config, tokenizer), original, run, QUIET));
        Checkpoints.deleteRecursively(run.resolve("checkpoints/step-000002"));
        Files.writeString(run.resolve("checkpoints/latest"), "step-000001\n");
        ScriptedWorker resumed = new ScriptedWorker(tokenizer);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        train(config, Setup.policy(config, tokenizer), resumed, run, new PrintStream(console));
        assertTrue(console.toString().contains("from step 1, continuing at step 2"), console.toString());
        assertEquals(original.prompts.subList(6, 12), resumed.prompts);
        assertEquals(List.of(1, 2), MetricsLog.read(run.resolve("metrics.jsonl")).stream()
                .map(row -> row.get("step")).toList());
    }

    private static double logProb(Transformer policy, Tokenizer tokenizer, Example problem, String response) {
        TokenizedPair pair = new TokenizedPair(tokenizer.encode(Setup.chatFormatter(tokenizer).render(problem), false),
                TokenizedPair.response(tokenizer, response, tokenizer.eosTokenId().orElseThrow()), new int[0]);
        float[] logProbs = policy.forward(List.of(pair.chosenSequence()), ForwardOptions.inference()).logProbs[0];
        return DpoTrainer.responseLogProb(logProbs, pair.prompt().length);
    }

    private static double number(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }
}
