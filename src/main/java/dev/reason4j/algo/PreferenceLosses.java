package dev.reason4j.algo;

import dev.reason4j.config.Registry;
import java.util.SortedSet;

/**
 * The preference losses by TRL's names ({@code dpo.loss_type}), each with its gradient derived by hand (checked
 * against float64 central differences in the tests). Add one with {@link #register}, e.g. SLiC's hinge:
 * <pre>{@code
 * PreferenceLosses.register("hinge", (pair, config) -> {
 *     double h = PreferenceLosses.logRatioMargin(pair);
 *     double grad = 1 - config.beta() * h > 0 ? -config.beta() : 0;
 *     return new PreferenceLossResult(Math.max(0, 1 - config.beta() * h), grad, -grad,
 *             PreferenceLosses.dpoReward(pair.policyChosen(), pair.referenceChosen(), config),
 *             PreferenceLosses.dpoReward(pair.policyRejected(), pair.referenceRejected(), config));
 * });
 * }</pre>
 * Wrap a loss that never reads the reference in {@link PreferenceLoss#referenceFree}, so no reference pass runs.
 */
public final class PreferenceLosses {
    private static final Registry<PreferenceLoss> REGISTRY = new Registry<>("preference loss");

    static {
        register("sigmoid", PreferenceLosses::sigmoid);
        register("ipo", PreferenceLosses::ipo);
        register("simpo", PreferenceLoss.referenceFree(PreferenceLosses::simpo));
    }

    private PreferenceLosses() {
    }

    /** The loss registered as {@code name}; the error suggests the nearest and lists the registered names. */
    public static PreferenceLoss get(String name) {
        return REGISTRY.get(name);
    }

    /** Registers a loss under a new {@code name} (a name already taken is refused). */
    public static void register(String name, PreferenceLoss loss) {
        REGISTRY.register(name, loss);
    }

    /** Removes a registered name (a test's own entry, when it is done). */
    public static void unregister(String name) {
        REGISTRY.unregister(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return REGISTRY.names();
    }

    /** h = (log π_θ(y_w) − log π_ref(y_w)) − (log π_θ(y_l) − log π_ref(y_l)); dh/dπ_w = 1, dh/dπ_l = −1. */
    public static double logRatioMargin(PreferenceLossInput pair) {
        return (pair.policyChosen() - pair.referenceChosen()) - (pair.policyRejected() - pair.referenceRejected());
    }

    /** DPO's implicit reward of a response: β·(log π_θ(y) − log π_ref(y)) (Rafailov et al. 2023, eq. 5). */
    public static double dpoReward(double policy, double reference, PreferenceLossConfig config) {
        return config.beta() * (policy - reference);
    }

    /**
     * DPO (Rafailov et al. 2023, arXiv:2305.18290, eq. 7) with cDPO's label smoothing ε (Mitchell 2023, "A note on
     * DPO with noisy preferences"; TRL's {@code label_smoothing}): with z = β·h,
     * loss = −(1 − ε)·log σ(z) − ε·log σ(−z), and d loss / dz = σ(z) − (1 − ε). ε = 0 is DPO.
     */
    static PreferenceLossResult sigmoid(PreferenceLossInput pair, PreferenceLossConfig config) {
        double beta = config.beta();
        double z = beta * logRatioMargin(pair);
        double dz = smoothedLogSigmoidGrad(z, config.labelSmoothing());
        return new PreferenceLossResult(smoothedLogSigmoidLoss(z, config.labelSmoothing()), beta * dz, -beta * dz,
                dpoReward(pair.policyChosen(), pair.referenceChosen(), config),
                dpoReward(pair.policyRejected(), pair.referenceRejected(), config));
    }

    /**
     * IPO (Azar et al. 2023, arXiv:2310.12036, eq. 17): loss = (h − 1/(2β))², regressing the log-ratio margin on
     * 1/(2β) instead of pushing it to infinity. As TRL does (and the paper does not), each log-prob is divided by
     * its response's token count first — h uses per-token means — and so are the rewards reported.
     */
    static PreferenceLossResult ipo(PreferenceLossInput pair, PreferenceLossConfig config) {
        double chosenTokens = pair.chosenTokens();
        double rejectedTokens = pair.rejectedTokens();
        double h = (pair.policyChosen() - pair.referenceChosen()) / chosenTokens
                - (pair.policyRejected() - pair.referenceRejected()) / rejectedTokens;
        double residual = h - 1 / (2 * config.beta());
        return new PreferenceLossResult(residual * residual, 2 * residual / chosenTokens,
                -2 * residual / rejectedTokens,
                dpoReward(pair.policyChosen() / chosenTokens, pair.referenceChosen() / chosenTokens, config),
                dpoReward(pair.policyRejected() / rejectedTokens, pair.referenceRejected() / rejectedTokens, config));
    }

    /**
     * SimPO (Meng et al. 2024, arXiv:2405.14734, eq. 6), reference-free: the reward of a response is its
     * length-normalised log-prob β/|y|·log π_θ(y), and with z = r_w − r_l − γ, loss = −log σ(z) (with ε as in
     * {@link #sigmoid}, as TRL's CPO trainer applies {@code label_smoothing} to SimPO).
     */
    static PreferenceLossResult simpo(PreferenceLossInput pair, PreferenceLossConfig config) {
        double beta = config.beta();
        double chosenReward = beta * pair.policyChosen() / pair.chosenTokens();
        double rejectedReward = beta * pair.policyRejected() / pair.rejectedTokens();
        double z = chosenReward - rejectedReward - config.simpoGamma();
        double dz = smoothedLogSigmoidGrad(z, config.labelSmoothing());
        return new PreferenceLossResult(smoothedLogSigmoidLoss(z, config.labelSmoothing()),
                dz * beta / pair.chosenTokens(), -dz * beta / pair.rejectedTokens(), chosenReward, rejectedReward);
    }

    /** −(1 − ε)·log σ(z) − ε·log σ(−z), without overflow for large |z|. */
    private static double smoothedLogSigmoidLoss(double z, double epsilon) {
        return (1 - epsilon) * Logistic.softplus(-z) + epsilon * Logistic.softplus(z);
    }

    /** d/dz of {@link #smoothedLogSigmoidLoss}: σ(z) − (1 − ε). */
    private static double smoothedLogSigmoidGrad(double z, double epsilon) {
        return Logistic.sigmoid(z) - (1 - epsilon);
    }
}
