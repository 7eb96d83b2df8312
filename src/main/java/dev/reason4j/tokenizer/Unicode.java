package dev.reason4j.tokenizer;

/** Character classes with the meaning Rust and Oniguruma give them (Java's own differ at the edges). */
final class Unicode {
    private Unicode() {}

    /** The Unicode White_Space property: Rust's {@code char::is_whitespace} and Oniguruma's {@code \s}. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** {@code \p{L}}: any letter category. */
    static boolean isLetter(int cp) {
        if (cp < 0x80) {
            return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
        }
        return Character.isLetter(cp);
    }

    /** {@code \p{N}} and Rust's {@code char::is_numeric}: Nd, Nl, No. */
    static boolean isNumeric(int cp) {
        if (cp < 0x80) {
            return cp >= '0' && cp <= '9';
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }

    /** Rust's {@code char::is_alphanumeric}: Alphabetic or Numeric. */
    static boolean isAlphanumeric(int cp) {
        return Character.isAlphabetic(cp) || isNumeric(cp);
    }
}
