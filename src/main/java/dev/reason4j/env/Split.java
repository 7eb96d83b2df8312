package dev.reason4j.env;

import java.nio.charset.StandardCharsets;

/**
 * Train or held-out. A problem's split is a fixed function of its canonical key (a hash), so the two splits are
 * disjoint by construction and stay the same across seeds, runs and machines.
 */
public enum Split {
    TRAIN, TEST;

    /** Percent of the problem space that is held out. */
    public static final int TEST_PERCENT = 10;

    /** The split a problem with this canonical key belongs to. */
    public static Split of(String key) {
        return Math.floorMod(hash(key), 100) < TEST_PERCENT ? TEST : TRAIN;
    }

    /** FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finalizer to spread the low bits. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
