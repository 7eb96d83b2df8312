package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad options of {@code bench} are refused in one line before anything is measured. */
class BenchCommandTest {
    private static String refused(String... argv) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run(argv));
        } finally {
            System.setErr(stderr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownMetricGroupListsTheKnownOnes() {
        assertEquals("reason4j bench: unknown metric group 'speed'; known: [train, prefill, decode, mixed, matmul]\n",
                refused("bench", "--metrics", "decode,speed"));
    }

    @Test
    void roundsMustBePositive() {
        assertEquals("reason4j bench: --rounds must be at least 1, got 0\n",
                refused("bench", "--config", "small", "--rounds", "0"));
    }

    @Test
    void unknownConfigListsThePresets() {
        assertEquals("reason4j bench: unknown bench config 'huge'; known: [small, medium, large] or all\n",
                refused("bench", "--config", "huge"));
    }
}
