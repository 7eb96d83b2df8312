package dev.reason4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.tensor.Blas;
import dev.reason4j.tensor.Parallel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the metric groups on each config, then (when a peer script is given) the PyTorch peer on the same config,
 * and prints one JSON line per (config, metric): {@code config, metric, reason4j[, torch, ratio]}.
 */
public final class Benchmark {
    public static final List<String> METRIC_GROUPS = List.of("train", "prefill", "decode", "matmul");

    private final List<String> metrics;
    private final double seconds;
    private final String python;
    private final Path peerScript;
    private final int torchThreads;
    private final PrintStream out;
    private final PrintStream log;

    /** @param peerScript the PyTorch peer, or null to measure Reason4j alone */
    public Benchmark(List<String> metrics, double seconds, String python, Path peerScript, int torchThreads,
                     PrintStream out, PrintStream log) {
        this.torchThreads = torchThreads;
        this.metrics = metrics;
        this.seconds = seconds;
        this.python = python;
        this.peerScript = peerScript;
        this.out = out;
        this.log = log;
    }

    public void run(List<BenchConfig> configs) throws Exception {
        log.println("reason4j bench: blas=" + Blas.describe() + ", threads=" + Parallel.threads());
        ObjectMapper json = new ObjectMapper();
        for (BenchConfig config : configs) {
            Map<String, Double> ours = withAchievedGflops(config, measure(config));
            Map<String, Double> theirs = peerScript == null ? Map.of() : withAchievedGflops(config,
                    TorchPeer.run(python, peerScript, config, metrics, torchThreads, seconds));
            for (Map.Entry<String, Double> entry : ours.entrySet()) {
                ObjectNode line = json.createObjectNode();
                line.put("config", config.name());
                line.put("metric", entry.getKey());
                line.put("reason4j", round(entry.getValue()));
                Double torch = theirs.get(entry.getKey());
                if (torch != null) {
                    line.put("torch", round(torch));
                    line.put("ratio", round(entry.getValue() / torch));
                }
                out.println(json.writeValueAsString(line));
            }
        }
    }

    private Map<String, Double> measure(BenchConfig config) throws Exception {
        Map<String, Double> results = new LinkedHashMap<>();
        if (metrics.contains("train") || metrics.contains("prefill") || metrics.contains("decode")) {
            ModelBench model = new ModelBench(config);
            log.printf("reason4j bench: config %s, %.2fM parameters%n", config.name(), model.parameterCount() / 1e6);
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
        }
        if (metrics.contains("matmul")) {
            for (BenchConfig.MatmulShape shape : config.matmulShapes()) {
                results.put("matmul_gflops_" + shape.label(), MatmulBench.gflops(shape, seconds / 3));
            }
        }
        return results;
    }

    /** Adds train_gflops and prefill_gflops: the tokens/s metrics times the model's FLOPs per token. */
    private static Map<String, Double> withAchievedGflops(BenchConfig config, Map<String, Double> metrics) {
        Map<String, Double> out = new LinkedHashMap<>(metrics);
        Double train = metrics.get("train_tokens_per_s");
        if (train != null) {
            out.put("train_gflops", train * 3 * config.forwardFlopsPerToken(config.trainSeq()) / 1e9);
        }
        Double prefill = metrics.get("prefill_tokens_per_s");
        if (prefill != null) {
            out.put("prefill_gflops", prefill * config.forwardFlopsPerToken(config.prefillSeq()) / 1e9);
        }
        return out;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
