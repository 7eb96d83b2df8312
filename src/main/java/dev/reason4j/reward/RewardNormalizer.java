package dev.reason4j.reward;

import dev.reason4j.config.Config;
import dev.reason4j.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code reward.normalize} and {@code reward.clip}: the one place a step's rewards are standardised and clipped
 * before advantages are computed. Learned rewards (a reward model, a judge, self-certainty) come on arbitrary and
 * drifting scales; this puts them on one.
 *
 * <p>{@code batch}: r' = (r − mean) / (std + 1e-8) with the step's mean and population std. {@code running}: the
 * same with the mean and std of every reward seen so far, this step's included (as OpenRLHF's
 * {@code normalize_reward} running moments). Then, with {@code clip: [lo, hi]}, r' = min(max(r', lo), hi).
 * Metrics: {@code reward_norm/mean} and {@code reward_norm/std} (the statistics used), {@code reward_norm/clipped}
 * (share of rewards clipped) and {@code reward_norm/normalized_mean} (mean after both).
 */
public final class RewardNormalizer {
    private static final double EPSILON = 1e-8;

    public enum Mode { NONE, BATCH, RUNNING }

    private final Mode mode;
    private final double clipLow;
    private final double clipHigh;
    private final boolean clips;
    // Running moments (Chan et al.'s parallel update of count, mean and sum of squared deviations).
    private long count;
    private double mean;
    private double squaredDeviations;

    /** @param clip {lo, hi}, or null for no clipping */
    public RewardNormalizer(Mode mode, double[] clip) {
        this.mode = mode;
        this.clips = clip != null;
        this.clipLow = clips ? clip[0] : Double.NEGATIVE_INFINITY;
        this.clipHigh = clips ? clip[1] : Double.POSITIVE_INFINITY;
        if (clips && !(clipLow < clipHigh)) {
            throw new IllegalArgumentException("reward clip [" + clipLow + ", " + clipHigh + "] needs lo < hi");
        }
    }

    /** From the {@code reward} section: {@code normalize} and {@code clip}. */
    public static RewardNormalizer from(Config reward) {
        String name = reward.getString("normalize");
        Mode mode = switch (name) {
            case "none" -> Mode.NONE;
            case "batch" -> Mode.BATCH;
            case "running" -> Mode.RUNNING;
            default -> throw new ConfigException("reward.normalize: unknown '" + name + "' (none, batch, running)");
        };
        double[] clip = null;
        if (reward.get("clip") != null) {
            List<Double> bounds = reward.getDoubleList("clip");
            if (bounds.size() != 2 || !(bounds.get(0) < bounds.get(1))) {
                throw new ConfigException("reward.clip must be [lo, hi] with lo < hi, got " + bounds);
            }
            clip = new double[] {bounds.get(0), bounds.get(1)};
        }
        return new RewardNormalizer(mode, clip);
    }

    /** False when neither normalising nor clipping: rewards pass unchanged. */
    public boolean active() {
        return mode != Mode.NONE || clips;
    }

    /** The running moments, for a checkpoint: rewards seen, their mean and sum of squared deviations. */
    public record Moments(long count, double mean, double squaredDeviations) {
        public static final Moments NONE = new Moments(0, 0, 0);
    }

    public synchronized Moments moments() {
        return new Moments(count, mean, squaredDeviations);
    }

    /** Continues from a checkpoint's moments (so a resumed run normalises as an uninterrupted one). */
    public synchronized void restore(Moments moments) {
        count = moments.count();
        mean = moments.mean();
        squaredDeviations = moments.squaredDeviations();
    }

    /** A step's rewards, normalised and clipped, and what was done. */
    public record Result(double[] rewards, Map<String, Double> metrics) {
    }

    /** Normalises then clips one step's rewards (updating the running moments first in {@code running} mode). */
    public synchronized Result apply(double[] rewards) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        double[] out = rewards.clone();
        if (mode != Mode.NONE && rewards.length > 0) {
            double batchMean = 0;
            for (double r : rewards) {
                batchMean += r;
            }
            batchMean /= rewards.length;
            double batchSquares = 0;
            for (double r : rewards) {
                batchSquares += (r - batchMean) * (r - batchMean);
            }
            double useMean = batchMean;
            double useVariance = batchSquares / rewards.length;
            if (mode == Mode.RUNNING) {
                long total = count + rewards.length;
                double delta = batchMean - mean;
                squaredDeviations += batchSquares + delta * delta * count * rewards.length / total;
                mean += delta * rewards.length / total;
                count = total;
                useMean = mean;
                useVariance = squaredDeviations / count;
            }
            double std = Math.sqrt(useVariance);
            for (int i = 0; i < out.length; i++) {
                out[i] = (out[i] - useMean) / (std + EPSILON);
            }
            metrics.put("reward_norm/mean", useMean);
            metrics.put("reward_norm/std", std);
        }
        if (clips) {
            int clipped = 0;
            for (int i = 0; i < out.length; i++) {
                double bounded = Math.min(Math.max(out[i], clipLow), clipHigh);
                clipped += bounded != out[i] ? 1 : 0;
                out[i] = bounded;
            }
            metrics.put("reward_norm/clipped", out.length == 0 ? 0.0 : (double) clipped / out.length);
        }
        double sum = 0;
        for (double r : out) {
            sum += r;
        }
        metrics.put("reward_norm/normalized_mean", out.length == 0 ? 0.0 : sum / out.length);
        return new Result(out, metrics);
    }
}
