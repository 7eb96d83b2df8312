package dev.reason4j.model;

import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.safetensors.SafetensorsException;
import dev.reason4j.safetensors.SafetensorsFile;
import dev.reason4j.safetensors.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightFilesTest {
    @TempDir
    Path dir;

    @Test
    void saveAndLoadRoundTripSingleFile() throws IOException {
        for (ModelConfig config : TransformerTest.tinyConfigs()) {
            Transformer model = TransformerTest.randomModel(config, 3, 0.2);
            model.addValueHead(1);
            Path out = dir.resolve(config.architecture().name());
            model.save(out);
            assertTrue(Files.exists(out.resolve("model.safetensors")));
            assertEquals(config.tieWordEmbeddings(), !safetensorsHeader(out.resolve("model.safetensors"))
                    .contains("lm_head.weight"));
            Transformer loaded = Transformer.load(out);
            assertEquals(config, loaded.config());
            assertTrue(loaded.parameters().stream().anyMatch(p -> p.name().equals("value_head.weight")));
            assertSameWeights(model, loaded);
        }
    }

    @Test
    void saveAndLoadRoundTripSharded() throws IOException {
        ModelConfig config = TransformerTest.tinyConfigs().get(0);
        Transformer model = TransformerTest.randomModel(config, 4, 0.2);
        long saved = WeightFiles.shardBytes;
        WeightFiles.shardBytes = 20_000;
        try {
            model.save(dir);
        } finally {
            WeightFiles.shardBytes = saved;
        }
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        assertTrue(Files.exists(dir.resolve("model-00002-of-" + String.format("%05d", shardCount(dir))
                + ".safetensors")));
        assertSameWeights(model, Transformer.load(dir));
    }

    @Test
    void aMissingShardIsOneMessageNamingTheShardAndTheIndex() throws IOException {
        long saved = WeightFiles.shardBytes;
        WeightFiles.shardBytes = 20_000;
        try {
            Transformer.create(TransformerTest.tinyConfigs().get(0), 4).save(dir);
        } finally {
            WeightFiles.shardBytes = saved;
        }
        String shard = "model-00002-of-" + String.format("%05d", shardCount(dir)) + ".safetensors";
        Files.delete(dir.resolve(shard));
        IOException error = assertThrows(SafetensorsException.class, () -> Transformer.load(dir));
        assertTrue(error.getMessage().startsWith(dir.resolve("model.safetensors.index.json") + ": shard " + shard),
                error.getMessage());
        assertTrue(error.getMessage().contains("is missing"), error.getMessage());
    }

    @Test
    void f64CheckpointIsCastToTheModelsPrecisionAsTransformersDoes() throws IOException {
        ModelConfig config = TransformerTest.tinyConfigs().get(1);
        Transformer model = TransformerTest.randomModel(config, 6, 0.2);
        model.save(dir);
        rewriteAsF64(dir.resolve("model.safetensors"));
        assertTrue(safetensorsHeader(dir.resolve("model.safetensors")).contains("\"F64\""));
        assertFalse(safetensorsHeader(dir.resolve("model.safetensors")).contains("\"F32\""));
        assertSameWeights(model, Transformer.load(dir));
        Transformer bf16 = model.copy();
        bf16.convertToBf16();
        assertSameWeights(bf16, Transformer.load(dir, Precision.BF16));
    }

    /** Rewrites every tensor of a safetensors file as F64 (the float values widened exactly), as torch.float64 saves. */
    private static void rewriteAsF64(Path file) throws IOException {
        StringBuilder header = new StringBuilder("{");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            for (TensorInfo info : read.tensors().values()) {
                float[] values = read.floats(info.name());
                long begin = data.size();
                java.nio.ByteBuffer doubles = java.nio.ByteBuffer.allocate(8 * values.length)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float value : values) {
                    doubles.putDouble(value);
                }
                data.writeBytes(doubles.array());
                header.append(header.length() > 1 ? "," : "").append('"').append(info.name())
                        .append("\":{\"dtype\":\"F64\",\"shape\":").append(Arrays.toString(info.shape()).replace(" ", ""))
                        .append(",\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
            }
        }
        byte[] headerBytes = header.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(headerBytes.length).array());
        out.writeBytes(headerBytes);
        out.writeBytes(data.toByteArray());
        Files.write(file, out.toByteArray());
    }

    @Test
    void bf16SaveAndLoad() throws IOException {
        ModelConfig config = TransformerTest.tinyConfigs().get(1);
        Transformer model = TransformerTest.randomModel(config, 5, 0.2);
        Transformer bf16 = model.copy();
        bf16.convertToBf16();
        bf16.save(dir);
        assertTrue(safetensorsHeader(dir.resolve("model.safetensors")).contains("BF16"));
        Transformer asFloat = Transformer.load(dir);
        Transformer asBf16 = Transformer.load(dir, Precision.BF16);
        assertSameWeights(bf16, asFloat);
        assertSameWeights(bf16, asBf16);
        // bf16 matrices take 2 bytes a value, held in the forward kernel's panels (rows padded to a whole panel);
        // norms and biases stay float32.
        long expectedBytes = 0;
        for (Weight w : asFloat.weights()) {
            int panel = dev.reason4j.tensor.PackedMatrix.PANEL;
            expectedBytes += w.shape.length == 2 ? 2L * ((w.rows() + panel - 1) / panel) * panel * w.cols()
                    : 4L * w.size();
        }
        assertEquals(expectedBytes, asBf16.weightBytes());
        // The bf16 model computes (almost) what its float32 twin does.
        List<int[]> sequences = TransformerTest.randomSequences(config.vocabSize(), 6, 7);
        float[] expected = asFloat.forward(sequences, ForwardOptions.inference()).logProbs[0];
        float[] actual = asBf16.forward(sequences, ForwardOptions.inference()).logProbs[0];
        assertArrayEquals(expected, actual, 1e-5f);
        assertThrows(IllegalStateException.class, asBf16::parameters);
        // Decoding (≤ 4 rows) takes the register-widening bf16 path: same tokens and log-probs as float32.
        SamplingParams greedy = SamplingParams.defaults().withTemperature(0f).withMaxNewTokens(5);
        List<Completion> fromFloat = new Generator(asFloat).generate(sequences, greedy);
        List<Completion> fromBf16 = new Generator(asBf16).generate(sequences, greedy);
        assertArrayEquals(fromFloat.get(0).tokens(), fromBf16.get(0).tokens());
        assertArrayEquals(fromFloat.get(0).logProbs(), fromBf16.get(0).logProbs(), 1e-5f);
    }

    @Test
    void errorsNameTheTensorAndFile() throws IOException {
        ModelConfig config = TransformerTest.tinyConfigs().get(0);
        Transformer.create(config, 1).save(dir);
        // A config with another hidden size: every tensor's shape disagrees.
        String other = config.toJson().replace("\"intermediate_size\" : 48", "\"intermediate_size\" : 50");
        Files.writeString(dir.resolve("config.json"), other);
        IOException shape = assertThrows(IOException.class, () -> Transformer.load(dir));
        assertTrue(shape.getMessage().contains("mlp.gate_proj.weight") && shape.getMessage().contains("model.safetensors"),
                shape.getMessage());
        // A tied config where the file has an lm_head is fine, an untied config without one is not.
        Path tied = dir.resolve("tied");
        Transformer.create(TransformerTest.tinyConfigs().get(1), 1).save(tied);
        String untied = TransformerTest.tinyConfigs().get(1).toJson()
                .replace("\"tie_word_embeddings\" : true", "\"tie_word_embeddings\" : false");
        Files.writeString(tied.resolve("config.json"), untied);
        IOException missing = assertThrows(IOException.class, () -> Transformer.load(tied));
        assertTrue(missing.getMessage().contains("lm_head.weight"), missing.getMessage());
    }

    private static int shardCount(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return (int) files.filter(f -> f.getFileName().toString().matches("model-\\d+-of-\\d+\\.safetensors"))
                    .count();
        }
    }

    private static String safetensorsHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(bytes, 8, (int) length, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void assertSameWeights(Transformer expected, Transformer actual) {
        List<Weight> a = expected.weights();
        List<Weight> b = actual.weights();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).name, b.get(i).name);
            assertArrayEquals(a.get(i).toFloat(), b.get(i).toFloat(), a.get(i).name);
        }
    }
}
