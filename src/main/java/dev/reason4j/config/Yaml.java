package dev.reason4j.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * YAML to plain Java trees ({@code LinkedHashMap}, {@code ArrayList}, Integer/Long/Double/Boolean/String, null) and
 * back. Reading records the line of every key, so config errors can point into the user's file.
 */
final class Yaml {
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private Yaml() {
    }

    /** A parsed document: its tree and the 1-based line of each dotted key path. */
    record Document(Object tree, Map<String, Integer> lines) {
    }

    /**
     * Parses YAML text; {@code source} names it in errors (a file name or "override ...").
     * An empty document is an empty map.
     */
    static Document parse(String text, String source) {
        Map<String, Integer> lines = new LinkedHashMap<>();
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken token = parser.nextToken();
            Object tree = token == null ? new LinkedHashMap<String, Object>() : readValue(parser, "", lines, source);
            return new Document(tree, lines);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            // SnakeYAML quotes the end of input as a NUL character; keep messages printable.
            String message = e.getOriginalMessage().replaceAll("[\\p{Cntrl}&&[^\n\t]]", "?");
            throw new ConfigException(where(source, line) + "invalid YAML: " + message);
        } catch (IOException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
    }

    /**
     * Parses one scalar or flow value such as {@code 0.28}, {@code [1, 2]} or {@code {a: 1}}. Text that is not
     * valid YAML, such as {@code *} or {@code a: b: c}, is taken as a plain string, unless it opens a list or map.
     */
    static Object parseValue(String text, String source) {
        if (text.isBlank()) {
            return "";
        }
        try {
            return parse(text, source).tree();
        } catch (ConfigException invalid) {
            if (text.startsWith("[") || text.startsWith("{")) {
                throw invalid;
            }
            return text;
        }
    }

    private static Object readValue(JsonParser parser, String path, Map<String, Integer> lines, String source)
            throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    String keyPath = path.isEmpty() ? key : path + "." + key;
                    int line = parser.currentTokenLocation().getLineNr();
                    if (map.containsKey(key)) {
                        throw new ConfigException(where(source, line) + "duplicate key " + keyPath);
                    }
                    lines.put(keyPath, line);
                    parser.nextToken();
                    map.put(key, readValue(parser, keyPath, lines, source));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(readValue(parser, path, lines, source));
                }
                return list;
            }
            case VALUE_NUMBER_INT -> {
                Number number = parser.getNumberValue();
                if (number instanceof Integer || number instanceof Long) {
                    return number;
                }
                throw new ConfigException(where(source, parser.currentTokenLocation().getLineNr())
                        + "integer out of range: " + parser.getText());
            }
            case VALUE_NUMBER_FLOAT -> {
                return parser.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return true;
            }
            case VALUE_FALSE -> {
                return false;
            }
            case VALUE_NULL -> {
                return null;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            default -> throw new ConfigException(where(source, parser.currentTokenLocation().getLineNr())
                    + "unsupported YAML value " + token);
        }
    }

    static String where(String source, int line) {
        return line > 0 ? source + ":" + line + ": " : source + ": ";
    }

    /** Block-style YAML of a tree. */
    static String write(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write YAML", e);
        }
    }
}
