package dev.reason4j.env;

import dev.reason4j.config.Options;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A one-answer task as a one-step environment: {@link #reset} gives the example's question, {@link #step} scores
 * the answer and ends the episode. This is how a task runs with tools ({@code tool_arithmetic}): the tool calls
 * happen inside the assistant turns, and the final turn's text is the one action.
 *
 * <p>The reward is {@code reward.score} of the action against the example's ground truth, e.g. a task's verifier
 * ({@code TaskEnvironment.factory(task.reward())}: 1.0 or 0.0). The registered {@code task} environment (no
 * options) scores each example with the reward function of its {@code data_source}
 * ({@link RewardFunctions#byDataSource}): a built-in task's verifier, {@code math}, {@code code}.
 */
public final class TaskEnvironment implements Environment {
    public static final String NAME = "task";

    private final RewardFunction reward;
    private final Example example;
    private final String question;
    private boolean started;
    private boolean done;

    private TaskEnvironment(RewardFunction reward, Example example) {
        this.reward = reward;
        this.example = example;
        this.question = question(example);
    }

    /** Every example an episode of this reward function. */
    public static EnvironmentFactory factory(RewardFunction reward) {
        return example -> new TaskEnvironment(reward, example);
    }

    /** The registered {@code task} environment: each example scored by the reward of its data source. */
    static EnvironmentFactory factory(Map<String, Object> options) {
        new Options("environment " + NAME, options).finish();
        return factory(RewardFunctions.byDataSource());
    }

    /** The question: the example's plain prompt, or the content of its last user message. */
    static String question(Example example) {
        if (example.prompt() != null) {
            return example.prompt();
        }
        List<Message> messages = example.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).content();
            }
        }
        throw new IllegalArgumentException("environment " + NAME + ": the example's messages have no user message");
    }

    /** The question; the seed is unused (the example is the whole problem). */
    @Override
    public String reset(long seed) {
        started = true;
        done = false;
        return question;
    }

    /** Scores the answer: reward from the reward function, done; info holds its metrics (and {@code reward_error}). */
    @Override
    public StepResult step(String action) {
        if (!started || done) {
            throw new IllegalStateException("environment " + NAME + ": step " + (done ? "after the episode ended"
                    : "before reset"));
        }
        done = true;
        RewardResult result = reward.score(new RewardInput(question, action, example.groundTruth(),
                example.dataSource(), 0, example.extra()));
        Map<String, Object> info = new LinkedHashMap<>(result.metrics());
        if (result.error() != null) {
            info.put("reward_error", result.error());
        }
        return new StepResult("", result.reward(), true, info);
    }
}
