package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.config.Config;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoCommandTest {
    @TempDir
    Path temp;

    private static final List<String> TINY = List.of("model.tiny.hidden_size=32", "model.tiny.num_layers=1",
            "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64");

    /** A tiny untrained model directory with its tokenizer (BPE trained on sums), in {@code temp}/model. */
    static Path tinyModel(Path temp) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            corpus.add("What is " + i + " + 1? \\boxed{" + (i + 1) + "}");
        }
        Path tokenizerDirectory = temp.resolve("tokenizer");
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, tokenizerDirectory);
        List<String> overrides = new ArrayList<>(TINY);
        overrides.add("model.tokenizer=" + tokenizerDirectory);
        Config config = Config.load(null, overrides);
        Path model = temp.resolve("model");
        Setup.saveModel(Setup.policy(config, tokenizer), config, model);
        return model;
    }

    /** {@link #tinyModel}, and pair files: 40 to train on, 10 held out. */
    private Path model() throws Exception {
        Path model = tinyModel(temp);
        StringBuilder train = new StringBuilder();
        StringBuilder eval = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            String line = "{\"prompt\": \"What is " + i + " + 1?\", \"chosen\": \"\\\\boxed{" + (i + 1)
                    + "}\", \"rejected\": [{\"role\": \"assistant\", \"content\": \"" + (i + 1) + "\"}]}\n";
            (i % 5 == 0 ? eval : train).append(line);
        }
        Files.writeString(temp.resolve("train.jsonl"), train);
        Files.writeString(temp.resolve("eval.jsonl"), eval);
        return model;
    }

    @Test
    void dpoWritesAModelDirectoryAndPrintsTheHeldOutMetrics() throws Exception {
        Path model = model();
        Path out = temp.resolve("run");
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("dpo", "--model", model.toString(), "--train",
                temp.resolve("train.jsonl").toString(), "--eval", temp.resolve("eval.jsonl").toString(), "--out",
                out.toString(), "dpo.total_steps=4", "dpo.batch_size=4", "dpo.lr=1e-2", "dpo.loss_type=ipo");
        assertEquals(0, outcome.code(), outcome.err());
        String[] lines = outcome.out().strip().split("\n");
        JsonNode metrics = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals(7, metrics.size(), metrics.toString());
        assertTrue(metrics.get("eval/rewards/accuracies").isNumber(), metrics.toString());
        assertEquals("saved " + out.resolve("model"), lines[lines.length - 2]);
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("model/tokenizer.json")));
        // The run's config records the pair files, so a resume with other files is refused.
        Config saved = Config.defaults().merge(out.resolve("config.yaml"));
        assertEquals(List.of(temp.resolve("train.jsonl").toString()), saved.getStringList("dpo.train_files"));
        assertEquals("ipo", saved.getString("dpo.loss_type"));
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path model = model();
        String missing = temp.resolve("missing.jsonl").toString();
        assertEquals("reason4j dpo: --train: file does not exist: " + missing + "\n",
                UserErrorsTest.run("dpo", "--model", model.toString(), "--train", missing).err());
        Path broken = temp.resolve("broken.jsonl");
        Files.writeString(broken, "{\"prompt\": \"What is 1 + 1?\", \"chosen\": \"2\"}\n");
        String err = UserErrorsTest.run("dpo", "--model", model.toString(), "--train", broken.toString(), "--out",
                temp.resolve("run").toString()).err();
        assertTrue(err.startsWith("reason4j dpo: " + broken + ":1:") && err.contains("\"rejected\"")
                && err.strip().lines().count() == 1, err);
        err = UserErrorsTest.run("dpo", "--model", model.toString(), "--train", temp.resolve("train.jsonl").toString(),
                "--out", temp.resolve("run2").toString(), "dpo.loss_type=simpoo").err();
        assertTrue(err.startsWith("reason4j dpo: unknown preference loss 'simpoo'") && err.contains("simpo"), err);
        assertEquals("reason4j dpo: dpo.train_files is empty: give the preference pairs (JSON lines with \"prompt\" or"
                        + " \"messages\", \"chosen\", \"rejected\") with --train FILE\n",
                UserErrorsTest.run("dpo", "--model", model.toString(), "--out", temp.resolve("run3").toString()).err());
    }
}
