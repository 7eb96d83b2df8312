package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.reward.code.BubblewrapSandbox;
import dev.reason4j.reward.code.CodeRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The python tool in the real bubblewrap sandbox; skipped (with the reason) only where bubblewrap cannot run. */
class PythonToolTest {
    private static Tool python;

    @BeforeAll
    static void sandbox() throws Exception {
        try {
            BubblewrapSandbox.create(CodeRunner.toolchainPaths(CodeRunner.DEFAULT_PYTHON, CodeRunner.DEFAULT_JAVA_HOME));
        } catch (IOException e) {
            Assumptions.abort("no bubblewrap sandbox here: " + e.getMessage());
        }
        python = Tools.create("python", Map.of("timeout_s", 5));
    }

    private static String run(Tool tool, String code) throws Exception {
        return tool.call(Map.of("code", code));
    }

    @Test
    void returnsStdoutAndTheValueOfALastExpression() throws Exception {
        assertEquals("1267650600228229401496703205376", run(python, "print(2**100)"));
        assertEquals("hello\n42", run(python, "print('hello')\n6 * 7"));
        assertEquals("(no output)", run(python, "x = 1"));
        assertEquals("'text'", run(python, "'text'"));
    }

    @Test
    void labelsStderrAndReportsErrorsWithTheCellsOwnTraceback() throws Exception {
        assertEquals("stdout:\nout\nstderr:\nerr", run(python, "import sys\nprint('out')\nprint('err', file=sys.stderr)"));
        assertEquals("stdout:\nbefore\nstderr:\nTraceback (most recent call last):\n"
                + "  File \"<cell>\", line 2, in <module>\n    1 / 0\n"
                + "ZeroDivisionError: division by zero\n[exit code 1]",
                // Python 3.11+ adds a line of carets under the failing expression.
                run(python, "print('before')\n1 / 0").replaceAll("(?m)^ *[~^]+\n", ""));
        String syntax = run(python, "def f(:\n  pass");
        assertTrue(syntax.startsWith("stderr:\n  File \"<cell>\", line 1"), syntax);
        assertTrue(syntax.contains("\nSyntaxError: ") && syntax.endsWith("\n[exit code 1]"), syntax);
        assertEquals("[exit code 3]", run(python, "import sys; sys.exit(3)"));
    }

    @Test
    void stopsAtTheTimeLimit() throws Exception {
        Tool quick = Tools.create("python", Map.of("timeout_s", 1));
        assertEquals("started\n[timed out after 1 s]", run(quick, "import time\nprint('started')\ntime.sleep(60)"));
    }

    @Test
    void cutsLongOutputAndSaysSo() throws Exception {
        Tool short_ = Tools.create("python", Map.of("max_output_chars", 100));
        String out = run(short_, "print('a' * 50 + 'b' * 5000 + 'c' * 50)");
        assertEquals("a".repeat(50) + "\n[… 5000 of 5100 characters cut …]\n" + "c".repeat(50), out);
    }

    @Test
    void anEpisodeSessionKeepsVariablesAndReplaysQuietly() throws Exception {
        Tool session = python.forEpisode();
        assertNotSame(python, session);
        assertEquals("set", run(session, "x = 21\nprint('set')"));
        assertEquals("42", run(session, "x * 2"));
        // A failed cell is not replayed: y stays undefined, x is still there.
        assertTrue(run(session, "y = 1 / 0").contains("ZeroDivisionError"));
        assertTrue(run(session, "y").contains("NameError: name 'y' is not defined"));
        assertEquals("22", run(session, "x += 1\nx"));
        assertEquals("22", run(session, "x"));
        // Another episode starts from nothing.
        assertTrue(run(python.forEpisode(), "x").contains("NameError"));
        // The shared instance keeps nothing between calls.
        run(python, "z = 5");
        assertTrue(run(python, "z").contains("NameError"));
    }

    @Test
    void theSandboxHasNoNetworkAndNoFilesOfOurs() throws Exception {
        Path ours = Path.of("pom.xml").toAbsolutePath();
        assertTrue(Files.exists(ours));
        assertEquals("False", run(python, "import os\nos.path.exists(" + pythonString(ours.toString()) + ")"));
        assertEquals("False", run(python, "import os\nos.path.exists('/etc/passwd') or os.path.exists('/root')"));
        String network = run(python, """
                import socket
                try:
                    socket.create_connection(("1.1.1.1", 53), timeout=3)
                    print("connected")
                except OSError as e:
                    print("no network")
                """);
        assertEquals("no network", network);
    }

    @Test
    void badOptionsAndArgumentsAreOneLineErrors() throws Exception {
        assertEquals("tool python: unknown option timeout — did you mean timeout_s? (options: timeout_s, memory_mb,"
                + " max_output_chars, allow_unsandboxed)", assertThrows(IllegalArgumentException.class,
                () -> Tools.create("python", Map.of("timeout", 5))).getMessage());
        assertEquals("tool python: option timeout_s must be a number in (0, 3600.0], got -1",
                assertThrows(IllegalArgumentException.class, () -> Tools.create("python", Map.of("timeout_s", -1)))
                        .getMessage());
        assertEquals("argument 'code' must be a string", assertThrows(ToolException.class,
                () -> python.call(Map.of("code", 5))).getMessage());
        assertFalse(python.description().isBlank());
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
