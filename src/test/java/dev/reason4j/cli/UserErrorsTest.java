package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.config.Config;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when something goes wrong: one line naming the cause, no stack trace without --debug. */
class UserErrorsTest {
    @TempDir
    Path temp;

    /** Exit code, stdout and stderr of {@code ./reason4j ARGS}. */
    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... argv) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new Outcome(Main.run(argv), out.toString(), err.toString());
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void aMissingModelDirectoryIsOneLine() {
        Outcome outcome = run("eval", "--model", temp.resolve("nonexistent").toString());
        assertEquals(2, outcome.code());
        assertEquals("reason4j eval: --model: directory does not exist: " + temp.resolve("nonexistent") + "\n",
                outcome.err());
    }

    @Test
    void aBadConfigValueIsOneLineNamingTheKey() {
        Outcome outcome = run("train", "data.train_batch_size=0");
        assertEquals(2, outcome.code());
        assertEquals("reason4j train: override 'data.train_batch_size=0': data.train_batch_size must be ≥ 1, got 0\n",
                outcome.err());
    }

    @Test
    void badRewardSettingsAreOneLineNamingTheKey() throws Exception {
        Path tokenizerDir = temp.resolve("tokenizer");
        BpeTrainer.chatml(300).trainAndSave(List.of("What is 1 + 1? 2", "What is 2 + 2? 4"), tokenizerDir);
        List<String> base = List.of("train", "model.tokenizer=" + tokenizerDir,
                "trainer.out_dir=" + temp.resolve("run"), "model.tiny.hidden_size=16", "model.tiny.num_layers=1",
                "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=32");
        Map<String, String> expected = Map.of(
                "reward.functions={judge: 1.0}", "reason4j train: reward.judge: set exactly one of model (a judge "
                        + "model directory) and endpoint (an OpenAI-compatible server)\n",
                "reward.normalize=zscore", "reason4j train: reward.normalize: unknown 'zscore' (none, batch, "
                        + "running)\n",
                "reward.check=always", "reason4j train: reward.check: unknown 'always' (auto, verifier, none)\n");
        for (Map.Entry<String, String> setting : expected.entrySet()) {
            List<String> argv = new ArrayList<>(base);
            argv.add(setting.getKey());
            Outcome outcome = run(argv.toArray(String[]::new));
            assertEquals(2, outcome.code(), outcome.err());
            assertEquals(setting.getValue(), outcome.err());
        }
    }

    @Test
    void filesystemAndMemoryFailuresAreOneLine() {
        assertEquals("cannot write checkpoint runs/x/checkpoints/step-000002: permission denied: runs/x/checkpoints",
                UserError.of(new UncheckedIOException("cannot write checkpoint runs/x/checkpoints/step-000002",
                        new AccessDeniedException("runs/x/checkpoints"))).message());
        UserError oom = UserError.of(new RuntimeException("worker failed", new OutOfMemoryError("Java heap space")));
        assertTrue(oom.expected());
        assertTrue(oom.message().startsWith("out of memory (Java heap of "), oom.message());
        assertTrue(oom.message().contains("REASON4J_JAVA_OPTS='-XX:MaxRAMPercentage=90'"), oom.message());
        assertFalse(UserError.of(new NullPointerException("bug")).expected());
    }

    @Test
    void aMissingTokenizerIsOneLineAndDebugShowsTheTrace() {
        String[] argv = {"sft", "--out", temp.resolve("run").toString(), "model.tokenizer=" + temp.resolve("none")};
        Outcome outcome = run(argv);
        assertEquals(2, outcome.code());
        assertEquals("reason4j sft: model.tokenizer: directory does not exist: " + temp.resolve("none") + "\n",
                outcome.err());
        List<String> withDebug = new ArrayList<>(List.of(argv));
        withDebug.addFirst("--debug");
        assertTrue(run(withDebug.toArray(String[]::new)).err().contains("\tat dev.reason4j."), "--debug: the trace");
    }

    /** An output file carries the user's umask (as a file this test writes does), not createTempFile's 0600. */
    @Test
    void outputFilesGetTheUsersUmask() throws Exception {
        Path input = java.nio.file.Files.writeString(temp.resolve("pairs.jsonl"), "{\"gold\": \"2\", \"pred\": \"2\"}\n");
        Path output = temp.resolve("verdicts.jsonl");
        assertEquals(0, run("verify-math", "--input", input.toString(), "--output", output.toString()).code());
        assertEquals(java.nio.file.Files.getPosixFilePermissions(input),
                java.nio.file.Files.getPosixFilePermissions(output));
    }

    @Test
    void versionIsPrinted() {
        Outcome outcome = run("--version");
        assertEquals(0, outcome.code());
        assertTrue(outcome.out().startsWith("reason4j "), outcome.out());
    }

    /**
     * {@code generate --prompt} renders the text with the model directory's chat template, prints the decoded text
     * beside the ids, and writes each log-prob as the shortest decimal of the float: it reads back bit for bit.
     */
    @Test
    void generateTakesTextAndItsLogProbsRoundTripExactly() throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + 1? " + (i + 1));
        }
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, tokenizerDir);
        Config config = Config.load(null, List.of("model.tokenizer=" + tokenizerDir, "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64"));
        Path model = temp.resolve("model");
        Setup.saveModel(Setup.policy(config, tokenizer), config, model);

        // A bad line of a --messages file is named with its file and line.
        Path messages = java.nio.file.Files.writeString(temp.resolve("chats.jsonl"),
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n{\"messages\": [\n");
        Outcome bad = run("generate", "--model", model.toString(), "--messages", messages.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("reason4j generate: " + messages + ":2: invalid JSON ("), bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());

        Outcome outcome = run("generate", "--model", model.toString(), "--prompt", "What is 3 + 1?", "--n", "2",
                "--max-new-tokens", "6", "--temperature", "1", "--seed", "7", "--dtype", "f32");
        assertEquals(0, outcome.code(), outcome.err());
        String[] lines = outcome.out().strip().split("\n");
        assertEquals(2, lines.length);

        // The same sampling, run directly: the printed numbers must be these floats exactly.
        int[] prompt = tokenizer.encode(ChatTemplate.of(tokenizer).render(ChatTemplate.ChatRequest.of(
                List.of(Map.of("role", "user", "content", "What is 3 + 1?")), true)), false);
        Transformer loaded = Transformer.load(model, Precision.FP32);
        List<Integer> stops = new ArrayList<>(loaded.config().eosTokenIds());
        tokenizer.eosTokenId().ifPresent(id -> { if (!stops.contains(id)) stops.add(id); });
        List<Completion> expected = new Generator(loaded).generate(List.of(prompt), new SamplingParams(2, 6, 1f, 0,
                1f, 0f, 7, stops.stream().mapToInt(Integer::intValue).toArray()));
        Pattern logProbsText = Pattern.compile("\"logprobs\":\\[([^\\]]*)\\]");
        for (int i = 0; i < 2; i++) {
            JsonNode line = JsonLinesFilter.JSON.readTree(lines[i]);
            int[] tokens = new int[line.get("tokens").size()];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = line.get("tokens").get(t).asInt();
            }
            assertEquals(List.of(java.util.Arrays.stream(expected.get(i).tokens()).boxed().toArray()),
                    List.of(java.util.Arrays.stream(tokens).boxed().toArray()));
            assertEquals(tokenizer.decode(tokens), line.get("text").asText());
            Matcher matcher = logProbsText.matcher(lines[i]);
            assertTrue(matcher.find(), lines[i]);
            String[] printed = matcher.group(1).split(",");
            float[] want = expected.get(i).logProbs();
            assertEquals(want.length, printed.length);
            for (int t = 0; t < want.length; t++) {
                assertEquals(Float.floatToIntBits(want[t]), Float.floatToIntBits(Float.parseFloat(printed[t])),
                        "token " + t + ": " + printed[t]);
                assertEquals(Float.toString(want[t]), printed[t], "the shortest decimal, not a widened double");
            }
        }
    }
}
