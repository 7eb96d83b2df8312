package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillRunTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Config config(Path tokenizer, String... overrides) {
        List<String> all = new ArrayList<>(List.of("model.tokenizer=" + tokenizer, "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64", "distill.prompts_per_step=4", "distill.n=4",
                "distill.max_response_length=8", "distill.num_prompts=50", "distill.lr=3e-3"));
        all.addAll(List.of(overrides));
        return Config.load(null, all);
    }

    /** A teacher far from the new student: a tiny model of the same shape with large random weights. */
    private static Transformer peakedTeacher(Config config, Tokenizer tokenizer) {
        return OnPolicyDistillerTest.randomModel(Setup.tinyModelConfig(config.section("model.tiny"), tokenizer), 5);
    }

    /**
     * On a toy, distillation lowers the student's reverse KL to the teacher: over the last ten of 30 steps it is
     * well below that of a control run with lr 0 (the same student, prompts and seeds, never updated), which
     * measures the starting student on the same prompts.
     */
    @Test
    void onPolicyDistillationLowersTheReverseKlToTheTeacher(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        Teacher teacher = Teacher.local(sftModel(temp.resolve("teacher-sft"), tokenizer, 60, 9), 8);
        Transformer start = sftModel(temp.resolve("student-sft"), tokenizer, 15, 1);
        double[] lastTen = new double[2];
        for (int run = 0; run < 2; run++) {
            Config config = config(temp.resolve("tokenizer"), "distill.total_steps=30", "distill.prompts_per_step=8",
                    "distill.lr=" + (run == 0 ? "1e-2" : "0"));
            Path directory = temp.resolve(run == 0 ? "distill" : "control");
            Map<String, Object> last = DistillRun.onPolicy(start.copy(), teacher,
                    DistillRun.prompts(config, Setup.task(config)), tokenizer, Setup.chatFormatter(tokenizer), config,
                    directory, QUIET);
            assertEquals(30, last.get("step"));
            List<Map<String, Object>> rows = MetricsLog.read(directory.resolve("metrics.jsonl"));
            assertEquals(30, rows.size());
            lastTen[run] = mean(rows.subList(20, 30), "distill/reverse_kl");
            for (String key : List.of("distill/loss", "distill/grad_norm", "distill/lr", "response_length/mean",
                    "time/distill_tokens_per_s", "time/teacher_s")) {
                assertTrue(rows.getLast().containsKey(key), key);
            }
            Path saved = directory.resolve("checkpoints/step-000030/model");
            assertTrue(Files.isRegularFile(saved.resolve("model.safetensors"))
                    && Files.isRegularFile(saved.resolve("tokenizer.json")), "the last checkpoint is a model directory");
        }
        assertTrue(lastTen[0] < 0.85 * lastTen[1], "reverse KL over steps 21-30: distilled " + lastTen[0]
                + ", control " + lastTen[1]);
    }

    /**
     * A tiny model fine-tuned for {@code steps} steps on the task's worked solutions. On-policy distillation needs
     * a student whose samples the teacher can score usefully, as in practice (an SFT student, an RL teacher): a
     * new model's near-uniform samples over the whole vocabulary almost never hit the teacher's likely tokens.
     */
    private static Transformer sftModel(Path run, Tokenizer tokenizer, int steps, int seed) throws Exception {
        Config config = config(run.getParent().resolve("tokenizer"), "sft.total_steps=" + steps, "sft.batch_size=8",
                "sft.micro_batch_size=8", "sft.lr=1e-2", "sft.warmup_steps=0", "sft.lr_schedule=constant",
                "sft.num_examples=200", "model.seed=" + seed);
        Transformer model = Setup.policy(config, tokenizer);
        SftRun.train(model, SftRun.sequences(config, Setup.task(config), tokenizer, Setup.chatFormatter(tokenizer)),
                config, run, QUIET);
        return model;
    }

    private static double mean(List<Map<String, Object>> rows, String key) {
        return rows.stream().mapToDouble(row -> ((Number) row.get(key)).doubleValue()).average().orElseThrow();
    }

    /**
     * A resumed run continues with the same steps: the same prompts and samples (seeded by the step), weights and
     * optimizer state. As in SftRunTest, training is not bit-reproducible across runs, so the first resumed
     * step's reverse KL is compared at 1e-5 and the learning rates exactly.
     */
    @Test
    void aResumedRunContinuesWithTheSameSteps(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        Config config = config(temp.resolve("tokenizer"), "distill.total_steps=6", "distill.save_freq=3",
                "distill.lr_schedule=linear", "distill.warmup_steps=2");
        Task task = Setup.task(config);
        Teacher teacher = Teacher.local(peakedTeacher(config, tokenizer), 8);
        List<Example> prompts = DistillRun.prompts(config, task);
        Path run = temp.resolve("run");
        DistillRun.onPolicy(Setup.policy(config, tokenizer), teacher, prompts, tokenizer,
                Setup.chatFormatter(tokenizer), config, run, QUIET);
        List<Map<String, Object>> original = MetricsLog.read(run.resolve("metrics.jsonl"));

        Checkpoints.deleteRecursively(run.resolve("checkpoints/step-000006"));
        Files.writeString(run.resolve("checkpoints/latest"), "step-000003\n");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        DistillRun.onPolicy(Setup.policy(config, tokenizer), teacher, prompts, tokenizer,
                Setup.chatFormatter(tokenizer), config, run, new PrintStream(console));
        assertTrue(console.toString().contains("from step 3, continuing at step 4"), console.toString());
        List<Map<String, Object>> resumed = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(original.stream().map(row -> row.get("step")).toList(),
                resumed.stream().map(row -> row.get("step")).toList(), "one row per step, none repeated");
        double expected = ((Number) original.get(3).get("distill/reverse_kl")).doubleValue();
        assertEquals(expected, ((Number) resumed.get(3).get("distill/reverse_kl")).doubleValue(),
                1e-5 * Math.abs(expected), "step 4's reverse KL");
        assertEquals(original.get(3).get("response_length/mean"), resumed.get(3).get("response_length/mean"));
        for (int i = 3; i < 6; i++) {
            assertEquals(original.get(i).get("distill/lr"), resumed.get(i).get("distill/lr"), "step " + (i + 1));
        }
    }

    @Test
    void aTeacherWithAnotherTokenizerIsRefusedInOneLine(@TempDir Path temp) throws Exception {
        Tokenizer student = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("Other words " + i + " entirely, " + (i * 3));
        }
        Path other = temp.resolve("other-tokenizer");
        Tokenizer otherTokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, other);
        Config config = config(other);
        Path teacherDirectory = temp.resolve("teacher");
        Setup.saveModel(Setup.policy(config, otherTokenizer), other, teacherDirectory);

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Teacher.load(teacherDirectory, student, 4));
        assertTrue(otherTokenizer.vocabSize() != student.vocabSize());
        assertEquals("teacher " + teacherDirectory + " does not share the student's tokenizer: its vocabulary has "
                + otherTokenizer.vocabSize() + " tokens, the student's " + student.vocabSize() + "; distillation"
                + " scores the student's token ids, so both need the same tokenizer", refused.getMessage());
    }

    /**
     * Traces: the teacher's answers (a scripted engine here: sample 0 right, sample 1 wrong) are scored by the
     * task's verifier, only those reaching distill.traces_min_reward are kept, written to traces.jsonl, and the
     * student is fine-tuned on exactly those.
     */
    @Test
    void tracesKeepTheVerifiedAnswersAndFineTuneOnThem(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        Config config = config(temp.resolve("tokenizer"), "distill.mode=traces", "distill.n=2",
                "distill.traces_min_reward=1.0", "sft.total_steps=30", "sft.batch_size=4", "sft.micro_batch_size=4",
                "sft.lr=1e-2", "sft.warmup_steps=0", "sft.lr_schedule=constant");
        Task task = Setup.task(config);
        List<Problem> problems = task.distinct(Split.TRAIN, 6, 3);
        List<Example> prompts = problems.stream().map(Problem::toExample).toList();
        int eos = tokenizer.eosTokenId().orElseThrow();
        RolloutEngine scripted = request -> {
            Problem problem = problems.get(request.index());
            List<Completion> completions = new ArrayList<>();
            for (String text : List.of(problem.solution(), "\\boxed{-1}")) {
                int[] tokens = java.util.Arrays.copyOf(tokenizer.encode(text, false),
                        tokenizer.encode(text, false).length + 1);
                tokens[tokens.length - 1] = eos;
                completions.add(new Completion(request.index(), completions.size(), tokens, new float[tokens.length],
                        new float[tokens.length], FinishReason.STOP, false));
            }
            return CompletableFuture.completedFuture(completions);
        };
        Path run = temp.resolve("run");
        Map<String, Object> counts = DistillRun.traces(Setup.policy(config, tokenizer), scripted, prompts, tokenizer,
                Setup.chatFormatter(tokenizer), config, run, QUIET);

        assertEquals(Map.of("distill/traces", 12, "distill/traces_kept", 6), counts);
        List<String> lines = Files.readAllLines(run.resolve(DistillRun.TRACES_FILE));
        assertEquals(12, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            var trace = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(i));
            boolean right = i % 2 == 0;
            assertEquals(right, trace.get("kept").asBoolean(), lines.get(i));
            assertEquals(right ? problems.get(i / 2).solution() : "\\boxed{-1}", trace.get("response").asText());
        }
        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(30, rows.size());
        double first = ((Number) rows.getFirst().get("sft/loss")).doubleValue();
        double last = ((Number) rows.getLast().get("sft/loss")).doubleValue();
        assertTrue(last < first / 2, "SFT on the kept traces: loss " + first + " -> " + last);
    }
}
