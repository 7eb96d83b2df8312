package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./reason4j distill} end to end on tiny models, and its one-line errors. */
class DistillCommandTest {
    private static final List<String> TINY = List.of("model.tiny.hidden_size=32", "model.tiny.num_layers=1",
            "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64");

    private static Path model(Path directory, Path tokenizerDirectory, Tokenizer tokenizer, int seed)
            throws Exception {
        List<String> overrides = new ArrayList<>(TINY);
        overrides.add("model.seed=" + seed);
        Transformer model = Setup.policy(Config.load(null, overrides), tokenizer);
        Setup.saveModel(model, tokenizerDirectory, directory);
        return directory;
    }

    private static Tokenizer tokenizer(Path directory) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + 1? \\boxed{" + (i + 1) + "}");
        }
        return BpeTrainer.chatml(300).trainAndSave(corpus, directory);
    }

    /** Runs the command; returns {exit status, stdout, stderr}. */
    private static Object[] run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Main.run(argv);
            return new Object[] {status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void distilsALocalTeacherIntoTheStudentAndSavesIt(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Path student = model(temp.resolve("student"), temp.resolve("tokenizer"), tokenizer, 1);
        Path teacher = model(temp.resolve("teacher"), temp.resolve("tokenizer"), tokenizer, 2);
        Path out = temp.resolve("run");
        Object[] result = run("distill", "--student", student.toString(), "--teacher", teacher.toString(),
                "--task", "arithmetic", "--out", out.toString(), "distill.total_steps=2", "distill.prompts_per_step=2",
                "distill.n=2", "distill.max_response_length=4", "distill.num_prompts=10");
        assertEquals(0, result[0], result[2].toString());
        assertTrue(result[1].toString().contains("saved " + out.resolve("model")), result[1].toString());
        assertEquals(Transformer.load(student).config(), Transformer.load(out.resolve("model")).config());
        assertTrue(Files.isRegularFile(out.resolve("model/tokenizer.json")));
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertTrue(Files.readString(out.resolve("config.yaml")).contains("teacher: " + teacher));
    }

    @Test
    void tracesModeFineTunesOnTheTeachersAnswers(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Path student = model(temp.resolve("student"), temp.resolve("tokenizer"), tokenizer, 1);
        Path teacher = model(temp.resolve("teacher"), temp.resolve("tokenizer"), tokenizer, 2);
        Path out = temp.resolve("run");
        Object[] result = run("distill", "--student", student.toString(), "--teacher", teacher.toString(),
                "--out", out.toString(), "distill.mode=traces", "distill.n=2", "distill.num_prompts=3",
                "distill.max_response_length=4", "sft.total_steps=2", "sft.batch_size=2", "sft.micro_batch_size=2");
        assertEquals(0, result[0], result[2].toString());
        assertTrue(result[1].toString().contains("distill: 6 of 6 teacher traces kept"), result[1].toString());
        assertEquals(6, Files.readAllLines(out.resolve("traces.jsonl")).size());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
    }

    /**
     * A teacher behind {@code ./reason4j serve} gives the run the same numbers as the same teacher loaded locally:
     * its prompt log-probs are the local forward's bits, so the first step (before any update; the same samples)
     * reports the same reverse KL to the last bit.
     */
    @Test
    void aServedTeacherScoresAsTheLocalOne(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Path student = model(temp.resolve("student"), temp.resolve("tokenizer"), tokenizer, 1);
        Path teacher = model(temp.resolve("teacher"), temp.resolve("tokenizer"), tokenizer, 2);
        List<String> settings = List.of("--task", "arithmetic", "distill.total_steps=1", "distill.prompts_per_step=2",
                "distill.n=2", "distill.max_response_length=4", "distill.num_prompts=10");
        List<String> local = new ArrayList<>(List.of("distill", "--student", student.toString(), "--teacher",
                teacher.toString(), "--out", temp.resolve("local").toString()));
        local.addAll(settings);
        assertEquals(0, run(local.toArray(String[]::new))[0]);
        try (dev.reason4j.server.OpenAiServer server = dev.reason4j.server.OpenAiServer.start(teacher,
                dev.reason4j.model.Precision.FP32, new dev.reason4j.server.OpenAiServer.Options("127.0.0.1", 0, "k",
                        "k", temp, 8, "teacher"))) {
            List<String> remote = new ArrayList<>(List.of("distill", "--student", student.toString(),
                    "--teacher-url", "http://127.0.0.1:" + server.port(), "--teacher-api-key", "k",
                    "--teacher-model", "teacher", "--out", temp.resolve("remote").toString()));
            remote.addAll(settings);
            Object[] result = run(remote.toArray(String[]::new));
            assertEquals(0, result[0], result[2].toString());
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var localRow = json.readTree(Files.readAllLines(temp.resolve("local/metrics.jsonl")).getFirst());
        var remoteRow = json.readTree(Files.readAllLines(temp.resolve("remote/metrics.jsonl")).getFirst());
        assertEquals(localRow.get("distill/reverse_kl").doubleValue(), remoteRow.get("distill/reverse_kl").doubleValue());
        assertEquals(localRow.get("distill/loss").doubleValue(), remoteRow.get("distill/loss").doubleValue());
    }

    @Test
    void badInputIsOneLine(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Path student = model(temp.resolve("student"), temp.resolve("tokenizer"), tokenizer, 1);
        Object[] noTeacher = run("distill", "--student", student.toString(), "--out", temp.resolve("a").toString());
        assertEquals(2, noTeacher[0]);
        assertEquals("reason4j distill: no teacher: give --teacher DIR or --teacher-url URL (distill.teacher,"
                + " distill.teacher_url)\n", noTeacher[2]);
        Object[] badUrl = run("distill", "--student", student.toString(), "--teacher-url", "localhost:8000",
                "--out", temp.resolve("b").toString());
        assertEquals(2, badUrl[0]);
        assertEquals("reason4j distill: distill.teacher_url: 'localhost:8000' is not a server URL (expected"
                + " http://HOST:PORT)\n", badUrl[2]);
        Object[] badMode = run("distill", "--student", student.toString(), "--teacher", student.toString(),
                "--out", temp.resolve("c").toString(), "distill.mode=offline");
        assertEquals(2, badMode[0]);
        assertEquals("reason4j distill: distill.mode: unknown 'offline' (on_policy, traces)\n", badMode[2]);
    }
}
