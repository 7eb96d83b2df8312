package dev.reason4j.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A run's configuration: the defaults ({@code defaults.yaml} next to this class, which lists every key), a user YAML
 * merged onto them, then dotted command-line overrides such as {@code actor.clip_ratio_high=0.28}.
 *
 * <p>The defaults are the schema: a key they lack is an error that suggests the nearest existing key, and a value
 * must have its default's type (int, double, bool, string, list; a null default takes anything; an empty map
 * default takes any keys). Instances are immutable: {@link #merge} and {@link #override} return new ones.
 *
 * <pre>{@code
 * Config config = Config.load(Path.of("run.yaml"), List.of("actor.lr=1e-6", "rollout.n=16"));
 * double lr = config.getDouble("actor.lr");
 * Config actor = config.section("actor");   // actor.getDouble("clip_ratio_high")
 * }</pre>
 */
public final class Config {
    private static final String DEFAULTS_RESOURCE = "defaults.yaml";
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final Pattern DECIMAL =
            Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?|[-+]?(\\.inf|\\.Inf|\\.INF)|\\.nan|\\.NaN");
    private static final String DEFAULTS_TEXT = loadDefaultsText();
    private static final Map<String, Object> DEFAULTS = Collections.unmodifiableMap(
            asStringMap((Map<?, ?>) Yaml.parse(DEFAULTS_TEXT, DEFAULTS_RESOURCE).tree()));
    /** The comment beside each key in {@code defaults.yaml}, by dotted path. */
    private static final Map<String, String> COMMENTS = Collections.unmodifiableMap(Yaml.comments(DEFAULTS_TEXT));

    /** The defaults tree at this section: gives each key's type. */
    private final Map<String, Object> schema;
    /** The resolved tree at this section. */
    private final Map<String, Object> values;
    /** "" for the whole config, else the section's dotted path plus ".", to name keys in full in errors. */
    private final String prefix;

    private Config(Map<String, Object> schema, Map<String, Object> values, String prefix) {
        this.schema = schema;
        this.values = values;
        this.prefix = prefix;
    }

    /** The defaults alone. */
    public static Config defaults() {
        return new Config(DEFAULTS, DEFAULTS, "");
    }

    /** Defaults, then {@code userYaml} (may be null), then the {@code key=value} overrides in order. */
    public static Config load(Path userYaml, List<String> overrides) {
        Config config = defaults();
        if (userYaml != null) {
            config = config.merge(userYaml);
        }
        return config.override(overrides);
    }

    /** This config with a YAML file merged on top (maps merge key by key; other values replace). */
    public Config merge(Path yamlFile) {
        String text;
        try {
            text = Files.readString(yamlFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + yamlFile + ": " + e.getMessage());
        }
        return mergeYaml(text, yamlFile.toString());
    }

    /** This config with YAML text merged on top; {@code source} names it in errors. */
    public Config mergeYaml(String text, String source) {
        Yaml.Document document = Yaml.parse(text, source);
        if (!(document.tree() instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": a config must be a map of sections, got " + describe(document.tree()));
        }
        requireRoot();
        Map<String, Object> merged = deepCopy(values);
        mergeInto(merged, schema, asStringMap(map), "", (path) -> Yaml.where(source, document.lines()
                .getOrDefault(path, -1)));
        return new Config(schema, Collections.unmodifiableMap(merged), "");
    }

    /** This config with overrides such as {@code actor.lr=1e-6} or {@code data.train_files=[a.jsonl,b.jsonl]}. */
    public Config override(List<String> assignments) {
        Config config = this;
        for (String assignment : assignments) {
            config = config.override(assignment);
        }
        return config;
    }

    /** This config with one {@code dotted.key=value} override; the value is YAML, typed by the key's default. */
    public Config override(String assignment) {
        requireRoot();
        String source = "override '" + assignment + "'";
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException(source + ": expected key=value, e.g. actor.lr=1e-6");
        }
        String path = assignment.substring(0, eq).trim();
        String text = assignment.substring(eq + 1).trim();
        Object defaultValue = lookup(schema, path);
        Object value = defaultValue instanceof String && !text.equals("null") && !text.equals("~")
                ? text  // a string key takes the text as typed (so "1.10" stays "1.10")
                : Yaml.parseValue(text, source);
        Map<String, Object> nested = new LinkedHashMap<>();
        Map<String, Object> leaf = nested;
        String[] keys = path.split("\\.", -1);
        for (int i = 0; i < keys.length - 1; i++) {
            Map<String, Object> child = new LinkedHashMap<>();
            leaf.put(keys[i], child);
            leaf = child;
        }
        leaf.put(keys[keys.length - 1], value);
        Map<String, Object> merged = deepCopy(values);
        mergeInto(merged, schema, nested, "", ignored -> source + ": ");
        return new Config(schema, Collections.unmodifiableMap(merged), "");
    }

    private void requireRoot() {
        if (!prefix.isEmpty()) {
            throw new IllegalStateException("merge and override apply to the whole config, not section " + prefix);
        }
    }

    private interface Where {
        String at(String path);
    }

    private void mergeInto(Map<String, Object> target, Map<String, Object> schemaAt, Map<String, Object> incoming,
                           String path, Where where) {
        boolean open = schemaAt.isEmpty();
        for (Map.Entry<String, Object> entry : incoming.entrySet()) {
            String key = entry.getKey();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            Object value = entry.getValue();
            if (open) {
                target.put(key, deepCopy(value));
                continue;
            }
            if (key.isEmpty() || !schemaAt.containsKey(key)) {
                throw new ConfigException(where.at(keyPath) + "unknown key " + keyPath
                        + Suggestions.didYouMean(keyPath, knownPaths(DEFAULTS, "")));
            }
            Object defaultValue = schemaAt.get(key);
            if (defaultValue instanceof Map<?, ?> defaultSection) {
                if (value instanceof Map<?, ?> section) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> current = (Map<String, Object>) target.get(key);
                    Map<String, Object> copy = current == null ? new LinkedHashMap<>() : deepCopy(current);
                    mergeInto(copy, asStringMap(defaultSection), asStringMap(section), keyPath, where);
                    target.put(key, copy);
                } else if (value == null && defaultSection.isEmpty()) {
                    target.put(key, new LinkedHashMap<String, Object>());
                } else {
                    throw new ConfigException(where.at(keyPath) + keyPath + " is a section with keys "
                            + defaultSection.keySet() + ", not a value (got " + describe(value) + ")");
                }
            } else {
                Object coerced = coerce(keyPath, defaultValue, value, where);
                Ranges.check(keyPath, coerced, where.at(keyPath));
                target.put(key, coerced);
            }
        }
    }

    /** The value converted to the type of the key's default, or an error naming the key. */
    private static Object coerce(String path, Object defaultValue, Object value, Where where) {
        if (defaultValue == null) {
            return deepCopy(value);
        }
        String bad = where.at(path) + path;
        switch (defaultValue) {
            case Boolean ignored -> {
                if (value instanceof Boolean) {
                    return value;
                }
                if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                    return Boolean.parseBoolean(s);
                }
                throw new ConfigException(bad + " expects true or false, got " + describe(value));
            }
            case Integer ignored -> {
                return coerceInteger(bad, value);
            }
            case Long ignored -> {
                return coerceInteger(bad, value);
            }
            case Double ignored -> {
                if (value instanceof Number number) {
                    return number.doubleValue();
                }
                if (value instanceof String s && DECIMAL.matcher(s.trim()).matches()) {
                    return parseDecimal(s.trim());
                }
                throw new ConfigException(bad + " expects a number, got " + describe(value));
            }
            case String ignored -> {
                if (value == null || value instanceof String) {
                    return value;
                }
                if (value instanceof Number || value instanceof Boolean) {
                    return String.valueOf(value);
                }
                throw new ConfigException(bad + " expects a string, got " + describe(value));
            }
            case List<?> ignored -> {
                if (value == null) {
                    return null;
                }
                if (value instanceof List<?> list) {
                    return deepCopy(list);
                }
                if (value instanceof Map) {
                    throw new ConfigException(bad + " expects a list, got " + describe(value));
                }
                return new ArrayList<>(List.of(value));  // a single value stands for a list of one
            }
            default -> throw new IllegalStateException("unsupported default type at " + path);
        }
    }

    private static Object coerceInteger(String bad, Object value) {
        long number;
        if (value instanceof Integer || value instanceof Long) {
            number = ((Number) value).longValue();
        } else if (value instanceof String s && INTEGER.matcher(s.trim()).matches()) {
            try {
                number = Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(bad + " integer out of range: " + s);
            }
        } else {
            throw new ConfigException(bad + " expects an integer, got " + describe(value));
        }
        return number == (int) number ? (Object) (int) number : (Object) number;
    }

    private static double parseDecimal(String s) {
        String lower = s.toLowerCase();
        if (lower.endsWith(".inf")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return lower.equals(".nan") ? Double.NaN : Double.parseDouble(s);
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return "'" + s + "'";
        }
        if (value instanceof Map) {
            return "a map " + value;
        }
        if (value instanceof List) {
            return "a list " + value;
        }
        return String.valueOf(value);
    }

    // ---- reading ----

    /** True when the key exists (its value may be null). */
    public boolean has(String path) {
        Object node = values;
        for (String key : path.split("\\.", -1)) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
                return false;
            }
            node = map.get(key);
        }
        return true;
    }

    /** The raw value (Map, List, Integer, Long, Double, Boolean, String or null). */
    public Object get(String path) {
        Object node = values;
        for (String key : path.split("\\.", -1)) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
                String full = prefix + path;
                throw new ConfigException("no config key " + full
                        + Suggestions.didYouMean(full, knownPaths(DEFAULTS, "")));
            }
            node = map.get(key);
        }
        return node;
    }

    public int getInt(String path) {
        long value = getLong(path);
        if (value != (int) value) {
            throw new ConfigException(prefix + path + " = " + value + " does not fit an int");
        }
        return (int) value;
    }

    public long getLong(String path) {
        Object value = get(path);
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        if (value instanceof String s && INTEGER.matcher(s.trim()).matches()) {
            return Long.parseLong(s.trim());
        }
        throw new ConfigException(prefix + path + " is not an integer: " + describe(value));
    }

    public double getDouble(String path) {
        Object value = get(path);
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String s && DECIMAL.matcher(s.trim()).matches()) {
            return parseDecimal(s.trim());
        }
        throw new ConfigException(prefix + path + " is not a number: " + describe(value));
    }

    public boolean getBoolean(String path) {
        Object value = get(path);
        if (value instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(prefix + path + " is not true or false: " + describe(value));
    }

    /** The string value, or null when unset; numbers and booleans under an untyped (null-default) key as text. */
    public String getString(String path) {
        Object value = get(path);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        throw new ConfigException(prefix + path + " is not a string: " + describe(value));
    }

    /** The list value (unmodifiable; empty when null). */
    public List<Object> getList(String path) {
        Object value = get(path);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return Collections.unmodifiableList(new ArrayList<>(list));
        }
        throw new ConfigException(prefix + path + " is not a list: " + describe(value));
    }

    public List<String> getStringList(String path) {
        List<String> strings = new ArrayList<>();
        for (Object item : getList(path)) {
            if (item instanceof Map || item instanceof List || item == null) {
                throw new ConfigException(prefix + path + " must be a list of strings, has " + describe(item));
            }
            strings.add(String.valueOf(item));
        }
        return List.copyOf(strings);
    }

    public List<Integer> getIntList(String path) {
        List<Integer> ints = new ArrayList<>();
        for (Object item : getList(path)) {
            if (!(item instanceof Integer i)) {
                throw new ConfigException(prefix + path + " must be a list of integers, has " + describe(item));
            }
            ints.add(i);
        }
        return List.copyOf(ints);
    }

    public List<Double> getDoubleList(String path) {
        List<Double> doubles = new ArrayList<>();
        for (Object item : getList(path)) {
            if (item instanceof Number number) {
                doubles.add(number.doubleValue());
            } else if (item instanceof String s && DECIMAL.matcher(s.trim()).matches()) {
                doubles.add(parseDecimal(s.trim()));
            } else {
                throw new ConfigException(prefix + path + " must be a list of numbers, has " + describe(item));
            }
        }
        return List.copyOf(doubles);
    }

    /** A map value such as an open section ({@code data.task_options}), as an unmodifiable copy. */
    public Map<String, Object> getMap(String path) {
        Object value = get(path);
        if (value instanceof Map<?, ?> map) {
            return Collections.unmodifiableMap(asStringMap(deepCopy(map)));
        }
        throw new ConfigException(prefix + path + " is not a section: " + describe(value));
    }

    /** A view of one section, e.g. {@code section("actor").getDouble("lr")}. Errors still name full keys. */
    public Config section(String path) {
        Object value = get(path);
        if (!(value instanceof Map<?, ?> map)) {
            throw new ConfigException(prefix + path + " is not a section: " + describe(value));
        }
        Object schemaValue = lookup(schema, path);
        Map<String, Object> schemaSection = schemaValue instanceof Map<?, ?> s ? asStringMap(s) : Map.of();
        return new Config(schemaSection, asStringMap(map), prefix + path + ".");
    }

    /** The resolved values as a deep, unmodifiable-at-top copy. */
    public Map<String, Object> toMap() {
        return Collections.unmodifiableMap(deepCopy(values));
    }

    /** The resolved config as YAML (saved with each run; loading it back gives the same config). */
    public String toYaml() {
        return Yaml.write(values);
    }

    /**
     * The resolved config as YAML with the comment of each key from {@code defaults.yaml} and its allowed range
     * beside it (what {@code ./reason4j config} prints); it loads back to the same config.
     */
    public String toCommentedYaml() {
        requireRoot();
        Map<String, String> comments = new LinkedHashMap<>(COMMENTS);
        Ranges.BY_KEY.forEach((key, range) -> comments.merge(key, "(" + range.describe() + ")",
                (comment, allowed) -> comment + " " + allowed));
        return Yaml.writeCommented(values, schema, comments);
    }

    /** The comment beside a key (dotted path) in {@code defaults.yaml}, or null. */
    public static String comment(String path) {
        return COMMENTS.get(path);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Config config && config.prefix.equals(prefix) && config.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return toYaml();
    }

    // ---- helpers ----

    /** Every dotted path of a schema (sections and leaves), not descending into open maps. */
    static List<String> knownPaths(Map<String, Object> tree, String path) {
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, Object> entry : tree.entrySet()) {
            String keyPath = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            paths.add(keyPath);
            if (entry.getValue() instanceof Map<?, ?> child) {
                paths.addAll(knownPaths(asStringMap(child), keyPath));
            }
        }
        return paths;
    }

    /** The node at a dotted path in a tree, or null when absent. */
    private static Object lookup(Map<String, Object> tree, String path) {
        Object node = tree;
        for (String key : path.split("\\.", -1)) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asStringMap(Map<?, ?> map) {
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw new ConfigException("config keys must be strings, got " + key);
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }

    private static String loadDefaultsText() {
        try (InputStream in = Config.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS_RESOURCE + " next to " + Config.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
        }
    }
}
