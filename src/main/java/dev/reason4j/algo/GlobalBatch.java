package dev.reason4j.algo;

/**
 * The denominators of a whole mini-batch, for gradient accumulation over micro-batches: aggregating each
 * micro-batch with the mini-batch's counts makes the micro-batch losses (and gradients) sum to the mini-batch's,
 * whatever the split (verl's {@code global_batch_info}: {@code batch_num_tokens}, {@code global_batch_size}).
 *
 * @param tokens    masked-in tokens of the mini-batch (token-mean's divisor)
 * @param sequences sequences with at least one masked-in token (the seq-mean modes' divisor)
 */
public record GlobalBatch(double tokens, double sequences) {
    /** The counts of a mini-batch, from its response mask. */
    public static GlobalBatch of(double[][] miniBatchMask) {
        double sequences = 0;
        for (double[] row : miniBatchMask) {
            if (Masked.rowCount(row) > 0) {
                sequences++;
            }
        }
        return new GlobalBatch(Masked.count(miniBatchMask), sequences);
    }
}
