package dev.reason4j.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The allowed range of every numeric config key (for a list key, of each element), checked when a value is
 * merged, so {@code data.train_batch_size=0} fails at load with the key named instead of running to the end.
 * A test keeps this table and the numeric keys of {@code defaults.yaml} the same set.
 */
final class Ranges {
    /** An interval of allowed values; infinite bounds mean unbounded. NaN is never allowed. */
    record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {
        boolean contains(double value) {
            return !Double.isNaN(value)
                    && (minInclusive ? value >= min : value > min) && (maxInclusive ? value <= max : value < max);
        }

        /** {@code ≥ 1}, {@code > 0}, {@code in [0, 1)}, or {@code a finite number}. */
        String describe() {
            boolean low = min != Double.NEGATIVE_INFINITY;
            boolean high = max != Double.POSITIVE_INFINITY;
            if (low && high) {
                return "in " + (minInclusive ? "[" : "(") + format(min) + ", " + format(max)
                        + (maxInclusive ? "]" : ")");
            }
            if (low) {
                return (minInclusive ? "≥ " : "> ") + format(min);
            }
            return high ? (maxInclusive ? "≤ " : "< ") + format(max) : "a finite number";
        }

        private static String format(double bound) {
            return bound == Math.rint(bound) ? String.valueOf((long) bound) : String.valueOf(bound);
        }
    }

    private static final double INF = Double.POSITIVE_INFINITY;
    private static final Range ANY = new Range(-INF, false, INF, false);
    private static final Range POSITIVE_COUNT = atLeast(1);
    private static final Range COUNT = atLeast(0);
    private static final Range NON_NEGATIVE = atLeast(0);
    private static final Range POSITIVE = new Range(0, false, INF, false);
    private static final Range FRACTION = new Range(0, true, 1, true);
    private static final Range BETA = new Range(0, true, 1, false);

    /** Key → range. Seeds and signed weights take any finite number; everything else is bounded. */
    static final Map<String, Range> BY_KEY = new LinkedHashMap<>();

