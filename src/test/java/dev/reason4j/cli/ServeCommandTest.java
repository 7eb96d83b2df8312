package dev.reason4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code ./reason4j serve}'s refusals: one line each (serving itself is tested in server.OpenAiServerTest). */
class ServeCommandTest {
    @TempDir
    Path temp;

    @Test
    void badOptionsAreOneLine() throws Exception {
        UserErrorsTest.Outcome missing = UserErrorsTest.run("serve", "--model", temp.resolve("none").toString());
        assertEquals(2, missing.code());
        assertEquals("reason4j serve: --model: directory does not exist: " + temp.resolve("none") + "\n",
                missing.err());

        Path empty = Files.createDirectory(temp.resolve("empty"));
        UserErrorsTest.Outcome noTokenizer = UserErrorsTest.run("serve", "--model", empty.toString(), "--port", "0");
        assertEquals(2, noTokenizer.code());
        assertEquals("reason4j serve: --model: " + empty + " has no tokenizer.json (the server renders and decodes "
                + "text with the model's tokenizer)\n", noTokenizer.err());

        UserErrorsTest.Outcome port = UserErrorsTest.run("serve", "--model", empty.toString(), "--port", "70000");
        assertEquals("reason4j serve: --port must be in [0, 65535], got 70000\n", port.err());
        UserErrorsTest.Outcome root = UserErrorsTest.run("serve", "--model", empty.toString(), "--weights-root",
                temp.resolve("nowhere").toString());
        assertEquals("reason4j serve: --weights-root: directory does not exist: " + temp.resolve("nowhere") + "\n",
                root.err());
    }
}
