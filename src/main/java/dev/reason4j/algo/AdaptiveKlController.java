package dev.reason4j.algo;

/**
 * Adaptive β (Ziegler et al. 2019, arXiv:1909.08593; {@code kl_ctrl.type: adaptive}): steers the KL toward
 * {@code targetKl}, β ← β·(1 + clip(KL/target − 1, −0.2, 0.2)·steps/horizon).
 */
public final class AdaptiveKlController implements KlController {
    private double value;
    private final double targetKl;
    private final double horizon;

    public AdaptiveKlController(double initialValue, double targetKl, double horizon) {
        if (!(horizon > 0)) {
            throw new IllegalArgumentException("kl_ctrl.horizon must be positive, got " + horizon);
        }
        if (!(targetKl > 0)) {
            throw new IllegalArgumentException("kl_ctrl.target_kl must be positive, got " + targetKl);
        }
        this.value = initialValue;
        this.targetKl = targetKl;
        this.horizon = horizon;
    }

    @Override
    public double value() {
        return value;
    }

    @Override
    public void update(double currentKl, int steps) {
        double proportionalError = PolicyLosses.clamp(currentKl / targetKl - 1, -0.2, 0.2);
        value *= 1 + proportionalError * steps / horizon;
    }
}
