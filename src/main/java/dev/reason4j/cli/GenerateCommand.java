package dev.reason4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.io.JsonLinesReader;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code ./reason4j generate}: samples continuations of text, chat or token-id prompts from an HF model directory. */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "sample from a model directory: text or token-id prompts (KV cache, top-k/p, min-p)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j generate --model DIR (--prompt TEXT | --messages FILE | --prompt-ids 1,2,3[;4,5])
                                           [--tokenizer DIR] [--n 1] [--max-new-tokens 64] [--temperature 1]
                                           [--top-k 0] [--top-p 1] [--min-p 0] [--seed 0] [--stop-ids 2,3]
                                           [--dtype bf16|f32] [--strict-context]

                Loads an HF model directory (config.json + safetensors; Qwen2, Qwen3, Llama 3) and samples
                continuations of each prompt. --prompt TEXT is one user message and --messages FILE holds JSON
                lines {"messages": [{"role", "content"}, ...]} (as render-chat reads them; the generation prompt
                is added unless a line says "add_generation_prompt": false), each rendered with the chat template
                of --tokenizer DIR (default: the model directory). --prompt-ids gives token ids directly (prompts
                separated by ';'). Prints one JSON line per completion: prompt, sample, tokens, text (decoded,
                when a tokenizer is there), logprobs (of the temperature-scaled distribution, per token, each
                written as the shortest decimal that reads back as the same float), finish (stop|length).
                Timings and heap use go to stderr. --dtype bf16 (default) holds weights in bfloat16: half the memory.
                Temperature 0 is greedy. Stop ids default to the model config's eos_token_id and the tokenizer's
                eos token. A prompt plus --max-new-tokens past the model's max_position_embeddings is cut to fit,
                with a warning on stderr and "context_limited": true on its lines; --strict-context refuses it.
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        Path modelDir = Path.of(args.require("model"));
        String promptText = args.string("prompt", null);
        String messagesFile = args.string("messages", null);
        String promptIds = args.string("prompt-ids", null);
        String tokenizerOption = args.string("tokenizer", null);
        String dtype = args.string("dtype", "bf16");
        if (!dtype.equals("bf16") && !dtype.equals("f32")) {
            throw new IllegalArgumentException("--dtype must be bf16 or f32, got '" + dtype + "'");
        }
        int n = args.integer("n", 1);
        int maxNewTokens = args.integer("max-new-tokens", 64);
        float temperature = (float) args.number("temperature", 1);
        int topK = args.integer("top-k", 0);
        float topP = (float) args.number("top-p", 1);
        float minP = (float) args.number("min-p", 0);
        long seed = args.integer("seed", 0);
        String stopIds = args.string("stop-ids", null);
        boolean strictContext = args.flag("strict-context");
        args.rejectUnknown();
        if ((promptText != null ? 1 : 0) + (messagesFile != null ? 1 : 0) + (promptIds != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("give one of --prompt TEXT, --messages FILE or --prompt-ids IDS");
        }
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("--model: directory does not exist: " + modelDir);
        }
        Path tokenizerDir = tokenizerOption != null ? Path.of(tokenizerOption) : modelDir;
        Tokenizer tokenizer = null;
        if (tokenizerOption != null || promptIds == null || Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
            if (!Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))) {
                throw new IllegalArgumentException(tokenizerDir + " has no tokenizer.json; give the tokenizer's "
                        + "directory with --tokenizer DIR");
            }
            tokenizer = Tokenizer.load(tokenizerDir);
        }
        List<int[]> prompts = new ArrayList<>();
        if (promptIds != null) {
            for (String prompt : promptIds.split(";")) {
                prompts.add(parseIds(prompt, "--prompt-ids"));
            }
        } else {
            ChatTemplate template = ChatTemplate.of(tokenizer);
            for (ChatTemplate.ChatRequest request : promptText != null
                    ? List.of(ChatTemplate.ChatRequest.of(List.of(Map.of("role", "user", "content", promptText)), true))
                    : readConversations(Path.of(messagesFile))) {
                prompts.add(tokenizer.encode(template.render(request), false));
            }
        }

        long start = System.nanoTime();
        Transformer model = Transformer.load(modelDir, dtype.equals("bf16") ? Precision.BF16 : Precision.FP32);
        long loaded = System.nanoTime();
        long cpuBefore = processCpuNanos();
        Set<Integer> stopSet = new LinkedHashSet<>(model.config().eosTokenIds());
        if (tokenizer != null) {
            tokenizer.eosTokenId().ifPresent(stopSet::add);
        }
        int[] stops = stopIds != null ? parseIds(stopIds, "--stop-ids")
                : stopSet.stream().mapToInt(Integer::intValue).toArray();
        SamplingParams params = new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, seed, stops);
        List<Completion> completions = new Generator(model, Generator.Options.defaults().withStrictContext(strictContext))
                .generate(prompts, params);
        long done = System.nanoTime();
        long cpu = processCpuNanos() - cpuBefore;

        int generated = 0;
        for (Completion c : completions) {
            System.out.println(JsonLinesFilter.JSON.writeValueAsString(completionJson(c, tokenizer)));
            generated += c.tokens().length;
        }
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        System.err.printf("reason4j generate: %d parameters (%s, %.0f MiB of weights); load %.2f s; generate %.2f s "
                        + "for %d tokens (%.1f tokens/s, %.2f CPU-s per token); heap used after GC %.0f MiB of max %.0f MiB%n",
                model.parameterCount(), dtype, model.weightBytes() / 1048576.0, (loaded - start) / 1e9,
                (done - loaded) / 1e9, generated, generated / ((done - loaded) / 1e9), cpu / 1e9 / Math.max(1, generated),
                (runtime.totalMemory() - runtime.freeMemory()) / 1048576.0, runtime.maxMemory() / 1048576.0);
        return 0;
    }

    /**
     * One completion as JSON. Log-probs are added as floats, which Jackson writes with {@code Float.toString}'s
     * shortest decimal: the text reads back as the same float bit for bit (widening to double first would not).
     */
    static ObjectNode completionJson(Completion c, Tokenizer tokenizer) {
        ObjectNode line = JsonLinesFilter.JSON.createObjectNode();
        line.put("prompt", c.promptIndex());
        line.put("sample", c.sampleIndex());
        var tokens = line.putArray("tokens");
        Arrays.stream(c.tokens()).forEach(tokens::add);
        if (tokenizer != null) {
            line.put("text", tokenizer.decode(c.tokens()));
        }
        var logProbs = line.putArray("logprobs");
        for (float lp : c.logProbs()) {
            logProbs.add(lp);
        }
        line.put("finish", c.finishReason().name().toLowerCase());
        if (c.contextLimited()) {
            line.put("context_limited", true);
        }
        return line;
    }

    /** JSON lines of render-chat's conversations; the generation prompt is on unless a line turns it off. */
    static List<ChatTemplate.ChatRequest> readConversations(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--messages: file not found: " + file);
        }
        List<ChatTemplate.ChatRequest> requests = new ArrayList<>();
        try (JsonLinesReader reader = JsonLinesReader.open(file)) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                ObjectNode input = line.object();
                if (!input.has("add_generation_prompt")) {
                    input.put("add_generation_prompt", true);
                }
                try {
                    requests.add(RenderChatCommand.request(input));
                } catch (IllegalArgumentException e) {
                    throw line.error(e);
                }
            }
        }
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("--messages: " + file + " holds no conversation");
        }
        return requests;
    }

    /** CPU time of the whole process: honest timing on a shared machine, where wall time includes waiting. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static int[] parseIds(String text, String option) {
        String[] parts = text.trim().split("\\s*,\\s*");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " expects comma-separated token ids, got '" + parts[i]
                        + "'");
            }
        }
        return ids;
    }
}
