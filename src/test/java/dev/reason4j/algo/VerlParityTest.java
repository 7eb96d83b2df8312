package dev.reason4j.algo;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.reason4j.algo.VerlFixtures.matrix;
import static dev.reason4j.algo.VerlFixtures.optional;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every case of verl's {@code core_algos.json}: values, metrics and gradients, to 1e-9 relative. */
class VerlParityTest {
    private static final double RELATIVE = 1e-9;
    /** Absolute floor for entries that are 0 in the reference (sums that cancel). */
    private static final double ABSOLUTE = 1e-12;

    static Stream<Arguments> cases() {
        List<JsonNode> cases = VerlFixtures.cases();
        List<Arguments> arguments = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = c.get("kind").asText() + " "
                    + (c.has("estimator") ? c.get("estimator").asText() : c.has("loss") ? c.get("loss").asText() : "")
                    + (c.has("loss_agg_mode") ? " " + c.get("loss_agg_mode").asText() : "") + " #" + i;
            arguments.add(Arguments.of(name, c));
        }
        return arguments.stream();
    }

    @Test
    void fixtureCoversEveryKind() {
        List<String> kinds = VerlFixtures.cases().stream().map(c -> c.get("kind").asText()).distinct().sorted().toList();
        assertEquals(List.of("advantage", "agg_loss", "entropy", "kl", "policy_loss", "value_loss"), kinds);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesVerl(String name, JsonNode c) {
        JsonNode in = c.get("inputs");
        JsonNode out = c.get("outputs");
        JsonNode params = c.has("params") && !c.get("params").isNull() ? c.get("params") : null;
        switch (c.get("kind").asText()) {
            case "advantage" -> checkAdvantage(c.get("estimator").asText(), params, in, out);
            case "policy_loss" -> checkPolicyLoss(c, params, in, out);
            case "agg_loss" -> {
                LossAggregation mode = LossAggregation.of(c.get("loss_agg_mode").asText());
                double loss = mode.aggregate(matrix(in.get("loss_mat")), matrix(in.get("loss_mask")),
                        params == null ? null : optional(params, "loss_scale_factor"), null);
                assertClose("loss", out.get("loss").asDouble(), loss);
            }
            case "kl" -> {
                KlEstimator estimator = KlEstimators.get(c.get("estimator").asText());
                double[][] mask = matrix(in.get("response_mask"));
                double[][] logProbs = matrix(in.get("log_prob"));
                double[][] ref = matrix(in.get("ref_log_prob"));
                KlPenalty.TokenKl tokenKl = KlPenalty.perToken(estimator, logProbs, ref, mask);
                assertMatrixClose("kl", maskedCopy(matrix(out.get("kl")), mask), tokenKl.kl());
                KlPenalty.KlLoss loss = KlPenalty.loss(estimator, logProbs, ref, mask, LossAggregation.TOKEN_MEAN, null,
                        null);
                assertClose("token_mean", out.get("token_mean").asDouble(), loss.loss());
                assertMatrixClose("grad", matrix(out.get("grad_log_prob_of_token_mean")), loss.gradLogProbs());
            }
            case "value_loss" -> {
                ValueLoss.Result result = ValueLoss.compute(matrix(in.get("vpreds")), matrix(in.get("returns")),
                        matrix(in.get("values")), matrix(in.get("response_mask")),
                        params.get("cliprange_value").asDouble(), LossAggregation.of(c.get("loss_agg_mode").asText()),
                        null, null);
                assertClose("loss", out.get("loss").asDouble(), result.loss());
                assertClose("clipfrac", out.get("clipfrac").asDouble(), result.clipfrac());
                assertMatrixClose("grad_vpreds", matrix(out.get("grad_vpreds")), result.gradVpreds());
            }
            case "entropy" -> {
                EntropyLoss.Result<double[][][]> result = EntropyLoss.fromLogits(VerlFixtures.tensor3(in.get("logits")),
                        matrix(in.get("response_mask")), LossAggregation.of(c.get("loss_agg_mode").asText()), null, null);
                assertClose("loss", out.get("loss").asDouble(), result.loss());
                double[][][] expected = VerlFixtures.tensor3(out.get("grad_logits"));
                for (int b = 0; b < expected.length; b++) {
                    assertMatrixClose("grad_logits[" + b + "]", expected[b], result.grad()[b]);
                }
            }
            default -> fail("unknown case kind " + c.get("kind"));
        }
    }

    private static void checkAdvantage(String estimatorName, JsonNode params, JsonNode in, JsonNode out) {
        AdvantageConfig config = AdvantageConfig.DEFAULT;
        if (params != null) {
            if (params.has("gamma")) {
                config = config.withGamma(params.get("gamma").asDouble());
            }
            if (params.has("lam")) {
                config = config.withLambda(params.get("lam").asDouble());
            }
            if (params.has("norm_adv_by_std")) {
                config = config.withNormAdvByStd(params.get("norm_adv_by_std").asBoolean());
            }
            if (params.has("epsilon")) {
                assertEquals(1e-6, params.get("epsilon").asDouble());
            }
        }
        AdvantageInput input = new AdvantageInput(matrix(in.get("token_level_rewards")), matrix(in.get("response_mask")),
                in.has("index") ? VerlFixtures.groupIds(in.get("index")) : null,
                in.has("values") ? matrix(in.get("values")) : null,
                in.has("reward_baselines") ? VerlFixtures.vector(in.get("reward_baselines")) : null, config);
        Advantages advantages = AdvantageEstimators.get(estimatorName).compute(input);
        assertMatrixClose("advantages", matrix(out.get("advantages")), advantages.advantages());
        assertMatrixClose("returns", matrix(out.get("returns")), advantages.returns());
    }

    private static void checkPolicyLoss(JsonNode c, JsonNode params, JsonNode in, JsonNode out) {
        PolicyLossConfig config = PolicyLossConfig.DEFAULT
                .withLossAggMode(LossAggregation.of(c.get("loss_agg_mode").asText()));
        if (params.has("clip_ratio")) {
            // verl's clip_ratio_low / clip_ratio_high default to clip_ratio.
            double clipRatio = params.get("clip_ratio").asDouble();
            Double low = optional(params, "clip_ratio_low");
            Double high = optional(params, "clip_ratio_high");
            config = config.withClipRange(low != null ? low : clipRatio, high != null ? high : clipRatio);
        }
        if (params.has("clip_ratio_c")) {
            config = config.withClipRatioC(params.get("clip_ratio_c").asDouble());
        }
        if (params.has("tau_pos")) {
            config = config.withTaus(params.get("tau_pos").asDouble(), params.get("tau_neg").asDouble());
        }
        PolicyLossInput input = new PolicyLossInput(matrix(in.get("old_log_prob")), matrix(in.get("log_prob")),
                matrix(in.get("advantages")), matrix(in.get("response_mask")), config);
        PolicyLossResult result = PolicyLosses.get(c.get("loss").asText()).compute(input);
        assertClose("loss", out.get("loss").asDouble(), result.loss());
        assertMatrixClose("grad_log_prob", matrix(out.get("grad_log_prob")), result.gradLogProbs());
        List<Executable> metricChecks = new ArrayList<>();
        out.get("metrics").fields().forEachRemaining(metric -> metricChecks.add(() -> {
            Double actual = result.metrics().get(metric.getKey());
            assertTrue(actual != null, "metric " + metric.getKey() + " missing");
            assertClose(metric.getKey(), metric.getValue().asDouble(), actual);
        }));
        org.junit.jupiter.api.Assertions.assertAll(metricChecks);
    }

    /** verl leaves per-token KL on masked-out tokens; ours is 0 there, so compare masked-in tokens only. */
    private static double[][] maskedCopy(double[][] values, double[][] mask) {
        double[][] copy = Masked.zerosLike(values);
        for (int b = 0; b < values.length; b++) {
            for (int t = 0; t < values[b].length; t++) {
                copy[b][t] = mask[b][t] != 0 ? values[b][t] : 0;
            }
        }
        return copy;
    }

    static void assertClose(String what, double expected, double actual) {
        double tolerance = Math.max(ABSOLUTE, RELATIVE * Math.abs(expected));
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + " but was " + actual + " (diff " + (actual - expected) + ")");
        }
    }

    static void assertMatrixClose(String what, double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length, what + " rows");
        for (int b = 0; b < expected.length; b++) {
            assertEquals(expected[b].length, actual[b].length, what + " row " + b + " length");
            for (int t = 0; t < expected[b].length; t++) {
                assertClose(what + "[" + b + "][" + t + "]", expected[b][t], actual[b][t]);
            }
        }
    }
}
