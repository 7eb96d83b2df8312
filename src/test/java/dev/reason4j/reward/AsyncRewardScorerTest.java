package dev.reason4j.reward;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsyncRewardScorerTest {
    private static RewardInput input(String response) {
        return new RewardInput("Q", response, null, "test", 1, Map.of());
    }

    @Test
    void aSlowCheckTimesOutWithoutHoldingUpTheBatch() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        RewardFunction function = in -> switch (in.response()) {
            case "slow" -> {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                yield RewardResult.of(1.0);
            }
            case "broken" -> throw new IllegalStateException("bad response");
            default -> RewardResult.of(Double.parseDouble(in.response()));
        };
        try (AsyncRewardScorer scorer = new AsyncRewardScorer(function, 2, Duration.ofMillis(300))) {
            long start = System.nanoTime();
            List<RewardResult> results = scorer.scoreAll(List.of(
                    input("0.25"), input("slow"), input("broken"), input("1"), input("0.5")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5_000, "batch took " + millis + " ms");
            assertEquals(0.25, results.get(0).reward());
            assertEquals(new RewardResult(0.0, Map.of(AsyncRewardScorer.TIMEOUT_METRIC, 1.0), "timed out after 0.3 s"),
                    results.get(1));
            assertEquals(new RewardResult(0.0, Map.of(AsyncRewardScorer.ERROR_METRIC, 1.0), "bad response"),
                    results.get(2));
            assertEquals(1.0, results.get(3).reward());
            assertEquals(0.5, results.get(4).reward());
            assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the timed-out call's worker was interrupted");
            // The pool is still usable and the interrupt did not leak into the next call.
            assertEquals(0.75, scorer.submit(input("0.75")).get(5, TimeUnit.SECONDS).reward());
        }
    }
}
