package dev.reason4j.tokenizer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=sortKeys)}, which HF's chat-template
 * {@code tojson} filter calls: {@code ", "} and {@code ": "} separators, non-ASCII kept, floats as Python's
 * {@code repr}.
 */
public final class PythonJson {
    private PythonJson() {}

    /** @param indent null for one line; else spaces per level (Python then uses "," between items). */
    public static String dumps(Object value, Integer indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(value, indent, sortKeys, 0, out);
        return out.toString();
    }

    private static void write(Object value, Integer indent, boolean sortKeys, int depth, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n instanceof BigDecimal d ? floatRepr(d.doubleValue()) : n.toString());
        } else if (value instanceof CharSequence s) {
            string(s.toString(), out);
        } else if (value instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            }
            if (entries.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            for (int i = 0; i < entries.size(); i++) {
                separator(i, indent, depth + 1, out);
                string(String.valueOf(entries.get(i).getKey()), out);
                out.append(": ");
                write(entries.get(i).getValue(), indent, sortKeys, depth + 1, out);
            }
            close(indent, depth, out);
            out.append('}');
        } else if (value instanceof Collection<?> || value instanceof Object[]) {
            Collection<?> items = value instanceof Object[] array ? List.of(array) : (Collection<?>) value;
            if (items.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            int i = 0;
            for (Object item : items) {
                separator(i++, indent, depth + 1, out);
                write(item, indent, sortKeys, depth + 1, out);
            }
            close(indent, depth, out);
            out.append(']');
        } else {
            string(value.toString(), out);
        }
    }

    private static void separator(int index, Integer indent, int depth, StringBuilder out) {
        if (indent == null) {
            if (index > 0) {
                out.append(", ");
            }
        } else {
            out.append(index > 0 ? ",\n" : "\n").append(" ".repeat(indent * depth));
        }
    }

    private static void close(Integer indent, int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale(); // d = 0.digits * 10^(exponent+1)
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = shortest.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
