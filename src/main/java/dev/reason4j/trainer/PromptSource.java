package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Where training prompts come from, reproducibly: the position (how many prompts were drawn) is all the state a
 * checkpoint must keep. A dataset is read in a fresh seeded permutation each epoch; a built-in task draws train-split
 * problems from a generator seeded by (seed, position).
 */
public final class PromptSource {
    private final List<Example> dataset;   // null for a generated task
    private final Task task;
    private final long seed;
    private long position;

    private PromptSource(List<Example> dataset, Task task, long seed) {
        this.dataset = dataset;
        this.task = task;
        this.seed = seed;
    }

    public static PromptSource ofDataset(List<Example> examples, long seed) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("the training dataset is empty");
        }
        return new PromptSource(List.copyOf(examples), null, seed);
    }

    public static PromptSource ofTask(Task task, long seed) {
        return new PromptSource(null, task, seed);
    }

    /** The next {@code count} prompts. */
    public List<Example> next(int count) {
        List<Example> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(at(position++));
        }
        return batch;
    }

    public long position() {
        return position;
    }

    /** Restores the position saved in a checkpoint. */
    public void seek(long newPosition) {
        position = newPosition;
    }

    private Example at(long index) {
        if (dataset == null) {
            return task.sample(Split.TRAIN, new Random(mix(seed, index))).toExample();
        }
        long epoch = index / dataset.size();
        int offset = (int) (index % dataset.size());
        return dataset.get(permutation(epoch)[offset]);
    }

    /**
     * A well-spread seed per (seed, index): java.util.Random's first outputs for nearby seeds are correlated, so
     * seeding it with seed + index would draw similar problems for consecutive prompts. SplitMix64's finaliser.
     */
    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private int[] cachedPermutation;
    private long cachedEpoch = -1;

    /** Fisher–Yates shuffle of the dataset for one epoch, seeded by (seed, epoch). */
    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int[] order = new int[dataset.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Random random = new Random(mix(seed, epoch));
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            cachedPermutation = order;
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}
