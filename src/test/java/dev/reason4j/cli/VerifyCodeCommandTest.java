package dev.reason4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VerifyCodeCommandTest {
    @Test
    void writesOneVerdictPerLineInOrder(@TempDir Path directory) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "no bubblewrap");
        Path input = directory.resolve("in.jsonl");
        Path output = directory.resolve("out.jsonl");
        Files.write(input, List.of(
                "{\"language\": \"python\", \"code\": \"print(int(input()) * 2)\", "
                        + "\"tests\": [{\"stdin\": \"21\", \"stdout\": \"42\"}, {\"stdin\": \"1\", \"stdout\": \"3\"}]}",
                "",
                "{\"language\": \"python\", \"code\": \"def f(x): return x\", \"tests\": [{\"assert\": \"assert f(1) == 1\"}],"
                        + " \"timeout_s\": 2, \"memory_mb\": 64}"));
        int exit = Main.run(new String[]{"verify-code", "--input", input.toString(), "--output", output.toString(),
                "--reward", "fraction", "--workers", "2"});
        assertEquals(0, exit);
        assertEquals(List.of(
                "{\"passed\":1,\"total\":2,\"statuses\":[\"passed\",\"wrong_answer\"],\"reward\":0.5}",
                "{\"passed\":1,\"total\":1,\"statuses\":[\"passed\"],\"reward\":1.0}"), Files.readAllLines(output));
    }

    @Test
    void aBadLineIsNamed(@TempDir Path directory) throws Exception {
        Path input = directory.resolve("in.jsonl");
        Files.write(input, List.of("{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"stdout\": \"\"}]}",
                "{\"language\": \"python\", \"code\": \"x\", \"tests\": [{\"input\": \"\"}]}"));
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.run(new String[]{"verify-code", "--input", input.toString()});
        } finally {
            System.setErr(original);
        }
        assertEquals(2, exit);
        assertEquals("reason4j verify-code: " + input
                        + ":2: tests[0]: a test needs \"stdout\" (with optional \"stdin\") or \"assert\"",
                stderr.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
    }

    /** From stdin a bad line is named by its number alone, in the same format. */
    @Test
    void aBadStdinLineIsNamedByNumber() throws Exception {
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        java.io.InputStream originalIn = System.in;
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setIn(new java.io.ByteArrayInputStream(
                "\n{\"language\": \"python\", \"tests\": []}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        int exit;
        try {
            exit = Main.run(new String[]{"verify-code"});
        } finally {
            System.setErr(original);
            System.setIn(originalIn);
        }
        assertEquals(2, exit);
        assertEquals("reason4j verify-code: line 2: missing a string \"code\"",
                stderr.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
    }
}
