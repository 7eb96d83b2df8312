package dev.reason4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one reader of JSON lines (datasets, metrics logs, the CLI's inputs): lines with their 1-based number, each
 * parsed into a JSON object on request. A bad line is reported in one format everywhere: {@code FILE:LINE: problem}
 * for a file, {@code line N: problem} for stdin. Callers check their own fields and report through
 * {@link Line#error(String)}, so their problems read the same way.
 */
public final class JsonLinesReader implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedReader reader;
    /** The file, or null for stdin (named by line number only). */
    private final Path file;
    private int number;

    private JsonLinesReader(BufferedReader reader, Path file) {
        this.reader = reader;
        this.file = file;
    }

    /** Reads {@code file} (UTF-8); its lines are named {@code FILE:LINE}. */
    public static JsonLinesReader open(Path file) throws IOException {
        return new JsonLinesReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), file);
    }

    /** Reads standard input (UTF-8); its lines are named {@code line N}. */
    public static JsonLinesReader stdin(InputStream in) {
        return new JsonLinesReader(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), null);
    }

    /** The next line, blank or not; null at the end. For filters, which answer every input line. */
    public Line next() throws IOException {
        String text = reader.readLine();
        if (text == null) {
            return null;
        }
        number++;
        return new Line(file, number, text);
    }

    /** The next line that is not blank; null at the end. For files of records, where blank lines are allowed. */
    public Line nextNonBlank() throws IOException {
        for (Line line = next(); line != null; line = next()) {
            if (!line.text().isBlank()) {
                return line;
            }
        }
        return null;
    }

    /** Whether more input can be read without waiting: a filter flushes its answers when not. */
    public boolean hasBufferedInput() throws IOException {
        return reader.ready();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    /** One line of input: {@code file} is null for stdin; {@code number} counts from 1, blank lines included. */
    public record Line(Path file, int number, String text) {
        /** {@code FILE:LINE} or {@code line N}: how errors name this line. */
        public String where() {
            return file == null ? "line " + number : file + ":" + number;
        }

        /** This line as a JSON object; a {@link BadLineException} when it is not valid JSON or not an object. */
        public ObjectNode object() {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new BadLineException(where() + ": invalid JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (!(node instanceof ObjectNode object)) {
                throw error("expected a JSON object");
            }
            return object;
        }

        /** A caller's problem with this line (a missing or wrong field), named {@code WHERE: problem}. */
        public BadLineException error(String problem) {
            return new BadLineException(where() + ": " + problem, null);
        }

        /** {@code failure} as a problem of this line; unchanged if it already names it (from {@link #object()}). */
        public BadLineException error(Exception failure) {
            return failure instanceof BadLineException bad ? bad
                    : new BadLineException(where() + ": " + failure.getMessage(), failure);
        }
    }

    /** Bad input on one line; the message starts with the line's place ({@link Line#where()}). */
    public static final class BadLineException extends IllegalArgumentException {
        BadLineException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
