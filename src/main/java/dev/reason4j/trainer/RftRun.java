package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.config.Seeds;
import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Rejection-sampling fine-tuning (STaR, Zelikman et al. 2022, arXiv:2203.14465; RFT, Yuan et al. 2023,
 * arXiv:2308.01825), as configured by the {@code rft} section: each of {@code rft.rounds} rounds samples
 * {@code rft.samples_per_problem} responses to each of {@code rft.problems_per_round} training problems with the
 * current policy (sampled with {@code rollout.temperature}, {@code top_k}, {@code top_p}, {@code min_p}), keeps those whose reward reaches {@code rft.reward_threshold} and that ended on their own (not
 * cut by the length limit), drops identical responses to the same problem (RFT's dedupe), and takes
 * {@code rft.steps_per_round} SFT steps on what was kept (the {@code sft} section's optimizer and batch). Held-out
 * pass@k ({@code trainer.eval}) is measured before the first round and after each. Unlike STaR, each round goes on
 * from the last round's policy rather than restarting from the original model, and there is no rationalisation
 * (answer-hinted resampling of the problems none of the samples solved).
 */
public final class RftRun {
    private RftRun() {}

    /**
     * Runs the rounds not yet in {@code runDirectory}'s checkpoints (one per round: model with tokenizer files,
     * optimizer state; resumed as {@code trainer.resume} says) and returns the last held-out metrics (empty without
     * held-out problems). metrics.jsonl holds one row per round ({@code step} = round; round 0: the evaluation
     * before training).
     */
    public static Map<String, Double> train(Transformer policy, RolloutWorker worker, PromptSource problems,
                                            HeldOutEvaluator evaluator, List<Example> heldOut, Config config,
                                            Path runDirectory, PrintStream console) throws IOException {
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Config rft = config.section("rft");
        int rounds = rft.getInt("rounds");
        int problemsPerRound = rft.getInt("problems_per_round");
        int stepsPerRound = rft.getInt("steps_per_round");
        Config sft = config.section("sft");
        ModelOptimizer optimizer = new ModelOptimizer(policy, sft, (long) rounds * stepsPerRound);
        SftTrainer trainer = new SftTrainer(policy, optimizer, sft.getInt("micro_batch_size"),
                sft.getBoolean("recompute"));
        Checkpoints checkpoints = new Checkpoints(runDirectory, config.getInt("trainer.max_checkpoints"));
        int restored = RunDirectory.resume(runDirectory, config, checkpoints,
                directory -> OfflineRun.restore(directory, policy, optimizer), rounds, console);
        problems.seek((long) restored * problemsPerRound);
        Map<String, Double> lastEval = null;
        try (MetricsLog log = MetricsLog.open(runDirectory, config)) {
            if (restored == 0 && !heldOut.isEmpty()) {
                lastEval = evaluate(evaluator, policy, heldOut);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", 0);
                row.put("phase", "rft");
                row.putAll(lastEval);
                log.write(row);
                console.println("rft " + MetricsLog.progressLine(row, "step", "eval/pass@1"));
            }
            for (int round = restored + 1; round <= rounds; round++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", round);
                row.put("phase", "rft");
                List<SftTrainer.Sequence> kept = sampleAndFilter(policy, worker, problems.next(problemsPerRound),
                        config, round, row);
                if (kept.isEmpty()) {
                    console.println("rft round " + round + ": no response passed rft.reward_threshold; no training");
                } else {
                    row.putAll(fineTune(trainer, kept, stepsPerRound, sft.getInt("batch_size"),
                            Seeds.mix(config.getInt("data.seed"), round)));
                }
                if (!heldOut.isEmpty()) {
                    lastEval = evaluate(evaluator, policy, heldOut);
                    row.putAll(lastEval);
                }
                log.write(row);
                console.println("rft " + MetricsLog.progressLine(row, "step", "rft/kept_fraction",
                        "rft/solved_fraction", "sft/loss", "eval/pass@1"));
                OfflineRun.save(checkpoints, round, policy, optimizer, config);
            }
        }
        if (lastEval == null) {   // a run that was already complete: evaluate the checkpoint it resumed
            lastEval = heldOut.isEmpty() ? Map.of() : evaluate(evaluator, policy, heldOut);
        }
        return lastEval;
    }

    /**
     * Samples the round's responses and returns the kept ones as SFT sequences (prompt, then the response with its
     * end-of-turn token); puts the round's counts in {@code row}.
     */
    static List<SftTrainer.Sequence> sampleAndFilter(Transformer policy, RolloutWorker worker, List<Example> batch,
                                                     Config config, int round, Map<String, Object> row) {
        Config rft = config.section("rft");
        int k = rft.getInt("samples_per_problem");
        double threshold = rft.getDouble("reward_threshold");
        Config sampler = config.section("rollout");   // sampled as the RL loop samples
        SamplingParams sampling = new SamplingParams(k, config.getInt("data.max_response_length"),
                (float) sampler.getDouble("temperature"), sampler.getInt("top_k"), (float) sampler.getDouble("top_p"),
                (float) sampler.getDouble("min_p"), Seeds.mix(config.getInt("data.seed"), round),
                worker.tokenizer().eosTokenId().stream().toArray());
        List<Rollout> rollouts = new ArrayList<>();
        int chunk = Math.max(1, 256 / k);   // bounds the KV cache of one generation call, as HeldOutEvaluator
        for (int start = 0; start < batch.size(); start += chunk) {
            rollouts.addAll(worker.rollout(policy, batch.subList(start, Math.min(batch.size(), start + chunk)),
                    sampling, start));
        }
        List<SftTrainer.Sequence> kept = new ArrayList<>();
        Set<List<Integer>> seen = new HashSet<>();   // (group, response tokens...)
        Set<Integer> solved = new HashSet<>();
        int accepted = 0;
        double rewardSum = 0;
        for (Rollout rollout : rollouts) {
            rewardSum += rollout.reward().reward();
            if (rollout.reward().reward() < threshold || rollout.truncated()) {
                continue;
            }
            accepted++;
            solved.add(rollout.group());
            List<Integer> key = new ArrayList<>(rollout.responseTokens().length + 1);
            key.add(rollout.group());
            Arrays.stream(rollout.responseTokens()).forEach(key::add);
            if (seen.add(key)) {
                kept.add(SftTrainer.Sequence.promptAndResponse(rollout.promptTokens(), rollout.responseTokens()));
            }
        }
        int sampled = Math.max(1, rollouts.size());
        row.put("rft/sampled", rollouts.size());
        row.put("rft/reward_mean", rewardSum / sampled);
        row.put("rft/accepted_fraction", (double) accepted / sampled);
        row.put("rft/kept", kept.size());
        row.put("rft/kept_fraction", (double) kept.size() / sampled);
        row.put("rft/solved_fraction", (double) solved.size() / Math.max(1, batch.size()));
        return kept;
    }

    /** {@code steps} SFT steps on batches drawn at random from {@code kept}; the round's mean loss and last lr. */
    private static Map<String, Object> fineTune(SftTrainer trainer, List<SftTrainer.Sequence> kept, int steps,
                                                int batchSize, long seed) {
        Random order = new Random(seed);
        double lossSum = 0;
        Map<String, Object> last = Map.of();
        for (int step = 0; step < steps; step++) {
            List<SftTrainer.Sequence> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                batch.add(kept.get(order.nextInt(kept.size())));
            }
            last = trainer.step(batch);
            lossSum += ((Number) last.get("sft/loss")).doubleValue();
        }
        Map<String, Object> metrics = new LinkedHashMap<>(last);
        metrics.put("sft/loss", lossSum / steps);
        return metrics;
    }

    /** The evaluator's metrics, each named {@code eval/...}. */
    private static Map<String, Double> evaluate(HeldOutEvaluator evaluator, Transformer policy,
                                                List<Example> heldOut) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        evaluator.evaluate(policy, heldOut).forEach((key, value) -> metrics.put("eval/" + key, value));
        return metrics;
    }
}
