package dev.reason4j.cli;

import dev.reason4j.bench.BenchConfig;
import dev.reason4j.bench.Benchmark;
import dev.reason4j.bench.TorchPeer;
import dev.reason4j.tensor.Parallel;
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
        return "measure training / prefill / decode / rollout / matmul throughput (optionally vs PyTorch)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j bench [--config small|medium|large|all]
                                        [--metrics train,prefill,decode,mixed,matmul] [--rounds 5] [--seconds 2]
                                        [--compare-torch] [--torch-python /usr/bin/python3] [--torch-threads N]

                Builds a randomly initialised Qwen3-shaped model (small ≈ 1M, medium ≈ 10M, large ≈ 100M parameters)
                and measures, on Parallel.threads() threads (reason4j.threads / REASON4J_THREADS):
                  train_tokens_per_s     forward + backward + AdamW on 4 × 128 tokens
                  prefill_tokens_per_s   forward without gradients on 4 × 128 tokens
                  decode_tokens_per_s_batchB  greedy decoding with the KV cache, 64 steps after a 16-token prompt,
                                         at batch 1, 32 and 128 (prefill time subtracted)
                  mixed_tokens_per_s     an RL-like rollout: 32 prompts of 16-256 tokens, sampled at T = 1 until a
                                         stop id (≈ 64 tokens on average) or 256 tokens; response tokens per second
                                         of the whole generate call, prefill included
                  matmul_gflops_*        the forward's product on the model's shapes (X · Wᵀ, as nn.Linear)
                and what they imply: train_gflops, prefill_gflops, decode_gbytes_per_s_batchB (bytes of weights and
                KV cache each token reads). Every round also measures the machine's limits: a 1024³ sgemm and a
                register-only FMA loop (GFLOP/s), STREAM copy and triad (GB/s), on 1 and on all threads; each
                GFLOP/s figure is given as a share of the sgemm peak, each GB/s figure as a share of triad.

                --rounds N: rounds of all metrics, alternating which side goes first; each figure is the median over
                the rounds, with the min–max range. --seconds: minimum measuring time per metric and round (the
                fastest 50 ms stretch after a warm-up of at least 1 s and 3 runs).
                Prints JSON lines (a "machine" line: CPU model and flags, threads, GEMM kernel, load average
                before and after; one "limit" line per probe; one "metric" line per config and metric) on stdout,
                and the same as Markdown tables on stderr.
                --compare-torch runs bench/torch_peer.py (the same model and workloads in PyTorch) in each round and
                adds torch, ratio (reason4j / torch: above 1, Reason4j is faster) and torch_share. Without torch,
                /usr/bin/python3 gets Debian's python3-torch (apt-get, as root; else the command to run).
                --torch-threads sets the peer's torch.set_num_threads (default: Reason4j's thread count); the peer
                inherits the environment, with OMP_WAIT_POLICY=PASSIVE unless it is set.
                Default config: medium.
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        String configName = args.string("config", "medium");
        List<String> metrics = Arrays.asList(args.string("metrics", String.join(",", Benchmark.METRIC_GROUPS))
                .split(","));
        boolean compare = args.flag("compare-torch");
        String python = args.string("torch-python", "/usr/bin/python3");
        int torchThreads = args.integer("torch-threads", Parallel.threads());
        double seconds = args.number("seconds", 2);
        int rounds = args.integer("rounds", 5);
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
        Benchmark benchmark = Benchmark.of(metrics, seconds, rounds, python, peer, torchThreads, System.out,
                System.err);
        if (compare) {
            TorchPeer.ensureTorch(python, home.resolve("scripts/env.sh"), System.err);
        }
        benchmark.run(configs);
        return 0;
    }
}
