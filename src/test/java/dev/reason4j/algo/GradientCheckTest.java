package dev.reason4j.algo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hand-derived gradients against float64 central differences, for every loss × aggregation mode. Inputs are
 * random with a fully masked row, a tool-observation gap and padding, and log-ratios large enough to hit every clip.
 */
class GradientCheckTest {
    private static final double STEP = 1e-6;
    private static final int BATCH = 6;
    private static final int LENGTH = 7;

    static Stream<Arguments> lossesAndModes() {
        List<Arguments> arguments = new ArrayList<>();
        for (String loss : List.of("vanilla", "gspo", "cispo", "sapo")) {
            for (LossAggregation mode : LossAggregation.values()) {
                arguments.add(Arguments.of(loss, mode));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lossesAndModes")
    void policyLossGradientMatchesCentralDifferences(String lossName, LossAggregation mode) {
        Random random = new Random(lossName.hashCode() * 31L + mode.ordinal());
        double[][] mask = mask();
        double[][] old = randomMatrix(random, -2.0, 0.5);
        double[][] logProbs = perturb(random, old, 0.5);
        // GSPO's token-level gradient equals the sequence objective's only for sequence-level advantages (the
        // paper's setting), so every loss gets outcome-style advantages: signs fixed, magnitudes random.
        double[] signs = {1, -1, 1, 1, -1, 1};
        double[][] advantages = new double[BATCH][LENGTH];
        for (int b = 0; b < BATCH; b++) {
            java.util.Arrays.fill(advantages[b], signs[b] * (0.2 + random.nextDouble()));
        }
        // Reach every branch: row 0 (A > 0) above the upper clip, row 4 (A < 0) past the dual-clip bound c = 1.5.
        for (int t = 0; t < LENGTH; t++) {
            logProbs[0][t] = old[0][t] + 0.4 + 0.05 * random.nextGaussian();
        }
        logProbs[4][0] = old[4][0] + 0.9;
        // GSPO's sequence ratios stay near 1, so it gets the paper's tight range (3e-4, 4e-4).
        boolean sequenceRatio = lossName.equals("gspo");
        PolicyLossConfig config = PolicyLossConfig.DEFAULT
                .withClipRange(sequenceRatio ? 3e-4 : 0.2, sequenceRatio ? 4e-4 : 0.28).withClipRatioC(1.5)
                .withLossAggMode(mode).withLossScaleFactor(mode == LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM ? 11.0 : null);
        PolicyLoss loss = PolicyLosses.get(lossName);
        PolicyLossResult result = loss.compute(new PolicyLossInput(old, logProbs, advantages, mask, config));
        double[][] analytic = result.gradLogProbs();
        if (!lossName.equals("sapo")) {
            assertTrue(result.pgClipfrac() > 0, "inputs must reach the clipped branch");
        }
        if (lossName.equals("vanilla")) {
            assertTrue(result.pgClipfracLower() > 0, "inputs must reach the dual-clip bound");
        }
        // CISPO's clipped ratio is stop-gradient: move log π_old with log π_θ so the ratio stays put.
        boolean ratioDetached = lossName.equals("cispo");
        double[][] numeric = centralDifferences(logProbs, perturbed -> {
            double[][] shiftedOld = ratioDetached ? shift(old, logProbs, perturbed) : old;
            return loss.compute(new PolicyLossInput(shiftedOld, perturbed, advantages, mask, config)).loss();
        });
        assertGradientsClose(lossName + " " + mode.verlName(), numeric, analytic);
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void valueLossGradientMatchesCentralDifferences(LossAggregation mode) {
        Random random = new Random(7 + mode.ordinal());
        double[][] mask = mask();
        double[][] values = randomMatrix(random, -1, 1);
        double[][] returns = randomMatrix(random, -1, 1);
        double[][] vpreds = perturb(random, values, 0.6);
        double[][] analytic = ValueLoss.compute(vpreds, returns, values, mask, 0.3, mode, null, null).gradVpreds();
        double[][] numeric = centralDifferences(vpreds,
                perturbed -> ValueLoss.compute(perturbed, returns, values, mask, 0.3, mode, null, null).loss());
        assertGradientsClose("value loss " + mode.verlName(), numeric, analytic);
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void entropyGradientMatchesCentralDifferences(LossAggregation mode) {
        Random random = new Random(11 + mode.ordinal());
        double[][] mask = mask();
        double[][][] logits = new double[BATCH][LENGTH][5];
        for (double[][] row : logits) {
            for (double[] token : row) {
                for (int v = 0; v < token.length; v++) {
                    token[v] = 2 * random.nextGaussian();
                }
            }
        }
        double[][][] analytic = EntropyLoss.fromLogits(logits, mask, mode, null, null).grad();
        double[][] numericRows = new double[BATCH * LENGTH][5];
        double[][] analyticRows = new double[BATCH * LENGTH][];
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < LENGTH; t++) {
                analyticRows[b * LENGTH + t] = analytic[b][t];
                for (int v = 0; v < 5; v++) {
                    double saved = logits[b][t][v];
                    logits[b][t][v] = saved + STEP;
                    double plus = EntropyLoss.fromLogits(logits, mask, mode, null, null).loss();
                    logits[b][t][v] = saved - STEP;
                    double minus = EntropyLoss.fromLogits(logits, mask, mode, null, null).loss();
                    logits[b][t][v] = saved;
                    numericRows[b * LENGTH + t][v] = (plus - minus) / (2 * STEP);
                }
            }
        }
        assertGradientsClose("entropy " + mode.verlName(), numericRows, analyticRows);
    }

    @ParameterizedTest
    @MethodSource("klNames")
    void klLossGradientMatchesCentralDifferences(String name, LossAggregation mode) {
        Random random = new Random(name.hashCode() + mode.ordinal());
        double[][] mask = mask();
        double[][] ref = randomMatrix(random, -2.0, 0.5);
        double[][] logProbs = perturb(random, ref, 0.5);
        KlEstimator estimator = KlEstimators.get(name);
        double[][] analytic = KlPenalty.loss(estimator, logProbs, ref, mask, mode, null, null).gradLogProbs();
        // The straight-through k3+ carries k2's gradient by design: check it against k2's value.
        KlEstimator differentiated = name.endsWith("+") ? KlEstimators.K2 : estimator;
        double[][] numeric = centralDifferences(logProbs,
                perturbed -> KlPenalty.loss(differentiated, perturbed, ref, mask, mode, null, null).loss());
        assertGradientsClose("kl " + name + " " + mode.verlName(), numeric, analytic);
    }

    static Stream<Arguments> klNames() {
        List<Arguments> arguments = new ArrayList<>();
        for (String name : KlEstimators.names()) {
            for (LossAggregation mode : LossAggregation.values()) {
                arguments.add(Arguments.of(name, mode));
            }
        }
        return arguments.stream();
    }

    /** Padding after the response, a tool-observation gap in row 1, and row 3 fully masked. */
    private static double[][] mask() {
        double[][] mask = new double[BATCH][LENGTH];
        int[] lengths = {7, 6, 3, 0, 5, 1};
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                mask[b][t] = 1;
            }
        }
        mask[1][2] = 0;
        mask[1][3] = 0;
        return mask;
    }

    private static double[][] randomMatrix(Random random, double low, double high) {
        double[][] matrix = new double[BATCH][LENGTH];
        for (double[] row : matrix) {
            for (int t = 0; t < LENGTH; t++) {
                row[t] = low + (high - low) * random.nextDouble();
            }
        }
        return matrix;
    }

    private static double[][] perturb(Random random, double[][] base, double scale) {
        double[][] perturbed = new double[base.length][];
        for (int b = 0; b < base.length; b++) {
            perturbed[b] = base[b].clone();
            for (int t = 0; t < base[b].length; t++) {
                perturbed[b][t] += scale * random.nextGaussian();
            }
        }
        return perturbed;
    }

    /** {@code old} moved by the same amount as {@code perturbed} differs from {@code base}. */
    private static double[][] shift(double[][] old, double[][] base, double[][] perturbed) {
        double[][] shifted = new double[old.length][];
        for (int b = 0; b < old.length; b++) {
            shifted[b] = old[b].clone();
            for (int t = 0; t < old[b].length; t++) {
                shifted[b][t] += perturbed[b][t] - base[b][t];
            }
        }
        return shifted;
    }

    private static double[][] centralDifferences(double[][] point, ToDoubleFunction<double[][]> function) {
        double[][] gradient = new double[point.length][point[0].length];
        for (int b = 0; b < point.length; b++) {
            for (int t = 0; t < point[b].length; t++) {
                double[][] copy = new double[point.length][];
                for (int r = 0; r < point.length; r++) {
                    copy[r] = point[r].clone();
                }
                copy[b][t] = point[b][t] + STEP;
                double plus = function.applyAsDouble(copy);
                copy[b][t] = point[b][t] - STEP;
                double minus = function.applyAsDouble(copy);
                gradient[b][t] = (plus - minus) / (2 * STEP);
            }
        }
        return gradient;
    }

    private static void assertGradientsClose(String what, double[][] numeric, double[][] analytic) {
        boolean anyNonZero = false;
        for (int b = 0; b < numeric.length; b++) {
            for (int t = 0; t < numeric[b].length; t++) {
                double tolerance = 1e-8 + 1e-6 * Math.abs(numeric[b][t]);
                if (!(Math.abs(numeric[b][t] - analytic[b][t]) <= tolerance)) {
                    fail(what + " [" + b + "][" + t + "]: central difference " + numeric[b][t] + ", analytic "
                            + analytic[b][t]);
                }
                anyNonZero |= analytic[b][t] != 0;
            }
        }
        assertTrue(anyNonZero, what + ": gradient is identically zero, the check proves nothing");
    }
}
