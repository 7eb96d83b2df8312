package dev.reason4j.server;

import dev.reason4j.rollout.Generator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters, and {@code /metrics} in Prometheus' text format. */
final class Metrics {
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();   // "route\u0000status"
    final LongAdder promptTokens = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    /** Generation requests admitted and not yet answered (the server's queue, bounded by --max-requests). */
    final AtomicInteger inFlight = new AtomicInteger();

    void count(String route, int status) {
        requests.computeIfAbsent(route + '\u0000' + status, k -> new LongAdder()).increment();
    }

    String render(ServedModel.Engine engine) {
        Generator.Stats stats = engine.generator().stats();
        StringBuilder out = new StringBuilder();
        out.append("# HELP reason4j_requests_total HTTP requests answered, by route and status.\n");
        out.append("# TYPE reason4j_requests_total counter\n");
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(requests).entrySet()) {
            String[] key = e.getKey().split("\u0000");
            out.append("reason4j_requests_total{route=\"").append(key[0]).append("\",status=\"").append(key[1])
                    .append("\"} ").append(e.getValue().sum()).append('\n');
        }
        metric(out, "reason4j_prompt_tokens_total", "counter", "Prompt tokens of generation requests.",
                promptTokens.sum());
        metric(out, "reason4j_generation_tokens_total", "counter", "Tokens generated.", completionTokens.sum());
        metric(out, "reason4j_requests_cancelled_total", "counter",
                "Generation requests aborted because the client went away.", cancelled.sum());
        metric(out, "reason4j_requests_in_flight", "gauge", "Generation requests admitted and not yet answered.",
                inFlight.get());
        metric(out, "reason4j_queue_depth", "gauge", "Engine requests waiting for KV blocks or rows.",
                stats.waiting());
        metric(out, "reason4j_batch_size", "gauge", "Sequences in the engine's running batch.", stats.running());
        metric(out, "reason4j_kv_blocks_used", "gauge", "KV-cache blocks held.", stats.kvBlocksUsed());
        metric(out, "reason4j_kv_blocks_budget", "gauge", "KV-cache blocks the budget holds.", stats.kvBlocksBudget());
        metric(out, "reason4j_engine_steps_total", "counter", "Forward steps of the current engine.", stats.steps());
        metric(out, "reason4j_engine_rows_total", "counter",
                "Rows of those steps (rows / steps = mean batch rows).", stats.rows());
        metric(out, "reason4j_engine_preemptions_total", "counter", "Requests preempted for KV blocks.",
                stats.preemptions());
        metric(out, "reason4j_weights_version", "gauge", "Weight updates since start (0 = as loaded).",
                engine.version());
        return out.toString();
    }

    private static void metric(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value).append('\n');
    }
}
