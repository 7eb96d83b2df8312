package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.agent.AgentLoop;
import dev.reason4j.agent.Episode;
import dev.reason4j.agent.ScriptedPolicy;
import dev.reason4j.agent.Tool;
import dev.reason4j.agent.ToolCall;
import dev.reason4j.agent.ToolCallFormats;
import dev.reason4j.agent.Tools;
import dev.reason4j.config.Config;
import dev.reason4j.env.EnvironmentFactory;
import dev.reason4j.env.Example;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.env.TaskEnvironment;
import dev.reason4j.env.ToolArithmeticTask;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./reason4j demo --preset tools}: a tiny model learns when to call a calculator. From nothing: a tokenizer
 * whose chat template renders tools (Hermes {@code <tool_call>} blocks, as Qwen's), a tiny model, SFT on
 * tool-use demonstrations that are deliberately imperfect — only some of them call the calculator, the others work
 * the product out in the head, which a tiny model cannot imitate — then GRPO in the agent loop with the task's exact
 * verifier. Held-out pass@1 is measured with the tool before and after RL, and after RL without it.
 * Writes {@code config.yaml}, {@code tokenizer/}, {@code sft/}, {@code sft_model/}, {@code rl/}, {@code rl_model/},
 * {@code summary.json} and {@code curves.png} to the run directory.
 */
public final class ToolDemo {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TEMPLATE = "/dev/reason4j/config/chatml_tools.jinja";
    static final List<String> TOOL_TOKENS = List.of("<tool_call>", "</tool_call>", "<tool_response>",
            "</tool_response>");

    private final Config config;
    private final Path runDirectory;
    private final PrintStream console;

    public ToolDemo(Config config, Path runDirectory, PrintStream console) {
        this.config = config;
        this.runDirectory = runDirectory;
        this.console = console;
    }

    public ObjectNode run() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(runDirectory);
        RunDirectory.claim(runDirectory, config);
        Task task = Setup.task(config);
        long seed = config.getInt("data.seed");
        Tool calculator = Tools.create("calculator", Map.of());
        List<Tool> tools = List.of(calculator);

        // 1. A tokenizer with ChatML, the tool-call tokens and a template that renders tools, trained on the
        //    conversations the model will see.
        Path tokenizerDirectory = runDirectory.resolve("tokenizer");
        String templateSource = resource(TEMPLATE);
        List<String> specials = new ArrayList<>(BpeTrainer.chatml(1024).specialTokens());
        specials.addAll(TOOL_TOKENS);
        BpeTrainer bpe = new BpeTrainer(config.getInt("demo.vocab_size"), 2, specials, "<|im_end|>", templateSource);
        Tokenizer tokenizer = Demo.tokenizer(tokenizerDirectory, bpe, () -> {
            ChatTemplate template = new ChatTemplate(templateSource, Map.of("eos_token", "<|im_end|>"));
            Random corpusRandom = new Random(seed);
            List<String> corpus = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                Problem problem = task.sample(Split.TRAIN, corpusRandom);
                corpus.add(template.render(new ChatTemplate.ChatRequest(toolConversation(problem),
                        tools.stream().map(Tool::schema).toList(), false, null, Map.of())));
                corpus.add(problem.solution());
            }
            return corpus;
        }, console);
        Config withTokenizer = config.override("model.tokenizer=" + tokenizerDirectory);

        // 2. A tiny model from scratch.
        Transformer policy = Transformer.create(Setup.tinyModelConfig(config.section("model.tiny"), tokenizer),
                config.getInt("model.seed"));
        console.printf("model: Qwen3-shaped, %,d parameters%n", policy.parameterCount());

        EnvironmentFactory environments = TaskEnvironment.factory(task.reward());
        try (AgentLoop withTools = Setup.agentLoop(config, tokenizer, tools);
             AgentLoop withoutTools = Setup.agentLoop(config, tokenizer, List.of());
             AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            AgentWorker worker = new AgentWorker(tokenizer, withTools, environments::create);
            AgentWorker noToolWorker = new AgentWorker(tokenizer, withoutTools, environments::create);
            List<Example> heldOut = Setup.heldOut(config, task);
            HeldOutEvaluator evaluator = Setup.evaluator(config, worker);
            HeldOutEvaluator noToolEvaluator = Setup.evaluator(config, noToolWorker);

            // 3. SFT on demonstrations played through the agent loop (so the tool responses are the tool's own).
            List<SftTrainer.Sequence> demonstrations = demonstrations(task, tokenizer, withTools, environments);
            SftRun.train(policy, demonstrations, withTokenizer, runDirectory.resolve("sft"), console);
            long sftDone = System.nanoTime();
            Setup.saveModel(policy, tokenizerDirectory, runDirectory.resolve("sft_model"));

            // 4. Evaluate, RL in the agent loop, evaluate with and without the tool.
            Map<String, Double> before = evaluator.evaluate(policy, heldOut);
            console.printf("held-out after SFT: pass@1 %.3f, tool call rate %.2f on %d problems%n",
                    before.get("pass@1"), before.get("tool_call_rate"), heldOut.size());
            Config rlConfig = withTokenizer.override("trainer.val_before_train=false")
                    .override("trainer.out_dir=" + runDirectory.resolve("rl"));
            RlTrainer trainer = new RlTrainer(rlConfig, policy, worker, PromptSource.ofTask(task, seed + 1));
            long rlStart = System.nanoTime();
            Map<String, Double> after = new RlRun(rlConfig, runDirectory.resolve("rl"), trainer, evaluator, heldOut,
                    console).run();
            long rlDone = System.nanoTime();
            if (after.isEmpty()) {
                after = evaluator.evaluate(policy, heldOut);
            }
            Map<String, Double> afterWithoutTools = noToolEvaluator.evaluate(policy, heldOut);
            Setup.saveModel(policy, tokenizerDirectory, runDirectory.resolve("rl_model"));

            ObjectNode summary = JSON.createObjectNode();
            summary.put("task", task.name());
            summary.put("demonstrations", demonstrations.size());
            summary.set("eval_before", JSON.valueToTree(headline(before)));
            summary.set("eval_after", JSON.valueToTree(headline(after)));
            summary.set("eval_after_without_tools", JSON.valueToTree(headline(afterWithoutTools)));
            summary.put("improvement_points", 100 * (after.get("pass@1") - before.get("pass@1")));
            summary.put("parameters", policy.parameterCount());
            summary.put("sft_seconds", (sftDone - start) / 1e9);
            summary.put("rl_seconds", (rlDone - rlStart) / 1e9);
            summary.put("wall_seconds", (System.nanoTime() - start) / 1e9);
            AtomicFiles.writeString(runDirectory.resolve("summary.json"), summary.toPrettyString());
            plot(before);
            console.printf("pass@1 on %d held-out problems: %.1f%% after SFT -> %.1f%% after RL (%+.1f points); "
                    + "without the tool %.1f%%; tool call rate %.0f%% -> %.0f%%; %.0f s in all%n", heldOut.size(),
                    100 * before.get("pass@1"), 100 * after.get("pass@1"),
                    summary.get("improvement_points").asDouble(), 100 * afterWithoutTools.get("pass@1"),
                    100 * before.get("tool_call_rate"), 100 * after.get("tool_call_rate"),
                    summary.get("wall_seconds").asDouble());
            return summary;
        }
    }

    /** The summary's figures of one evaluation: pass@1, n, tool_call_rate, tool_error_rate, and the rest. */
    private static Map<String, Double> headline(Map<String, Double> metrics) {
        Map<String, Double> ordered = new LinkedHashMap<>();
        for (String key : List.of("pass@1", "n", "tool_call_rate", "tool_error_rate")) {
            ordered.put(key, metrics.get(key));
        }
        ordered.putAll(metrics);
        return ordered;
    }

    /**
     * {@code demo.demonstrations} distinct train problems, each played by a script through the agent loop: with
     * probability {@code demo.tool_percent} the calculator on the problem's expression, then the boxed result;
     * otherwise the worked answer without the tool. SFT trains on the scripted (sampled) tokens only.
     */
    private List<SftTrainer.Sequence> demonstrations(Task task, Tokenizer tokenizer, AgentLoop loop,
                                                     EnvironmentFactory environments) {
        Random style = new Random(config.getInt("data.seed") + 17L);
        int endOfTurn = tokenizer.eosTokenId().orElseThrow();
        ChatTemplate template = ChatTemplate.of(tokenizer);
        var format = ToolCallFormats.of(template, List.of(template.endOfTurnToken(tokenizer)));
        SamplingParams params = SamplingParams.defaults().withMaxNewTokens(config.getInt("data.max_response_length"))
                .withStopTokenIds(endOfTurn);
        List<SftTrainer.Sequence> sequences = new ArrayList<>();
        int toolPercent = config.getInt("demo.tool_percent");
        for (Problem problem : task.distinct(Split.TRAIN, config.getInt("demo.demonstrations"),
                config.getInt("data.seed"))) {
            List<String> turns = style.nextInt(100) < toolPercent
                    ? List.of(format.render(calculatorCall(problem)), "\\boxed{" + problem.answer() + "}")
                    : List.of(problem.solution());
            Example example = problem.toExample();
            Episode episode = loop.run(new ScriptedPolicy(tokenizer, endOfTurn, turns),
                    List.of(environments.create(example)), 0, params, 0).join().get(0);
            if (episode.stats().budgetCut()) {
                throw new IllegalArgumentException("a demonstration of " + problem.key() + " does not fit in "
                        + "agent.max_tokens=" + config.getInt("agent.max_tokens") + " (one turn: "
                        + "data.max_response_length=" + config.getInt("data.max_response_length") + "); raise them");
            }
            if (episode.reward() != 1.0 && turns.size() > 1) {
                throw new IllegalStateException("a tool demonstration did not solve " + problem.key()
                        + ": " + episode.transcript());
            }
            int promptLength = episode.promptTokens().length;
            int[] tokens = new int[promptLength + episode.responseTokens().length];
            boolean[] mask = new boolean[tokens.length];
            System.arraycopy(episode.promptTokens(), 0, tokens, 0, promptLength);
            System.arraycopy(episode.responseTokens(), 0, tokens, promptLength, episode.responseTokens().length);
            System.arraycopy(episode.sampled(), 0, mask, promptLength, episode.sampled().length);
            sequences.add(new SftTrainer.Sequence(tokens, mask));
        }
        return sequences;
    }

    private static ToolCall calculatorCall(Problem problem) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("expression", problem.extra().get(ToolArithmeticTask.EXPRESSION));
        return new ToolCall("calculator", arguments);
    }

    /** A tool-use conversation as chat messages, for the tokenizer's corpus. */
    private static List<Map<String, Object>> toolConversation(Problem problem) {
        return List.of(Map.of("role", "user", "content", problem.prompt()),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of("type", "function",
                        "function", Map.of("name", "calculator", "arguments",
                                Map.of("expression", problem.extra().get(ToolArithmeticTask.EXPRESSION)))))),
                Map.of("role", "tool", "content", problem.answer()),
                Map.of("role", "assistant", "content", "\\boxed{" + problem.answer() + "}"));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ToolDemo.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** curves.png from the SFT and RL metrics. */
    private void plot(Map<String, Double> before) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>(MetricsLog.read(runDirectory.resolve("sft")
                .resolve(RunDirectory.METRICS_FILE)));
        rows.add(Map.of("step", 0, "val/pass@1", before.get("pass@1"), "val/tool_call_rate",
                before.get("tool_call_rate")));
        rows.addAll(MetricsLog.read(runDirectory.resolve("rl").resolve(RunDirectory.METRICS_FILE)));
        TrainingCurves.write(rows, List.of(
                new TrainingCurves.Panel("SFT loss (x = SFT step)", List.of("sft/loss")),
                new TrainingCurves.Panel("RL: mean reward of episodes", List.of("reward/mean")),
                new TrainingCurves.Panel("held-out pass@1 (step 0 = SFT model)", List.of("val/pass@1")),
                new TrainingCurves.Panel("RL: episodes with a well-formed tool call",
                        List.of("agent/has_tool_call")),
                new TrainingCurves.Panel("RL: tool errors per call", List.of("agent/tool_error_rate")),
                new TrainingCurves.Panel("RL: policy entropy", List.of("actor/entropy"))),
                "Reason4j demo: " + config.getString("data.task") + " with a calculator (SFT, then GRPO)",
                runDirectory.resolve("curves.png"));
    }
}
