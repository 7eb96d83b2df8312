package dev.reason4j.agent;

import dev.reason4j.config.Options;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A function the policy may call in the middle of an answer: a Python interpreter, a calculator, a search engine.
 * Its schema is rendered into the prompt by the model's own chat template ({@code tools=}, as Hugging Face's
 * {@code apply_chat_template}); its result goes back to the model as a {@code tool} message.
 *
 * <p>A user's tool in a few lines:
 * <pre>{@code
 * Tools.register("reverse", options -> {
 *     new Options("tool reverse", options).finish(); // it takes no options
 *     return Tool.of("reverse", "Reverses a string.",
 *             Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string")), "required", List.of("text")),
 *             arguments -> new StringBuilder(Tool.string(arguments, "text")).reverse().toString());
 * });
 * }</pre>
 */
public interface Tool {
    /** The name the model calls it by. */
    String name();

    /** One or two sentences the model reads in the tool list. */
    String description();

    /** JSON schema of the arguments object (OpenAI's function {@code parameters}). */
    Map<String, Object> parameters();

    /**
     * Runs one call. The returned text is what the model reads. A bad call (missing or mistyped argument, an
     * expression that does not parse) throws {@link ToolException}, whose message the model reads instead; any
     * other exception is reported to the model as a tool error too. Must be thread-safe unless it is an episode's
     * own instance ({@link #forEpisode}).
     */
    String call(Map<String, Object> arguments) throws Exception;

    /**
     * The instance one episode uses, closed when the episode ends. A tool with per-episode state (a Python
     * session that keeps variables between calls) returns a fresh one; stateless tools return themselves.
     */
    default Tool forEpisode() {
        return this;
    }

    /** Frees an episode's instance (a no-op for stateless tools). */
    default void close() {
    }

    /** The schema as a chat template's {@code tools} entry: {@code {"type": "function", "function": {...}}}. */
    default Map<String, Object> schema() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name());
        function.put("description", description());
        function.put("parameters", parameters());
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "function");
        schema.put("function", function);
        return schema;
    }

    /** The body of a stateless tool. */
    @FunctionalInterface
    interface Body {
        String call(Map<String, Object> arguments) throws Exception;
    }

    /** A stateless tool from its name, description, parameter schema and body. */
    static Tool of(String name, String description, Map<String, Object> parameters, Body body) {
        return new Tool() {
            public String name() {
                return name;
            }

            public String description() {
                return description;
            }

            public Map<String, Object> parameters() {
                return parameters;
            }

            public String call(Map<String, Object> arguments) throws Exception {
                return body.call(arguments);
            }
        };
    }

    /** The string argument {@code key}; missing or not a string is a {@link ToolException} the model reads. */
    static String string(Map<String, Object> arguments, String key) throws ToolException {
        Object value = arguments.get(key);
        if (value == null) {
            throw new ToolException("missing argument '" + key + "'");
        }
        if (!(value instanceof String text)) {
            throw new ToolException("argument '" + key + "' must be a string");
        }
        return text;
    }
}
