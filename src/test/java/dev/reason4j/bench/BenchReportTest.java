package dev.reason4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statistics and the report of {@code bench}: medians, ranges, ratios and shares of the machine's limits. */
class BenchReportTest {
    @Test
    void spreadIsMedianAndRange() {
        assertEquals(new Spread(3, 1, 10, 5), Spread.of(List.of(10.0, 1.0, 3.0, 2.0, 7.0)));
        assertEquals(new Spread(2.5, 1, 10, 4), Spread.of(List.of(10.0, 1.0, 3.0, 2.0)));
        assertEquals(new Spread(4, 4, 4, 1), Spread.of(List.of(4.0)));
        assertEquals(0.5, new Spread(10, 8, 13, 3).relativeRange(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Spread.of(List.of()));
    }

    @Test
    void roundsCollectEachMetricsValuesInOrder() {
        BenchReport.Rounds rounds = new BenchReport.Rounds();
        rounds.add(map("b", 1.0, "a", 5.0));
        rounds.add(map("b", 3.0, "a", 4.0));
        rounds.add(map("b", 2.0, "a", 9.0));
        Map<String, Spread> spreads = rounds.spreads();
        assertEquals(List.of("b", "a"), List.copyOf(spreads.keySet()));
        assertEquals(new Spread(2, 1, 3, 3), spreads.get("b"));
        assertEquals(new Spread(5, 4, 9, 3), spreads.get("a"));
    }

    private static BenchReport report() {
        MachineInfo machine = new MachineInfo("Test CPU", 2, List.of("avx2", "avx512f"), "Vector API (test)", 2,
                "JVM 25");
        Map<String, Spread> limits = new LinkedHashMap<>();
        limits.put("peak_sgemm_gflops_threads2", new Spread(80, 70, 90, 3));
        limits.put("stream_triad_gbytes_per_s_threads2", new Spread(20, 19, 21, 3));
        Map<String, Spread> ours = new LinkedHashMap<>();
        ours.put("train_tokens_per_s", new Spread(900, 850, 950, 3));
        ours.put("train_gflops", new Spread(60, 55, 62, 3));
        ours.put("decode_gbytes_per_s_batch1", new Spread(10, 9, 11, 3));
        ours.put("mixed_tokens_per_s", new Spread(1500, 1400, 1600, 3));
        Map<String, Spread> theirs = new LinkedHashMap<>();
        theirs.put("train_tokens_per_s", new Spread(600, 500, 700, 3));
        theirs.put("train_gflops", new Spread(40, 33, 47, 3));
        theirs.put("decode_gbytes_per_s_batch1", new Spread(4, 3, 5, 3));
        return new BenchReport(machine, Map.of("version", "1.13.1", "OMP_WAIT_POLICY", "PASSIVE"), "0.10 0.20 0.30",
                "1.10 0.40 0.35", 3, limits, Map.of("medium", ours), Map.of("medium", theirs));
    }

    @Test
    void rowsGiveRatiosOfMediansAndSharesOfTheLimitThatBoundsEachMetric() {
        List<BenchReport.Row> rows = report().rows();
        assertEquals(4, rows.size());
        BenchReport.Row tokens = rows.get(0);
        assertEquals("tokens/s", tokens.unit());
        assertEquals(1.5, tokens.ratio(), 1e-12);
        assertNull(tokens.limit());
        BenchReport.Row train = rows.get(1);
        assertEquals("peak_sgemm_gflops_threads2", train.limit());
        assertEquals(60.0 / 80, train.ourShare(), 1e-12);
        assertEquals(40.0 / 80, train.theirShare(), 1e-12);
        BenchReport.Row decode = rows.get(2);
        assertEquals("GB/s", decode.unit());
        assertEquals("stream_triad_gbytes_per_s_threads2", decode.limit());
        assertEquals(0.5, decode.ourShare(), 1e-12);
        assertEquals(0.2, decode.theirShare(), 1e-12);
        BenchReport.Row mixed = rows.get(3);
        assertNull(mixed.theirs());
        assertNull(mixed.ratio());
    }

    @Test
    void jsonLinesCarryTheMachineTheLimitsAndEachMetric() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = report().jsonLines().stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertEquals(1 + 2 + 4, lines.size());
        JsonNode machine = lines.get(0);
        assertEquals("machine", machine.get("type").asText());
        assertEquals("Test CPU", machine.get("cpu_model").asText());
        assertEquals("avx512f", machine.get("cpu_flags").get(1).asText());
        assertEquals("0.10 0.20 0.30", machine.get("load_average_before").asText());
        assertEquals("1.10 0.40 0.35", machine.get("load_average_after").asText());
        assertEquals("PASSIVE", machine.get("torch").get("OMP_WAIT_POLICY").asText());
        assertEquals(3, machine.get("rounds").asInt());
        JsonNode limit = lines.get(1);
        assertEquals("limit", limit.get("type").asText());
        assertEquals(80.0, limit.get("value").asDouble());
        assertEquals(70.0, limit.get("value_min").asDouble());
        JsonNode train = lines.get(4);
        assertEquals("train_gflops", train.get("metric").asText());
        assertEquals(60.0, train.get("reason4j").asDouble());
        assertEquals(55.0, train.get("reason4j_min").asDouble());
        assertEquals(47.0, train.get("torch_max").asDouble());
        assertEquals(1.5, train.get("ratio").asDouble());
        assertEquals(0.75, train.get("reason4j_share").asDouble());
        assertEquals(0.5, train.get("torch_share").asDouble());
        JsonNode mixed = lines.get(6);
        assertTrue(!mixed.has("torch") && !mixed.has("ratio") && !mixed.has("limit"), mixed.toString());
    }

