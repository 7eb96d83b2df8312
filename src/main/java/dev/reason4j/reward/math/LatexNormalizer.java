package dev.reason4j.reward.math;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * String-level clean-up of an extracted answer before parsing: presentation LaTeX that carries no value
 * ({@code \left}, {@code \!}, {@code \displaystyle}, {@code \text{cm}}), unicode operators, currency and units,
 * degree signs, thousands separators. What has meaning ({@code %}, {@code \frac}, brackets) is kept for the parser.
 */
final class LatexNormalizer {
    private LatexNormalizer() {}

    private static final Map<String, String> UNICODE = Map.ofEntries(
            Map.entry("−", "-"), Map.entry("–", "-"), Map.entry("×", "\\times "), Map.entry("·", "\\cdot "),
            Map.entry("÷", "\\div "), Map.entry("≤", "\\le "), Map.entry("≥", "\\ge "), Map.entry("≠", "\\ne "),
            Map.entry("π", "\\pi "), Map.entry("√", "\\sqrt "), Map.entry("∞", "\\infty "), Map.entry("±", "\\pm "), Map.entry("≈", "\\approx "),
            Map.entry("∪", "\\cup "), Map.entry("°", "^\\circ "), Map.entry("∅", "\\emptyset "),
            Map.entry("²", "^2"), Map.entry("³", "^3"),
            Map.entry("€", ""), Map.entry("£", ""), Map.entry("¥", ""), Map.entry("\u00a0", " "));

    /** Wrappers whose content is kept as plain text (units among them are dropped). */
    private static final Pattern TEXT_WRAPPER = Pattern.compile(
            "\\\\(?:text|textbf|textit|textrm|textnormal|textup|mathrm|mathbf|mathit|mathsf|mathtt|mbox|hbox"
                    + "|operatorname)\\s*\\{");

    /** Commands that only change spacing or size. */
    private static final Pattern SPACING = Pattern.compile(
            "\\\\left\\.|\\\\right\\.|\\\\left(?![a-zA-Z])|\\\\right(?![a-zA-Z])|\\\\[bB]ig{1,2}[lr]?(?![a-zA-Z])"
                    + "|\\\\displaystyle|\\\\textstyle|\\\\scriptstyle|\\\\limits|\\\\nolimits|\\\\hspace\\*?\\{[^}]*}"
                    + "|(?<!\\\\)\\\\[,;:> ]|\\\\quad|\\\\qquad|~");

    private static final Pattern DEGREES = Pattern.compile(
            "\\^\\s*\\{\\s*\\\\circ\\s*}|\\^\\s*\\\\circ|\\\\circ|\\\\degree");

    /** Unit and currency words; dropped after a number or when they are all a {@code \text{}} holds. */
    static final Set<String> UNITS = Set.of(
            "mm", "cm", "km", "m", "meter", "meters", "metre", "metres", "in", "inch", "inches", "ft", "foot", "feet",
            "yd", "yard", "yards", "mile", "miles", "mi", "s", "sec", "second", "seconds", "min", "mins", "minute",
            "minutes", "h", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year",
            "years", "yr", "yrs", "degree", "degrees", "deg", "rad", "radian", "radians", "unit", "units", "sq",
            "square", "cubic", "g", "kg", "mg", "gram", "grams", "lb", "lbs", "pound", "pounds", "oz", "ounce",
            "ounces", "l", "ml", "liter", "liters", "litre", "litres", "gallon", "gallons", "mph", "kmh", "cent",
            "cents", "dollar", "dollars", "usd", "euro", "euros", "eur", "rs", "rupees", "yuan");

    /** Words that mean a percent sign ({@code 28 pct}, {@code \text{percent}}). */
    private static final Set<String> PERCENT_WORDS = Set.of("percent", "percentage", "pct");
    private static final Pattern PERCENT_WORD = Pattern.compile("(?i)\\s*\\b(?:percentage|percent|pct)\\b");
    /** {@code \\frac} in a gold answer copied with escaped backslashes is {@code \frac} (not in matrices). */
    private static final Pattern DOUBLED_BACKSLASH = Pattern.compile("\\\\\\\\(?=[A-Za-z])");
    /** {@code 14{,}916} and {@code 14 {, }916}: a thousands separator in braces. */
    private static final Pattern BRACED_COMMA = Pattern.compile("\\s*\\{\\s*,\\s*}\\s*");

    private static final Pattern UNIT_AFTER_NUMBER;
    /** A unit after a number inside a list: {@code \{35 cm, 4\}}. */
    private static final Pattern UNIT_IN_LIST;

    static {
        String alternatives = String.join("|", UNITS.stream().filter(unit -> unit.length() > 1)
                .sorted((a, b) -> b.length() - a.length()).toList());
        UNIT_AFTER_NUMBER = Pattern.compile(
                "(\\d|\\})\\s*(?:(?:" + alternatives + ")\\b(?:\\s*\\^\\s*\\{?[23]\\}?)?\\s*)+$",
                Pattern.CASE_INSENSITIVE);
        UNIT_IN_LIST = Pattern.compile(
                "(\\d)\\s+(?:" + alternatives + ")\\b(?:\\s*\\^\\s*\\{?[23]\\}?)?(?=\\s*(?:,|;|\\\\?}))",
                Pattern.CASE_INSENSITIVE);
    }

    /** A unit, currency or percent word, which may follow a number in an answer. */
    static boolean isUnitOrPercentWord(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        return UNITS.contains(lower) || PERCENT_WORDS.contains(lower);
    }

