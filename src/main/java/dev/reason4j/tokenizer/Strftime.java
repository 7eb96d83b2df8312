package dev.reason4j.tokenizer;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** Python's {@code time.strftime} directives in the C locale (what {@code strftime_now} templates use). */
final class Strftime {
    private Strftime() {}

    static String format(ZonedDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            switch (directive) {
                case 'Y' -> out.append(time.getYear());
                case 'y' -> out.append(two(time.getYear() % 100));
                case 'm' -> out.append(two(time.getMonthValue()));
                case 'd' -> out.append(two(time.getDayOfMonth()));
                case 'e' -> out.append(String.format("%2d", time.getDayOfMonth()));
                case 'j' -> out.append(String.format("%03d", time.getDayOfYear()));
                case 'H' -> out.append(two(time.getHour()));
                case 'I' -> out.append(two((time.getHour() + 11) % 12 + 1));
                case 'M' -> out.append(two(time.getMinute()));
                case 'S' -> out.append(two(time.getSecond()));
                case 'p' -> out.append(time.getHour() < 12 ? "AM" : "PM");
                case 'B' -> out.append(time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> out.append(time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'w' -> out.append(time.getDayOfWeek().getValue() % 7);
                case 'Z' -> out.append(time.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'z' -> out.append(time.getOffset().getId().replace(":", "").replace("Z", "+0000"));
                case '%' -> out.append('%');
                default -> out.append('%').append(directive);
            }
        }
        return out.toString();
    }

    private static String two(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }
}
