package dev.reason4j.algo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A policy loss, its exact gradient and verl's diagnostics.
 *
 * @param loss          the aggregated scalar loss (to minimise)
 * @param gradLogProbs  d loss / d logProbs[b][t], {@code [batch][responseLength]}; 0 on masked-out tokens
 * @param pgClipfrac    fraction of response tokens whose loss took the clipped branch ({@code actor/pg_clipfrac})
 * @param ppoKl         mean of log π_old − log π_θ over response tokens ({@code actor/ppo_kl})
 * @param pgClipfracLower fraction of tokens hit by the dual-clip bound ({@code actor/pg_clipfrac_lower})
 */
public record PolicyLossResult(double loss, double[][] gradLogProbs, double pgClipfrac, double ppoKl,
                               double pgClipfracLower) {
    /** The metrics under verl's names. */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("actor/pg_clipfrac", pgClipfrac);
        metrics.put("actor/ppo_kl", ppoKl);
        metrics.put("actor/pg_clipfrac_lower", pgClipfracLower);
        return metrics;
    }
}
