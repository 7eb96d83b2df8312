package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerCommandsTest {
    private static Tokenizer qwen;

    @BeforeAll
    static void load() throws IOException {
        String env = System.getenv("REASON4J_FIXTURES");
        Path fixtures = env != null && !env.isEmpty() ? Path.of(env) : Path.of("..", "shared", "fixtures");
        qwen = Tokenizer.load(fixtures.resolve("tokenizers/qwen3"));
    }

    private record Result(int exitCode, String out, String err) {}

    private interface Processor {
        int process(ByteArrayInputStream in, ByteArrayOutputStream out, PrintStream err) throws IOException;
    }

    private static Result run(String input, Processor processor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = processor.process(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tokenizeAnswersEveryLineInOrderAndNamesBadLines() throws IOException {
        Result result = run("{\"text\": \"Hello world\"}\nnot json\n{\"text\": \"<|im_start|>hi\"}\n{\"ids\": [1]}\n",
                (in, out, err) -> TokenizeCommand.process(qwen, false, false, false, in, out, err));
        String[] lines = result.out().split("\n");
        assertEquals(4, lines.length);
        assertEquals("{\"ids\":[9707,1879]}", lines[0]);
        assertTrue(lines[1].startsWith("{\"error\":\"line 2: invalid JSON ("), lines[1]);
        assertEquals("{\"ids\":[151644,6023]}", lines[2]);
        assertTrue(lines[3].startsWith("{\"error\":\"line 4: expected {"), lines[3]);
        assertTrue(result.err().contains("line 2") && result.err().contains("line 4"), result.err());
        assertEquals(1, result.exitCode());
    }

    @Test
    void decodeRoundTripsAndSkipsSpecialTokensWhenAsked() throws IOException {
        Result result = run("{\"ids\": [151644, 9707, 1879, 151645]}\n",
                (in, out, err) -> TokenizeCommand.process(qwen, true, false, true, in, out, err));
        assertEquals("{\"text\":\"Hello world\"}\n", result.out());
        assertEquals(0, result.exitCode());
        Result bad = run("{\"ids\": [-1]}\n", (in, out, err) -> TokenizeCommand.process(qwen, true, false, false, in, out, err));
        assertTrue(bad.out().contains("line 1: ids[0] = -1 is not a token id"), bad.out());
    }

    @Test
    void renderChatWritesTextAndOptionallyIdsWithAssistantMask() throws IOException {
        String conversation = "{\"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", \"content\": \"4\"}],"
                + " \"add_generation_prompt\": false}\n{\"messages\": [{\"content\": \"no role\"}]}\n";
        Result text = run(conversation, (in, out, err) -> RenderChatCommand.process(qwen, false, in, out, err));
        String[] lines = text.out().split("\n");
        assertEquals("{\"text\":\"<|im_start|>user\\n2+2?<|im_end|>\\n<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n4<|im_end|>\\n\"}", lines[0]);
        assertTrue(lines[1].contains("line 2: messages[0] needs a \\\"role\\\""), lines[1]);
        // "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n" is the prompt (12 tokens); the assistant wrote
        // "<think>\n\n</think>\n\n4<|im_end|>" (6 tokens); the final "\n" is the template's.
        Result masked = run(conversation, (in, out, err) -> RenderChatCommand.process(qwen, true, in, out, err));
        assertTrue(masked.out().split("\n")[0].contains("\"assistant_mask\":[0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,0]"), masked.out());
    }

    @Test
    void trainTokenizerWritesALoadableDirectory(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            corpus.append("{\"text\": \"Q: What is ").append(i).append(" plus 7? A: ").append(i + 7).append("\"}\n");
        }
        Path input = dir.resolve("corpus.jsonl");
        java.nio.file.Files.writeString(input, corpus);
        Path output = dir.resolve("tok");
        int code = new TrainTokenizerCommand().run(new Args(new String[] {
            "--input", input.toString(), "--output", output.toString(), "--vocab-size", "300"}));
        assertEquals(0, code);
        Tokenizer trained = Tokenizer.load(output);
        assertEquals("Q: What is 12 plus 7? A: 19", trained.decode(trained.encode("Q: What is 12 plus 7? A: 19")));
        assertEquals(2, trained.eosTokenId().getAsInt());
    }

    @Test
    void trainTokenizerNamesABadCorpusLine(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path input = java.nio.file.Files.writeString(dir.resolve("corpus.jsonl"), "{\"text\": \"a\"}\n\n{\"txt\": \"b\"}\n");
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TrainTokenizerCommand().run(new Args(new String[] {
                    "--input", input.toString(), "--output", dir.resolve("tok").toString()})));
        assertEquals(input + ":3: expected {\"text\": \"...\"}", bad.getMessage());
    }
}
