package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftRunTest {
    @Test
    void trainsOnlyTheAssistantsTokensAndLowersTheLoss(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Path data = temp.resolve("sft.jsonl");
        Files.writeString(data, """
                {"messages": [{"role": "user", "content": "What is 4 + 1?"}, {"role": "assistant", "content": "\\\\boxed{5}"}]}
                {"prompt": "What is 7 + 1?", "response": "\\\\boxed{8}", "data_source": "arithmetic"}
                """);
        Config config = Config.load(null, List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "sft.train_files=[" + data + "]", "sft.total_steps=40", "sft.lr_schedule=constant", "sft.batch_size=2",
                "sft.micro_batch_size=1", "sft.lr=1e-2", "sft.warmup_steps=0", "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64"));
        List<SftTrainer.Sequence> sequences = SftRun.sequences(config, Setup.task(config), tokenizer,
                Setup.chatFormatter(tokenizer));

        assertEquals(List.of("\\boxed{5}<|im_end|>", "\\boxed{8}<|im_end|>"),
                sequences.stream().map(s -> trainedText(tokenizer, s)).toList());

        Transformer model = Setup.policy(config, tokenizer);
        Path run = temp.resolve("run");
        SftRun.train(model, sequences, config, run, QUIET);
        List<Map<String, Object>> rows = MetricsLog.read(run.resolve("metrics.jsonl"));
        double first = ((Number) rows.getFirst().get("sft/loss")).doubleValue();
        double last = ((Number) rows.getLast().get("sft/loss")).doubleValue();
        assertTrue(last < first / 4, "loss " + first + " -> " + last);
        // The final checkpoint's model is a complete model directory: weights and the tokenizer's files.
        Path saved = run.resolve("checkpoints/step-000040/model");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(saved.resolve(file)), file + " in " + saved);
        }
        assertEquals(tokenizer.encode("What is 4 + 1?").length, Tokenizer.load(saved).encode("What is 4 + 1?").length);
    }

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /**
     * An SFT run resumed from a checkpoint continues where the original run was: weights, optimizer state, schedule
     * and batch order come back. The "killed" run is made by dropping the original's last checkpoint, as a kill
     * after step 20's save would leave it. Training is not bit-reproducible (parallel reductions: two identical runs
     * differ by ~1e-9 after one step, growing with every step), so the first resumed step is compared with the
     * original's at 1e-6 — a wrong batch or a lost Adam moment moves it by far more — and the learning rate of every
     * resumed step exactly.
     */
    @Test
    void aResumedSftRunContinuesWithTheSameSteps(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = tokenizer(temp.resolve("tokenizer"));
        Config config = Config.load(null, List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "sft.total_steps=30", "sft.save_freq=20", "sft.batch_size=4", "sft.micro_batch_size=2",
                "sft.lr=1e-2", "sft.warmup_steps=5", "sft.num_examples=50", "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64"));
        List<SftTrainer.Sequence> sequences = SftRun.sequences(config, Setup.task(config), tokenizer,
                Setup.chatFormatter(tokenizer));
        Path run = temp.resolve("run");
        SftRun.train(Setup.policy(config, tokenizer), sequences, config, run, QUIET);
        List<Map<String, Object>> original = MetricsLog.read(run.resolve("metrics.jsonl"));

        Checkpoints.deleteRecursively(run.resolve("checkpoints/step-000030"));
        Files.writeString(run.resolve("checkpoints/latest"), "step-000020\n");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        SftRun.train(Setup.policy(config, tokenizer), sequences, config, run, new PrintStream(console));
        assertTrue(console.toString().contains("from step 20, continuing at step 21"), console.toString());

        List<Map<String, Object>> resumed = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(original.stream().map(row -> row.get("step")).toList(),
                resumed.stream().map(row -> row.get("step")).toList(), "one row per step, none repeated");
        for (String key : List.of("sft/loss", "sft/grad_norm")) {
            double expected = ((Number) original.get(20).get(key)).doubleValue();
            assertEquals(expected, ((Number) resumed.get(20).get(key)).doubleValue(), 1e-6 * expected, "step 21 " + key);
        }
        for (int i = 20; i < 30; i++) {
            assertEquals(original.get(i).get("sft/lr"), resumed.get(i).get("sft/lr"), "step " + (i + 1) + " lr");
        }
    }

    /** A small BPE tokenizer trained on sums, saved in {@code directory}. */
    static Tokenizer tokenizer(Path directory) throws java.io.IOException {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + 1? \\boxed{" + (i + 1) + "}");
        }
        return BpeTrainer.chatml(300).trainAndSave(corpus, directory);
    }

    /** The text of the tokens the loss covers (trailing newline of the turn excluded by the template's mask). */
    private static String trainedText(Tokenizer tokenizer, SftTrainer.Sequence sequence) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < sequence.tokens().length; i++) {
            if (sequence.lossMask()[i]) {
                ids.add(sequence.tokens()[i]);
            }
        }
        return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), false).strip();
    }
}
