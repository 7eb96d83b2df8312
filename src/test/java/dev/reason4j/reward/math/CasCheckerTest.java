package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CasCheckerTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @Test
    void decidesSymbolicZeros() {
        CasChecker cas = CasChecker.shared();
        assertEquals(CasChecker.Outcome.ZERO, cas.isZero("Sqrt(12)-2*Sqrt(3)", GENEROUS));
        assertEquals(CasChecker.Outcome.ZERO, cas.isZero("(v1+1)^2-(v1^2+2*v1+1)", GENEROUS));
        assertEquals(CasChecker.Outcome.NOT_ZERO, cas.isZero("v1^2-1", GENEROUS));
    }

    /**
     * Checks that run past their deadline return TIMEOUT, and their workers really stop. No bound on how fast: a
     * loaded machine only makes the uninterrupted work (many seconds of Symja each) longer, so workers that are idle
     * again while 12 such checks would still be computing show that the deadline interrupted them.
     */
    @Test
    void timeoutsStopTheWorkersAndLeakNoThreads() throws InterruptedException {
        CasChecker cas = CasChecker.shared();
        // expanding a 4-variable 30th power takes Symja many seconds
        String slow = "Expand((v1+v2+v3+v4)^30)-(v1+v2+v3+v4)^30";
        for (int i = 0; i < 12; i++) {
            assertEquals(CasChecker.Outcome.TIMEOUT, cas.isZero(slow, Duration.ofMillis(50)));
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cas.busyWorkers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, cas.busyWorkers(), "timed-out checks must stop, not keep computing");
        long casThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(CasChecker.THREAD_PREFIX)).count();
        assertTrue(casThreads <= cas.poolSize(), casThreads + " CAS threads for a pool of " + cas.poolSize());
        // and the workers are still good for work
        assertEquals(CasChecker.Outcome.ZERO, cas.isZero("Sqrt(8)-2*Sqrt(2)", GENEROUS));
    }
}
