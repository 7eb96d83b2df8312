package dev.reason4j.env;

import java.util.Map;

/**
 * What an {@link Environment} answers to one action.
 *
 * @param observation what the model reads next (a user message); ignored when {@code done}
 * @param reward      this step's reward (placed on the last token of the action that earned it)
 * @param done        the episode is over
 * @param info        anything else worth logging (numbers become metrics); never null
 */
public record StepResult(String observation, double reward, boolean done, Map<String, Object> info) {
    public StepResult {
        info = info == null ? Map.of() : Map.copyOf(info);
    }
}
