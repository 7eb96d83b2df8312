package dev.reason4j.cli;

import dev.reason4j.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.io.JsonLinesReader;
import dev.reason4j.reward.code.CodeReward;
import dev.reason4j.reward.code.CodeRewardConfig;
import dev.reason4j.reward.code.CodeRunner;
import dev.reason4j.reward.code.SandboxLimits;
import dev.reason4j.reward.code.TestOutcome;
import dev.reason4j.reward.code.Verdict;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** {@code ./reason4j verify-code}: runs programs against tests in the sandbox, one JSON line in, one out. */
public final class VerifyCodeCommand implements Command {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "verify-code";
    }

    @Override
    public String summary() {
        return "run programs against test cases in the sandbox (JSON lines in and out)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j verify-code [--input FILE] [--output FILE] [options]

                Reads JSON lines (stdin, or --input) of the form
                  {"language": "python"|"java", "code": "...",
                   "tests": [{"stdin": "...", "stdout": "..."} | {"assert": "..."}],
                   "timeout_s"?: n, "memory_mb"?: n}
                runs each program against its tests in the bubblewrap sandbox, and writes one line per input
                (stdout, or --output, written atomically), in input order:
                  {"passed": k, "total": n, "statuses": ["passed", "wrong_answer", ...], "reward": r}
                Statuses: passed, wrong_answer, runtime_error, time_limit_exceeded, memory_limit_exceeded,
                compile_error, sandbox_error. Stdout is compared up to trailing whitespace; an assert test is
                appended to the program (Python) or compiled beside it (Java) and passes when it exits 0.

                options:
                  --workers N          programs run at once (default: number of cores)
                  --reward MODE        all-pass (1 only when every test passes, default) or fraction
                  --timeout S          default per-test wall-clock limit in seconds (default 10)
                  --memory-mb M        default memory limit in MB (default 512)
                  --details            add "details": the end of stderr (or the wrong output) per test
                  --unsafe-no-sandbox  if bubblewrap is unavailable, run the code WITHOUT a sandbox (dangerous;
                                       warns on every run)
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        String input = args.string("input", null);
        String output = args.string("output", null);
        int workers = args.integer("workers", Runtime.getRuntime().availableProcessors());
        String mode = args.string("reward", "all-pass");
        double timeout = args.number("timeout", SandboxLimits.defaults().timeoutSeconds());
        int memoryMb = args.integer("memory-mb", SandboxLimits.defaults().memoryMb());
        boolean details = args.flag("details");
        boolean unsafe = args.flag("unsafe-no-sandbox");
        args.rejectUnknown();
        if (!mode.equals("all-pass") && !mode.equals("fraction")) {
            throw new IllegalArgumentException("--reward must be all-pass or fraction, got '" + mode + "'");
        }
        if (workers <= 0) {
            throw new IllegalArgumentException("--workers must be positive, got " + workers);
        }
        CodeRewardConfig defaults = CodeRewardConfig.defaults();
        CodeRewardConfig config = new CodeRewardConfig(mode.equals("all-pass"),
                defaults.limits().withTimeout(timeout).withMemoryMb(memoryMb), defaults.compileTimeoutSeconds(),
                unsafe, defaults.defaultLanguage());
        CodeReward reward = new CodeReward(config);

        List<Job> jobs = readJobs(reward, input);
        CodeRunner runner = reward.runner();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<Verdict>> verdicts = new ArrayList<>();
            for (Job job : jobs) {
                verdicts.add(pool.submit(() -> runner.run(job.problem().language(), job.code(),
                        job.problem().tests(), job.problem().limits())));
            }
            Path target = output == null ? null : Path.of(output).toAbsolutePath();
            Path temporary = target == null ? null : AtomicFiles.temporarySibling(target);
            try (Writer writer = temporary == null
                    ? new OutputStreamWriter(System.out, StandardCharsets.UTF_8)
                    : Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                for (Future<Verdict> future : verdicts) {
                    writer.write(JSON.writeValueAsString(toJson(future.get(), config.allPass(), details)));
                    writer.write('\n');
                    writer.flush();
                }
            }
            if (temporary != null) {
                AtomicFiles.replace(temporary, target);
            }
        } finally {
            pool.shutdownNow();
        }
        return 0;
    }

    private record Job(String code, CodeReward.Problem problem) {}

    /** Reads and checks every line before running anything, so a bad line fails fast with its number. */
    private static List<Job> readJobs(CodeReward reward, String input) throws IOException {
        List<Job> jobs = new ArrayList<>();
        try (JsonLinesReader reader = input == null ? JsonLinesReader.stdin(System.in)
                : JsonLinesReader.open(Path.of(input))) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                ObjectNode node = line.object();
                if (!node.path("code").isTextual()) {
                    throw line.error("missing a string \"code\"");
                }
                if (!node.has("language")) {
                    throw line.error("missing \"language\" (python or java)");
                }
                jobs.add(new Job(node.get("code").asText(), reward.parseProblem(node, "", line.where())));
            }
        }
        return jobs;
    }

    private static ObjectNode toJson(Verdict verdict, boolean allPass, boolean details) {
        ObjectNode line = JSON.createObjectNode();
        line.put("passed", verdict.passed());
        line.put("total", verdict.total());
        verdict.statusLabels().forEach(line.putArray("statuses")::add);
        line.put("reward", verdict.reward(allPass));
        if (details) {
            verdict.outcomes().stream().map(TestOutcome::detail).forEach(line.putArray("details")::add);
        }
        return line;
    }
}
