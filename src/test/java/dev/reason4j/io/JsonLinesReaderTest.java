package dev.reason4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins the one error format of JSON lines: {@code FILE:LINE: problem} for a file, {@code line N: problem} for stdin. */
class JsonLinesReaderTest {
    private static final String INPUT = "{\"a\": 1}\n\n{\"a\": \n[1, 2]\n  \n{\"b\": true}\n";

    /** Jackson's own words for the broken line, so the test does not copy the reader's wording. */
    private static String jacksonProblem() {
        try {
            new ObjectMapper().readTree("{\"a\": ");
            throw new AssertionError("Jackson accepted broken JSON");
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage();
        }
    }

    /** Every non-blank line's outcome: its parsed object, or the message of its error. */
    private static List<String> outcomes(JsonLinesReader reader) throws IOException {
        List<String> outcomes = new ArrayList<>();
        for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
            try {
                var object = line.object();
                if (!object.has("a")) {
                    throw line.error("missing \"a\"");   // a caller's own field check
                }
                outcomes.add(object.toString());
            } catch (IllegalArgumentException e) {
                outcomes.add(e.getMessage());
            }
        }
        return outcomes;
    }

    @Test
    void aFileNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("data.jsonl"), INPUT);
        try (JsonLinesReader reader = JsonLinesReader.open(file)) {
            assertEquals(List.of("{\"a\":1}",
                    file + ":3: invalid JSON (" + jacksonProblem() + ")",
                    file + ":4: expected a JSON object",
                    file + ":6: missing \"a\""), outcomes(reader));
        }
    }

    @Test
    void stdinNamesTheLineNumber() throws IOException {
        try (JsonLinesReader reader = JsonLinesReader.stdin(
                new ByteArrayInputStream(INPUT.getBytes(StandardCharsets.UTF_8)))) {
            assertEquals(List.of("{\"a\":1}",
                    "line 3: invalid JSON (" + jacksonProblem() + ")",
                    "line 4: expected a JSON object",
                    "line 6: missing \"a\""), outcomes(reader));
        }
    }

    @Test
    void nextKeepsBlankLinesForFiltersThatAnswerEveryLine() throws IOException {
        JsonLinesReader reader = JsonLinesReader.stdin(new ByteArrayInputStream("{}\n\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(1, reader.next().number());
        JsonLinesReader.Line blank = reader.next();
        assertEquals(2, blank.number());
        assertEquals("line 2: expected a JSON object",
                assertThrows(IllegalArgumentException.class, blank::object).getMessage());
        assertNull(reader.next());
    }

    @Test
    void aFailureIsNamedOnce() {
        JsonLinesReader.Line line = new JsonLinesReader.Line(Path.of("x.jsonl"), 7, "[]");
        JsonLinesReader.BadLineException bad = assertThrows(JsonLinesReader.BadLineException.class, line::object);
        assertSame(bad, line.error(bad));
        assertEquals("x.jsonl:7: ids[0] = -1 is not a token id",
                line.error(new IllegalArgumentException("ids[0] = -1 is not a token id")).getMessage());
    }
}
