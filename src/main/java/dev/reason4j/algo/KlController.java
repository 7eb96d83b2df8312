package dev.reason4j.algo;

import dev.reason4j.config.Suggestions;
import java.util.List;

/** The KL coefficient β, fixed or adapted to the measured KL (verl {@code algorithm.kl_ctrl}). */
public interface KlController {
    /** The current coefficient β. */
    double value();

    /** Feeds the KL measured over {@code steps} samples (verl passes the batch size). */
    void update(double currentKl, int steps);

    /**
     * verl's {@code get_kl_controller}: {@code type} "fixed" ({@code kl_coef}) or "adaptive" ({@code kl_coef} as the
     * start, {@code target_kl}, {@code horizon}).
     */
    static KlController create(String type, double klCoef, double targetKl, double horizon) {
        return switch (type) {
            case "fixed" -> new FixedKlController(klCoef);
            case "adaptive" -> new AdaptiveKlController(klCoef, targetKl, horizon);
            default -> throw new IllegalArgumentException("algorithm.kl_ctrl.type must be fixed or adaptive, got '"
                    + type + "'" + Suggestions.didYouMean(String.valueOf(type), List.of("fixed", "adaptive")));
        };
    }
}
