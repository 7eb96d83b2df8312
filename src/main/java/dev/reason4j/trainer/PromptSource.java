package dev.reason4j.trainer;

import dev.reason4j.config.Seeds;
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
            return task.sample(Split.TRAIN, new Random(Seeds.mix(seed, index))).toExample();
        }
        long epoch = index / dataset.size();
        int offset = (int) (index % dataset.size());
        return dataset.get(permutation(epoch)[offset]);
    }

    private int[] cachedPermutation;
    private long cachedEpoch = -1;

    /** The dataset's order in one epoch, shuffled with a seed of (seed, epoch). */
    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            cachedPermutation = Seeds.shuffled(dataset.size(), new Random(Seeds.mix(seed, epoch)));
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}
