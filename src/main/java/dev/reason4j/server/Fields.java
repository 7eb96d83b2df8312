package dev.reason4j.server;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads of a request body's fields; a wrong type or range is a 400 naming the field. */
final class Fields {
    private Fields() {
    }

    /** The field, or null when absent or JSON null (OpenAI clients send null for "not set"). */
    static JsonNode get(JsonNode body, String name) {
        JsonNode value = body.get(name);
        return value == null || value.isNull() ? null : value;
    }

    static boolean bool(JsonNode body, String name, boolean fallback) {
        JsonNode value = get(body, name);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw ApiError.badParam(name, "'" + name + "' must be true or false, got " + value);
        }
        return value.booleanValue();
    }

    static Integer integer(JsonNode body, String name, long min, long max) {
        JsonNode value = get(body, name);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw ApiError.badParam(name, "'" + name + "' must be an integer in [" + min + ", " + max + "], got "
                    + value);
        }
        return value.intValue();
    }

    static Long longValue(JsonNode body, String name) {
        JsonNode value = get(body, name);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw ApiError.badParam(name, "'" + name + "' must be an integer, got " + value);
        }
        return value.longValue();
    }

    static Double number(JsonNode body, String name, double min, double max) {
        JsonNode value = get(body, name);
        if (value == null) {
            return null;
        }
        if (!value.isNumber() || !(value.asDouble() >= min && value.asDouble() <= max)) {
            throw ApiError.badParam(name, "'" + name + "' must be a number in [" + min + ", " + max + "], got "
                    + value);
        }
        return value.asDouble();
    }

    static String text(JsonNode body, String name) {
        JsonNode value = get(body, name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiError.badParam(name, "'" + name + "' must be a string, got " + value);
        }
        return value.asText();
    }
}
