package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.io.JsonLinesReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Per-step metrics: one JSON object per line in {@code metrics.jsonl} (flushed each step, so a killed run keeps
 * what it measured), TensorBoard scalars too when {@code trainer.logger} asks for them, and a short progress line
 * on the console.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> ROW = new TypeReference<>() {};
    /** The names {@code trainer.logger} may list; metrics.jsonl is always written (resuming reads it back). */
    public static final java.util.Set<String> LOGGERS = java.util.Set.of("jsonl", "tensorboard");
    private final BufferedWriter writer;
    private final TensorBoardLog tensorboard;   // null unless trainer.logger includes tensorboard

    /** Opens {@code file} for appending (a resumed run continues the same log). */
    public MetricsLog(Path file) {
        this(file, null);
    }

    /** The run directory's metrics.jsonl, and an event file there when {@code trainer.logger} includes tensorboard. */
    public static MetricsLog open(Path runDirectory, dev.reason4j.config.Config config) {
        java.util.List<String> loggers = config.getStringList("trainer.logger");
        for (String logger : loggers) {
            if (!LOGGERS.contains(logger)) {
                throw new IllegalArgumentException("trainer.logger: unknown logger '" + logger
                        + "' (loggers: jsonl, tensorboard)");
            }
        }
        if (!loggers.contains("jsonl")) {
            throw new IllegalArgumentException("trainer.logger must include jsonl (resuming and the dashboard read "
                    + "metrics.jsonl), got " + loggers);
        }
        return new MetricsLog(runDirectory.resolve(RunDirectory.METRICS_FILE),
                loggers.contains("tensorboard") ? new TensorBoardLog(runDirectory) : null);
    }

    private MetricsLog(Path file, TensorBoardLog tensorboard) {
        this.tensorboard = tensorboard;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file, e);
        }
    }

    public void write(Map<String, ?> metrics) {
        try {
            writer.write(JSON.writeValueAsString(metrics));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics log", e);
        }
        if (tensorboard != null) {
            tensorboard.write(metrics);
        }
    }

    /** A one-line summary of the named metrics that are present, e.g. {@code step 3 | reward 0.41 | ...}. */
    public static String progressLine(Map<String, ?> metrics, String... keys) {
        StringBuilder line = new StringBuilder();
        for (String key : keys) {
            Object value = metrics.get(key);
            if (value == null) {
                continue;
            }
            if (!line.isEmpty()) {
                line.append(" | ");
            }
            line.append(key).append(' ').append(value instanceof Double d ? format(d) : value);
        }
        return line.toString();
    }

    /** {@code 123}, {@code 0.412}, or {@code 2.0e-04} for small numbers, which {@code %.3f} would show as 0.000. */
    static String format(double value) {
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 ? "%.0f" : magnitude != 0 && magnitude < 1e-2 ? "%.1e" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    /** Reads a metrics log back (for plots and resuming); a bad line is an error naming the file and line. */
    public static java.util.List<Map<String, Object>> read(Path file) throws IOException {
        java.util.List<Map<String, Object>> rows = new java.util.ArrayList<>();
        try (JsonLinesReader reader = JsonLinesReader.open(file)) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                rows.add(JSON.convertValue(line.object(), ROW));
            }
        }
        return rows;
    }

    /**
     * Drops the rows of steps after {@code step} (a run resumed from that step's checkpoint logs them again).
     * Rewritten atomically; a missing file is left missing.
     */
    public static void truncateAfter(Path file, int step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        StringBuilder kept = new StringBuilder();
        for (Map<String, Object> row : read(file)) {
            if (!(row.get("step") instanceof Number rowStep) || rowStep.intValue() <= step) {
                kept.append(JSON.writeValueAsString(row)).append('\n');
            }
        }
        AtomicFiles.writeString(file, kept.toString());
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tensorboard != null) {
                tensorboard.close();
            }
        }
    }
}
