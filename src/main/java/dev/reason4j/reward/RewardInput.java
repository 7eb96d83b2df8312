package dev.reason4j.reward;

import java.util.Map;

/**
 * What a reward function sees of one rollout.
 *
 * @param prompt         the prompt text as the model saw it
 * @param response       the decoded response text
 * @param groundTruth    the reference answer (or test spec, as JSON text) from the dataset; may be null
 * @param dataSource     the dataset name, used to pick a reward function (as verl's {@code data_source})
 * @param responseTokens number of response tokens (for length shaping)
 * @param extra          any other dataset fields
 */
public record RewardInput(String prompt, String response, String groundTruth, String dataSource,
                          int responseTokens, Map<String, Object> extra) {
    public RewardInput {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
}
