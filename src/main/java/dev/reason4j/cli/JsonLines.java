package dev.reason4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Line-by-line JSON filter for stdin to stdout: each input line gives one output line, in order. A line that fails
 * gets {@code {"error": "line N: ..."}} in its place (and the message on stderr); the other lines go on.
 */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface LineHandler {
        /** Turns one parsed input object into the output object; throws IllegalArgumentException for bad input. */
        Object handle(JsonNode input) throws Exception;
    }

    private JsonLines() {}

    /** Returns the exit code: 0 when every line succeeded, 1 otherwise. */
    static int run(InputStream in, OutputStream out, PrintStream err, LineHandler handler) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        int failures = 0;
        int lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNumber++;
            Object result;
            try {
                JsonNode input;
                try {
                    input = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException("not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (input == null || !input.isObject()) {
                    throw new IllegalArgumentException("expected a JSON object");
                }
                result = handler.handle(input);
            } catch (Exception e) {
                String message = "line " + lineNumber + ": " + e.getMessage();
                err.println("reason4j: " + message);
                result = java.util.Map.of("error", message);
                failures++;
            }
            writer.write(JSON.writeValueAsString(result));
            writer.newLine();
            if (!reader.ready()) {
                writer.flush(); // interactive use: answer each line as it arrives
            }
        }
        writer.flush();
        return failures == 0 ? 0 : 1;
    }
}
