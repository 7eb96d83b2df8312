package dev.reason4j.config;

import java.util.Random;

/** The trainer's one seed mixer and one shuffle, so every seeded choice of a run is reproducible from its seed. */
public final class Seeds {
    private Seeds() {
    }

    /**
     * A well-spread seed per (seed, index): java.util.Random's first outputs for nearby seeds are correlated, so
     * seeding it with seed + index would draw similar values for consecutive indices. SplitMix64's finaliser.
     */
    public static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 0, 1, …, n − 1. */
    public static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** A Fisher–Yates permutation of 0..n − 1 drawn from {@code random}. */
    public static int[] shuffled(int n, Random random) {
        int[] order = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
