package dev.reason4j.algo;

/**
 * The logistic function and its log, which the pairwise and per-step losses (DPO and kin, Bradley–Terry, a process
 * reward model's cross-entropy) are written in. Both are finite for any finite argument.
 */
public final class Logistic {
    private Logistic() {
    }

    /** σ(x) = 1 / (1 + e^−x): 0 or 1, not NaN, where e^−x overflows or vanishes. */
    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** softplus(x) = log(1 + e^x) = −log σ(−x), without overflow for either sign. */
    public static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }
}
