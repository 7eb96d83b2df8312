package dev.reason4j.eval;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PassAtKTest {
    @Test
    void matchesTheBinomialDefinitionExactly() {
        for (int n = 1; n <= 30; n++) {
            for (int c = 0; c <= n; c++) {
                for (int k = 1; k <= n; k++) {
                    double exact = 1.0 - binomial(n - c, k).doubleValue() / binomial(n, k).doubleValue();
                    assertEquals(exact, PassAtK.passAtK(n, c, k), 1e-12, "n=" + n + " c=" + c + " k=" + k);
                }
            }
        }
    }

    @Test
    void simpleCases() {
        assertEquals(0.3, PassAtK.passAtK(10, 3, 1), 1e-15);   // pass@1 = c/n
        assertEquals(0.0, PassAtK.passAtK(10, 0, 5), 0);
        assertEquals(1.0, PassAtK.passAtK(10, 6, 5), 0);        // fewer than k wrong samples
        assertEquals(1.0 - 1.0 / 6, PassAtK.passAtK(4, 2, 2), 1e-15); // 1 − C(2,2)/C(4,2)
        assertEquals((0.5 + 1.0) / 2, PassAtK.passAtK(new int[] {2, 4}, new int[] {1, 4}, 1), 1e-15);
    }

    @Test
    void staysStableWhereBinomialsOverflow() {
        // C(2000, 1000) overflows a double; the product form does not.
        assertEquals(0.5, PassAtK.passAtK(2000, 1, 1000), 1e-12);
        assertEquals(1 - 1000.0 / 2000 * 999 / 1999, PassAtK.passAtK(2000, 2, 1000), 1e-12);
    }

    @Test
    void rejectsImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> PassAtK.passAtK(4, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.passAtK(4, 2, 5));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.passAtK(4, 2, 0));
    }

    @Test
    void majorityVote() {
        List<String> answers = Arrays.asList("5", "7", "7", null, "5", "5");
        boolean[] correct = {true, false, false, false, true, true};
        assertEquals(1.0, PassAtK.majorityAtK(answers, correct, 1), 0);
        assertEquals(0.0, PassAtK.majorityAtK(answers, correct, 3), 0);  // "7" twice
        assertEquals(1.0, PassAtK.majorityAtK(answers, correct, 2), 0);  // tie: the first seen, "5"
        assertEquals(1.0, PassAtK.majorityAtK(answers, correct, 6), 0);  // "5" three times
        assertEquals(0.0, PassAtK.majorityAtK(Arrays.asList(null, null), new boolean[2], 2), 0);
    }

    @Test
    void meanAtK() {
        assertEquals(0.5, PassAtK.meanAtK(new double[] {1, 0, 1, 0, 1}, 4), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> PassAtK.meanAtK(new double[] {1}, 2));
    }

    private static BigInteger binomial(int n, int k) {
        if (k < 0 || k > n) {
            return BigInteger.ZERO;
        }
        BigInteger result = BigInteger.ONE;
        for (int i = 0; i < k; i++) {
            result = result.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        }
        return result;
    }
}
