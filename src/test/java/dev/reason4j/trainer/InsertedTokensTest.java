package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.algo.AdvantageEstimator;
import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.algo.AdvantageInput;
import dev.reason4j.algo.Advantages;
import dev.reason4j.algo.EntropyLoss;
import dev.reason4j.algo.GlobalBatch;
import dev.reason4j.algo.KlEstimators;
import dev.reason4j.algo.KlPenalty;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.algo.PolicyLossConfig;
import dev.reason4j.algo.PolicyLossInput;
import dev.reason4j.algo.PolicyLosses;
import dev.reason4j.env.Example;
import dev.reason4j.reward.RewardResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tool responses and template tokens inside a multi-turn response (response_mask = 0) get exactly zero gradient from
 * every advantage estimator, policy loss, aggregation, KL loss and the entropy bonus; the sampled tokens around them
 * do get gradient, and their advantages are those of the same turns with the inserted tokens cut out (GAE skips
 * them in its recursion, as verl's does).
 */
class InsertedTokensTest {
    /** Two turns of 5 sampled tokens around 4 inserted ones, then padding for shorter rows. */
    private static final boolean[] LAYOUT = {true, true, true, true, true, false, false, false, false,
            true, true, true, true, true};

    private static List<Rollout> episodes(Random random) {
        List<Rollout> rollouts = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            int length = LAYOUT.length - (b % 3);      // ragged rows: padding beyond each response too
            int[] tokens = new int[length];
            float[] logProbs = new float[length];
            boolean[] trainable = new boolean[length];
            double[] tokenRewards = new double[length];
            for (int t = 0; t < length; t++) {
                tokens[t] = 3 + t;
                trainable[t] = LAYOUT[t];
                logProbs[t] = trainable[t] ? (float) -random.nextDouble() : 0f;
            }
            tokenRewards[4] = 0.5 * random.nextInt(2);       // a step reward at the first turn's end
            tokenRewards[length - 1] = random.nextInt(2);     // the outcome at the last sampled token
            Example example = new Example("q" + b / 4, null, "1", "test", Map.of());
            rollouts.add(new Rollout(example, b / 4, new int[] {1, 2}, tokens, logProbs, trainable, tokenRewards,
                    false, false, "x", RewardResult.of(tokenRewards[4] + tokenRewards[length - 1]), Map.of()));
        }
        return rollouts;
    }

    private static double[][] perturbed(double[][] reference, double[][] mask, Random random) {
        double[][] out = new double[reference.length][];
        for (int b = 0; b < reference.length; b++) {
            out[b] = reference[b].clone();
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] += mask[b][t] != 0 ? 0.3 * random.nextGaussian() : -7.0;   // nonsense where masked
            }
        }
        return out;
    }

    @Test
    void insertedTokensGetExactlyZeroGradientFromEveryLoss() {
        Random random = new Random(11);
        Batch batch = new Batch(episodes(random));
        for (int b = 0; b < batch.size; b++) {
            for (int t = 0; t < batch.responseLengths[b]; t++) {
                assertEquals(LAYOUT[t] ? 1.0 : 0.0, batch.responseMask[b][t]);
            }
        }
        int[] rows = new int[batch.size];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        double[][] mask = batch.responseMask;
        double[][] logProbs = perturbed(batch.oldLogProbs, mask, random);
        double[][] values = perturbed(new double[batch.size][batch.width], mask, random);
        double[] baselines = new double[batch.size];
        GlobalBatch global = GlobalBatch.of(mask);
        float[][] like = new float[batch.size][];
        for (int b = 0; b < batch.size; b++) {
            like[b] = new float[2 + batch.responseLengths[b]];
        }
        int checked = 0;
        for (String estimatorName : AdvantageEstimators.names()) {
            AdvantageEstimator estimator = AdvantageEstimators.get(estimatorName);
            Advantages advantages = estimator.compute(new AdvantageInput(batch.tokenRewards(), mask, batch.groupIds,
                    values, baselines, null));
            if (!estimatorName.equals("reinforce_plus_plus")) {
                // verl's REINFORCE++ resets its running return at every mask-0 token ("reset after EOS"), so an
                // earlier turn does not see a later turn's reward; the verl fixture pins that, docs/agent.md says it.
                assertSameAsWithoutInsertedTokens(estimatorName, estimator, batch, values, baselines,
                        advantages.advantages());
            }
            for (String lossName : PolicyLosses.names()) {
                for (LossAggregation mode : LossAggregation.values()) {
                    PolicyLossConfig config = PolicyLossConfig.DEFAULT.withLossAggMode(mode);
                    double[][] grad = PolicyLosses.get(lossName).compute(new PolicyLossInput(batch.oldLogProbs,
                            logProbs, advantages.advantages(), mask, config, global)).gradLogProbs();
                    String what = estimatorName + " " + lossName + " " + mode;
                    assertZeroWhereMasked(what, grad, mask);
                    assertSomeGradient(what, grad, mask);
                    // What reaches the model's backward: the sequence gradient, zero at every inserted position.
                    float[][] sequenceGrads = batch.toSequenceGrads(rows, grad, like);
                    for (int b = 0; b < batch.size; b++) {
                        for (int t = 0; t < batch.responseLengths[b]; t++) {
                            if (!LAYOUT[t]) {
                                assertEquals(0, Float.floatToRawIntBits(sequenceGrads[b][1 + t]), what);
                            }
                        }
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked >= 7 * 4 * 4, "combinations checked: " + checked);

        double[][] reference = perturbed(batch.oldLogProbs, mask, random);
        for (String kl : KlEstimators.names()) {
            for (LossAggregation mode : LossAggregation.values()) {
                KlPenalty.KlLoss loss = KlPenalty.loss(KlEstimators.get(kl), logProbs, reference, mask, mode, null,
                        global);
                assertZeroWhereMasked("kl " + kl + " " + mode, loss.gradLogProbs(), mask);
            }
        }
        for (LossAggregation mode : LossAggregation.values()) {
            EntropyLoss.Result<double[][]> entropy = EntropyLoss.fromEntropies(perturbed(new double[batch.size]
                    [batch.width], mask, random), mask, mode, null, global);
            assertZeroWhereMasked("entropy " + mode, entropy.grad(), mask);
        }
    }

    /** The estimator on the sampled columns alone gives the sampled tokens' advantages, bit for bit. */
    private static void assertSameAsWithoutInsertedTokens(String name, AdvantageEstimator estimator, Batch batch,
                                                          double[][] values, double[] baselines, double[][] full) {
        int sampled = 0;
        for (boolean isSampled : LAYOUT) {
            sampled += isSampled ? 1 : 0;
        }
        int width = sampled;
        double[][] rewards = batch.tokenRewards();
        double[][] compactRewards = new double[batch.size][width];
        double[][] compactMask = new double[batch.size][width];
        double[][] compactValues = new double[batch.size][width];
        for (int b = 0; b < batch.size; b++) {
            int c = 0;
            for (int t = 0; t < batch.responseLengths[b]; t++) {
                if (LAYOUT[t]) {
                    compactRewards[b][c] = rewards[b][t];
                    compactMask[b][c] = 1;
                    compactValues[b][c] = values[b][t];
                    c++;
                }
            }
        }
        double[][] compact = estimator.compute(new AdvantageInput(compactRewards, compactMask, batch.groupIds,
                compactValues, baselines, null)).advantages();
        for (int b = 0; b < batch.size; b++) {
            int c = 0;
            for (int t = 0; t < batch.responseLengths[b]; t++) {
                if (LAYOUT[t]) {
                    assertEquals(compact[b][c], full[b][t], name + " advantage at [" + b + "][" + t + "]");
                    c++;
                }
            }
        }
    }

    /** Exactly +0 or −0 (no tiny leak) at every masked position. */
    private static void assertZeroWhereMasked(String what, double[][] grad, double[][] mask) {
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    assertEquals(0.0, Math.abs(grad[b][t]), what + " at [" + b + "][" + t + "]");
                }
            }
        }
    }

    private static void assertSomeGradient(String what, double[][] grad, double[][] mask) {
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0 && grad[b][t] != 0) {
                    return;
                }
            }
        }
        throw new AssertionError(what + ": no gradient on any sampled token");
    }
}
