package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a model's update splits a step's batch (verl's {@code ppo_epochs}, {@code ppo_mini_batch_size} in
 * prompts, {@code ppo_micro_batch_size} in sequences): each epoch walks the rows in mini-batches, one optimizer step
 * each, of micro-batches, one forward and backward each.
 */
record BatchSplit(int epochs, int miniBatchPrompts, int microBatchSize) {
    /** The split of config section {@code name} ({@code actor} or {@code critic}). */
    static BatchSplit of(Config section, String name) {
        BatchSplit split = new BatchSplit(section.getInt("ppo_epochs"), section.getInt("ppo_mini_batch_size"),
                section.getInt("ppo_micro_batch_size"));
        if (split.epochs < 1 || split.miniBatchPrompts < 1 || split.microBatchSize < 1) {
            throw new IllegalArgumentException(name + ".ppo_epochs, ppo_mini_batch_size and ppo_micro_batch_size"
                    + " must be at least 1, got " + split);
        }
        return split;
    }

    /** Optimizer steps over a run (for the learning-rate schedule). */
    long optimizerSteps(int trainerSteps, int promptsPerStep) {
        return (long) trainerSteps * epochs * ((promptsPerStep + miniBatchPrompts - 1) / miniBatchPrompts);
    }

    /** {@code order} cut into mini-batches of miniBatchPrompts · responsesPerPrompt rows (the last may be short). */
    List<int[]> miniBatches(int[] order, int responsesPerPrompt) {
        return chunks(order, miniBatchPrompts * responsesPerPrompt);
    }

    /** A mini-batch cut into micro-batches of {@code microBatchSize} rows (the last may be short). */
    List<int[]> microBatches(int[] miniBatch) {
        return chunks(miniBatch, microBatchSize);
    }

    private static List<int[]> chunks(int[] rows, int size) {
        List<int[]> chunks = new ArrayList<>();
        for (int start = 0; start < rows.length; start += size) {
            chunks.add(Arrays.copyOfRange(rows, start, Math.min(rows.length, start + size)));
        }
        return chunks;
    }
}
