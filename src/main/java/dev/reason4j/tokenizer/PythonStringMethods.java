package dev.reason4j.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods for Jinjava, which otherwise calls Java's {@code String} methods ({@code split} with a
 * regex, no {@code startswith}, {@code strip} without arguments). Chat templates call them on message contents:
 * {@code content.split('</think>')[-1].lstrip('\n')}. Sits in front of Jinjava's own resolver and handles only
 * method calls on strings.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence) || method == null) {
            return null;
        }
        String s = base.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        try {
            result = call(s, method.toString(), args);
        } catch (IndexOutOfBoundsException | ClassCastException e) {
            throw new IllegalArgumentException("str." + method + ": bad arguments " + List.of(args), e);
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> anyOf(args[0], prefix -> s.startsWith(prefix));
            case "endswith" -> anyOf(args[0], suffix -> s.endsWith(suffix));
            case "strip" -> strip(s, chars(args));
            case "lstrip" -> lstrip(s, chars(args));
            case "rstrip" -> rstrip(s, chars(args));
            case "split" -> split(s, args.length > 0 ? (String) asNullableString(args[0]) : null,
                    args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "rsplit" -> rsplit(s, args.length > 0 ? (String) asNullableString(args[0]) : null,
                    args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "splitlines" -> new ArrayList<>(s.lines().toList());
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> args.length > 2 ? replaceCount(s, args[0].toString(), args[1].toString(), ((Number) args[2]).intValue())
                    : s.replace(args[0].toString(), args[1].toString());
            case "find" -> (long) s.indexOf(args[0].toString());
            case "rfind" -> (long) s.lastIndexOf(args[0].toString());
            case "count" -> (long) count(s, args[0].toString());
            case "join" -> join(s, args[0]);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStringMethods::isSpace);
            case "islower" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> NOT_HANDLED;
        };
    }

    private static Object asNullableString(Object value) {
        return value == null ? null : value.toString();
    }

    /** {@code str.startswith}/{@code endswith} accept one string or a tuple of them. */
    private static boolean anyOf(Object candidates, java.util.function.Predicate<String> test) {
        if (candidates instanceof Collection<?> many) {
            return many.stream().anyMatch(c -> test.test(c.toString()));
        }
        return test.test(candidates.toString());
    }

    /** The characters to strip, or null for whitespace. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    /** Python's {@code str.isspace} per character (White_Space plus the ASCII separators 0x1C..0x1F). */
    private static boolean isSpace(int cp) {
        return Unicode.isWhiteSpace(cp) || (cp >= 0x1C && cp <= 0x1F);
    }

    private static boolean strippable(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    /** Python's {@code str.strip(chars)}; null chars means whitespace. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strippable(s.codePointAt(i), chars)) {
            i += Character.charCount(s.codePointAt(i));
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && strippable(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }

    /** Python's {@code str.split}: literal separator; none means runs of whitespace with empty parts dropped. */
    private static List<String> split(String s, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    break;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rstrip(s.substring(i), null));
                    break;
                }
                int end = i;
                while (end < s.length() && !isSpace(s.charAt(end))) {
                    end++;
                }
                parts.add(s.substring(i, end));
                i = end;
            }
            return parts;
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("str.split: empty separator");
        }
        int start = 0;
        for (int at = s.indexOf(separator); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
                at = s.indexOf(separator, start)) {
            parts.add(s.substring(start, at));
            start = at + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static List<String> rsplit(String s, String separator, int maxSplit) {
        if (maxSplit < 0 || separator == null) {
            return split(s, separator, maxSplit);
        }
        List<String> parts = new ArrayList<>();
        int end = s.length();
        for (int at = s.lastIndexOf(separator, end - separator.length()); at >= 0 && parts.size() < maxSplit;
                at = s.lastIndexOf(separator, end - separator.length())) {
            parts.add(0, s.substring(at + separator.length(), end));
            end = at;
        }
        parts.add(0, s.substring(0, end));
        return parts;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replaceCount(String s, String target, String replacement, int count) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int at = s.indexOf(target); at >= 0 && count-- > 0; at = s.indexOf(target, start)) {
            out.append(s, start, at).append(replacement);
            start = at + target.length();
        }
        return out.append(s.substring(start)).toString();
    }

    private static int count(String s, String target) {
        int n = 0;
        for (int at = s.indexOf(target); at >= 0 && !target.isEmpty(); at = s.indexOf(target, at + target.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> iterable) {
            for (Object item : iterable) {
                parts.add(String.valueOf(item));
            }
        } else {
            parts.add(String.valueOf(items));
        }
        return String.join(separator, parts);
    }

    // Property access is left to Jinjava's resolver.
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
