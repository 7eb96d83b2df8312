package dev.reason4j.reward.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.tokenizer.TokenPositions;
import dev.reason4j.trainer.Setup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRewardModelTest {
    @TempDir
    Path temp;

    @Test
    void stepsAreTheNonEmptyPiecesBetweenSeparators() {
        assertArrayEquals(new int[] {3, 8}, StepLabels.stepEnds("abc\ndefg\n", "\n"));
        assertArrayEquals(new int[] {3, 9}, StepLabels.stepEnds("abc\n\ndefg", "\n"));
        assertArrayEquals(new int[] {2, 7}, StepLabels.stepEnds("ab||cde", "||"));
        assertArrayEquals(new int[] {}, StepLabels.stepEnds("\n\n", "\n"));
        assertArrayEquals(new int[] {5}, StepLabels.stepEnds("hello", "\n"));
    }

    /** Each step is read at the token that completes its last character: checked by decoding the prefixes. */
    @Test
    void stepTokensCompleteEachStepsText() throws Exception {
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(temp.resolve("tokenizer"));
        String response = "The answer is 4.\nstep good\nyes é no";
        int[] ids = tokenizer.encode(response, false);
        int[] ends = StepLabels.stepEnds(response, "\n");
        int[] positions = TokenPositions.ofCharacterEnds(tokenizer, ids, ends);
        for (int i = 0; i < ends.length; i++) {
            int k = positions[i];
            assertTrue(tokenizer.decode(Arrays.copyOf(ids, k + 1), true).length() >= ends[i], "step " + i);
            assertTrue(k == 0 || tokenizer.decode(Arrays.copyOf(ids, k), true).length() < ends[i], "step " + i);
        }
        assertEquals(ids.length - 1, positions[ends.length - 1]);
    }

    @Test
    void aggregatesCombineStepProbabilities() {
        double[] p = {0.9, 0.5, 0.8};
        assertArrayEquals(new double[] {0.9, 0.5, 0.5}, ProcessRewardModel.Aggregate.MIN.running(p));
        assertArrayEquals(new double[] {0.9, 0.9 * 0.5, 0.9 * 0.5 * 0.8},
                ProcessRewardModel.Aggregate.PRODUCT.running(p), 1e-15);
        assertArrayEquals(p, ProcessRewardModel.Aggregate.LAST.running(p));
        assertEquals(ProcessRewardModel.Aggregate.PRODUCT, ProcessRewardModel.Aggregate.parse("product"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ProcessRewardModel.Aggregate.parse("mean"));
        assertEquals("unknown step aggregate 'mean' (min, product or last)", error.getMessage());
    }

    /**
     * Saved as HF's ...ForTokenClassification with its separator; the reward function scores σ(score) at each
     * step's last token, aggregated, and dense its step rewards are the running aggregate's increments at the
     * steps' ends, summing to the reward.
     */
    @Test
    void theProcessRewardScoresEachStepAndGivesDenseRewards() throws Exception {
        Path tokenizerDir = temp.resolve("tokenizer");
        Tokenizer tokenizer = RewardModelFixtures.tokenizer(tokenizerDir);
        ProcessRewardModel prm = ProcessRewardModel.fromPolicy(RewardModelFixtures.policy(tokenizer, 2), 5, "\n");
        // A larger bias and head, so the step probabilities spread.
        for (var p : prm.model().parameters()) {
            if (p.name().startsWith("score.")) {
                for (int i = 0; i < p.data().length; i++) {
                    p.data()[i] = (float) Math.sin(7 * i + 1) * 3;
                }
            }
        }
        Path dir = temp.resolve("prm");
        prm.save(dir, tokenizerDir);
        JsonNode config = new ObjectMapper().readTree(Files.readString(dir.resolve("config.json")));
        assertEquals("Qwen3ForTokenClassification", config.get("architectures").get(0).asText());
        assertEquals(1, config.get("num_labels").asInt());
        assertEquals("\n", config.get("step_separator").asText());
        assertEquals(List.of(1L), RewardModelTest.shape(RewardModelTest.rawHeader(dir.resolve("model.safetensors")),
                "score.bias"));

        String prompt = Setup.chatFormatter(tokenizer).render(new dev.reason4j.env.Example("What is 4 + 1?", null,
                null, null, Map.of()));
        String response = "step good\nThe answer is 5.\nyes\n";
        // Expected, from the per-token forward directly: the score at each step's last token of prompt + response.
        int[] promptIds = tokenizer.encode(prompt, false);
        int[] responseIds = tokenizer.encode(response, false);
        int[] sequence = new int[promptIds.length + responseIds.length + 1];
        System.arraycopy(promptIds, 0, sequence, 0, promptIds.length);
        System.arraycopy(responseIds, 0, sequence, promptIds.length, responseIds.length);
        sequence[sequence.length - 1] = tokenizer.eosTokenId().getAsInt();
        float[] scores = ProcessRewardModel.load(dir).model().forward(List.of(sequence),
                ForwardOptions.inference().withLogProbs(false).withScores(true)).scores[0];
        int[] ends = StepLabels.stepEnds(response, "\n");
        int[] stepTokens = TokenPositions.ofCharacterEnds(tokenizer, responseIds, ends);
        double[] p = new double[ends.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = 1 / (1 + Math.exp(-scores[promptIds.length + stepTokens[i]]));
        }
        assertEquals(3, p.length);
        RewardInput input = new RewardInput(prompt, response, null, null, responseIds.length, Map.of());

        RewardResult min = new ProcessReward(dir, ProcessRewardModel.Aggregate.MIN, false, 0).score(input);
        assertEquals(Math.min(p[0], Math.min(p[1], p[2])), min.reward(), 1e-6);
        assertEquals(3.0, min.metrics().get("steps"));
        assertEquals(List.of(), min.steps());
        RewardResult last = new ProcessReward(dir, ProcessRewardModel.Aggregate.LAST, false, 0).score(input);
        assertEquals(p[2], last.reward(), 1e-6);

        RewardResult dense = new ProcessReward(dir, ProcessRewardModel.Aggregate.PRODUCT, true, 0).score(input);
        assertEquals(p[0] * p[1] * p[2], dense.reward(), 1e-6);
        assertEquals(List.of(9, 26, 30), dense.steps().stream().map(RewardResult.StepReward::end).toList());
        assertEquals(p[0], dense.steps().get(0).reward(), 1e-6);
        assertEquals(p[0] * p[1] - p[0], dense.steps().get(1).reward(), 1e-6);
        assertEquals(dense.reward(), dense.steps().stream().mapToDouble(RewardResult.StepReward::reward).sum(), 1e-12);

        // The rollout puts each step's reward on its last token: the token rewards sum to the reward.
        dev.reason4j.trainer.Rollout rollout = dev.reason4j.trainer.Rollout.singleTurn(null, 0, promptIds,
                Arrays.copyOf(responseIds, responseIds.length), new float[responseIds.length], false, false, response,
                dense, TokenPositions.ofCharacterEnds(tokenizer, responseIds, ends));
        double[] expected = new double[responseIds.length];
        for (int i = 0; i < 3; i++) {
            expected[stepTokens[i]] += dense.steps().get(i).reward();
        }
        assertArrayEquals(expected, rollout.tokenRewards(), 1e-12);
    }
}
