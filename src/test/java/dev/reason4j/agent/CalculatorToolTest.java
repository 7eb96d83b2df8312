package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalculatorToolTest {
    private final Tool calculator = Tools.create("calculator", Map.of());

    private String calc(String expression) throws Exception {
        return calculator.call(Map.of("expression", expression));
    }

    private String error(String expression) {
        return assertThrows(ToolException.class, () -> calc(expression)).getMessage();
    }

    @Test
    void fractionsAndIntegersAreExact() throws Exception {
        assertEquals("1/2 = 0.5", calc("1/3+1/6"));
        assertEquals(new BigInteger("123456789").multiply(new BigInteger("987654321")).toString(),
                calc("123456789*987654321"));
        assertEquals("1/3 ≈ 0.3333333333", calc("1/3"));
        assertEquals("-2/3 ≈ -0.6666666667", calc("-(4/6)"));
        assertEquals("7/4 = 1.75", calc("0.5 + 1.25"));
        assertEquals("3", calc("0.1 * 30"));
        assertEquals(BigInteger.TWO.pow(200).subtract(BigInteger.ONE).toString(), calc("2^200 - 1"));
    }

    @Test
    void powersParenthesesAndUnaryMinusFollowPythonPrecedence() throws Exception {
        assertEquals("1024", calc("2^10"));
        assertEquals("1024", calc("2 ** 10"));
        assertEquals("512", calc("2^3^2")); // right-associative: 2^(3^2)
        assertEquals("-4", calc("-2^2"));
        assertEquals("4", calc("(-2)**2"));
        assertEquals("1/8 = 0.125", calc("2^-3"));
        assertEquals("-14", calc("-(3 + 4) * 2"));
        assertEquals("15", calc("12 - -3"));
        assertEquals("7", calc("1 + 2 * 3"));
        assertEquals("1", calc("8 / 4 / 2"));
        assertEquals("2", calc("4^(1/2)"));
        assertEquals("56088", calc("123 × 456"));
    }

    @Test
    void badExpressionsAreToolErrorsWithReasons() {
        assertEquals("division by zero", error("1/0"));
        assertEquals("division by zero", error("5 / (2 - 2)"));
        assertEquals("division by zero (0 to a negative power)", error("0^-1"));
        assertEquals("2^(1/2) is not a rational number", error("2^(1/2)"));
        assertEquals("missing ')' at the end", error("(1+2"));
        assertEquals("unexpected 'x' at column 2", error("3x"));
        assertEquals("unexpected ')' at column 3", error("1+)"));
        assertEquals("the expression ends too early", error("1+"));
        assertEquals("unexpected '(' at column 2", error("2(3)"));
        assertEquals("empty expression", error("  "));
        assertEquals("missing argument 'expression'", assertThrows(ToolException.class,
                () -> calculator.call(Map.of("expr", "1"))).getMessage());
        assertEquals("the result is too large to compute exactly (over 65536 bits)", error("10^100000"));
    }

    @Test
    void takesNoOptions() {
        assertEquals("tool calculator: unknown option precision (it takes none)",
                assertThrows(IllegalArgumentException.class,
                        () -> Tools.create("calculator", Map.of("precision", 3))).getMessage());
    }
}
