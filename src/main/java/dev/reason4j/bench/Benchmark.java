package dev.reason4j.bench;

import dev.reason4j.tensor.Parallel;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the metric groups on each config in several rounds. Each round first measures the machine's limits
 * ({@link MachineLimits}), then Reason4j and (when a peer is given) the PyTorch peer, alternating which goes first,
 * so that a slow phase of a shared machine does not always fall on the same side. The report ({@link BenchReport})
 * gives each metric's median and range over the rounds and its share of the limit that bounds it.
 */
public final class Benchmark {
    public static final List<String> METRIC_GROUPS = List.of("train", "prefill", "decode", "mixed", "matmul");

    private final List<String> metrics;
    private final double seconds;
    private final int rounds;
    private final TorchPeer peer;
    private final PrintStream out;
    private final PrintStream log;

    /** @param peer the PyTorch peer, or null to measure Reason4j alone */
    Benchmark(List<String> metrics, double seconds, int rounds, TorchPeer peer, PrintStream out, PrintStream log) {
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        this.metrics = metrics;
        this.seconds = seconds;
        this.rounds = rounds;
        this.peer = peer;
        this.out = out;
        this.log = log;
    }

    /** {@link Benchmark} with the PyTorch peer run by {@code python} on {@code script}, or alone when null. */
    public static Benchmark of(List<String> metrics, double seconds, int rounds, String python,
                               java.nio.file.Path script, int torchThreads, PrintStream out, PrintStream log) {
        TorchPeer peer = script == null ? null : new TorchPeer(python, script, torchThreads);
        return new Benchmark(metrics, seconds, rounds, peer, out, log);
    }

    public void run(List<BenchConfig> configs) throws Exception {
        MachineInfo machine = MachineInfo.current();
        String loadBefore = MachineInfo.loadAverage();
        log.println("reason4j bench: " + machine.cpuModel() + ", flags " + String.join(" ", machine.cpuFlags())
                + ", gemm=" + machine.gemmKernel() + ", threads=" + Parallel.threads() + ", load " + loadBefore);
        BenchReport.Rounds limits = new BenchReport.Rounds();
        Map<String, Map<String, Spread>> ours = new LinkedHashMap<>();
        Map<String, Map<String, Spread>> theirs = new LinkedHashMap<>();
        Map<String, String> peerInfo = new LinkedHashMap<>();
        for (BenchConfig config : configs) {
            ModelBench model = needsModel() ? new ModelBench(config) : null;
            if (model != null) {
                log.printf("reason4j bench: config %s, %.2fM parameters%n", config.name(),
                        model.parameterCount() / 1e6);
            }
            ModelBench.MixedWorkload mixed = metrics.contains("mixed") ? model.mixedWorkload() : null;
            if (mixed != null) {
                Spread lengths = Spread.of(java.util.Arrays.stream(mixed.responseLengths()).asDoubleStream()
                        .boxed().toList());
                log.printf("reason4j bench: mixed workload: %d requests, %d prompt tokens, %d response tokens "
                        + "(%.0f–%.0f per response, median %.0f)%n", mixed.prompts().size(), mixed.promptTokens(),
                        mixed.responseTokens(), lengths.min(), lengths.max(), lengths.median());
            }
            BenchReport.Rounds ourRounds = new BenchReport.Rounds();
            BenchReport.Rounds peerRounds = new BenchReport.Rounds();
            for (int round = 0; round < rounds; round++) {
                limits.add(MachineLimits.measure(seconds / 3));
                boolean oursFirst = round % 2 == 0;
                if (oursFirst) {
                    ourRounds.add(withDerived(config, measure(config, model, mixed)));
                }
                if (peer != null) {
                    TorchPeer.Result result = peer.run(config, metrics, mixed, seconds);
                    peerRounds.add(withDerived(config, result.metrics()));
                    peerInfo.putAll(result.info());
                }
                if (!oursFirst) {
                    ourRounds.add(withDerived(config, measure(config, model, mixed)));
                }
                log.printf("reason4j bench: config %s, round %d of %d done, load %s%n", config.name(), round + 1,
                        rounds, MachineInfo.loadAverage());
            }
            ours.put(config.name(), ourRounds.spreads());
            if (peer != null) {
                theirs.put(config.name(), peerRounds.spreads());
            }
        }
        BenchReport report = new BenchReport(machine, peerInfo, loadBefore, MachineInfo.loadAverage(), rounds,
                limits.spreads(), ours, theirs);
        for (String line : report.jsonLines()) {
            out.println(line);
        }
        log.println();
        log.print(report.markdown());
    }

    private boolean needsModel() {
        return metrics.stream().anyMatch(List.of("train", "prefill", "decode", "mixed")::contains);
    }

    /** One round of Reason4j's metrics on one config. */
    private Map<String, Double> measure(BenchConfig config, ModelBench model, ModelBench.MixedWorkload mixed)
            throws Exception {
        Map<String, Double> results = new LinkedHashMap<>();
        if (metrics.contains("train")) {
            results.put("train_tokens_per_s", model.trainTokensPerSecond(seconds));
        }
        if (metrics.contains("prefill")) {
            results.put("prefill_tokens_per_s", model.prefillTokensPerSecond(seconds));
        }
        if (metrics.contains("decode")) {
            for (int batch : config.decodeBatches()) {
                results.put("decode_tokens_per_s_batch" + batch, model.decodeTokensPerSecond(batch, seconds));
            }
        }
        if (metrics.contains("mixed")) {
            results.put("mixed_tokens_per_s", model.mixedTokensPerSecond(mixed, seconds));
        }
        if (metrics.contains("matmul")) {
            for (BenchConfig.MatmulShape shape : config.matmulShapes()) {
                results.put("matmul_gflops_" + shape.label(), MatmulBench.gflops(shape, seconds / 3));
            }
        }
        return results;
    }

    /**
     * Adds, each right after the metric it comes from, what the tokens/s metrics imply, by the same formulas for
     * both sides: train_gflops and prefill_gflops (tokens/s × FLOPs per token, training 3× the forward) and
     * decode_gbytes_per_s_batchB (tokens/s × bytes each token must read, {@link BenchConfig#decodeBytesPerToken}).
     */
    static Map<String, Double> withDerived(BenchConfig config, Map<String, Double> metrics) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> metric : metrics.entrySet()) {
            String name = metric.getKey();
            double value = metric.getValue();
            out.put(name, value);
            if (name.equals("train_tokens_per_s")) {
                out.put("train_gflops", value * 3 * config.forwardFlopsPerToken(config.trainSeq()) / 1e9);
            } else if (name.equals("prefill_tokens_per_s")) {
                out.put("prefill_gflops", value * config.forwardFlopsPerToken(config.prefillSeq()) / 1e9);
            } else if (name.startsWith("decode_tokens_per_s_batch")) {
                int batch = Integer.parseInt(name.substring("decode_tokens_per_s_batch".length()));
                out.put("decode_gbytes_per_s_batch" + batch, value * config.decodeBytesPerToken(batch) / 1e9);
            }
        }
        return out;
    }
}
