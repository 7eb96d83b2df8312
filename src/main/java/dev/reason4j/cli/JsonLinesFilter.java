package dev.reason4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.io.JsonLinesReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Line-by-line JSON filter for stdin to stdout: each input line gives one output line, in order. A line that fails
 * gets {@code {"error": "line N: ..."}} in its place (and the message on stderr); the other lines go on.
 */
final class JsonLinesFilter {
    static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface LineHandler {
        /** Turns one parsed input object into the output object; throws IllegalArgumentException for bad input. */
        Object handle(JsonNode input) throws Exception;
    }

    private JsonLinesFilter() {}

    /** Returns the exit code: 0 when every line succeeded, 1 otherwise. */
    static int run(InputStream in, OutputStream out, PrintStream err, LineHandler handler) throws IOException {
        JsonLinesReader reader = JsonLinesReader.stdin(in);
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        int failures = 0;
        for (JsonLinesReader.Line line = reader.next(); line != null; line = reader.next()) {
            Object result;
            try {
                result = handler.handle(line.object());
            } catch (Exception e) {
                String message = line.error(e).getMessage();
                err.println("reason4j: " + message);
                result = Map.of("error", message);
                failures++;
            }
            writer.write(JSON.writeValueAsString(result));
            writer.newLine();
            if (!reader.hasBufferedInput()) {
                writer.flush(); // interactive use: answer each line as it arrives
            }
        }
        writer.flush();
        return failures == 0 ? 0 : 1;
    }

    /** The token-id array {@code field} of an input line; a missing field or a bad id is named. */
    static int[] tokenIds(JsonNode input, String field, int vocabSize) {
        JsonNode ids = input.get(field);
        if (ids == null || !ids.isArray()) {
            throw new IllegalArgumentException("expected {\"" + field + "\": [...]}");
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode id = ids.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= vocabSize) {
                throw new IllegalArgumentException(field + "[" + i + "] = " + id + " is not a token id (0.."
                        + (vocabSize - 1) + ")");
            }
            out[i] = id.asInt();
        }
        return out;
    }
}
