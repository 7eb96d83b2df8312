package dev.reason4j.algo;

import dev.reason4j.config.Registry;
import java.util.SortedSet;

/**
 * KL estimators by verl's names ({@code kl_penalty} / {@code kl_loss_type}); d = log π_θ − log π_ref.
 * <ul>
 *   <li>{@code kl}, {@code k1}: d (unbiased, high variance)</li>
 *   <li>{@code abs}: |d|</li>
 *   <li>{@code mse}, {@code k2}: d²/2 (its gradient is the unbiased KL gradient)</li>
 *   <li>{@code low_var_kl}, {@code k3}: e^{−d} + d − 1 (unbiased, low variance, non-negative); −d clamped to
 *       [−20, 20] and the result to [−10, 10] as verl does</li>
 *   <li>{@code k3+}, {@code low_var_kl+}: straight-through, the value of k3 with the gradient of k2</li>
 * </ul>
 */
public final class KlEstimators {
    private static final double LOG_RATIO_LIMIT = 20.0;
    private static final double K3_LIMIT = 10.0;

    private static final Registry<KlEstimator> REGISTRY = new Registry<>("KL estimator");

    public static final KlEstimator K1 = KlEstimator.of((lp, ref) -> lp - ref, (lp, ref) -> 1.0);
    public static final KlEstimator ABS = KlEstimator.of((lp, ref) -> Math.abs(lp - ref),
            (lp, ref) -> Math.signum(lp - ref));
    public static final KlEstimator K2 = KlEstimator.of((lp, ref) -> 0.5 * (lp - ref) * (lp - ref),
            (lp, ref) -> lp - ref);
    public static final KlEstimator K3 = KlEstimator.of(KlEstimators::k3, KlEstimators::k3Grad);
    public static final KlEstimator K3_PLUS = KlEstimator.of(KlEstimators::k3, (lp, ref) -> lp - ref);

    static {
        register("kl", K1);
        register("k1", K1);
        register("abs", ABS);
        register("mse", K2);
        register("k2", K2);
        register("low_var_kl", K3);
        register("k3", K3);
        register("low_var_kl+", K3_PLUS);
        register("k3+", K3_PLUS);
    }

    private KlEstimators() {
    }

    /** The estimator registered as {@code name}; the error suggests the nearest and lists the registered names. */
    public static KlEstimator get(String name) {
        return REGISTRY.get(name);
    }

    /** Registers a estimator under a new {@code name} (a name already taken is refused, as in verl). */
    public static void register(String name, KlEstimator estimator) {
        REGISTRY.register(name, estimator);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return REGISTRY.names();
    }

    private static double k3(double logProb, double refLogProb) {
        double logRatio = PolicyLosses.clamp(refLogProb - logProb, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT);
        return PolicyLosses.clamp(Math.exp(logRatio) - logRatio - 1, -K3_LIMIT, K3_LIMIT);
    }

    /** d/d lp of e^{x} − x − 1 with x = ref − lp: 1 − e^{x}; 0 where either clamp is active. */
    private static double k3Grad(double logProb, double refLogProb) {
        double rawLogRatio = refLogProb - logProb;
        if (Math.abs(rawLogRatio) > LOG_RATIO_LIMIT) {
            return 0;
        }
        double ratio = Math.exp(rawLogRatio);
        double unclamped = ratio - rawLogRatio - 1;
        return Math.abs(unclamped) <= K3_LIMIT ? 1 - ratio : 0;
    }
}
