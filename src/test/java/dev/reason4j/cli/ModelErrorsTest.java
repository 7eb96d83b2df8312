package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Transformer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken model directory is bad input: one line on stderr naming the file, exit status 2, no stack trace. */
class ModelErrorsTest {
    @TempDir
    Path dir;

    private String stderrOfGenerate(int expectedExit) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedExit, Main.run(new String[] {"generate", "--model", dir.toString(),
                    "--prompt-ids", "1,2", "--max-new-tokens", "1"}));
        } finally {
            System.setErr(stderr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void configErrorNamesTheFileOnce() throws IOException {
        ModelConfig config = ModelConfig.tiny(ModelConfig.Architecture.LLAMA, 16, 8, 16, 1, 2, 1, true);
        Transformer.create(config, 0).save(dir);
        Path json = dir.resolve("config.json");
        Files.writeString(json, Files.readString(json).replace("\"vocab_size\" : 16,", ""));
        assertEquals("reason4j generate: " + json + ": field 'vocab_size' is missing or not an integer\n",
                stderrOfGenerate(2));
    }

    @Test
    void missingShardNamesTheShardAndTheIndex() throws IOException {
        ModelConfig config = ModelConfig.tiny(ModelConfig.Architecture.LLAMA, 16, 8, 16, 1, 2, 1, true);
        Transformer.create(config, 0).save(dir);
        Files.delete(dir.resolve("model.safetensors"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"model.norm.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertEquals("reason4j generate: " + index + ": shard model-00001-of-00002.safetensors (weight_map of tensor"
                + " 'model.norm.weight') is missing: no file " + dir.resolve("model-00001-of-00002.safetensors")
                + "\n", stderrOfGenerate(2));
    }
}
