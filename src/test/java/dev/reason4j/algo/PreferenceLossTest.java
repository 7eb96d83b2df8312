package dev.reason4j.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The preference losses against their papers' formulas written out here in float64 (naive, from the definitions),
 * their gradients against central differences, and the limits that relate them.
 */
class PreferenceLossTest {
    private static final PreferenceLossConfig CONFIG = new PreferenceLossConfig(0.1, 0.0, 0.5);

    /** Random pairs: summed log-probs of responses of 1–30 tokens, policy near the reference. */
    private static List<PreferenceLossInput> pairs(long seed) {
        Random random = new Random(seed);
        List<PreferenceLossInput> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int chosenTokens = 1 + random.nextInt(30);
            int rejectedTokens = 1 + random.nextInt(30);
            double referenceChosen = -chosenTokens * (0.2 + 2 * random.nextDouble());
            double referenceRejected = -rejectedTokens * (0.2 + 2 * random.nextDouble());
            pairs.add(new PreferenceLossInput(referenceChosen + 8 * random.nextGaussian(),
                    referenceRejected + 8 * random.nextGaussian(), referenceChosen, referenceRejected, chosenTokens,
                    rejectedTokens));
        }
        return pairs;
    }

    private static double sigma(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void sigmoidIsDpoAndCdpo() {
        for (double epsilon : new double[] {0.0, 0.1, 0.3}) {
            PreferenceLossConfig config = new PreferenceLossConfig(0.1, epsilon, 0.5);
            for (PreferenceLossInput p : pairs(1)) {
                // Rafailov et al. eq. 7 and Mitchell's cDPO, from the definitions.
                double margin = (p.policyChosen() - p.referenceChosen()) - (p.policyRejected() - p.referenceRejected());
                double expected = -(1 - epsilon) * Math.log(sigma(0.1 * margin))
                        - epsilon * Math.log(sigma(-0.1 * margin));
                PreferenceLossResult result = PreferenceLosses.get("sigmoid").compute(p, config);
                assertEquals(expected, result.loss(), 1e-12 * Math.max(1, expected));
                assertEquals(0.1 * (p.policyChosen() - p.referenceChosen()), result.chosenReward(), 1e-12);
                assertEquals(0.1 * (p.policyRejected() - p.referenceRejected()), result.rejectedReward(), 1e-12);
            }
        }
    }

    @Test
    void ipoRegressesTheLengthNormalisedMarginOnOneOverTwoBeta() {
        for (PreferenceLossInput p : pairs(2)) {
            double chosen = (p.policyChosen() - p.referenceChosen()) / p.chosenTokens();
            double rejected = (p.policyRejected() - p.referenceRejected()) / p.rejectedTokens();
            double expected = Math.pow(chosen - rejected - 1 / (2 * 0.1), 2);
            PreferenceLossResult result = PreferenceLosses.get("ipo").compute(p, CONFIG);
            assertEquals(expected, result.loss(), 1e-12 * Math.max(1, expected));
            assertEquals(0.1 * chosen, result.chosenReward(), 1e-12);
            assertEquals(0.1 * rejected, result.rejectedReward(), 1e-12);
        }
        // At the target margin the loss and its gradient vanish.
        PreferenceLossInput atTarget = new PreferenceLossInput(-2 + 5 * 3, -4, -2, -4, 3, 7);
        PreferenceLossResult result = PreferenceLosses.get("ipo").compute(atTarget, CONFIG);
        assertEquals(0, result.loss(), 1e-24);
        assertEquals(0, result.gradChosen(), 1e-12);
        assertEquals(0, result.gradRejected(), 1e-12);
    }

    @Test
    void simpoUsesLengthNormalisedPolicyLogProbsAndNoReference() {
        PreferenceLossConfig config = new PreferenceLossConfig(2.0, 0.0, 0.5);
        PreferenceLoss simpo = PreferenceLosses.get("simpo");
        assertFalse(simpo.usesReference());
        assertTrue(PreferenceLosses.get("sigmoid").usesReference());
        assertTrue(PreferenceLosses.get("ipo").usesReference());
        for (PreferenceLossInput p : pairs(3)) {
            double chosen = 2.0 * p.policyChosen() / p.chosenTokens();
            double rejected = 2.0 * p.policyRejected() / p.rejectedTokens();
            double expected = -Math.log(sigma(chosen - rejected - 0.5));
            PreferenceLossInput withoutReference = new PreferenceLossInput(p.policyChosen(), p.policyRejected(),
                    Double.NaN, Double.NaN, p.chosenTokens(), p.rejectedTokens());
            PreferenceLossResult result = simpo.compute(withoutReference, config);
            assertEquals(expected, result.loss(), 1e-12 * Math.max(1, expected));
            assertEquals(chosen, result.chosenReward(), 1e-12);
            assertEquals(rejected, result.rejectedReward(), 1e-12);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "ipo", "simpo"})
    void gradientsMatchCentralDifferences(String name) {
        PreferenceLoss loss = PreferenceLosses.get(name);
        double step = 1e-5;
        for (PreferenceLossConfig config : List.of(CONFIG, new PreferenceLossConfig(0.5, 0.2, 1.0))) {
            for (PreferenceLossInput p : pairs(4)) {
                PreferenceLossResult result = loss.compute(p, config);
                double dChosen = (loss.compute(shift(p, step, 0), config).loss()
                        - loss.compute(shift(p, -step, 0), config).loss()) / (2 * step);
                double dRejected = (loss.compute(shift(p, 0, step), config).loss()
                        - loss.compute(shift(p, 0, -step), config).loss()) / (2 * step);
                assertEquals(dChosen, result.gradChosen(), 1e-7 * Math.max(1, Math.abs(dChosen)), name + " chosen");
                assertEquals(dRejected, result.gradRejected(), 1e-7 * Math.max(1, Math.abs(dRejected)),
                        name + " rejected");
            }
        }
    }

    private static PreferenceLossInput shift(PreferenceLossInput p, double chosen, double rejected) {
        return new PreferenceLossInput(p.policyChosen() + chosen, p.policyRejected() + rejected, p.referenceChosen(),
                p.referenceRejected(), p.chosenTokens(), p.rejectedTokens());
    }

    @Test
    void limitsRelateTheLosses() {
        PreferenceLoss sigmoid = PreferenceLosses.get("sigmoid");
        // Policy = reference: the loss is log 2 for any ε, and the gradient β·(1/2 − (1 − ε)) towards the chosen
        // response: label smoothing weakens the push.
        PreferenceLossInput start = new PreferenceLossInput(-5, -7, -5, -7, 4, 6);
        PreferenceLossResult atStart = sigmoid.compute(start, new PreferenceLossConfig(0.1, 0.2, 0.5));
        assertEquals(Math.log(2), atStart.loss(), 1e-15);
        assertEquals(-0.1 * 0.3, atStart.gradChosen(), 1e-15);
        assertEquals(0.1 * 0.3, atStart.gradRejected(), 1e-15);
        assertEquals(0, atStart.chosenReward() - atStart.rejectedReward(), 0);
        // SimPO with γ = 0 on one-token responses is DPO with a reference that gives both responses log-prob 0.
        PreferenceLossConfig noMargin = new PreferenceLossConfig(0.7, 0.1, 0.0);
        for (PreferenceLossInput p : pairs(5)) {
            PreferenceLossInput oneToken = new PreferenceLossInput(p.policyChosen(), p.policyRejected(), 0, 0, 1, 1);
            PreferenceLossResult simpo = PreferenceLosses.get("simpo").compute(oneToken, noMargin);
            PreferenceLossResult dpo = sigmoid.compute(oneToken, noMargin);
            assertEquals(dpo.loss(), simpo.loss(), 1e-12);
            assertEquals(dpo.gradChosen(), simpo.gradChosen(), 1e-12);
        }
        // Far from the decision boundary the loss neither overflows nor loses its gradient's sign.
        PreferenceLossResult wrong = sigmoid.compute(new PreferenceLossInput(-1e4, 0, 0, 0, 1, 1), CONFIG);
        assertEquals(1000, wrong.loss(), 1e-9);
        assertEquals(-0.1, wrong.gradChosen(), 1e-15);
        PreferenceLossResult right = sigmoid.compute(new PreferenceLossInput(1e4, 0, 0, 0, 1, 1), CONFIG);
        assertEquals(0, right.loss(), 1e-300);
        assertEquals(0, right.gradChosen(), 1e-300);
    }

    /** The Javadoc's example of a user's own loss (SLiC's hinge) registers and runs as written there. */
    @Test
    void aUserRegistersALossInAFewLines() {
        PreferenceLosses.register("hinge", (pair, config) -> {
            double h = PreferenceLosses.logRatioMargin(pair);
            double grad = 1 - config.beta() * h > 0 ? -config.beta() : 0;
            return new PreferenceLossResult(Math.max(0, 1 - config.beta() * h), grad, -grad,
                    PreferenceLosses.dpoReward(pair.policyChosen(), pair.referenceChosen(), config),
                    PreferenceLosses.dpoReward(pair.policyRejected(), pair.referenceRejected(), config));
        });
        try {
            assertEquals(Set.of("hinge", "ipo", "sigmoid", "simpo"), PreferenceLosses.names());
            PreferenceLossResult result = PreferenceLosses.get("hinge")
                    .compute(new PreferenceLossInput(-3, -5, -4, -4, 2, 2), CONFIG);
            assertEquals(1 - 0.1 * ((-3 + 4) - (-5 + 4)), result.loss(), 1e-15);
            assertTrue(PreferenceLosses.get("hinge").usesReference());
            assertEquals("preference loss 'hinge' is already registered", assertThrows(IllegalArgumentException.class,
                    () -> PreferenceLosses.register("hinge", PreferenceLosses.get("ipo"))).getMessage());
        } finally {
            PreferenceLosses.unregister("hinge");
        }
        String unknown = assertThrows(IllegalArgumentException.class, () -> PreferenceLosses.get("sigmod"))
                .getMessage();
        assertTrue(unknown.startsWith("unknown preference loss 'sigmod'") && unknown.contains("sigmoid"), unknown);
    }

    @Test
    void badParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PreferenceLossConfig(0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PreferenceLossConfig(0.1, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new PreferenceLossInput(0, 0, 0, 0, 0, 1));
    }
}
