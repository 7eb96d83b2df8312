package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.config.Config;
import dev.reason4j.env.ArithmeticTask;
import dev.reason4j.env.Example;
import dev.reason4j.env.PreferencePair;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.reward.model.RewardModel;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./reason4j demo --preset preference}: which method teaches a rule that only preferences reveal? A tiny
 * model is fine-tuned on worked sums, of which only a few ({@code check_percent}) check their answer by the
 * inverse operation ({@code 432-385=47}). Preference pairs prefer, between two correct solutions, the one that
 * checks — the hidden rule, never stated. From the same SFT model: a reward model learns the rule from the pairs;
 * GRPO against that learned reward; DPO on the same pairs; and on-policy distillation of the RL policy into a fresh
 * SFT student. Each is scored on held-out problems by the rule itself (correct and checked, greedy).
 *
 * <p>Writes {@code data/} (the pairs, in TRL's JSON-lines format), {@code tokenizer/}, one run directory per stage
 * ({@code sft/}, {@code rm/}, {@code rl/}, {@code dpo/}, {@code distill/}), their models ({@code sft_model/},
 * {@code rm_model/} in HF's sequence-classification layout, {@code rl_model/}, {@code dpo_model/},
 * {@code distilled_model/}) and {@code summary.json}.
 */
public final class PreferenceDemo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final Path runDirectory;
    private final PrintStream console;

    public PreferenceDemo(Config config, Path runDirectory, PrintStream console) {
        this.config = config;
        this.runDirectory = runDirectory;
        this.console = console;
    }

    public ObjectNode run() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        if (!(Setup.task(config) instanceof ArithmeticTask task)) {
            throw new IllegalArgumentException("demo --preset preference: data.task must be arithmetic (its"
                    + " check_percent option makes the hidden rule)");
        }
        long seed = config.getInt("data.seed");

        // 1. The data: preference pairs in TRL's format, written out so a user can read them, and read back.
        Path data = runDirectory.resolve("data");
        int pairCount = config.getInt("demo.preference_pairs");
        int heldOutCount = config.getInt("data.val_size");
        List<Problem> trainProblems = task.distinct(Split.TRAIN, pairCount, seed);
        List<Problem> heldOutProblems = task.distinct(Split.TEST, heldOutCount, seed + 1);
        Path trainPairsFile = writePairs(data.resolve("preference_train.jsonl"), trainProblems, seed);
        Path heldOutPairsFile = writePairs(data.resolve("preference_heldout.jsonl"), heldOutProblems, seed + 1);

        // 2. A tokenizer and a tiny model, SFT on worked solutions (check_percent of them check their sum).
        Path tokenizerDirectory = runDirectory.resolve("tokenizer");
        Tokenizer tokenizer = Demo.tokenizer(tokenizerDirectory, BpeTrainer.chatml(config.getInt("demo.vocab_size")),
                () -> {
                    Random corpusRandom = new Random(seed);
                    List<String> corpus = new ArrayList<>();
                    for (int i = 0; i < 5000; i++) {
                        Problem problem = task.sample(Split.TRAIN, corpusRandom);
                        corpus.add(problem.prompt());
                        corpus.add(ArithmeticTask.solution(problem, i % 2 == 0));
                    }
                    return corpus;
                }, console);
        PromptFormatter formatter = Setup.chatFormatter(tokenizer);
        Config withTokenizer = config.override("model.tokenizer=" + tokenizerDirectory);
        List<TokenizedPair> trainPairs = TokenizedPair.of(PreferencePair.load(List.of(trainPairsFile)), tokenizer,
                formatter);
        List<PreferencePair> heldOutRecords = PreferencePair.load(List.of(heldOutPairsFile));
        List<TokenizedPair> heldOutPairs = TokenizedPair.of(heldOutRecords, tokenizer, formatter);
        List<Example> heldOut = heldOutProblems.stream().map(Problem::toExample).toList();

        Transformer sft = Transformer.create(Setup.tinyModelConfig(config.section("model.tiny"), tokenizer),
                config.getInt("model.seed"));
        console.printf("model: Qwen3-shaped, %,d parameters; %d preference pairs (+%d held out)%n",
                sft.parameterCount(), trainPairs.size(), heldOutPairs.size());
        SftRun.train(sft, SftRun.sequences(config, task, tokenizer, formatter), withTokenizer,
                runDirectory.resolve("sft"), console);
        Setup.saveModel(sft, tokenizerDirectory, runDirectory.resolve("sft_model"));
        long sftDone = System.nanoTime();

        ObjectNode summary = JSON.createObjectNode();
        summary.put("task", "arithmetic with check_percent " + config.get("data.task_options.check_percent"));
        summary.put("heldout_prompts", heldOut.size());
        summary.put("rm_heldout_pairs", heldOutPairs.size());
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        try (AsyncRewardScorer ruleScorer = new AsyncRewardScorer(input -> RewardResult.of(
                task.meetsCheckRule(input.response(), new Example(input.prompt(), null, input.groundTruth(),
                        input.dataSource(), input.extra())) ? 1 : 0), 2, Duration.ofSeconds(30));
             // Correct means the task's verifier alone: not the overlong penalty the RL reward adds.
             AsyncRewardScorer verifier = new AsyncRewardScorer(input -> RewardResult.of(
                     task.verify(input.response(), input.groundTruth())), 2, Duration.ofSeconds(30))) {
            Config greedy = config.override(List.of("trainer.eval.temperature=0", "trainer.eval.n=1",
                    "trainer.eval.k=[1]"));
            HeldOutEvaluator ruleEval = Setup.evaluator(greedy, new SingleTurnWorker(tokenizer, formatter,
                    ruleScorer));
            HeldOutEvaluator correctEval = Setup.evaluator(greedy, new SingleTurnWorker(tokenizer, formatter,
                    verifier));
            java.util.function.BiConsumer<String, Transformer> score = (name, model) -> {
                Map<String, Double> s = new LinkedHashMap<>();
                s.put("hidden_rule_score", ruleEval.evaluate(model, heldOut).get("pass@1"));
                s.put("correct", correctEval.evaluate(model, heldOut).get("pass@1"));
                scores.put(name, s);
                console.printf("%s: hidden-rule score %.1f%% (correct %.1f%%) on %d held-out problems%n", name,
                        100 * s.get("hidden_rule_score"), 100 * s.get("correct"), heldOut.size());
            };
            score.accept("sft", sft);

            // 3. The reward model: the SFT trunk with a scalar head, Bradley–Terry on the pairs.
            RewardModel rm = RewardModel.fromPolicy(sft, config.getInt("model.seed") + 7);
            summary.put("rm_pairwise_accuracy", RewardModelRun.train(rm, trainPairs, heldOutPairs, withTokenizer,
                    runDirectory.resolve("rm"), console));
            ObjectNode byKind = summary.putObject("rm_pairwise_accuracy_by_kind");
            for (String kind : List.of("rule", "wrong_check", "rambling", "no_answer")) {
                List<TokenizedPair> ofKind = new ArrayList<>();
                for (int i = 0; i < heldOutPairs.size(); i++) {
                    if (kind.equals(heldOutRecords.get(i).prompt().extra().get("kind"))) {
                        ofKind.add(heldOutPairs.get(i));
                    }
                }
                byKind.put(kind, RewardModelRun.pairwiseAccuracy(rm, ofKind));
            }
            Path rmDirectory = runDirectory.resolve("rm_model");
            rm.save(rmDirectory, tokenizerDirectory);
            long rmDone = System.nanoTime();

            // 4. GRPO against the learned reward (the verifier is only watched, as the independent check).
            Transformer rl = sft.copy();
            Config rlConfig = withTokenizer.override(List.of("trainer.val_before_train=false",
                    "trainer.out_dir=" + runDirectory.resolve("rl"), "reward.reward_model.path=" + rmDirectory,
                    "reward.functions={reward_model: 1.0}"));
            try (AsyncRewardScorer learned = Setup.rewardScorer(rlConfig)) {
                RolloutWorker worker = new SingleTurnWorker(tokenizer, formatter, learned);
                RlTrainer trainer = new RlTrainer(rlConfig, rl, worker, PromptSource.ofTask(task, seed + 2));
                // Held-out evaluations (trainer.test_freq) count correct answers, never the learned reward.
                new RlRun(rlConfig, runDirectory.resolve("rl"), trainer, correctEval, heldOut, console).run();
            }
            Setup.saveModel(rl, tokenizerDirectory, runDirectory.resolve("rl_model"));
            score.accept("rl_rm", rl);
            long rlDone = System.nanoTime();

            // 5. DPO from the same SFT model on the same pairs.
            Transformer dpo = sft.copy();
            DpoRun.train(dpo, trainPairs, heldOutPairs, withTokenizer, runDirectory.resolve("dpo"), console);
            Setup.saveModel(dpo, tokenizerDirectory, runDirectory.resolve("dpo_model"));
            score.accept("dpo", dpo);
            long dpoDone = System.nanoTime();

            // 6. On-policy distillation of the RL policy into a fresh SFT student.
            Transformer student = sft.copy();
            List<Example> prompts = trainProblems.stream().map(Problem::toExample).toList();
            DistillRun.onPolicy(student, Teacher.local(rl, config.getInt("distill.micro_batch_size")), prompts,
                    tokenizer, formatter, withTokenizer, runDirectory.resolve("distill"), console);
            Setup.saveModel(student, tokenizerDirectory, runDirectory.resolve("distilled_model"));
            score.accept("distilled", student);
            long distillDone = System.nanoTime();

            ObjectNode hidden = summary.putObject("hidden_rule_score");
            ObjectNode correct = summary.putObject("correct");
            scores.forEach((name, s) -> {
                hidden.put(name, s.get("hidden_rule_score"));
                correct.put(name, s.get("correct"));
            });
            summary.put("sft_seconds", (sftDone - start) / 1e9);
            summary.put("rm_seconds", (rmDone - sftDone) / 1e9);
            summary.put("rl_seconds", (rlDone - rmDone) / 1e9);
            summary.put("dpo_seconds", (dpoDone - rlDone) / 1e9);
            summary.put("distill_seconds", (distillDone - dpoDone) / 1e9);
        }
        summary.put("wall_seconds", (System.nanoTime() - start) / 1e9);
        AtomicFiles.writeString(runDirectory.resolve("summary.json"), summary.toPrettyString());
        console.printf("reward model: %.1f%% held-out pairwise accuracy; hidden-rule score: SFT %.1f%%, RL vs RM"
                + " %.1f%%, DPO %.1f%%, distilled %.1f%%; %.0f s in all%n",
                100 * summary.get("rm_pairwise_accuracy").asDouble(), 100 * scores.get("sft").get("hidden_rule_score"),
                100 * scores.get("rl_rm").get("hidden_rule_score"), 100 * scores.get("dpo").get("hidden_rule_score"),
                100 * scores.get("distilled").get("hidden_rule_score"), summary.get("wall_seconds").asDouble());
        return summary;
    }

    /**
     * The pairs of {@code problems}, in TRL's format, rewritten on every run. Most pairs are the hidden rule itself:
     * two correct solutions, the chosen one checks its sum. The others teach what a check is, as real preference
     * data would: a chosen checked solution against one whose check is wrong, or that rambles on past its check, or
     * that stops before its answer ({@code demo.rule_pair_percent} sets the mix).
     */
    private Path writePairs(Path file, List<Problem> problems, long seed) throws IOException {
        Random random = new Random(seed);
        int rulePercent = config.getInt("demo.rule_pair_percent");
        StringBuilder lines = new StringBuilder();
        for (Problem problem : problems) {
            String checked = ArithmeticTask.solution(problem, true);
            String check = (String) problem.extra().get(ArithmeticTask.CHECK);
            String rejected;
            String kind;
            if (random.nextInt(100) < rulePercent) {
                kind = "rule";
                rejected = ArithmeticTask.solution(problem, false);
            } else {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        kind = "wrong_check";
                        int at = check.lastIndexOf('=') + 1;
                        long first = Long.parseLong(check.substring(at));
                        long wrong = first + (random.nextBoolean() || first < 10 ? 1 : -1) * (1 + random.nextInt(9));
                        rejected = checked.replace(check + "\n", check.substring(0, at) + wrong + "\n");
                    }
                    case 1 -> {
                        kind = "rambling";
                        rejected = checked.replace(check + "\n", check + "\n" + check + "\n"
                                + check.substring(0, check.indexOf('-') + 1) + "\n");
                    }
                    default -> {
                        kind = "no_answer";
                        rejected = checked.substring(0, checked.lastIndexOf(check) + check.length());
                    }
                }
            }
            ObjectNode pair = JSON.createObjectNode();
            pair.put("prompt", problem.prompt());
            pair.put("chosen", checked);
            pair.put("rejected", rejected);
            pair.put("kind", kind);
            pair.put("answer", problem.groundTruth());
            pair.put("data_source", problem.task());
            pair.put(ArithmeticTask.CHECK, check);
            lines.append(JSON.writeValueAsString(pair)).append('\n');
        }
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, lines.toString());
        return file;
    }
}
