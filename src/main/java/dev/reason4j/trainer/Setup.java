package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.env.Datasets;
import dev.reason4j.env.Example;
import dev.reason4j.env.Message;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.env.Tasks;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.reward.FormatReward;
import dev.reason4j.reward.LengthPenalty;
import dev.reason4j.reward.OverlongPenalty;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.WeightedReward;
import dev.reason4j.reward.code.CodeReward;
import dev.reason4j.reward.code.CodeRewardConfig;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds a run's parts from its config: tokenizer, policy, data, reward, sampling. */
public final class Setup {
    private Setup() {}

    /** The built-in task named by {@code data.task}, its verifier registered as the reward of its data source. */
    public static Task task(Config config) {
        Task task = Tasks.fromConfig(config);
        RewardFunctions.configure(task.name(), task.reward());
        return task;
    }

    /** The tokenizer's directory: {@code model.tokenizer}, else {@code model.path}. */
    public static Path tokenizerDirectory(Config config) {
        Object tokenizer = config.get("model.tokenizer");
        Object modelPath = config.get("model.path");
        if (tokenizer == null && modelPath == null) {
            throw new IllegalArgumentException("set model.path (a Hugging Face model directory) or model.tokenizer");
        }
        return Path.of(String.valueOf(tokenizer != null ? tokenizer : modelPath));
    }

    public static Tokenizer tokenizer(Config config) throws IOException {
        return Tokenizer.load(tokenizerDirectory(config));
    }

    /** {@code model.path} loaded, else a new model of shape {@code model.tiny} for this vocabulary. */
    public static Transformer policy(Config config, Tokenizer tokenizer) throws IOException {
        Object modelPath = config.get("model.path");
        if (modelPath != null) {
            return Transformer.load(Path.of(String.valueOf(modelPath)));
        }
        return Transformer.create(tinyModelConfig(config.section("model.tiny"), tokenizer), config.getInt("model.seed"));
    }

    /** A Qwen3-shaped config (per-head q/k norm, GQA, SwiGLU, RoPE) from the {@code model.tiny} section. */
    public static ModelConfig tinyModelConfig(Config tiny, Tokenizer tokenizer) {
        int hidden = tiny.getInt("hidden_size");
        int heads = tiny.getInt("num_heads");
        int eos = tokenizer.eosTokenId().orElseThrow(
                () -> new IllegalArgumentException("the tokenizer has no eos_token; a policy must be able to stop"));
        return new ModelConfig(ModelConfig.Architecture.QWEN3, tokenizer.vocabSize(), hidden,
                tiny.getInt("intermediate_size"), tiny.getInt("num_layers"), heads, tiny.getInt("num_kv_heads"),
                hidden / heads, 1e-6f, tiny.getDouble("rope_theta"), null, tiny.getInt("max_position_embeddings"),
                tiny.getBoolean("tie_word_embeddings"), 0.02f, tokenizer.bosTokenId().orElse(eos), List.of(eos));
    }

    /** Training prompts: {@code data.train_files} (JSONL / verl Parquet), else the task's train split. */
    public static PromptSource trainPrompts(Config config, Task task, Tokenizer tokenizer, PromptFormatter formatter) {
        List<String> files = config.getStringList("data.train_files");
        return files.isEmpty() ? PromptSource.ofTask(task, config.getInt("data.seed"))
                : PromptSource.ofDataset(withinPromptLength(config, files, tokenizer, formatter),
                        config.getInt("data.seed"));
    }

    /**
     * The examples of dataset files whose rendered prompt fits {@code data.max_prompt_length} tokens; the others
     * are dropped with a count on stderr, as verl's {@code filter_overlong_prompts}.
     */
    static List<Example> withinPromptLength(Config config, List<String> files, Tokenizer tokenizer,
                                            PromptFormatter formatter) {
        int maxPromptLength = config.getInt("data.max_prompt_length");
        List<Example> kept = new ArrayList<>();
        List<Example> all = Datasets.load(files.stream().map(Path::of).toList());
        for (Example example : all) {
            if (tokenizer.encode(formatter.render(example), false).length <= maxPromptLength) {
                kept.add(example);
            }
        }
        if (kept.size() < all.size()) {
            System.err.printf("reason4j: dropped %d of %d examples of %s longer than data.max_prompt_length=%d%n",
                    all.size() - kept.size(), all.size(), files, maxPromptLength);
        }
        return kept;
    }

