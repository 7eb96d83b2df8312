package dev.reason4j.trainer;

import dev.reason4j.algo.AdvantageConfig;
import dev.reason4j.algo.AdvantageEstimator;
import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.algo.KlController;
import dev.reason4j.algo.KlEstimator;
import dev.reason4j.algo.KlEstimators;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.algo.PolicyLoss;
import dev.reason4j.algo.PolicyLossConfig;
import dev.reason4j.algo.PolicyLosses;
import dev.reason4j.algo.RolloutCorrectionConfig;
import dev.reason4j.config.Config;
import dev.reason4j.rollout.SamplingParams;

/**
 * What {@link RlTrainer} reads from a config, parsed and checked once, so a bad name or value fails before the
 * first step.
 *
 * @param seed          {@code data.seed}: rollout, shuffle and critic-initialisation seeds derive from it
 * @param totalSteps    {@code trainer.total_steps} (for the learning-rate schedules)
 * @param estimator     {@code algorithm.adv_estimator}
 * @param advantages    γ, λ and GRPO's std normalisation ({@code algorithm.*})
 * @param critic        the critic's settings, or null when the estimator needs no values
 * @param correction    {@code algorithm.rollout_correction.*}: IS weights and rejection for outside or stale rollouts
 */
record RlConfig(long seed, int totalSteps, Rollouts rollouts, AdvantageEstimator estimator,
                AdvantageConfig advantages, Actor actor, Kl kl, Critic critic, RolloutCorrectionConfig correction) {

    /**
     * How a step samples: {@code data.train_batch_size} prompts, {@code rollout.*} (n responses each), DAPO
     * dynamic sampling ({@code dynamic_sampling.*}: {@code maxGenBatches} 0 = no limit), and how many updates a
     * batch may be behind the policy it trains ({@code trainer.async.max_staleness}: 0 = synchronous).
     */
    record Rollouts(int promptsPerStep, SamplingParams sampling, boolean dynamicSampling, int maxGenBatches,
                    int maxStaleness) {
    }

    /** The policy update: {@code actor.*}. {@code optimizer} is the section {@link ModelOptimizer} reads. */
    record Actor(PolicyLoss loss, PolicyLossConfig lossConfig, BatchSplit split, double entropyCoeff,
                 boolean recompute, Config optimizer) {
    }

    /**
     * The KL to the reference model: as a loss term ({@code actor.use_kl_loss}, {@code kl_loss_coef},
     * {@code kl_loss_type}) and/or in the reward ({@code algorithm.use_kl_in_reward}, {@code kl_penalty},
     * {@code kl_ctrl.*}).
     */
    record Kl(boolean useKlLoss, double klLossCoef, KlEstimator lossEstimator, boolean useKlInReward,
              KlEstimator rewardEstimator, String controllerType, double klCoef, double targetKl, double horizon) {
        /** A reference model is needed when either use is on. */
        boolean needsReference() {
            return useKlLoss || useKlInReward;
        }

        /** The controller {@code kl_ctrl} describes, starting from β = {@code coefficient}. */
        KlController controller(double coefficient) {
            return KlController.create(controllerType, coefficient, targetKl, horizon);
        }
    }

    /** The critic update: {@code critic.*}. */
    record Critic(BatchSplit split, double cliprangeValue, LossAggregation aggregation, Config optimizer) {
    }

    /** Parses {@code config}; {@code stopTokens} end a sampled response (the tokenizer's end-of-sequence ids). */
    static RlConfig from(Config config, int[] stopTokens) {
        long seed = config.getInt("data.seed");
        Config actor = config.section("actor");
        Config algorithm = config.section("algorithm");
        Config rollout = config.section("rollout");

        SamplingParams sampling = new SamplingParams(rollout.getInt("n"), config.getInt("data.max_response_length"),
                (float) rollout.getDouble("temperature"), rollout.getInt("top_k"), (float) rollout.getDouble("top_p"),
                (float) rollout.getDouble("min_p"), seed, stopTokens);
        Rollouts rollouts = new Rollouts(config.getInt("data.train_batch_size"), sampling,
                config.getBoolean("dynamic_sampling.enable"), config.getInt("dynamic_sampling.max_num_gen_batches"),
                config.getInt("trainer.async.max_staleness"));

        AdvantageEstimator estimator = AdvantageEstimators.get(algorithm.getString("adv_estimator"));
        AdvantageConfig advantages = AdvantageConfig.DEFAULT.withGamma(algorithm.getDouble("gamma"))
                .withLambda(algorithm.getDouble("lam"))
                .withNormAdvByStd(algorithm.getBoolean("norm_adv_by_std_in_grpo"));

        PolicyLossConfig lossConfig = PolicyLossConfig.DEFAULT
                .withClipRange(actor.getDouble("clip_ratio_low"), actor.getDouble("clip_ratio_high"))
                .withClipRatioC(actor.getDouble("clip_ratio_c"))
                .withLossAggMode(LossAggregation.of(actor.getString("loss_agg_mode")))
                .withLossScaleFactor(actor.get("loss_scale_factor") == null ? null
                        : actor.getDouble("loss_scale_factor"))
                .withTaus(actor.getDouble("tau_pos"), actor.getDouble("tau_neg"));
        Actor actorSettings = new Actor(PolicyLosses.get(actor.getString("policy_loss")), lossConfig,
                BatchSplit.of(actor, "actor"), actor.getDouble("entropy_coeff"), actor.getBoolean("recompute"),
                actor);

        Config klCtrl = algorithm.section("kl_ctrl");
        Kl kl = new Kl(actor.getBoolean("use_kl_loss"), actor.getDouble("kl_loss_coef"),
                KlEstimators.get(actor.getString("kl_loss_type")), algorithm.getBoolean("use_kl_in_reward"),
                KlEstimators.get(algorithm.getString("kl_penalty")), klCtrl.getString("type"),
                klCtrl.getDouble("kl_coef"), klCtrl.getDouble("target_kl"), klCtrl.getDouble("horizon"));
        kl.controller(kl.klCoef()); // a bad kl_ctrl fails here, not at the first step

        Critic critic = null;
        if (estimator.needsValues()) {
            Config section = config.section("critic");
            critic = new Critic(BatchSplit.of(section, "critic"), section.getDouble("cliprange_value"),
                    LossAggregation.of(section.getString("loss_agg_mode")), section);
        }
        return new RlConfig(seed, config.getInt("trainer.total_steps"), rollouts, estimator, advantages,
                actorSettings, kl, critic, rolloutCorrection(algorithm.section("rollout_correction")));
    }

    /** {@code algorithm.rollout_correction}; a bad value fails here naming the section. */
    private static RolloutCorrectionConfig rolloutCorrection(Config section) {
        try {
            return new RolloutCorrectionConfig(
                    RolloutCorrectionConfig.level("rollout_is", section.getString("rollout_is"),
                            RolloutCorrectionConfig.IS_LEVELS),
                    section.getDouble("rollout_is_threshold"), section.getBoolean("rollout_is_batch_normalize"),
                    RolloutCorrectionConfig.level("rollout_rs", section.getString("rollout_rs"),
                            RolloutCorrectionConfig.RS_LEVELS),
                    optionalDouble(section, "rollout_rs_threshold"),
                    optionalDouble(section, "rollout_rs_threshold_lower"),
                    optionalDouble(section, "rollout_token_veto_threshold"), section.getBoolean("bypass_mode"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("algorithm.rollout_correction: " + e.getMessage(), e);
        }
    }

    private static Double optionalDouble(Config section, String key) {
        return section.get(key) == null ? null : section.getDouble(key);
    }
}
