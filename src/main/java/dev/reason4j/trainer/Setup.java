package dev.reason4j.trainer;

import dev.reason4j.agent.AgentLoop;
import dev.reason4j.agent.Tool;
import dev.reason4j.agent.ToolCallFormat;
import dev.reason4j.agent.ToolCallFormats;
import dev.reason4j.agent.Tools;
import dev.reason4j.config.Config;
import dev.reason4j.config.ConfigException;
import dev.reason4j.env.Datasets;
import dev.reason4j.env.EnvironmentFactory;
import dev.reason4j.env.Environments;
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
import dev.reason4j.reward.RewardCheck;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.WeightedReward;
import dev.reason4j.reward.model.LearnedReward;
import dev.reason4j.reward.code.CodeReward;
import dev.reason4j.reward.judge.JudgeReward;
import dev.reason4j.reward.code.CodeRewardConfig;
import dev.reason4j.rollout.RemoteBackend;
import dev.reason4j.rollout.RemoteEngine;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Builds a run's parts from its config: tokenizer, policy, data, reward, sampling. */
public final class Setup {
    private Setup() {}

    /** The built-in task named by {@code data.task}, its verifier registered as the reward of its data source. */
    public static Task task(Config config) {
        Task task = Tasks.fromConfig(config);
        RewardFunctions.configure(task.name(), task.reward());
        return task;
    }

    /** Tokenizer files a model directory carries, so eval, generate and Hugging Face can use it on its own. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "chat_template.jinja", "chat_template.json", "special_tokens_map.json", "generation_config.json");

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
        Path directory = tokenizerDirectory(config);
        String key = config.get("model.tokenizer") != null ? "model.tokenizer" : "model.path";
        requireDirectory(directory, key);
        if (!Files.isRegularFile(directory.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException(directory + " has no tokenizer.json"
                    + (key.equals("model.path") ? "; give the tokenizer's directory as model.tokenizer=DIR" : ""));
        }
        return Tokenizer.load(directory);
    }

    /** {@code model.path} loaded, else a new model of shape {@code model.tiny} for this vocabulary. */
    public static Transformer policy(Config config, Tokenizer tokenizer) throws IOException {
        Object modelPath = config.get("model.path");
        if (modelPath != null) {
            Path directory = Path.of(String.valueOf(modelPath));
            requireDirectory(directory, "model.path");
            return Transformer.load(directory);
        }
        return Transformer.create(tinyModelConfig(config.section("model.tiny"), tokenizer), config.getInt("model.seed"));
    }