    /** {@code 5 apples}, {@code 12 red marbles}: a number followed only by a few words is that number. */
    private static final Pattern NUMBER_THEN_WORDS = Pattern.compile(
            "^([-+]?(?:\\d[\\d,]*(?:\\.\\d+)?|\\.\\d+)(?:\\s*/\\s*\\d+)?)\\s+[A-Za-z][A-Za-z'\\-]+"
                    + "(?:\\s+[A-Za-z][A-Za-z'\\-]+){0,2}\\.?$");

    static String normalize(String answer) {
        String text = answer.strip();
        for (Map.Entry<String, String> entry : UNICODE.entrySet()) {
            if (text.contains(entry.getKey())) {
                text = text.replace(entry.getKey(), entry.getValue());
            }
        }
        if (text.contains("\\\\") && !text.contains("\\begin") && !text.contains("\\\\begin")) {
            text = DOUBLED_BACKSLASH.matcher(text).replaceAll("\\\\");
        }
        text = unwrapText(text);
        // \! is a negative thin space, as in 32,\!348 (or 22,\! 333): it separates nothing
        if (text.contains("\\!")) {
            text = text.replaceAll("\\\\!\\s*", "");
        }
        text = SPACING.matcher(text).replaceAll(" ");
        text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac")
                .replace("\\dbinom", "\\binom").replace("\\tbinom", "\\binom")
                .replace("\\lbrace", "\\{").replace("\\rbrace", "\\}")
                .replace("\\%", "%").replace("\\$", " ").replace("$", " ");
        if (text.indexOf('{') >= 0 && text.indexOf(',') >= 0) {
            text = BRACED_COMMA.matcher(text).replaceAll(",");
        }
        text = DEGREES.matcher(text).replaceAll(" ");
        if (text.contains("pct") || text.contains("ercent")) {
            text = PERCENT_WORD.matcher(text).replaceAll("%");
        }
        if (text.indexOf(',') >= 0 || text.indexOf(';') >= 0) {
            text = UNIT_IN_LIST.matcher(text).replaceAll("$1");
        }
        Matcher units = UNIT_AFTER_NUMBER.matcher(text);
        if (units.find()) {
            text = text.substring(0, units.start()) + units.group(1);
        }
        Matcher numberThenWords = NUMBER_THEN_WORDS.matcher(text.strip());
        if (numberThenWords.matches()) {
            text = numberThenWords.group(1);
        }
        text = removeThousandsSeparators(text.strip());
        while (text.endsWith(".") && !text.endsWith("..")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        return text.replaceAll("\\s+", " ").strip();
    }

    /** {@code \text{ cm}} vanishes; {@code \text{(A)}} becomes {@code (A)} and {@code \text{ and }} {@code and}. */
    private static String unwrapText(String text) {
        Matcher matcher = TEXT_WRAPPER.matcher(text);
        StringBuilder out = new StringBuilder();
        int position = 0;
        while (matcher.find(position)) {
            int close = matchingBrace(text, matcher.end() - 1);
            if (close < 0) {
                break;
            }
            String content = text.substring(matcher.end(), close).strip();
            out.append(text, position, matcher.start());
            String word = content.toLowerCase(Locale.ROOT).replaceAll("[.\\s]+", " ").strip();
            boolean unit = word.isEmpty() || UNITS.contains(word) || UNITS.containsAll(List.of(word.split(" ")));
            out.append(PERCENT_WORDS.contains(word) ? "% " : unit ? " " : " " + content + " ");
            position = close + 1;
            // a unit's exponent: \text{cm}^2
            if (unit) {
                Matcher exponent = Pattern.compile("^\\s*\\^\\s*\\{?\\s*[23]\\s*}?").matcher(text.substring(position));
                if (exponent.find()) {
                    position += exponent.end();
                }
            }
        }
        out.append(text, position, text.length());
        return out.toString();
    }

    /** Index of the brace closing the one at {@code open}, or -1. */
    static int matchingBrace(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code 7,425,000} and {@code 1 000} are single numbers. Only outside brackets: inside them a comma separates
     * items, as in the point {@code (1,200)}.
     */
    static String removeThousandsSeparators(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int depth = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
            boolean numberStart = Character.isDigit(c)
                    && (i == 0 || !(Character.isDigit(text.charAt(i - 1)) || text.charAt(i - 1) == '.'));
            if (depth == 0 && numberStart) {
                int end = groupedNumberEnd(text, i);
                if (end > 0) {
                    for (int j = i; j < end; j++) {
                        char d = text.charAt(j);
                        if (d != ',' && d != ' ') {
                            out.append(d);
                        }
                    }
                    i = end;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** End of {@code d{1,3}(SEP ddd)+} starting at {@code start} (one separator kind), or -1 when not grouped. */
    private static int groupedNumberEnd(String text, int start) {
        int i = start;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        // a leading group is 1-3 digits and not 0: 0,111 is no thousands grouping
        if (i - start > 3 || i >= text.length() || text.charAt(start) == '0') {
            return -1;
        }
        char separator = text.charAt(i);
        if (separator != ',' && separator != ' ') {
            return -1;
        }
        int groups = 0;
        while (i + 4 <= text.length() && text.charAt(i) == separator
                && Character.isDigit(text.charAt(i + 1)) && Character.isDigit(text.charAt(i + 2))
                && Character.isDigit(text.charAt(i + 3))
                && (i + 4 == text.length() || !Character.isDigit(text.charAt(i + 4)))) {
            i += 4;
            groups++;
        }
        return groups > 0 ? i : -1;
    }
}
