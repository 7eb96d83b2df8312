package dev.reason4j.env;

import java.util.Map;

/**
 * One generated problem of a built-in task.
 *
 * @param task        the task's name (also the dataset's {@code data_source}, which picks the reward function)
 * @param key         canonical form of the problem (e.g. {@code 47+385}); decides its {@link Split}
 * @param prompt      the question as the model sees it, e.g. {@code What is 47 + 385?} (no trailing newline)
 * @param answer      a correct final answer, e.g. {@code 432} (for Countdown one solving expression)
 * @param groundTruth what {@link Task#verify} checks a response against (for Countdown JSON with target and numbers)
 * @param solution    a worked solution for SFT: short regular reasoning lines, then {@code \boxed{answer}}
 */
public record Problem(String task, String key, String prompt, String answer, String groundTruth, String solution) {
    /** As a dataset record, so built-in tasks and user datasets flow through the trainer the same way. */
    public Example toExample() {
        return new Example(prompt, null, groundTruth, task, Map.of("answer", answer, "solution", solution));
    }
}