    /**
     * {@code data.val_files} when given, else {@code data.val_size} distinct held-out problems of the task
     * (disjoint from its training split by construction).
     */
    public static List<Example> heldOut(Config config, Task task, Tokenizer tokenizer, PromptFormatter formatter) {
        List<String> files = config.getStringList("data.val_files");
        if (!files.isEmpty()) {
            return withinPromptLength(config, files, tokenizer, formatter);
        }
        List<Example> examples = new ArrayList<>();
        task.distinct(Split.TEST, config.getInt("data.val_size"), config.getInt("data.seed") + 7919L)
                .forEach(problem -> examples.add(problem.toExample()));
        return examples;
    }

    /**
     * The reward: {@code reward.functions} (name → weight) or, when empty, the function of each sample's data
     * source; plus the format reward, the length penalty and DAPO's overlong penalty when configured. Each part is
     * reported.
     */
    public static AsyncRewardScorer rewardScorer(Config config) {
        Config reward = config.section("reward");
        RewardFunctions.configure("code", new CodeReward(CodeRewardConfig.from(reward.section("code"))));
        List<WeightedReward.Component> components = new ArrayList<>();
        Map<String, Object> functions = reward.getMap("functions");
        if (functions.isEmpty()) {
            components.add(new WeightedReward.Component("score", 1.0, RewardFunctions.byDataSource()));
        } else {
            functions.forEach((name, weight) -> components.add(new WeightedReward.Component(name,
                    ((Number) weight).doubleValue(), RewardFunctions.get(name))));
        }
        double formatWeight = reward.getDouble("format.weight");
        if (formatWeight != 0) {
            components.add(new WeightedReward.Component("format", formatWeight, new FormatReward()));
        }
        double lengthCoef = reward.getDouble("length_penalty.coef");
        if (lengthCoef != 0) {
            components.add(new WeightedReward.Component("length", 1.0,
                    new LengthPenalty(lengthCoef, config.getInt("data.max_response_length"))));
        }
        if (reward.getBoolean("overlong_buffer.enable")) {
            components.add(new WeightedReward.Component("overlong", 1.0, new OverlongPenalty(
                    config.getInt("data.max_response_length"), reward.getInt("overlong_buffer.len"),
                    reward.getDouble("overlong_buffer.penalty_factor"))));
        }
        RewardFunction function = components.size() == 1 && components.get(0).weight() == 1.0
                ? components.get(0).function() : new WeightedReward(components);
        return new AsyncRewardScorer(function, Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(30));
    }

    /** The held-out evaluator configured by {@code trainer.eval} (n samples, k list, temperature). */
    public static HeldOutEvaluator evaluator(Config config, RolloutWorker worker) {
        Config eval = config.section("trainer.eval");
        SamplingParams sampling = new SamplingParams(eval.getInt("n"), config.getInt("data.max_response_length"),
                (float) eval.getDouble("temperature"), 0, 1f, 0f, config.getInt("data.seed"),
                worker.tokenizer().eosTokenId().stream().toArray());
        return new HeldOutEvaluator(worker, sampling, eval.getIntList("k"));
    }

    /** Prompts rendered with the tokenizer's chat template, ending in the generation prompt. */
    public static PromptFormatter chatFormatter(Tokenizer tokenizer) {
        ChatTemplate template = ChatTemplate.of(tokenizer);
        return example -> template.render(ChatTemplate.ChatRequest.of(templateMessages(example.asMessages()), true));
    }

    /** Messages as the chat template reads them ({@code role}, {@code content}). */
    static List<Map<String, Object>> templateMessages(List<Message> messages) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (Message message : messages) {
            maps.add(Map.of("role", message.role(), "content", message.content()));
        }
        return maps;
    }
}
