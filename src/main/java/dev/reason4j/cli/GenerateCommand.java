package dev.reason4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code ./reason4j generate}: samples continuations of token-id prompts from an HF model directory. */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "sample token ids from a model directory (KV cache, top-k/p, min-p)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j generate --model DIR --prompt-ids 1,2,3[;4,5] [--n 1] [--max-new-tokens 64]
                                           [--temperature 1] [--top-k 0] [--top-p 1] [--min-p 0] [--seed 0]
                                           [--stop-ids 2,3] [--dtype bf16|f32]

                Loads an HF model directory (config.json + safetensors; Qwen2, Qwen3, Llama 3) and samples
                continuations of each prompt (prompts separated by ';'). Prints one JSON line per completion:
                prompt, sample, tokens, logprobs (of the temperature-scaled distribution), finish (stop|length).
                Timings and heap use go to stderr. --dtype bf16 (default) holds weights in bfloat16: half the memory.
                Temperature 0 is greedy. Stop ids default to the config's eos_token_id.
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        Path modelDir = Path.of(args.require("model"));
        List<int[]> prompts = new ArrayList<>();
        for (String prompt : args.require("prompt-ids").split(";")) {
            prompts.add(parseIds(prompt, "--prompt-ids"));
        }
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
        args.rejectUnknown();

        long start = System.nanoTime();
        Transformer model = Transformer.load(modelDir, dtype.equals("bf16") ? Precision.BF16 : Precision.FP32);
        long loaded = System.nanoTime();
        long cpuBefore = processCpuNanos();
        int[] stops = stopIds != null ? parseIds(stopIds, "--stop-ids")
                : model.config().eosTokenIds().stream().mapToInt(Integer::intValue).toArray();
        SamplingParams params = new SamplingParams(n, maxNewTokens, temperature, topK, topP, minP, seed, stops);
        List<Completion> completions = new Generator(model).generate(prompts, params);
        long done = System.nanoTime();
        long cpu = processCpuNanos() - cpuBefore;

        ObjectMapper json = new ObjectMapper();
        int generated = 0;
        for (Completion c : completions) {
            ObjectNode line = json.createObjectNode();
            line.put("prompt", c.promptIndex());
            line.put("sample", c.sampleIndex());
            var tokens = line.putArray("tokens");
            Arrays.stream(c.tokens()).forEach(tokens::add);
            var logProbs = line.putArray("logprobs");
            for (float lp : c.logProbs()) {
                logProbs.add(lp);
            }
            line.put("finish", c.finishReason().name().toLowerCase());
            System.out.println(json.writeValueAsString(line));
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