    @Test
    void markdownHasTheMachineLineTheLimitsAndOneRowPerMetric() {
        String markdown = report().markdown();
        assertTrue(markdown.contains("Test CPU, 2 logical CPUs, flags avx2 avx512f"), markdown);
        assertTrue(markdown.contains("0.10 0.20 0.30 before, 1.10 0.40 0.35 after. 3 rounds"), markdown);
        assertTrue(markdown.contains("| peak_sgemm_gflops_threads2 | 80.00 (70.00–90.00) GFLOP/s |"), markdown);
        assertTrue(markdown.contains("| medium | train_gflops | 60.00 (55.00–62.00) | 40.00 (33.00–47.00) | 1.50× | "
                + "75 % / 50 % of peak_sgemm_gflops_threads2 |"), markdown);
        assertTrue(markdown.contains("| medium | mixed_tokens_per_s | 1500 (1400–1600) | – | – | – |"), markdown);
    }

    @Test
    void numbersKeepThreeOrFourSignificantFigures() {
        assertEquals("1235", BenchReport.number(1234.6));
        assertEquals("123.5", BenchReport.number(123.46));
        assertEquals("12.35", BenchReport.number(12.346));
        assertEquals("0.123", BenchReport.number(0.1234));
    }

    @Test
    void derivedMetricsFollowTheirSourceWithTheSameFormulaForBothSides() {
        BenchConfig small = BenchConfig.preset("small");
        Map<String, Double> derived = Benchmark.withDerived(small, map("train_tokens_per_s", 100.0,
                "decode_tokens_per_s_batch32", 1000.0, "mixed_tokens_per_s", 5.0));
        assertEquals(List.of("train_tokens_per_s", "train_gflops", "decode_tokens_per_s_batch32",
                "decode_gbytes_per_s_batch32", "mixed_tokens_per_s"), List.copyOf(derived.keySet()));
        assertEquals(100 * 3 * small.forwardFlopsPerToken(128) / 1e9, derived.get("train_gflops"), 1e-12);
        assertEquals(1000 * small.decodeBytesPerToken(32) / 1e9, derived.get("decode_gbytes_per_s_batch32"), 1e-12);
    }

    @Test
    void machineInfoReadsCpuinfoAndPicksTheFlagsThatChooseKernels() {
        String cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu sse avx2 fma avx512f "
                + "avx512_bf16 amx_tile\n";
        assertEquals("AMD EPYC 9R14", MachineInfo.cpuinfoField(cpuinfo, "model name"));
        assertEquals("unknown", MachineInfo.cpuinfoField(cpuinfo, "microcode"));
        assertEquals(List.of("fma", "avx2", "avx512f", "avx512_bf16", "amx_tile"),
                MachineInfo.flagsOfInterest(MachineInfo.cpuinfoField(cpuinfo, "flags")));
    }

    @Test
    void cacheSizesParseAsSysfsWritesThem() {
        assertEquals(32L << 20, MachineLimits.parseCacheSize("32768K"));
        assertEquals(1L << 20, MachineLimits.parseCacheSize("1M"));
        assertEquals(512, MachineLimits.parseCacheSize("512"));
    }

    @Test
    void thePeerReplaysTheMixedWorkloadsLengths() {
        ModelBench.MixedWorkload mixed = new ModelBench.MixedWorkload(List.of(new int[3], new int[17]),
                null, new int[] {5, 1});
        assertEquals("{\"prompt_lengths\":[3,17],\"response_lengths\":[5,1]}", TorchPeer.mixedJson(mixed));
        assertEquals(6, mixed.responseTokens());
        assertEquals(20, mixed.promptTokens());
    }

    private static Map<String, Double> map(Object... keysAndValues) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (Double) keysAndValues[i + 1]);
        }
        return map;
    }
}
