package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Hostile input answers fast, and checks run concurrently with the same answers as sequentially. */
class VerifierLimitsTest {
    private static final MathVerifier VERIFIER = new MathVerifier();

    @Test
    void pathologicalInputsNeverReachTheCas() {
        List<String[]> cases = List.of(
                new String[] {"1", "\\boxed{10^{10^{10}}}"},
                new String[] {"1", "\\boxed{9^{9^{9^{9}}}}"},
                new String[] {"x", "\\boxed{x^{10^{10}}}"},
                new String[] {"1", "\\boxed{(10^{10^{10}})!}"},
                new String[] {"1", "\\boxed{" + "(".repeat(5_000) + "1" + ")".repeat(5_000) + "}"},
                new String[] {"1", "\\boxed{" + "\\frac{1}{".repeat(2_000) + "2" + "}".repeat(2_000) + "}"},
                new String[] {"1", "\\boxed{" + "9".repeat(1_900) + "}"},
                new String[] {"1", "\\boxed{" + "{".repeat(50_000)},
                new String[] {"1", "$a ".repeat(30_000)},
                new String[] {"1", "\\boxed{1".repeat(20_000)},
                new String[] {"1", "The answer is " + "x+".repeat(40_000) + "1"},
                new String[] {"1", "The answer is 5 or " + "and word ".repeat(20_000)},
                new String[] {"2", "5 " + "a".repeat(3_000) + "!"});
        CasChecker cas = CasChecker.shared();
        for (String[] c : cases) {
            String shown = c[1].substring(0, Math.min(60, c[1].length()));
            long submitted = cas.submitted();
            MathVerdict verdict = VERIFIER.verify(c[0], c[1]);
            assertFalse(verdict.correct(), shown);
            // the size guards refuse these before any work that could run long: none reaches the CAS
            assertEquals(submitted, cas.submitted(), "went to the CAS: " + shown);
            assertFalse(verdict.timedOut(), shown);
        }
    }

    /** The CAS budget is per check: a list of items that each need seconds of Symja still answers in time. */
    @Test
    void casTimeIsBudgetedPerCheckNotPerItem() {
        CasChecker.shared();
        MathVerifier verifier = new MathVerifier(new MathVerifier.Options(1e-4, Duration.ofMillis(200), false));
        StringBuilder gold = new StringBuilder("\\{");
        StringBuilder pred = new StringBuilder("\\boxed{\\{");
        for (int k = 1; k <= 10; k++) {
            // undefined at every real sample point, so only the CAS can compare them (about 0.7 s each)
            gold.append(k > 1 ? ", " : "").append("\\sqrt{-").append(k).append("-(x+y+z+w)^{30}}");
            pred.append(k > 1 ? ", " : "").append("\\sqrt{-").append(k).append("-(x+y+z+w)^{29}(w+x+y+z)}");
        }
        CasChecker cas = CasChecker.shared();
        long submitted = cas.submitted();
        MathVerdict verdict = verifier.verify(gold.append("\\}").toString(), pred.append("\\}}").toString());
        assertTrue(verdict.timedOut());
        assertFalse(verdict.correct());
        // once the budget is spent, the remaining items are not handed to the CAS at all
        long used = cas.submitted() - submitted;
        assertTrue(used >= 1 && used < 10, used + " of 10 items went to the CAS");
    }

    @Test
    void concurrentChecksAgreeWithSequentialOnes() throws Exception {
        List<MathVerifierTest.Case> cases = MathVerifierTest.cases();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (MathVerifierTest.Case c : cases) {
                    results.add(threads.submit(
                            () -> MathVerifierTest.VERIFIER.verify(c.gold(), c.response()).correct()));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                MathVerifierTest.Case c = cases.get(i % cases.size());
                assertEquals(c.expected(), results.get(i).get(), "cases.tsv line " + c.line() + " under concurrency");
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
