package dev.reason4j.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One metric over the rounds of a benchmark: the median (the figure to quote) and the range (min–max), which says
 * how much the machine moved between rounds.
 */
public record Spread(double median, double min, double max, int rounds) {
    public static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Spread(median, sorted.getFirst(), sorted.getLast(), n);
    }

    /** The range as a share of the median: 0.1 = the rounds spread over 10 % of the figure. */
    public double relativeRange() {
        return median == 0 ? 0 : (max - min) / median;
    }
}
