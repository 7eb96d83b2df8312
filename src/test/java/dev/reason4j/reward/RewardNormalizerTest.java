package dev.reason4j.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewardNormalizerTest {
    private static RewardNormalizer from(String... overrides) {
        return RewardNormalizer.from(Config.load(null, List.of(overrides)).section("reward"));
    }

    @Test
    void batchStandardisesWithTheStepsMeanAndPopulationStd() {
        // mean 2.5, population variance ((1.5² + 0.5²)·2)/4 = 1.25
        RewardNormalizer.Result result = from("reward.normalize=batch").apply(new double[] {1, 2, 3, 4});
        double std = Math.sqrt(1.25);
        assertArrayEquals(new double[] {-1.5 / (std + 1e-8), -0.5 / (std + 1e-8), 0.5 / (std + 1e-8),
                1.5 / (std + 1e-8)}, result.rewards(), 1e-15);
        assertEquals(2.5, result.metrics().get("reward_norm/mean"));
        assertEquals(std, result.metrics().get("reward_norm/std"), 1e-15);
        assertEquals(0.0, result.metrics().get("reward_norm/normalized_mean"), 1e-15);
    }

    @Test
    void runningUsesEveryRewardSeenSoFar() {
        RewardNormalizer running = from("reward.normalize=running");
        running.apply(new double[] {0, 1});
        // All rewards so far: 0, 1, 5, 6, 7 → mean 3.8, population variance Σ(r − 3.8)² / 5.
        RewardNormalizer.Result second = running.apply(new double[] {5, 6, 7});
        double[] all = {0, 1, 5, 6, 7};
        double mean = 3.8;
        double variance = 0;
        for (double r : all) {
            variance += (r - mean) * (r - mean) / all.length;
        }
        assertEquals(mean, second.metrics().get("reward_norm/mean"), 1e-12);
        assertEquals(Math.sqrt(variance), second.metrics().get("reward_norm/std"), 1e-12);
        assertEquals((5 - mean) / (Math.sqrt(variance) + 1e-8), second.rewards()[0], 1e-12);
    }

    @Test
    void clippingComesAfterNormalisingAndIsCounted() {
        RewardNormalizer.Result clipped = from("reward.clip=[-1, 0.5]").apply(new double[] {-3, 0, 0.2, 2});
        assertArrayEquals(new double[] {-1, 0, 0.2, 0.5}, clipped.rewards());
        assertEquals(0.5, clipped.metrics().get("reward_norm/clipped"));
        assertFalse(clipped.metrics().containsKey("reward_norm/mean"), "not normalised");

        RewardNormalizer.Result both = from("reward.normalize=batch", "reward.clip=[-1, 1]")
                .apply(new double[] {0, 0, 0, 10});   // normalised: -1/√3 ×3 and √3, which is clipped to 1
        assertEquals(1.0, both.rewards()[3]);
        assertEquals(-1 / Math.sqrt(3), both.rewards()[0], 1e-7);
        assertEquals(0.25, both.metrics().get("reward_norm/clipped"));
    }

    @Test
    void offByDefaultAndBadSettingsAreNamed() {
        RewardNormalizer none = from();
        assertFalse(none.active());
        assertTrue(from("reward.normalize=batch").active());
        assertEquals("reward.normalize: unknown 'zscore' (none, batch, running)",
                assertThrows(IllegalArgumentException.class, () -> from("reward.normalize=zscore")).getMessage());
        assertEquals("reward.clip must be [lo, hi] with lo < hi, got [1.0, -1.0]",
                assertThrows(IllegalArgumentException.class, () -> from("reward.clip=[1, -1]")).getMessage());
    }
}
