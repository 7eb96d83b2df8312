package dev.reason4j.cli;

import dev.reason4j.bench.Benchmark;
import dev.reason4j.bench.BenchConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code ./reason4j bench}: throughput of the engine on Qwen3-shaped models, optionally against PyTorch. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure training / prefill / decode / matmul throughput (optionally vs PyTorch)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j bench [--config small|medium|large|all] [--metrics train,prefill,decode,matmul]
                                        [--compare-torch] [--torch-python /usr/bin/python3] [--torch-threads N]
                                        [--seconds 3]

                Builds a randomly initialised Qwen3-shaped model (small ≈ 1M, medium ≈ 10M, large ≈ 100M parameters)
                and measures, on Parallel.threads() threads (reason4j.threads / REASON4J_THREADS):
                  train_tokens_per_s     forward + backward + AdamW on 4 × 128 tokens
                  prefill_tokens_per_s   forward without gradients on 4 × 128 tokens
                  decode_tokens_per_s_batchB  greedy decoding with the KV cache, 64 steps after a 16-token prompt
                  matmul_gflops_*        Blas.sgemm on the model's shapes (X · Wᵀ, as nn.Linear)
                Prints one JSON line per (config, metric). With --compare-torch it runs bench/torch_peer.py (the
                same model and workloads in PyTorch, same thread count) right after each config and adds the
                fields torch and ratio (reason4j / torch: higher is better for Reason4j). --torch-threads sets the
                peer's torch.set_num_threads (default: the same thread count as Reason4j); the peer inherits the
                environment (e.g. OMP_WAIT_POLICY).
                Default config: medium. --seconds: minimum measuring time per metric (best of 50 ms rounds).
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        String configName = args.string("config", "medium");
        List<String> metrics = Arrays.asList(args.string("metrics", "train,prefill,decode,matmul").split(","));
        boolean compare = args.flag("compare-torch");
        String python = args.string("torch-python", "/usr/bin/python3");
        int torchThreads = args.integer("torch-threads", dev.reason4j.tensor.Parallel.threads());
        double seconds = args.number("seconds", 3);
        args.rejectUnknown();
        for (String metric : metrics) {
            if (!Benchmark.METRIC_GROUPS.contains(metric)) {
                throw new IllegalArgumentException("unknown metric group '" + metric + "'; known: "
                        + Benchmark.METRIC_GROUPS);
            }
        }
        List<BenchConfig> configs = configName.equals("all") ? BenchConfig.PRESETS
                : List.of(BenchConfig.preset(configName));
        Path home = Path.of(System.getProperty("reason4j.home", "."));
        Path peer = compare ? home.resolve("bench/torch_peer.py") : null;
        new Benchmark(metrics, seconds, python, peer, torchThreads, System.out, System.err).run(configs);
        return 0;
    }
}
