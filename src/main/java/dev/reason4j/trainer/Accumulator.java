package dev.reason4j.trainer;

import dev.reason4j.algo.GlobalBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/** Weighted means of per-micro-batch metrics over a step, in the order they were first added. */
final class Accumulator {
    private final Map<String, double[]> sums = new LinkedHashMap<>();

    void add(String name, double value, double weight) {
        double[] sum = sums.computeIfAbsent(name, n -> new double[2]);
        sum[0] += value * weight;
        sum[1] += weight;
    }

    /**
     * A micro-batch's part of a mini-batch total (a loss aggregated with {@link GlobalBatch}: the parts sum to
     * the mini-batch's loss). Weighted by share, so the mean is the mean over mini-batches of their totals.
     */
    void addPart(String name, double part, double share) {
        add(name, part / share, share);
    }

    void putMeans(Map<String, Object> metrics) {
        sums.forEach((name, sum) -> metrics.put(name, sum[1] == 0 ? 0 : sum[0] / sum[1]));
    }
}
