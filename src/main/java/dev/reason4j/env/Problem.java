package dev.reason4j.env;

import java.util.LinkedHashMap;
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
 * @param extra       task-specific fields that go into the example's {@code extra} (for {@code tool_arithmetic} the
 *                    calculator {@code expression}); never null
 */
public record Problem(String task, String key, String prompt, String answer, String groundTruth, String solution,
                      Map<String, Object> extra) {
    public Problem {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** A problem with no task-specific fields. */
    public Problem(String task, String key, String prompt, String answer, String groundTruth, String solution) {
        this(task, key, prompt, answer, groundTruth, solution, Map.of());
    }

    /** As a dataset record, so built-in tasks and user datasets flow through the trainer the same way. */
    public Example toExample() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("answer", answer);
        fields.put("solution", solution);
        fields.putAll(extra);
        return new Example(prompt, null, groundTruth, task, fields);
    }
}
