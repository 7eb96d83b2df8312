package dev.reason4j.algo;

import java.util.List;

/**
 * verl's {@code algorithm.rollout_correction} (its {@code RolloutCorrectionConfig}): how the trainer corrects for
 * rollouts whose log-probs are not the training forward's (a remote engine, an older policy). See
 * {@link RolloutCorrection} for the formulas.
 *
 * @param rolloutIs                 IS weight level ({@code rollout_is}); null = no weights (metrics only)
 * @param rolloutIsThreshold        truncation: weights above it are cut to it ({@code rollout_is_threshold})
 * @param rolloutIsBatchNormalize   divide the truncated weights by their batch mean ({@code rollout_is_batch_normalize})
 * @param rolloutRs                 rejection level ({@code rollout_rs}); null = no rejection
 * @param rolloutRsThreshold        upper end of the kept band ({@code rollout_rs_threshold}); required with rolloutRs
 * @param rolloutRsThresholdLower   lower end ({@code rollout_rs_threshold_lower}); null = 1 / upper
 * @param rolloutTokenVetoThreshold a sequence with any token ratio below it is dropped
 *                                  ({@code rollout_token_veto_threshold}); null = off
 * @param bypassMode                use the rollout's log-probs as π_old and never recompute them ({@code bypass_mode});
 *                                  PPO's ratio then runs against π_rollout, and no weight or rejection is possible
 */
public record RolloutCorrectionConfig(Level rolloutIs, double rolloutIsThreshold, boolean rolloutIsBatchNormalize,
                                      Level rolloutRs, Double rolloutRsThreshold, Double rolloutRsThresholdLower,
                                      Double rolloutTokenVetoThreshold, boolean bypassMode) {
    /** How log-ratios are combined: per token, their sum per sequence (a product of ratios), or their mean. */
    public enum Level {
        TOKEN("token"),
        SEQUENCE("sequence"),
        /** exp(mean log-ratio): the sequence's geometric-mean ratio (rejection only, as in verl). */
        GEOMETRIC("geometric");

        private final String verlName;

        Level(String verlName) {
            this.verlName = verlName;
        }

        public String verlName() {
            return verlName;
        }
    }

    /** The levels {@code rollout_is} takes. */
    public static final List<Level> IS_LEVELS = List.of(Level.TOKEN, Level.SEQUENCE);
    /** The levels {@code rollout_rs} takes. */
    public static final List<Level> RS_LEVELS = List.of(Level.TOKEN, Level.SEQUENCE, Level.GEOMETRIC);

    /** Everything off, as Reason4j's defaults.yaml: π_old is recomputed only for stale or outside rollouts. */
    public static final RolloutCorrectionConfig OFF =
            new RolloutCorrectionConfig(null, 2.0, false, null, null, null, null, false);

    public RolloutCorrectionConfig {
        if (rolloutIs != null && !IS_LEVELS.contains(rolloutIs)) {
            throw new IllegalArgumentException("rollout_is must be token or sequence, got " + rolloutIs.verlName);
        }
        requirePositive("rollout_is_threshold", rolloutIsThreshold);
        if (rolloutRs != null && rolloutRsThreshold == null) {
            throw new IllegalArgumentException("rollout_rs_threshold must be set when rollout_rs is "
                    + rolloutRs.verlName + " (verl requires it too)");
        }
        for (Double threshold : new Double[] {rolloutRsThreshold, rolloutRsThresholdLower, rolloutTokenVetoThreshold}) {
            if (threshold != null) {
                requirePositive("a rollout_correction threshold", threshold);
            }
        }
        if (bypassMode && (rolloutIs != null || rolloutRs != null || rolloutTokenVetoThreshold != null)) {
            throw new IllegalArgumentException("bypass_mode uses the rollout's log-probs as π_old, so there is no "
                    + "π_old / π_rollout ratio to weight or reject by: set rollout_is, rollout_rs and "
                    + "rollout_token_veto_threshold to null, or bypass_mode to false");
        }
    }

    /** The level named {@code name} (verl's names) among {@code allowed}; null for null; the error lists them. */
    public static Level level(String key, String name, List<Level> allowed) {
        if (name == null) {
            return null;
        }
        for (Level level : allowed) {
            if (level.verlName.equals(name)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown " + key + " '" + name + "'; expected one of "
                + String.join(", ", names(allowed)) + ", or null");
    }

    /** verl names of {@code levels}, for a config's option list. */
    public static List<String> names(List<Level> levels) {
        return levels.stream().map(Level::verlName).toList();
    }

    /** Whether anything would change the batch: IS weights, rejection or veto. */
    public boolean corrects() {
        return rolloutIs != null || rolloutRs != null || rolloutTokenVetoThreshold != null;
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a positive number, got " + value);
        }
    }
}
