package dev.reason4j.trainer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A batch's multi-turn episode metrics: per-episode means, and call rates over all the calls of the batch. */
final class EpisodeMetrics {
    private EpisodeMetrics() {
    }

    /**
     * The mean of each episode metric (an episode that lacks one, e.g. a tool it never called, counts as 0), plus
     * {@code well_formed_call_rate} and {@code tool_error_rate} over the calls attempted; empty when no rollout is
     * a multi-turn episode.
     */
    static Map<String, Double> of(List<Rollout> rollouts) {
        Map<String, Double> sums = new TreeMap<>();
        int episodes = 0;
        for (Rollout rollout : rollouts) {
            if (!rollout.episodeMetrics().isEmpty()) {
                episodes++;
                rollout.episodeMetrics().forEach((name, value) -> sums.merge(name, value, Double::sum));
            }
        }
        if (episodes == 0) {
            return Map.of();
        }
        double attempted = sums.getOrDefault("tool_calls", 0.0);
        double wellFormed = sums.getOrDefault("well_formed_calls", 0.0);
        double errors = sums.getOrDefault("tool_errors", 0.0);
        int count = episodes;
        sums.replaceAll((name, sum) -> sum / count);
        sums.put("well_formed_call_rate", attempted == 0 ? 0.0 : wellFormed / attempted);
        sums.put("tool_error_rate", attempted == 0 ? 0.0 : errors / attempted);
        return sums;
    }
}
