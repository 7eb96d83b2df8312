package dev.reason4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bench} prints once its rounds are done: the machine (CPU, flags, threads, backends, load before and
 * after), the measured limits, and per (config, metric) both sides' median and range over the rounds, their ratio,
 * and each side's share of the limit that bounds the metric. As JSON lines (for scripts) and as Markdown tables
 * (for BENCHMARKS.md).
 *
 * @param peer     the PyTorch peer's description (version, threads, BLAS, OMP_WAIT_POLICY), empty without one
 * @param limits   {@link MachineLimits} probe → its spread over the rounds
 * @param configs  config name → metric → spread, in the order measured
 */
record BenchReport(MachineInfo machine, Map<String, String> peer, String loadBefore, String loadAfter, int rounds,
                   Map<String, Spread> limits, Map<String, Map<String, Spread>> ours,
                   Map<String, Map<String, Spread>> theirs) {

    /** One (config, metric) line of the report. */
    record Row(String config, String metric, String unit, Spread ours, Spread theirs, String limit,
               Double ourShare, Double theirShare) {
        /** Reason4j's median over PyTorch's: above 1, Reason4j is faster. Null without a peer figure. */
        Double ratio() {
            return theirs == null ? null : ours.median() / theirs.median();
        }
    }

    static String unitOf(String metric) {
        return metric.contains("tokens_per_s") ? "tokens/s" : metric.contains("gflops") ? "GFLOP/s"
                : metric.contains("gbytes_per_s") ? "GB/s" : "";
    }

    /** The limit a metric is read against: GFLOP/s against the peak sgemm, bytes/s against STREAM triad. */
    static String limitOf(String metric, int threads) {
        return metric.contains("gflops") ? MachineLimits.gemmLimit(threads)
                : metric.contains("gbytes_per_s") ? MachineLimits.bandwidthLimit(threads) : null;
    }

    List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, Spread>> config : ours.entrySet()) {
            Map<String, Spread> peerMetrics = theirs.getOrDefault(config.getKey(), Map.of());
            for (Map.Entry<String, Spread> metric : config.getValue().entrySet()) {
                String limit = limitOf(metric.getKey(), machine.reason4jThreads());
                Spread bound = limit == null ? null : limits.get(limit);
                Spread peerSpread = peerMetrics.get(metric.getKey());
                rows.add(new Row(config.getKey(), metric.getKey(), unitOf(metric.getKey()), metric.getValue(),
                        peerSpread, bound == null ? null : limit, share(metric.getValue(), bound),
                        share(peerSpread, bound)));
            }
        }
        return rows;
    }

    private static Double share(Spread value, Spread limit) {
        return value == null || limit == null ? null : value.median() / limit.median();
    }

    /** JSON lines: one "machine" line, one per limit, one per (config, metric). */
    List<String> jsonLines() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = new ArrayList<>();
        ObjectNode head = json.createObjectNode();
        head.put("type", "machine");
        head.put("cpu_model", machine.cpuModel());
        head.put("logical_cpus", machine.logicalCpus());
        head.set("cpu_flags", json.valueToTree(machine.cpuFlags()));
        head.put("gemm_kernel", machine.gemmKernel());
        head.put("reason4j_threads", machine.reason4jThreads());
        head.put("java", machine.java());
        if (!peer.isEmpty()) {
            head.set("torch", json.valueToTree(peer));
        }
        head.put("load_average_before", loadBefore);
        head.put("load_average_after", loadAfter);
        head.put("rounds", rounds);
        lines.add(json.writeValueAsString(head));
        for (Map.Entry<String, Spread> limit : limits.entrySet()) {
            ObjectNode line = json.createObjectNode();
            line.put("type", "limit");
            line.put("metric", limit.getKey());
            line.put("unit", unitOf(limit.getKey()));
            putSpread(line, "value", limit.getValue());
            lines.add(json.writeValueAsString(line));
        }
        for (Row row : rows()) {
            ObjectNode line = json.createObjectNode();
            line.put("type", "metric");
            line.put("config", row.config());
            line.put("metric", row.metric());
            line.put("unit", row.unit());
            putSpread(line, "reason4j", row.ours());
            if (row.theirs() != null) {
                putSpread(line, "torch", row.theirs());
                line.put("ratio", round(row.ratio()));
            }
            if (row.limit() != null) {
                line.put("limit", row.limit());
                line.put("reason4j_share", round(row.ourShare()));
                if (row.theirShare() != null) {
                    line.put("torch_share", round(row.theirShare()));
                }
            }
            lines.add(json.writeValueAsString(line));
        }
        return lines;
    }

    private static void putSpread(ObjectNode line, String name, Spread spread) {
        line.put(name, round(spread.median()));
        line.put(name + "_min", round(spread.min()));
        line.put(name + "_max", round(spread.max()));
    }

    /** The same as Markdown: a machine paragraph, the limits table and the metrics table. */
    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("**Machine.** ").append(machine.cpuModel()).append(", ").append(machine.logicalCpus())
                .append(" logical CPUs, flags ").append(String.join(" ", machine.cpuFlags())).append("; ")
                .append(machine.java()).append("; GEMM kernel ").append(machine.gemmKernel())
                .append("; Reason4j threads ").append(machine.reason4jThreads());
        if (!peer.isEmpty()) {
            List<String> described = new ArrayList<>();
            peer.forEach((key, value) -> described.add(key + " " + value));
            out.append("; PyTorch: ").append(String.join(", ", described));
        }
        out.append(". Load average (1/5/15 min) ").append(loadBefore).append(" before, ").append(loadAfter)
                .append(" after. ").append(rounds).append(rounds == 1 ? " round" : " rounds")
                .append(": median (min–max).\n\n");
        out.append("| limit | median (min–max) |\n|---|---:|\n");
        for (Map.Entry<String, Spread> limit : limits.entrySet()) {
            out.append("| ").append(limit.getKey()).append(" | ").append(cell(limit.getValue())).append(" ")
                    .append(unitOf(limit.getKey())).append(" |\n");
        }
        boolean withPeer = !theirs.isEmpty();
        out.append("\n| config | metric | Reason4j | ").append(withPeer ? "PyTorch | ratio | " : "")
                .append("share of limit |\n|---|---|---:|").append(withPeer ? "---:|---:|" : "").append("---|\n");
        for (Row row : rows()) {
            out.append("| ").append(row.config()).append(" | ").append(row.metric()).append(" | ")
                    .append(cell(row.ours())).append(" | ");
            if (withPeer) {
                out.append(row.theirs() == null ? "–" : cell(row.theirs())).append(" | ")
                        .append(row.theirs() == null ? "–" : String.format(Locale.ROOT, "%.2f×", row.ratio()))
                        .append(" | ");
            }
            if (row.limit() == null) {
                out.append("–");
            } else {
                out.append(percent(row.ourShare()));
                if (row.theirShare() != null) {
                    out.append(" / ").append(percent(row.theirShare()));
                }
                out.append(" of ").append(row.limit());
            }
            out.append(" |\n");
        }
        return out.toString();
    }

    static String cell(Spread spread) {
        return number(spread.median()) + " (" + number(spread.min()) + "–" + number(spread.max()) + ")";
    }

    /** Three or four significant figures: 1234, 123.4, 12.34, 1.234. */
    static String number(double value) {
        double magnitude = Math.abs(value);
        String format = magnitude >= 1000 ? "%.0f" : magnitude >= 100 ? "%.1f" : magnitude >= 10 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, format, value);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * share);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** Per metric, the values of the rounds so far (insertion-ordered). */
    static final class Rounds {
        private final Map<String, List<Double>> values = new LinkedHashMap<>();

        void add(Map<String, Double> round) {
            round.forEach((metric, value) -> values.computeIfAbsent(metric, m -> new ArrayList<>()).add(value));
        }

        Map<String, Spread> spreads() {
            Map<String, Spread> spreads = new LinkedHashMap<>();
            values.forEach((metric, list) -> spreads.put(metric, Spread.of(list)));
            return spreads;
        }
    }
}
