package dev.reason4j.reward.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.Parameter;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardModelTest {
    @TempDir
    Path temp;

    @Test
    void savesInHfSequenceClassificationLayoutAndReadsItBackBitForBit() throws IOException {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        Transformer policy = RewardModelFixtures.policy(tokenizer, 3);
        RewardModel rm = RewardModel.fromPolicy(policy, 11);
        Path dir = temp.resolve("rm");
        rm.save(dir, tokenizerDir);

        // The safetensors header, read as raw JSON: the trunk's names and shapes, score.weight [1, hidden], no
        // lm_head and no score.bias (HF's score Linear of a sequence classifier has none).
        JsonNode header = rawHeader(dir.resolve("model.safetensors"));
        int hidden = policy.config().hiddenSize();
        assertEquals(List.of(1L, (long) hidden), shape(header, "score.weight"));
        assertFalse(header.has("lm_head.weight"));
        assertFalse(header.has("score.bias"));
        List<String> expectedNames = new ArrayList<>();
        for (Parameter p : policy.parameters()) {
            if (!p.name().equals("lm_head.weight")) {
                expectedNames.add(p.name());
                assertEquals(Arrays.stream(p.shape()).asLongStream().boxed().toList(), shape(header, p.name()),
                        p.name());
            }
        }
        expectedNames.add("score.weight");
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(name -> {
            if (!name.equals("__metadata__")) {
                names.add(name);
            }
        });
        assertEquals(new java.util.TreeSet<>(expectedNames), new java.util.TreeSet<>(names));

        // config.json: what AutoModelForSequenceClassification reads.
        JsonNode config = new ObjectMapper().readTree(Files.readString(dir.resolve("config.json")));
        assertEquals("Qwen3ForSequenceClassification", config.get("architectures").get(0).asText());
        assertEquals("qwen3", config.get("model_type").asText());
        assertEquals(1, config.get("num_labels").asInt());
        assertEquals("LABEL_0", config.get("id2label").get("0").asText());
        int pad = config.get("pad_token_id").asInt();
        assertEquals(tokenizer.tokenToId("<|endoftext|>").getAsInt(), pad);
        assertNotEquals(tokenizer.eosTokenId().getAsInt(), pad, "HF would pool before the end-of-turn token");
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));

        // The trunk is the policy's, bit for bit; loading gives back every value bit for bit.
        Map<String, float[]> policyWeights = byName(policy);
        Map<String, float[]> saved = byName(rm.model());
        for (var entry : saved.entrySet()) {
            if (!entry.getKey().equals("score.weight")) {
                assertArrayEquals(policyWeights.get(entry.getKey()), entry.getValue(), entry.getKey());
            }
        }
        RewardModel loaded = RewardModel.load(dir);
        Map<String, float[]> reloaded = byName(loaded.model());
        assertEquals(saved.keySet(), reloaded.keySet());
        saved.forEach((name, data) -> assertArrayEquals(data, reloaded.get(name), name));
        List<int[]> sequences = List.of(tokenizer.encode("What is 4 + 1?"), tokenizer.encode("yes no"));
        assertArrayEquals(rm.score(sequences), loaded.score(sequences));
    }

    @Test
    void scoreIsTheScoreHeadAtTheLastTokenAndBatchingChangesNothing() throws IOException {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        RewardModel rm = RewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 5), 2);
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < RewardModel.SCORE_BATCH + 3; i++) {
            sequences.add(tokenizer.encode("What is " + i + " + 1? The answer is " + (i + 1) + "."));
        }
        float[] batched = rm.score(sequences);
        for (int i = 0; i < sequences.size(); i++) {
            float[] perToken = rm.model().forward(List.of(sequences.get(i)),
                    ForwardOptions.inference().withLogProbs(false).withScores(true)).scores[0];
            assertEquals(perToken[perToken.length - 1], batched[i], 1e-5, "sequence " + i);
        }
        assertNotEquals(batched[0], batched[1]);
    }

    /**
     * A directory as transformers' save_pretrained writes it: its own config.json fields (torch_dtype,
     * transformers_version, id2label without num_labels, ...), tensors in another order, bf16 weights and the
     * "pt" metadata. It loads, and scores as the model it came from (bf16-rounded).
     */
    @Test
    void loadsADirectoryInTheLayoutHfWrites() throws IOException {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        RewardModel original = RewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 7), 1);
        Path dir = temp.resolve("hf");
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(original.model().config().toScoreModelJson(false));
        config.remove("num_labels");
        config.put("torch_dtype", "bfloat16");
        config.put("transformers_version", "4.51.3");
        config.put("use_cache", true);
        config.put("pad_token_id", 0);
        config.put("attention_dropout", 0.0);
        config.put("max_window_layers", 28);
        config.putNull("sliding_window");
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        Map<String, float[]> weights = new TreeMap<>(byName(original.model()));   // sorted names, as HF writes
        writeBf16Safetensors(dir.resolve("model.safetensors"), weights, original.model());

        RewardModel loaded = RewardModel.load(dir);
        Map<String, float[]> read = byName(loaded.model());
        weights.forEach((name, data) -> {
            float[] expected = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                expected[i] = Float.intBitsToFloat(bf16Bits(data[i]) << 16);
            }
            assertArrayEquals(expected, read.get(name), name);
        });
        List<int[]> sequences = List.of(tokenizer.encode("What is 9 + 1? The answer is 10."));
        assertEquals(original.score(sequences)[0], loaded.score(sequences)[0], 0.05);
    }

    @Test
    void aPolicyDirectoryIsNotARewardModel() throws IOException {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        Path dir = temp.resolve("policy");
        RewardModelFixtures.policy(tokenizer, 1).save(dir);
        IOException error = assertThrows(IOException.class, () -> RewardModel.load(dir));
        assertTrue(error.getMessage().startsWith(dir + ": not a reward model"), error.getMessage());
    }

    static Map<String, float[]> byName(Transformer model) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            weights.put(p.name(), p.data().clone());
        }
        return weights;
    }

    static JsonNode rawHeader(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new ObjectMapper().readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
    }

    static List<Long> shape(JsonNode header, String name) {
        assertTrue(header.has(name), "no tensor " + name);
        List<Long> shape = new ArrayList<>();
        header.get(name).get("shape").forEach(n -> shape.add(n.asLong()));
        return shape;
    }

    /** Round to nearest even, as torch's float32 → bfloat16. */
    private static int bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    /** A safetensors file written by hand (not by the project's writer), every tensor in BF16. */
    private static void writeBf16Safetensors(Path file, Map<String, float[]> weights, Transformer model)
            throws IOException {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Parameter p : model.parameters()) {
            shapes.put(p.name(), p.shape());
        }
        ObjectNode header = new ObjectMapper().createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var entry : weights.entrySet()) {
            ObjectNode tensor = header.putObject(entry.getKey());
            tensor.put("dtype", "BF16");
            var shape = tensor.putArray("shape");
            Arrays.stream(shapes.get(entry.getKey())).forEach(shape::add);
            long begin = data.size();
            for (float value : entry.getValue()) {
                int bits = bf16Bits(value);
                data.write(bits & 0xFF);
                data.write((bits >>> 8) & 0xFF);
            }
            tensor.putArray("data_offsets").add(begin).add(data.size());
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(data.toByteArray());
        Files.write(file, out.array());
    }
}
