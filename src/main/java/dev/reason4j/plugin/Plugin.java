package dev.reason4j.plugin;

/**
 * An extension of {@code ./reason4j train} that lives outside the project: an advantage estimator, policy loss, KL
 * estimator, reward function or task, registered under a new name that a config can then pick. Implement it,
 * list the class in {@code META-INF/services/dev.reason4j.plugin.Plugin} of a jar, and name the jar in
 * {@code trainer.plugins}:
 *
 * <pre>{@code
 * public final class MyPlugin implements Plugin {
 *     public void register() {
 *         AdvantageEstimators.register("my_estimator", input -> ...);
 *         RewardFunctions.register("my_reward", input -> RewardResult.of(...));
 *     }
 * }
 * }</pre>
 *
 * See docs/algo.md ("Adding your own").
 */
public interface Plugin {
    /** Registers this plugin's parts; called once per JVM. */
    void register();
}
