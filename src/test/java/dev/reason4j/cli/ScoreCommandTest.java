package dev.reason4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Runs a command through Main with its stdin and stdout captured. */
    private static String run(String stdin, String... argv) {
        PrintStream out = System.out;
        java.io.InputStream in = System.in;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, Main.run(argv), "exit code of " + String.join(" ", argv));
        } finally {
            System.setOut(out);
            System.setIn(in);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** generate's logprobs, read back from its JSON text, equal score's bit for bit: f32 and bf16, T = 1 and 0.7. */
    @Test
    void scoreEqualsGenerateBitForBit() throws Exception {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6,
                null, 4096, true, 0.5f, 0, List.of(1));
        Transformer.create(config, 5).save(dir);
        for (String dtype : new String[]{"f32", "bf16"}) {
            for (String temperature : new String[]{"1", "0.7"}) {
                String generated = run("", "generate", "--model", dir.toString(), "--prompt-ids", "3,4,5;6", "--n", "3",
                        "--max-new-tokens", "20", "--temperature", temperature, "--seed", "4", "--dtype", dtype,
                        "--stop-ids", "66");
                StringBuilder lines = new StringBuilder();
                List<JsonNode> completions = new ArrayList<>();
                for (String line : generated.strip().split("\n")) {
                    JsonNode completion = JSON.readTree(line);
                    completions.add(completion);
                    String prompt = completion.get("prompt").asInt() == 0 ? "[3,4,5]" : "[6]";
                    lines.append("{\"prompt_ids\": ").append(prompt).append(", \"response_ids\": ")
                            .append(completion.get("tokens")).append("}\n");
                }
                assertEquals(6, completions.size());
                String scored = run(lines.toString(), "score", "--model", dir.toString(), "--dtype", dtype,
                        "--temperature", temperature);
                String[] scoredLines = scored.strip().split("\n");
                for (int i = 0; i < completions.size(); i++) {
                    JsonNode expected = completions.get(i).get("logprobs");
                    JsonNode actual = JSON.readTree(scoredLines[i]).get("logprobs");
                    assertEquals(expected.size(), actual.size());
                    assertTrue(expected.size() > 0);
                    for (int t = 0; t < expected.size(); t++) {
                        // Compared as text: the shortest decimal of a float reads back as that float exactly.
                        assertEquals(expected.get(t).asText(), actual.get(t).asText(),
                                dtype + " T=" + temperature + " completion " + i + " token " + t);
                        assertEquals(Float.floatToIntBits(Float.parseFloat(expected.get(t).asText())),
                                Float.floatToIntBits((float) actual.get(t).asDouble()));
                    }
                    assertEquals(expected.size(), JSON.readTree(scoredLines[i]).get("entropy").size());
                }
            }
        }
    }

    @Test
    void generateCutsAtTheContextWithAWarningOrRefusesWhenStrict() throws Exception {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6,
                null, 8, true, 0.5f, 0, List.of(1));
        Transformer.create(config, 7).save(dir);
        JsonNode cut = JSON.readTree(run("", "generate", "--model", dir.toString(), "--prompt-ids", "3,4,5",
                "--max-new-tokens", "20", "--stop-ids", "66").strip());
        assertEquals(5, cut.get("tokens").size());
        assertTrue(cut.get("context_limited").asBoolean());
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertEquals(2, Main.run(new String[]{"generate", "--model", dir.toString(), "--prompt-ids", "3,4,5",
                    "--max-new-tokens", "20", "--strict-context"}));
        } finally {
            System.setErr(err);
        }
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains(
                "prompt 0 has 3 tokens and asks for up to 20 new ones, past the model's max_position_embeddings 8"),
                captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badLinesAreNamedAndTheOthersScored() throws Exception {
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6,
                null, 16, true, 0.5f, 0, List.of(1));
        Transformer model = Transformer.create(config, 6);
        String input = """
                {"prompt_ids": [1, 2], "response_ids": [3]}
                {"prompt_ids": [1, 2], "response_ids": [67]}
                {"prompt_ids": [], "response_ids": [3]}
                {"prompt_ids": [1], "response_ids": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}
                {"prompt_ids": [1, 2], "response_ids": []}
                """;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ScoreCommand.score(model, 1f, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(5, lines.length);
        assertEquals(1, JSON.readTree(lines[0]).get("logprobs").size());
        assertTrue(lines[1].contains("line 2: response_ids[0] = 67 is not a token id"), lines[1]);
        assertTrue(lines[2].contains("line 3: \\\"prompt_ids\\\" is empty"), lines[2]);
        assertTrue(lines[3].contains("line 4: 1 prompt + 16 response tokens exceed the model's max_position_embeddings 16"),
                lines[3]);
        assertEquals(0, JSON.readTree(lines[4]).get("logprobs").size());
    }
}
