package dev.reason4j.env;

import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A built-in task: a seeded problem generator with an exact verifier. Problems are split into train and held-out
 * by {@link Split#of} on their canonical key. Create one by name with {@link Tasks#create}.
 *
 * <pre>{@code
 * Task task = Tasks.create("arithmetic", Map.of("digits", 3));
 * Problem p = task.sample(Split.TRAIN, random);           // p.prompt(), p.solution(), p.groundTruth()
 * List<Problem> eval = task.distinct(Split.TEST, 200, 7);
 * double reward = task.verify(responseText, p.groundTruth());   // 1.0 or 0.0
 * }</pre>
 */
public interface Task {
    /** The registry name, also used as the problems' {@code data_source}. */
    String name();

    /** A random problem from the whole space (either split). Deterministic given the Random's state. */
    Problem generate(Random random);

    /**
     * 1.0 when the final answer in {@code response} (the last {@code \boxed{...}}) is correct for the problem whose
     * {@link Problem#groundTruth} is given, else 0.0. Must be thread-safe.
     */
    double verify(String response, String groundTruth);

    /** Tries before giving up on drawing a problem of one split (the held-out one is 10% of the space). */
    int MAX_TRIES = 10_000;

    /** A random problem of one split (problems may repeat across calls). */
    default Problem sample(Split split, Random random) {
        for (int i = 0; i < MAX_TRIES; i++) {
            Problem problem = generate(random);
            if (Split.of(problem.key()) == split) {
                return problem;
            }
        }
        throw new IllegalStateException("task " + name() + ": no " + split + " problem in " + MAX_TRIES
                + " draws; the problem space is too small (raise the difficulty)");
    }

    /** {@code count} distinct problems of one split, the same for the same seed (e.g. a fixed evaluation set). */
    default List<Problem> distinct(Split split, int count, long seed) {
        Random random = new Random(seed);
        Map<String, Problem> byKey = new LinkedHashMap<>();
        long tries = 0;
        long maxTries = 100L * count + MAX_TRIES;
        while (byKey.size() < count && tries++ < maxTries) {
            Problem problem = generate(random);
            if (Split.of(problem.key()) == split) {
                byKey.putIfAbsent(problem.key(), problem);
            }
        }
        if (byKey.size() < count) {
            throw new IllegalArgumentException("task " + name() + ": found only " + byKey.size() + " distinct "
                    + split + " problems of the " + count + " asked for; ask for fewer or raise the difficulty");
        }
        return new ArrayList<>(byKey.values());
    }

    /** This task's verifier as a reward function (ground truth and response from the rollout). */
    default RewardFunction reward() {
        return input -> RewardResult.of(verify(input.response(), input.groundTruth()));
    }
}
