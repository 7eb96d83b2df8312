package dev.reason4j.reward;

import dev.reason4j.model.Transformer;
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
 * @param sample         the token ids behind the text and the model that sampled them; null when the text did
 *                       not come from a rollout of this JVM (the score command, an environment's answer)
 */
public record RewardInput(String prompt, String response, String groundTruth, String dataSource,
                          int responseTokens, Map<String, Object> extra, Sample sample) {
    public RewardInput {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** A response known only as text. */
    public RewardInput(String prompt, String response, String groundTruth, String dataSource, int responseTokens,
                       Map<String, Object> extra) {
        this(prompt, response, groundTruth, dataSource, responseTokens, extra, null);
    }

    /**
     * A sampled response as the policy saw it: rewards that read the policy's own distribution (self-certainty)
     * need the ids and the weights that sampled them (a frozen copy when sampling runs ahead of training).
     *
     * @param promptIds   the rendered prompt's token ids
     * @param responseIds the sampled token ids
     * @param policy      the model that sampled them
     */
    public record Sample(int[] promptIds, int[] responseIds, Transformer policy) {
    }
}
