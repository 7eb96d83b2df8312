package dev.reason4j.cli;

import dev.reason4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.io.JsonLinesReader;
import dev.reason4j.reward.math.MathVerdict;
import dev.reason4j.reward.math.MathVerifier;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** {@code ./reason4j verify-math}: checks JSON lines of gold/pred answers, or measures the verifier's throughput. */
public final class VerifyMathCommand implements Command {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 512;

    @Override
    public String name() {
        return "verify-math";
    }

    @Override
    public String summary() {
        return "check math answers: JSON lines {\"gold\", \"pred\"} in, verdicts out";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j verify-math [--input FILE] [--output FILE] [options]
                       ./reason4j verify-math --bench [--seconds S] [--threads N]

                Reads JSON lines {"gold": ..., "pred": ...} (stdin by default) and writes, per line and in order,
                {"correct": bool, "gold_parsed": ..., "pred_parsed": ..., "extraction": ..., "reason": ...}
                ("timed_out": true when a symbolic check hit its limit). A bad line gets {"line": N, "error": ...}.
                A summary goes to stderr. "pred" may be a whole model response: the answer is extracted (\\boxed{},
                "the answer is", ####, $...$, a final sentence that states a number); "extraction" says how.

                options:
                  --explain         write each verdict as a readable block instead of JSON
                  --tolerance X     relative tolerance for inexact numbers (default 1e-4)
                  --float-rounding N  compare decimals rounded to N places instead (Math-Verify's float_rounding)
                  --timeout-ms N    time limit of one symbolic (CAS) check (default 2000)
                  --last-number     fall back to the last number of a response that marks no answer
                  --threads N       checking threads (default: available processors)
                  --bench           measure checks/s on a built-in mix of typical checks, then exit
                  --seconds S       benchmark duration (default 5)
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        MathVerifier verifier = new MathVerifier(new MathVerifier.Options(
                args.number("tolerance", 1e-4), Duration.ofMillis(args.integer("timeout-ms", 2000)),
                args.flag("last-number"), args.integer("float-rounding", -1)));
        boolean explain = args.flag("explain");
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        if (args.flag("bench")) {
            double seconds = args.number("seconds", 5);
            args.rejectUnknown();
            return bench(verifier, threads, seconds);
        }
        String input = args.string("input", null);
        String output = args.string("output", null);
        args.rejectUnknown();
        try (JsonLinesReader reader = input == null ? JsonLinesReader.stdin(System.in)
                : JsonLinesReader.open(Path.of(input))) {
            if (output == null) {
                Writer writer = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
                int code = verifyLines(verifier, threads, reader, writer, explain);
                writer.flush();
                return code;
            }
            Path target = Path.of(output).toAbsolutePath();
            Path temporary = AtomicFiles.temporarySibling(target);
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                int code = verifyLines(verifier, threads, reader, writer, explain);
                writer.close();
                AtomicFiles.replace(temporary, target);
                return code;
            } finally {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /** Checks every line (in parallel batches) and writes one result line per input line, in order. */
    static int verifyLines(MathVerifier verifier, int threads, JsonLinesReader reader, Writer writer,
                           boolean explain) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "reason4j-verify-math");
            thread.setDaemon(true);
            return thread;
        });
        long lines = 0;
        long correct = 0;
        long errors = 0;
        long timeouts = 0;
        long start = System.nanoTime();
        try {
            List<JsonLinesReader.Line> batch = new ArrayList<>(BATCH);
            JsonLinesReader.Line line;
            boolean more = true;
            while (more) {
                batch.clear();
                while (batch.size() < BATCH && (line = reader.next()) != null) {
                    batch.add(line);
                }
                more = batch.size() == BATCH;
                List<Future<ObjectNode>> results = new ArrayList<>(batch.size());
                for (JsonLinesReader.Line each : batch) {
                    results.add(pool.submit(() -> verifyLine(verifier, each)));
                }
                for (Future<ObjectNode> future : results) {
                    ObjectNode result = future.get();
                    lines++;
                    if (result.has("error")) {
                        errors++;
                        System.err.println("verify-math: " + result.get("error").asText());
                    } else {
                        correct += result.get("correct").asBoolean() ? 1 : 0;
                        timeouts += result.has("timed_out") ? 1 : 0;
                    }
                    writer.write(explain ? explained(result, lines) : JSON.writeValueAsString(result));
                    writer.write('\n');
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long checked = lines - errors;
        System.err.printf("verify-math: %d lines, %d correct (%.1f%% of %d checked), %d errors, %d timeouts,"
                        + " %.1f checks/s%n", lines, correct, checked == 0 ? 0.0 : 100.0 * correct / checked, checked,
                errors, timeouts, lines / Math.max(seconds, 1e-9));
        return errors == 0 ? 0 : 1;
    }

    private static ObjectNode verifyLine(MathVerifier verifier, JsonLinesReader.Line line) {
        ObjectNode result = JSON.createObjectNode();
        try {
            JsonNode node = line.object();
            String gold = answerField(node, "gold");
            String pred = answerField(node, "pred");
            MathVerdict verdict = verifier.verify(gold, pred);
            result.put("correct", verdict.correct());
            result.put("gold_parsed", verdict.goldParsed());
            result.put("pred_parsed", verdict.predParsed());
            result.put("extraction", verdict.extraction());
            result.put("reason", verdict.reason());
            if (verdict.timedOut()) {
                result.put("timed_out", true);
            }
        } catch (IllegalArgumentException e) {
            result.removeAll();
            result.put("line", line.number());
            result.put("error", line.error(e).getMessage());
        }
        return result;
    }

    /** One verdict as a readable block: the decision, both parsed answers, how the answer was found and why. */
    static String explained(ObjectNode result, long line) {
        if (result.has("error")) {
            return "error: " + result.get("error").asText() + "\n";
        }
        String predParsed = result.get("pred_parsed").isNull() ? "(no answer)" : result.get("pred_parsed").asText();
        return "line " + line + ": " + (result.get("correct").asBoolean() ? "correct" : "wrong")
                + (result.has("timed_out") ? " (CAS time limit)" : "") + "\n"
                + "  gold:    " + result.get("gold_parsed").asText() + "\n"
                + "  answer:  " + predParsed + "   [" + result.get("extraction").asText() + "]\n"
                + "  because: " + result.get("reason").asText() + "\n";
    }

    private static String answerField(JsonNode node, String name) {
        JsonNode field = node.get(name);
        if (field == null || field.isNull()) {
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        if (!field.isTextual() && !field.isNumber()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a string or a number");
        }
        // 1e-05 in JSON is the number 0.00001, not the text "1.0E-5"
        return field.isNumber() ? field.decimalValue().stripTrailingZeros().toPlainString() : field.asText();
    }

    // ---- benchmark ---------------------------------------------------------------------------------------------

    /** Typical checks: GSM8K/MATH-style answers and responses, right and wrong, most decided without the CAS. */
    record BenchCheck(String gold, String response, boolean expected) {}

    static List<BenchCheck> benchmarkChecks(int count) {
        SplittableRandom random = new SplittableRandom(7);
        List<BenchCheck> checks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int a = 1 + random.nextInt(999);
            int b = 2 + random.nextInt(98);
            boolean right = random.nextBoolean();
            int shown = right ? a : a + 1;
            String[] check = switch (i % 10) {
                case 0 -> new String[] {Integer.toString(a),
                        "We add the parts step by step.\nSo the total is " + shown + ".\n#### " + shown};
                case 1 -> new String[] {"\\frac{" + a + "}{" + b + "}",
                        "Simplifying, the answer is $\\boxed{\\dfrac{" + shown + "}{" + b + "}}$."};
                case 2 -> new String[] {Integer.toString(a * 1000),
                        "The final answer is $\\boxed{" + String.format("%,d", shown * 1000) + "}$"};
                case 3 -> new String[] {String.format("%.2f", a / 8.0),
                        "Answer: \\$" + String.format("%.2f", shown / 8.0)};
                case 4 -> new String[] {"\\{" + a + ", " + b + "\\}",
                        "\\boxed{\\{" + b + ", " + shown + "\\}}"};
                case 5 -> new String[] {"x \\le " + a, "\\boxed{(-\\infty, " + shown + "]}"};
                case 6 -> new String[] {b + "\\sqrt{2}",
                        "\\boxed{\\sqrt{" + (right ? 2 * b * b : 2 * b * b + 1) + "}}"};
                case 7 -> new String[] {"x^2 + " + 2 * a + "x + " + a * a,
                        "so it factors: \\boxed{(x + " + shown + ")^2}"};
                case 8 -> new String[] {"y = " + a + "x + " + b, "\\boxed{" + b + " + " + shown + "x}"};
                default -> new String[] {a + "\\%", "The answer is " + shown + "\\%."};
            };
            checks.add(new BenchCheck(check[0], check[1], right));
        }
        return checks;
    }

    private static int bench(MathVerifier verifier, int threads, double seconds) throws Exception {
        List<BenchCheck> checks = benchmarkChecks(10_000);
        for (BenchCheck check : checks.subList(0, 2_000)) {
            verifier.verify(check.gold(), check.response());   // JIT warm-up
        }
        AtomicLong done = new AtomicLong();
        AtomicLong correct = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            workers.add(pool.submit(() -> {
                int i = offset;
                while (System.nanoTime() < end) {
                    BenchCheck check = checks.get(i % checks.size());
                    if (verifier.verify(check.gold(), check.response()).correct()) {
                        correct.incrementAndGet();
                    }
                    done.incrementAndGet();
                    i += threads;
                }
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("verify-math bench: %d checks in %.2f s on %d threads: %.0f checks/s (%.1f%% correct)%n",
                done.get(), elapsed, threads, done.get() / elapsed, 100.0 * correct.get() / done.get());
        return 0;
    }
}
