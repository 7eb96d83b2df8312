package dev.reason4j.reward.unsupervised;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Transformer;
import dev.reason4j.model.Parameter;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelfCertaintyRewardTest {
    private static final ModelConfig CONFIG = new ModelConfig(ModelConfig.Architecture.QWEN3, 53, 32, 40, 2, 4, 2,
            12, 1e-6f, 1e6, null, 4096, true, 0.5f, 0, List.of(1));

    private static RewardInput input(Transformer policy, int[] prompt, int[] response) {
        return new RewardInput("p", "r", null, "test", response.length, Map.of(),
                new RewardInput.Sample(prompt, response, policy));
    }

    /**
     * The same quantity from the target log-probs alone: log p(j | prefix) for every j, read off V sequences
     * that end in j, then mean_k [−log V − (1/V)·Σ_j log p_j] in float64.
     */
    private static double fromEveryNextToken(Transformer policy, int[] prompt, int[] response) {
        int vocab = CONFIG.vocabSize();
        double total = 0;
        for (int k = 0; k < response.length; k++) {
            int[] prefix = new int[prompt.length + k];
            System.arraycopy(prompt, 0, prefix, 0, prompt.length);
            System.arraycopy(response, 0, prefix, prompt.length, k);
            List<int[]> candidates = new ArrayList<>();
            for (int j = 0; j < vocab; j++) {
                int[] sequence = Arrays.copyOf(prefix, prefix.length + 1);
                sequence[prefix.length] = j;
                candidates.add(sequence);
            }
            float[][] logProbs = policy.forward(candidates, ForwardOptions.inference()).logProbs;
            double sum = 0;
            for (int j = 0; j < vocab; j++) {
                sum += logProbs[j][prefix.length - 1];
            }
            total += -Math.log(vocab) - sum / vocab;
        }
        return total / response.length;
    }

    @Test
    void itIsTheMeanKlFromUniformOverTheResponseTokens() {
        Transformer policy = Transformer.create(CONFIG, 9);
        int[] prompt = {3, 17, 8, 40};
        int[] response = {5, 5, 22, 1};
        double reward = new SelfCertaintyReward().score(input(policy, prompt, response)).reward();
        assertEquals(fromEveryNextToken(policy, prompt, response), reward, 1e-5);
        assertTrue(reward > 0, "KL(U || p) > 0 for a p that is not uniform: " + reward);
        assertEquals(reward, RewardFunctions.get("self_certainty").score(input(policy, prompt, response)).reward());
    }

    @Test
    void aUniformPolicyScoresZero() {
        Transformer policy = Transformer.create(CONFIG, 9);
        for (Parameter parameter : policy.parameters()) {
            if (parameter.name().equals("model.embed_tokens.weight")) {
                Arrays.fill(parameter.data(), 0f);   // tied head: every logit 0, so p = 1/V at every position
            }
        }
        assertEquals(0.0, new SelfCertaintyReward().score(input(policy, new int[]{1, 2}, new int[]{3, 4}))
                .reward(), 1e-6);
    }

    @Test
    void aResponseWithoutTokenIdsIsAnErrorAndAnEmptyOneScoresZero() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new SelfCertaintyReward().score(new RewardInput("p", "r", null, "test", 1, Map.of())));
        assertTrue(error.getMessage().contains("token ids and policy"), error.getMessage());
        assertEquals(0.0, new SelfCertaintyReward().score(input(Transformer.create(CONFIG, 9), new int[]{1},
                new int[0])).reward());
    }
}
