package dev.reason4j.optim;

import java.util.List;
import java.util.Locale;

/**
 * The learning rate at each optimizer step (0-based: the first update uses {@code at(0)}), as the multiplier
 * schedules of transformers / verl applied to a base rate. Build one by name with {@link #create}.
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double at(long step);

    /** Names {@link #create} knows. */
    List<String> NAMES = List.of("constant", "linear", "cosine");

    /**
     * @param name          "constant" (linear warm-up from 0, then flat: transformers'
     *                      {@code get_constant_schedule_with_warmup}), "linear" (warm-up, then linear decay to 0:
     *                      {@code get_linear_schedule_with_warmup}), or "cosine" (warm-up from minRatio·lr, then
     *                      cosine decay to minRatio·lr: verl's {@code get_cosine_schedule_with_warmup})
     * @param minRatio      the cosine schedule's floor, as a fraction of the base rate (ignored by the others)
     */
    static LearningRateSchedule create(String name, double baseRate, long warmupSteps, long totalSteps,
                                       double minRatio) {
        if (warmupSteps < 0 || totalSteps < 0 || !(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("learning rate schedule: need warmup, total ≥ 0 and 0 ≤ min ratio ≤ 1,"
                    + " got warmup=" + warmupSteps + " total=" + totalSteps + " minRatio=" + minRatio);
        }
        double warmup = Math.max(1, warmupSteps);
        double decaySteps = Math.max(1, totalSteps - warmupSteps);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "constant" -> step -> baseRate * (step < warmupSteps ? step / warmup : 1.0);
            case "linear" -> step -> baseRate * (step < warmupSteps ? step / warmup
                    : Math.max(0.0, (totalSteps - step) / decaySteps));
            case "cosine" -> step -> {
                if (step < warmupSteps) {
                    return baseRate * (minRatio + (1 - minRatio) * step / warmup);
                }
                // Clamped at 1: past totalSteps the rate stays at the floor (verl's cosine would rise again).
                double progress = Math.min(1.0, (step - warmupSteps) / decaySteps);
                double cosine = Math.cos(Math.PI * progress);  // num_cycles = 0.5: half a period over the decay
                return baseRate * Math.max(minRatio, cosine * (1 - minRatio) * 0.5 + (1 + minRatio) * 0.5);
            };
            default -> throw new IllegalArgumentException("unknown learning rate schedule '" + name + "'; known: "
                    + NAMES);
        };
    }
}
