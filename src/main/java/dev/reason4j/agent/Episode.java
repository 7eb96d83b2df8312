package dev.reason4j.agent;

import java.util.List;
import java.util.Map;

/**
 * One finished episode, token in and token out: the prompt's ids, then every id after it in order — the ones the
 * policy sampled ({@code sampled[t]}, with their log-probs) and the ones the loop inserted between turns (tool
 * responses, observations, the template's headers: {@code sampled[t] = false}, log-prob 0, never trained on).
 *
 * @param tokenRewards   each step's reward on the last sampled token of the turn that earned it (the rest 0)
 * @param reward         the sum of the step rewards
 * @param transcript     the conversation as chat messages (for logs and inspection; never re-tokenized)
 * @param truncated      a turn ran out of tokens (the episode's budget or the model's context)
 * @param contextLimited the model's max_position_embeddings cut the budget
 * @param error          why the environment failed mid-episode (the episode then ends with reward 0), or null
 * @param stats          what the episode did, for metrics
 */
public record Episode(int[] promptTokens, int[] responseTokens, boolean[] sampled, float[] logProbs,
                      double[] tokenRewards, double reward, List<Map<String, Object>> transcript, boolean truncated,
                      boolean contextLimited, String error, Stats stats) {

    /**
     * What one episode did.
     *
     * @param turns           assistant turns
     * @param callsByTool     well-formed calls of each known tool
     * @param wellFormedCalls calls that parsed (unknown tools included)
     * @param malformedCalls  calls that did not parse
     * @param toolErrors      calls answered with an error: malformed, unknown tool, bad arguments, failure, timeout
     * @param toolSeconds     wall time spent in tools
     * @param insertedTokens  tokens the loop inserted
     * @param cutTurns        turns cut by the per-turn token cap (their end-of-turn token was inserted)
     * @param budgetCut       the episode ended because the turn or token budget ran out
     * @param environmentInfo the numbers in the environment's last answer ({@code won}, {@code guesses}, …)
     */
    public record Stats(int turns, Map<String, Integer> callsByTool, int wellFormedCalls, int malformedCalls,
                        int toolErrors, double toolSeconds, int sampledTokens, int insertedTokens,
                        int cutTurns, boolean budgetCut, Map<String, Double> environmentInfo) {
        public Stats {
            callsByTool = Map.copyOf(callsByTool);
            environmentInfo = Map.copyOf(environmentInfo);
        }

        /** Per-episode metrics, averaged over a step's episodes under {@code agent/}. */
        public Map<String, Double> metrics() {
            Map<String, Double> metrics = new java.util.LinkedHashMap<>();
            int attempted = wellFormedCalls + malformedCalls;
            metrics.put("turns", (double) turns);
            metrics.put("tool_calls", (double) attempted);
            metrics.put("has_tool_call", wellFormedCalls > 0 ? 1.0 : 0.0);
            metrics.put("well_formed_calls", (double) wellFormedCalls);
            metrics.put("malformed_calls", (double) malformedCalls);
            metrics.put("tool_errors", (double) toolErrors);
            metrics.put("tool_seconds", toolSeconds);
            metrics.put("sampled_tokens", (double) sampledTokens);
            metrics.put("inserted_tokens", (double) insertedTokens);
            metrics.put("cut_turns", (double) cutTurns);
            metrics.put("budget_cut", budgetCut ? 1.0 : 0.0);
            callsByTool.forEach((tool, calls) -> metrics.put("tool_calls/" + tool, (double) calls));
            environmentInfo.forEach((key, value) -> metrics.put("env/" + key, value));
            return metrics;
        }
    }
}
