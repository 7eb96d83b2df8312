package dev.reason4j.model;

/**
 * Where a sequence's keys and values are: a block table lists the store row of the first position of each block of
 * {@code 2^blockShift} positions, so position p is at row {@code table[p >> blockShift] + (p mod 2^blockShift)}.
 * A paged KV cache (Kwon et al., "Efficient Memory Management for LLM Serving with PagedAttention", 2023) uses small
 * blocks; training's packed batch is one block per sequence ({@link #ONE_BLOCK}), starting at its first row.
 */
final class KvBlocks {
    /** A block shift no position reaches: the whole sequence is one block. */
    static final int ONE_BLOCK = 30;

    private KvBlocks() {}

    static int row(int[] table, int blockShift, int position) {
        return table[position >>> blockShift] + (position & ((1 << blockShift) - 1));
    }
}
