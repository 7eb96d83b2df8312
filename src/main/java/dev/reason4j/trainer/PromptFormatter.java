package dev.reason4j.trainer;

import dev.reason4j.env.Example;

/** Turns an example's prompt into the exact text the policy continues (e.g. via the model's chat template). */
@FunctionalInterface
public interface PromptFormatter {
    String render(Example example);
}
