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

    private static final java.util.regex.Pattern KEY_LINE =
            java.util.regex.Pattern.compile("^( *)([A-Za-z_][A-Za-z0-9_]*):(.*)$");

    /**
     * The trailing {@code # comment} of each key line of a block-style document, by dotted path (two-space
     * indentation per level, as {@code defaults.yaml} is written). Lines that are only comments are skipped.
     */
    static Map<String, String> comments(String text) {
        Map<String, String> comments = new LinkedHashMap<>();
        List<String> stack = new ArrayList<>();
        for (String line : text.split("\n")) {
            java.util.regex.Matcher key = KEY_LINE.matcher(line);
            if (!key.matches()) {
                continue;
            }
            int depth = key.group(1).length() / 2;
            while (stack.size() > depth) {
                stack.removeLast();
            }
            stack.add(key.group(2));
            int hash = key.group(3).indexOf(" #");
            if (hash >= 0) {
                comments.put(String.join(".", stack), key.group(3).substring(hash + 2).strip());
            }
        }
        return comments;
    }

    /**
     * A tree as block YAML with each key's comment beside it. Sections are those of {@code schema} (an open map
     * such as {@code data.task_options} is a value); leaf values are in flow style (JSON where quoting is needed,
     * which YAML reads back the same), so the text loads back to the same tree.
     */
    static String writeCommented(Map<String, Object> tree, Map<String, Object> schema, Map<String, String> comments) {
        StringBuilder out = new StringBuilder();
        writeCommented(tree, schema, comments, "", 0, out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static void writeCommented(Map<String, Object> tree, Map<String, Object> schema,
                                       Map<String, String> comments, String path, int depth, StringBuilder out) {
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String keyPath = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            boolean section = schema.get(entry.getKey()) instanceof Map<?, ?> keys && !keys.isEmpty()
                    && entry.getValue() instanceof Map;
            StringBuilder line = new StringBuilder("  ".repeat(depth)).append(entry.getKey()).append(':');
            if (!section) {
                line.append(' ').append(flow(entry.getValue()));
            }
            String comment = comments.get(keyPath);
            if (comment != null) {
                line.append(" ".repeat(Math.max(1, 34 - line.length()))).append("# ").append(comment);
            }
            out.append(line).append('\n');
            if (section) {
                writeCommented((Map<String, Object>) entry.getValue(), (Map<String, Object>) schema.get(entry.getKey()),
                        comments, keyPath, depth + 1, out);
            }
            if (depth == 0 && section) {
                out.append('\n');
            }
        }
    }

    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z_/][A-Za-z0-9_./\\-]*");

    /** One value in flow style: plain words unquoted, other strings and structures as JSON. */
    private static String flow(Object value) {
        if (value instanceof Double number && Double.isFinite(number)) {
            return number.toString().replace('E', 'e');   // 1.0e-6, not 1.0E-6
        }
        if (value instanceof String s && PLAIN.matcher(s).matches()
                && !s.matches("(?i)true|false|null|yes|no|on|off|y|n|~")) {
            return s;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value, e);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Block-style YAML of a tree. */
    static String write(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write YAML", e);
        }
    }
}
