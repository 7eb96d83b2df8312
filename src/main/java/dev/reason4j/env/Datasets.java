package dev.reason4j.env;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hardwood.InputFile;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import dev.hardwood.row.PqList;
import dev.hardwood.row.PqMap;
import dev.hardwood.row.PqStruct;
import dev.reason4j.io.JsonLinesReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Loads user datasets into {@link Example}s: JSON lines ({@code .jsonl}) and Parquet ({@code .parquet}, verl's
 * layout). A record holds its prompt as {@code "prompt"} (text, or a list of {@code {role, content}} messages as
 * verl writes it) or {@code "messages"}; its ground truth as {@code "answer"}, {@code "ground_truth"} or
 * {@code reward_model.ground_truth} (a structure becomes JSON text); and {@code "data_source"}. Every other field
 * goes to {@link Example#extra}. A bad record is an error naming the file and line (JSONL) or row (Parquet).
 */
public final class Datasets {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> RECORD = new TypeReference<>() {};
    /** Hardwood logs its codec and SIMD choices at INFO; a dataset load should be quiet. Held so it stays set. */
    private static final Logger HARDWOOD_LOG = Logger.getLogger("dev.hardwood");

    static {
        HARDWOOD_LOG.setLevel(Level.WARNING);
    }

    private Datasets() {
    }

    /**
     * A check of each record against what the run needs (say, the fields its reward reads): returns the record,
     * possibly completed with a default, or throws IllegalArgumentException; the loader prefixes the file and line.
     */
    @FunctionalInterface
    public interface RecordCheck {
        RecordCheck NONE = example -> example;

        Example check(Example example);
    }

    /** All records of the files, in order. */
    public static List<Example> load(List<Path> files) {
        return load(files, RecordCheck.NONE);
    }

    /** All records of the files, in order, each passed through {@code check}. */
    public static List<Example> load(List<Path> files, RecordCheck check) {
        List<Example> examples = new ArrayList<>();
        for (Path file : files) {
            examples.addAll(load(file, check));
        }
        return examples;
    }

    /** The records of one {@code .jsonl} or {@code .parquet} file. */
    public static List<Example> load(Path file) {
        return load(file, RecordCheck.NONE);
    }

    /** The records of one {@code .jsonl} or {@code .parquet} file, each passed through {@code check}. */
    public static List<Example> load(Path file, RecordCheck check) {
        String name = file.getFileName().toString().toLowerCase();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dataset file not found: " + file);
        }
        if (name.endsWith(".jsonl")) {
            return loadJsonLines(file, check);
        }
        if (name.endsWith(".parquet")) {
            return loadParquet(file, check);
        }
        throw new IllegalArgumentException("dataset " + file + ": unsupported file type (expected .jsonl or .parquet)");
    }

    private static List<Example> loadJsonLines(Path file, RecordCheck check) {
        List<Example> examples = new ArrayList<>();
        try (JsonLinesReader reader = JsonLinesReader.open(file)) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                Map<String, Object> record = JSON.convertValue(line.object(), RECORD);
                examples.add(checked(toExample(record, line.where()), check, line.where()));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("dataset " + file + ": " + e.getMessage(), e);
        }
        return examples;
    }

    private static List<Example> loadParquet(Path file, RecordCheck check) {
        List<Example> examples = new ArrayList<>();
        int row = 0;
        try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(file));
             RowReader rows = reader.rowReader()) {
            while (rows.hasNext()) {
                rows.next();
                row++;
                Map<String, Object> record = new LinkedHashMap<>();
                for (int i = 0; i < rows.getFieldCount(); i++) {
                    record.put(rows.getFieldName(i), plain(rows.getValue(i)));
                }
                String where = file + ": row " + row;
                examples.add(checked(toExample(record, where), check, where));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException bad && bad.getMessage() != null
                    && bad.getMessage().startsWith(file.toString())) {
                throw bad;  // already names the file and row
            }
            throw new IllegalArgumentException("dataset " + file + ": cannot read Parquet"
                    + (row > 0 ? " after row " + row : "") + ": " + rootCause(e), e);
        }
        return examples;
    }

    private static Example checked(Example example, RecordCheck check, String where) {
        try {
            return check.check(example);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** Hardwood's row values as plain Java: structs and maps to maps, lists to lists. */
    private static Object plain(Object value) {
        if (value instanceof PqStruct struct) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < struct.getFieldCount(); i++) {
                map.put(struct.getFieldName(i), plain(struct.getValue(i)));
            }
            return map;
        }
        if (value instanceof PqList list) {
            List<Object> items = new ArrayList<>();
            for (Object item : list.values()) {
                items.add(plain(item));
            }
            return items;
        }
        if (value instanceof PqMap pqMap) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (PqMap.Entry entry : pqMap.getEntries()) {
                map.put(String.valueOf(plain(entry.getKey())), plain(entry.getValue()));
            }
            return map;
        }
        return value;
    }

    /** One record (a JSON object or Parquet row as plain Java) as an Example; {@code where} names it in errors. */
    static Example toExample(Map<String, Object> record, String where) {
        Map<String, Object> extra = new LinkedHashMap<>(record);
        Object prompt = extra.remove("prompt");
        Object messages = extra.remove("messages");
        if (prompt != null && messages != null) {
            throw new IllegalArgumentException(where + ": has both \"prompt\" and \"messages\"; give one");
        }
        if (prompt == null && messages == null) {
            throw new IllegalArgumentException(where + ": missing \"prompt\" (text or chat messages) or \"messages\"");
        }
        String promptText = null;
        List<Message> chat = null;
        String field = prompt != null ? "prompt" : "messages";
        Object value = prompt != null ? prompt : messages;
        if (value instanceof String text && prompt != null) {
            promptText = text;
        } else if (value instanceof List<?> list) {
            chat = messages(list, where, field);
        } else {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be "
                    + (prompt != null ? "text or " : "") + "a list of {role, content} messages, got "
                    + describe(value));
        }
        Object dataSource = extra.remove("data_source");
        if (dataSource != null && !(dataSource instanceof String)) {
            throw new IllegalArgumentException(where + ": \"data_source\" must be text, got " + describe(dataSource));
        }
        return new Example(promptText, chat, groundTruth(extra, where), (String) dataSource, extra);
    }

    /** {@code answer}, else {@code ground_truth}, else {@code reward_model.ground_truth}; removed from extra. */
    private static String groundTruth(Map<String, Object> extra, String where) {
        Object truth;
        if (extra.containsKey("answer")) {
            truth = extra.remove("answer");
        } else if (extra.containsKey("ground_truth")) {
            truth = extra.remove("ground_truth");
        } else if (extra.get("reward_model") instanceof Map<?, ?> rewardModel) {
            truth = rewardModel.get("ground_truth");  // reward_model stays in extra: it also holds the style
        } else {
            return null;
        }
        if (truth == null || truth instanceof String) {
            return (String) truth;
        }
        if (truth instanceof Number || truth instanceof Boolean) {
            return String.valueOf(truth);
        }
        try {
            return JSON.writeValueAsString(truth);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": cannot write the ground truth as JSON: " + e.getMessage());
        }
    }

    private static List<Message> messages(List<?> list, String where, String field) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" has no messages");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> map) || !(map.get("role") instanceof String role)
                    || !(map.get("content") instanceof String content)) {
                throw new IllegalArgumentException(where + ": \"" + field + "\"[" + i
                        + "] must be a message {\"role\": text, \"content\": text}, got " + describe(list.get(i)));
            }
            messages.add(new Message(role, content));
        }
        return messages;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String text = value instanceof String ? "'" + value + "'" : String.valueOf(value);
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause instanceof NoClassDefFoundError || cause instanceof ClassNotFoundException
                ? "a compression codec library is missing (" + cause.getMessage() + ")" : cause.getMessage();
        return cause == e ? message : e.getMessage() + " (" + message + ")";
    }
}