    private static void requireDirectory(Path directory, String key) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(key + ": " + (Files.exists(directory) ? "not a directory: "
                    : "directory does not exist: ") + directory);
        }
    }

    /**
     * Saves a model as a complete directory: weights, config.json and the run's tokenizer files (tokenizer.json,
     * chat template, ...), so {@code ./reason4j eval --model DIR} and Hugging Face can load it as it is.
     */
    public static void saveModel(Transformer model, Path tokenizerDirectory, Path directory) throws IOException {
        model.save(directory);
        copyTokenizerFiles(tokenizerDirectory, directory);
    }

    /** Copies the tokenizer's files (tokenizer.json, its config with the chat template, ...) into a model directory. */
    public static void copyTokenizerFiles(Path tokenizerDirectory, Path directory) throws IOException {
        for (String name : TOKENIZER_FILES) {
            Path source = tokenizerDirectory.resolve(name);
            if (Files.isRegularFile(source)) {
                Files.copy(source, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** {@link #saveModel(Transformer, Path, Path)} with the tokenizer of the run's config. */
    public static void saveModel(Transformer model, Config config, Path directory) throws IOException {
        saveModel(model, tokenizerDirectory(config), directory);
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

    /** A run's data: the training prompts and the held-out examples evaluation uses (possibly none). */
    public record RunData(PromptSource train, List<Example> heldOut) {
    }

    /**
     * Training prompts: {@code data.train_files} (JSONL / verl Parquet), else the task's train split. Held-out:
     * {@code data.val_files}; else, with train files, {@code data.val_size} records held out of them (at most a
     * tenth, said on stderr; none for under ten records, and evaluation is skipped with a warning); else
     * {@code data.val_size} distinct problems of the task's held-out split. Dataset records are checked against
     * the reward at load (see {@link #recordCheck}).
     */
    public static RunData data(Config config, Task task, Tokenizer tokenizer, PromptFormatter formatter) {
        List<String> trainFiles = config.getStringList("data.train_files");
        List<String> valFiles = config.getStringList("data.val_files");
        List<Example> heldOut = valFiles.isEmpty() ? null : withinPromptLength(config, valFiles, tokenizer, formatter);
        if (trainFiles.isEmpty()) {
            return new RunData(PromptSource.ofTask(task, config.getInt("data.seed")),
                    heldOut != null ? heldOut : heldOut(config, task));
        }
        List<Example> train = withinPromptLength(config, trainFiles, tokenizer, formatter);
        if (heldOut == null) {
            List<Example> shuffled = new ArrayList<>(train);
            Collections.shuffle(shuffled, new Random(config.getInt("data.seed") + 7919L));
            int held = Math.min(config.getInt("data.val_size"), shuffled.size() / 10);
            heldOut = List.copyOf(shuffled.subList(0, held));
            train = shuffled.subList(held, shuffled.size());
            if (held == 0) {
                System.err.printf("reason4j: warning: no data.val_files and too few records in %s to hold any out"
                        + " (a tenth of %d); evaluation is skipped%n", trainFiles, shuffled.size());
            } else {
                System.err.printf("reason4j: no data.val_files: evaluating on %d records held out of %s (data.val_size,"
                        + " at most a tenth); training on the other %d%n", held, trainFiles, train.size());
            }
        }
        return new RunData(PromptSource.ofDataset(train, config.getInt("data.seed")), heldOut);
    }

    /**
     * The examples of dataset files whose rendered prompt fits {@code data.max_prompt_length} tokens; the others
     * are dropped with a count on stderr, as verl's {@code filter_overlong_prompts}.
     */
    static List<Example> withinPromptLength(Config config, List<String> files, Tokenizer tokenizer,
                                            PromptFormatter formatter) {
        int maxPromptLength = config.getInt("data.max_prompt_length");
        List<Example> kept = new ArrayList<>();
        List<Example> all = Datasets.load(files.stream().map(Path::of).toList(), recordCheck(config, files));
        for (Example example : all) {
            if (tokenizer.encode(formatter.render(example), false).length <= maxPromptLength) {
                kept.add(example);
            }
        }
        if (kept.size() < all.size()) {
            System.err.printf("reason4j: dropped %d of %d examples of %s longer than data.max_prompt_length=%d%n",
                    all.size() - kept.size(), all.size(), files, maxPromptLength);
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("no usable records in " + files + " (of " + all.size()
                    + ", none fits data.max_prompt_length=" + maxPromptLength + ")");
        }
        return kept;
    }

    /** {@code data.val_size} distinct held-out problems of the task (disjoint from its training split). */
    public static List<Example> heldOut(Config config, Task task) {
        List<Example> examples = new ArrayList<>();
        task.distinct(Split.TEST, config.getInt("data.val_size"), config.getInt("data.seed") + 7919L)
                .forEach(problem -> examples.add(problem.toExample()));
        return examples;
    }

    /** Reward functions that verify a response against the record's answer (a task's verifier too). */
    private static boolean verifiesAnswer(String rewardName) {
        return rewardName.equals("math") || rewardName.equals("code") || Tasks.names().contains(rewardName);
    }

    /**
     * What each dataset record must hold for the configured reward, checked at load so a run never trains on
     * rewards that cannot be computed. With {@code reward.functions} empty, each record's {@code data_source}
     * picks its reward: a record without one gets {@code reward.default} (announced on stderr) or is an error,
     * and a data source no reward answers to is an error. A reward that verifies an answer (math, code, a task)
     * needs the record's {@code answer} (or {@code ground_truth}).
     */
    static Datasets.RecordCheck recordCheck(Config config, List<String> files) {
        Map<String, Object> functions = config.getMap("reward.functions");
        String defaultSource = config.getString("reward.default");
        if (defaultSource != null) {
            RewardFunctions.forDataSource(defaultSource);  // an unknown name fails now, with the known ones listed
        }
        boolean[] announced = {false};
        return example -> {
            Example checked = example;
            boolean needsAnswer;
            if (functions.isEmpty()) {
                if (example.dataSource() == null) {
                    if (defaultSource == null) {
                        throw new IllegalArgumentException("no \"data_source\" (it picks the reward function); add"
                                + " one, or set reward.default=NAME (known: " + RewardFunctions.names() + ")");
                    }
                    if (!announced[0]) {
                        System.err.printf("reason4j: records of %s without data_source are scored by "
                                + "reward.default=%s%n", files, defaultSource);
                        announced[0] = true;
                    }
                    checked = new Example(example.prompt(), example.messages(), example.groundTruth(), defaultSource,
                            example.extra());
                }
                RewardFunction reward = RewardFunctions.forDataSource(checked.dataSource());
                needsAnswer = RewardFunctions.names().stream()
                        .anyMatch(name -> verifiesAnswer(name) && RewardFunctions.get(name) == reward);
            } else {
                needsAnswer = functions.keySet().stream().anyMatch(Setup::verifiesAnswer);
            }
            if (needsAnswer && checked.groundTruth() == null) {
                throw new IllegalArgumentException("no \"answer\" (or \"ground_truth\"), which the reward of data_source '"
                        + checked.dataSource() + "' checks responses against");
            }
            return checked;
        };
    }

    /**
     * The reward: {@code reward.functions} (name → weight) or, when empty, the function of each sample's data
     * source; plus the format reward, the length penalty and DAPO's overlong penalty when configured. Each part is
     * reported. With {@code reward.reward_model.path} set, the name {@code reward_model} is that learned reward; a
     * {@code judge} is loaded from {@code reward.judge}; with {@code reward.check} the data source's verifier is
     * logged beside the reward.
     */
    public static AsyncRewardScorer rewardScorer(Config config) {
        Config reward = config.section("reward");
        RewardFunctions.configure("code", new CodeReward(CodeRewardConfig.from(reward.section("code"))));
        List<WeightedReward.Component> components = new ArrayList<>();
        Map<String, Object> functions = reward.getMap("functions");
        if (reward.get("reward_model.path") != null) {
            try {
                RewardFunctions.configure("reward_model", LearnedReward.fromConfig(reward.section("reward_model"),
                        (long) config.getInt("data.train_batch_size") * config.getInt("rollout.n")));
            } catch (IOException e) {
                throw new IllegalArgumentException("reward.reward_model.path: " + e.getMessage());
            }
        } else if (functions.containsKey("reward_model")) {
            throw new IllegalArgumentException("reward.functions names reward_model, but reward.reward_model.path"
                    + " (the reward model's directory) is not set");
        }
        if (functions.containsKey("judge")) {
            RewardFunctions.configure("judge", JudgeReward.from(reward.section("judge")));
        }
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
        if (checksReward(reward, functions.keySet())) {
            function = new RewardCheck(function, RewardFunctions.byDataSource());
        }
        return new AsyncRewardScorer(function, Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(30));
    }

    /** Rewards that are learned or unsupervised, not verified: {@code reward.check=auto} checks them. */
    static final Set<String> LEARNED_REWARDS = Set.of("reward_model", "judge", "majority_vote", "self_certainty");

    /** {@code reward.check}: whether the data source's verifier is logged beside the reward (see RewardCheck). */
    private static boolean checksReward(Config reward, Set<String> functions) {
        String check = reward.getString("check");
        return switch (check) {
            case "auto" -> functions.stream().anyMatch(LEARNED_REWARDS::contains);
            case "verifier" -> true;
            case "none" -> false;
            default -> throw new ConfigException("reward.check: unknown '" + check + "' (auto, verifier, none)");
        };
    }

    /**
     * How the run samples: one response per sample, or with {@code agent.enable} multi-turn episodes with the tools
     * of {@code agent.tools} in the environment of {@code agent.environment}.
     */
    public static RolloutWorker rolloutWorker(Config config, Tokenizer tokenizer, PromptFormatter formatter,
                                              AsyncRewardScorer scorer) {
        RolloutBackend backend = rolloutBackend(config);
        if (!config.getBoolean("agent.enable")) {
            return new SingleTurnWorker(tokenizer, formatter, scorer, backend);
        }
        List<Tool> tools = new ArrayList<>();
        Map<String, Object> toolOptions = config.getMap("agent.tool_options");
        for (String name : config.getStringList("agent.tools")) {
            tools.add(Tools.create(name, optionsOf(toolOptions, name, "agent.tool_options")));
        }
        for (String name : toolOptions.keySet()) {
            if (!config.getStringList("agent.tools").contains(name)) {
                throw new IllegalArgumentException("agent.tool_options has options for '" + name
                        + "', which is not in agent.tools " + config.getStringList("agent.tools"));
            }
        }
        EnvironmentFactory environments = Environments.create(config.getString("agent.environment"),
                config.getMap("agent.environment_options"));
        return new AgentWorker(tokenizer, agentLoop(config, tokenizer, tools), environments::create, backend);
    }

    /** {@code rollout.backend}: this JVM's engine, or the fleet of {@code rollout.endpoints}. */
    public static RolloutBackend rolloutBackend(Config config) {
        Config rollout = config.section("rollout");
        String backend = rollout.getString("backend");
        if (backend.equals("local")) {
            if (!rollout.getStringList("endpoints").isEmpty()) {
                throw new IllegalArgumentException("rollout.endpoints is set but rollout.backend is local; set "
                        + "rollout.backend=remote to use them");
            }
            return RolloutBackend.local();
        }
        if (!backend.equals("remote")) {
            throw new IllegalArgumentException("rollout.backend: unknown '" + backend + "' (local, remote)");
        }
        List<java.net.URI> endpoints = new ArrayList<>();
        for (String endpoint : rollout.getStringList("endpoints")) {
            try {
                java.net.URI uri = new java.net.URI(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(endpoint, "expected http://HOST:PORT");
                }
                endpoints.add(uri);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("rollout.endpoints: '" + endpoint + "' is not a server URL ("
                        + e.getReason() + ")");
            }
        }
        Object key = rollout.get("api_key");
        String apiKey = key != null ? String.valueOf(key) : System.getenv("REASON4J_ROLLOUT_API_KEY");
        RemoteEngine.Api api = switch (rollout.getString("api")) {
            case "openai" -> RemoteEngine.Api.OPENAI;
            case "sglang" -> RemoteEngine.Api.SGLANG;
            default -> throw new IllegalArgumentException("rollout.api: unknown '" + rollout.getString("api")
                    + "' (openai, sglang)");
        };
        RemoteEngine.Options options = new RemoteEngine.Options(endpoints, api, apiKey, rollout.getString("model"),
                Duration.ofMillis(Math.round(1000 * rollout.getDouble("request_timeout_s"))),
                rollout.getInt("max_attempts"), Duration.ofMillis(200));
        Object weights = rollout.get("weights_dir");
        Object hook = rollout.get("weight_sync_hook");
        return new RemoteBackend(options, RemoteBackend.weightSync(rollout.getString("weight_sync")),
                weights == null ? null : Path.of(String.valueOf(weights)), hook == null ? null
                        : String.valueOf(hook));
    }

    /** The agent loop of {@code agent.*} with these tools, in the tokenizer's chat template. */
    public static AgentLoop agentLoop(Config config, Tokenizer tokenizer, List<Tool> tools) {
        ChatTemplate template = ChatTemplate.of(tokenizer);
        ToolCallFormat format = tools.isEmpty() ? ToolCallFormat.NONE
                : ToolCallFormats.of(template, List.of(template.endOfTurnToken(tokenizer)));
        Object systemPrompt = config.get("agent.system_prompt");
        AgentLoop.Settings settings = new AgentLoop.Settings(config.getInt("agent.max_turns"),
                config.getInt("agent.max_tokens"),
                Duration.ofMillis(Math.round(1000 * config.getDouble("agent.tool_timeout_s"))),
                systemPrompt == null ? null : String.valueOf(systemPrompt), null);
        return new AgentLoop(tokenizer, template, format, tools, settings);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> optionsOf(Map<String, Object> perName, String name, String key) {
        Object options = perName.get(name);
        if (options == null) {
            return Map.of();
        }
        if (!(options instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(key + "." + name + ": expected a map of options, got " + options);
        }
        return (Map<String, Object>) map;
    }

    /** The held-out evaluator configured by {@code trainer.eval} (n samples, k list, temperature). */
    public static HeldOutEvaluator evaluator(Config config, RolloutWorker worker) {
        Config eval = config.section("trainer.eval");
        for (int k : eval.getIntList("k")) {
            if (k > eval.getInt("n")) {
                throw new IllegalArgumentException("trainer.eval.k has " + k + " > trainer.eval.n=" + eval.getInt("n")
                        + ": pass@" + k + " needs at least " + k + " samples per problem; raise trainer.eval.n or drop "
                        + k + " from trainer.eval.k");
            }
        }
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