    static {
        put(POSITIVE_COUNT, "data.train_batch_size", "data.max_prompt_length", "data.max_response_length");
        put(COUNT, "data.val_size");
        put(POSITIVE_COUNT, "agent.max_turns", "agent.max_tokens", "demo.demonstrations");
        put(new Range(0, true, 100, true), "demo.tool_percent");
        put(POSITIVE, "agent.tool_timeout_s", "rollout.request_timeout_s");
        put(POSITIVE_COUNT, "rollout.max_attempts");
        put(COUNT, "trainer.async.max_staleness");
        put(ANY, "data.seed", "model.seed");
        for (String optimizer : new String[] {"actor", "critic", "sft", "distill", "dpo", "rm"}) {
            put(NON_NEGATIVE, optimizer + ".lr", optimizer + ".weight_decay", optimizer + ".grad_clip");
            put(COUNT, optimizer + ".warmup_steps");
            put(FRACTION, optimizer + ".min_lr_ratio");
            put(BETA, optimizer + ".betas");
        }
        for (String ppo : new String[] {"actor", "critic"}) {
            put(POSITIVE_COUNT, ppo + ".ppo_epochs", ppo + ".ppo_mini_batch_size", ppo + ".ppo_micro_batch_size");
        }
        put(FRACTION, "actor.clip_ratio_low");
        put(NON_NEGATIVE, "actor.clip_ratio_high", "actor.kl_loss_coef", "critic.cliprange_value");
        put(new Range(1, false, INF, false), "actor.clip_ratio_c");  // verl: the dual-clip bound must exceed 1
        put(ANY, "actor.entropy_coeff");   // negative discourages entropy; both are in use
        put(POSITIVE, "actor.loss_scale_factor", "actor.tau_pos", "actor.tau_neg");
        put(POSITIVE_COUNT, "rollout.n");
        put(NON_NEGATIVE, "rollout.temperature");
        put(COUNT, "rollout.top_k");   // 0 = off
        put(new Range(0, false, 1, true), "rollout.top_p");
        put(FRACTION, "rollout.min_p", "algorithm.gamma", "algorithm.lam");
        put(NON_NEGATIVE, "algorithm.kl_ctrl.kl_coef");
        put(POSITIVE, "algorithm.kl_ctrl.target_kl");
        put(POSITIVE_COUNT, "algorithm.kl_ctrl.horizon");
        put(POSITIVE, "algorithm.rollout_correction.rollout_is_threshold",
                "algorithm.rollout_correction.rollout_rs_threshold",
                "algorithm.rollout_correction.rollout_rs_threshold_lower",
                "algorithm.rollout_correction.rollout_token_veto_threshold");
        put(POSITIVE_COUNT, "reward.overlong_buffer.len");
        put(NON_NEGATIVE, "reward.overlong_buffer.penalty_factor");
        put(ANY, "reward.format.weight");
        put(NON_NEGATIVE, "reward.length_penalty.coef");
        put(POSITIVE, "reward.code.timeout_s");
        put(ANY, "reward.clip", "reward.judge.on_parse_failure");
        put(POSITIVE_COUNT, "reward.judge.max_tokens");
        put(NON_NEGATIVE, "reward.judge.temperature");
        put(POSITIVE, "reward.judge.max_score");
        put(POSITIVE_COUNT, "reward.code.memory_mb", "reward.code.max_processes");
        put(COUNT, "dynamic_sampling.max_num_gen_batches");
        put(POSITIVE_COUNT, "trainer.total_steps", "trainer.max_checkpoints", "trainer.eval.n", "trainer.eval.k");
        put(COUNT, "trainer.save_freq", "trainer.test_freq", "trainer.samples.per_step", "trainer.samples.max_total");
        put(NON_NEGATIVE, "trainer.eval.temperature");
        put(POSITIVE_COUNT, "model.tiny.hidden_size", "model.tiny.num_layers", "model.tiny.num_heads",
                "model.tiny.num_kv_heads", "model.tiny.intermediate_size", "model.tiny.max_position_embeddings");
        put(POSITIVE, "model.tiny.rope_theta");
        put(POSITIVE_COUNT, "sft.total_steps", "sft.batch_size", "sft.micro_batch_size", "sft.num_examples");
        put(COUNT, "sft.save_freq");
        put(POSITIVE, "dpo.beta");
        put(new Range(0, true, 0.5, false), "dpo.label_smoothing");
        put(NON_NEGATIVE, "dpo.simpo_gamma", "dpo.rpo_alpha");
        put(POSITIVE_COUNT, "dpo.total_steps", "dpo.batch_size", "dpo.micro_batch_size");
        put(COUNT, "dpo.save_freq", "dpo.eval_freq", "dpo.eval_size");
        put(POSITIVE_COUNT, "rft.rounds", "rft.problems_per_round", "rft.samples_per_problem", "rft.steps_per_round");
        put(ANY, "rft.reward_threshold");   // rewards may be negative (penalties)
        put(POSITIVE_COUNT, "rm.total_steps", "rm.batch_size", "rm.micro_batch_size");
        put(COUNT, "rm.eval_freq", "rm.save_freq", "rm.val_size", "reward.reward_model.refresh_freq");
        put(NON_NEGATIVE, "rm.center_coef");
        put(ANY, "rm.seed");
        put(atLeast(1), "demo.vocab_size");
        put(POSITIVE_COUNT, "demo.preference_pairs");
        put(new Range(0, true, 100, true), "demo.rule_pair_percent");
        put(POSITIVE_COUNT, "distill.num_prompts", "distill.total_steps", "distill.prompts_per_step", "distill.n",
                "distill.max_response_length", "distill.micro_batch_size");
        put(COUNT, "distill.save_freq");
        put(NON_NEGATIVE, "distill.temperature");
        put(POSITIVE, "distill.teacher_timeout_s");
        put(ANY, "distill.traces_min_reward");
    }

    private Ranges() {
    }

    private static Range atLeast(double min) {
        return new Range(min, true, INF, false);
    }

    private static void put(Range range, String... keys) {
        for (String key : keys) {
            if (BY_KEY.put(key, range) != null) {
                throw new IllegalStateException("range of " + key + " declared twice");
            }
        }
    }

    /** Fails naming the key when a number (or a list's number) at {@code path} is out of its declared range. */
    static void check(String path, Object value, String where) {
        Range range = BY_KEY.get(path);
        if (range == null || value == null) {
            return;
        }
        if (value instanceof Iterable<?> list) {
            for (Object item : list) {
                check(path, item, range, where);
            }
        } else {
            check(path, value, range, where);
        }
    }

    private static void check(String path, Object value, Range range, String where) {
        if (value instanceof Number number && !range.contains(number.doubleValue())) {
            throw new ConfigException(where + path + " must be " + range.describe() + ", got " + number);
        }
    }
}
