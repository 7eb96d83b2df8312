package dev.reason4j.agent;

import dev.reason4j.config.Options;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.reward.code.CodeRunner;
import dev.reason4j.reward.code.Sandbox;
import dev.reason4j.reward.code.SandboxLimits;
import dev.reason4j.reward.code.Sandboxes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code python} tool: runs the model's code with the system's Python 3 in the bubblewrap sandbox of
 * {@code reward.code} (no network, no files of ours, a private {@code /tmp}, rlimits) and returns what it printed:
 * stdout, then stderr labelled when there is any, then a line for a nonzero exit or the time limit. As in a notebook,
 * the value of a last bare expression is printed ({@code 2**100} alone shows the number). Output longer than
 * {@code max_output_chars} keeps its beginning and end and says how much was cut.
 *
 * <p>Per episode ({@link #forEpisode}) variables persist between calls: each call re-runs the episode's earlier
 * successful cells (exit 0 within the time limit), their output thrown away, then the new cell, all in one Python
 * process in one sandbox. So side effects are re-run too (files in {@code /tmp} written again, random numbers drawn
 * again, unseeded ones differently), and the time limit covers the replay. A cell that failed is not replayed. The
 * shared instance runs each call on its own, with no state.
 *
 * <p>Options: {@code timeout_s} (per call, default 10), {@code memory_mb} (address space, default 512),
 * {@code max_output_chars} (default 2000), and {@code allow_unsandboxed} (default false: UNSAFE, run the code with
 * only rlimits when bubblewrap is missing, as {@code reward.code.allow_unsandboxed}). Without bubblewrap and without
 * that opt-in, creating the tool fails saying how to install it.
 */
public final class PythonTool implements Tool {
    public static final String NAME = "python";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Output read from the program before it is stopped; what the model sees is cut far shorter. */
    private static final long MAX_OUTPUT_BYTES = 1L << 20;
    private static final int SIGXCPU_EXIT = 128 + 24;
    /**
     * Reads the cells (a JSON list) from stdin; re-runs all but the last with stdout and stderr (Python's and the
     * file descriptors) sent to /dev/null, exceptions ignored; then runs the last, printing the value of a final
     * expression and, on an exception, the traceback of the cell's own frames.
     */
    private static final String DRIVER = """
            import ast, io, json, linecache, os, sys, traceback
            cells = json.loads(sys.stdin.buffer.read().decode("utf-8"))
            namespace = {"__name__": "__main__", "__builtins__": __builtins__}
            def run(source, name, echo):
                linecache.cache[name] = (len(source), None, source.splitlines(True), name)
                tree = ast.parse(source, name, "exec")
                last = None
                if echo and tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = ast.Expression(tree.body.pop().value)
                exec(compile(tree, name, "exec"), namespace)
                if last is not None:
                    value = eval(compile(last, name, "eval"), namespace)
                    if value is not None:
                        print(repr(value))
            if len(cells) > 1:
                saved = os.dup(1), os.dup(2)
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
                sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
                for index, earlier in enumerate(cells[:-1]):
                    try:
                        run(earlier, "<cell %d>" % (index + 1), False)
                    except BaseException:
                        pass
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            try:
                run(cells[-1], "<cell>", True)
            except SystemExit:
                raise
            except BaseException as error:
                frames = error.__traceback__
                while frames is not None and not frames.tb_frame.f_code.co_filename.startswith("<cell"):
                    frames = frames.tb_next
                traceback.print_exception(type(error), error, frames)
                sys.exit(1)
            """;

    private final Sandbox sandbox;
    private final Path python;
    private final SandboxLimits limits;
    private final int maxOutputChars;

    public PythonTool(Map<String, Object> options) {
        Options read = new Options("tool " + NAME, options);
        double timeoutSeconds = read.positive("timeout_s", 10, 3600);
        int memoryMb = read.integer("memory_mb", 512, 32, 1 << 20);
        maxOutputChars = read.integer("max_output_chars", 2000, 100, 1_000_000);
        boolean allowUnsandboxed = read.bool("allow_unsandboxed", false);
        read.finish();
        python = CodeRunner.DEFAULT_PYTHON;
        if (!Files.isExecutable(python)) {
            throw read.error(python + " is missing: apt-get install python3");
        }
        SandboxLimits defaults = SandboxLimits.defaults();
        limits = new SandboxLimits(timeoutSeconds, memoryMb, defaults.maxProcesses(), MAX_OUTPUT_BYTES,
                defaults.maxFileBytes(), defaults.tmpBytes());
        try {
            sandbox = Sandboxes.create(allowUnsandboxed, "set the python tool's option allow_unsandboxed: true",
                    python, CodeRunner.DEFAULT_JAVA_HOME);
        } catch (IllegalStateException e) {
            throw read.error(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw read.error("interrupted while checking the sandbox");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Runs Python 3 code in a sandbox without network and returns what it prints (the value of a last"
                + " bare expression is printed too). Variables persist between calls.";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("type", "object",
                "properties", Map.of("code", Map.of("type", "string", "description", "the Python code to run")),
                "required", List.of("code"));
    }

    /** Runs one cell on its own (no session). */
    @Override
    public String call(Map<String, Object> arguments) throws Exception {
        return report(run(List.of(Tool.string(arguments, "code"))));
    }

    /** A session whose variables persist between calls (by replaying its successful cells). */
    @Override
    public Tool forEpisode() {
        return new Session();
    }

    /** One episode's Python session: the cells that ran successfully, replayed before each new one. */
    private final class Session implements Tool {
        private final List<String> cells = new ArrayList<>();

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return PythonTool.this.description();
        }

        @Override
        public Map<String, Object> parameters() {
            return PythonTool.this.parameters();
        }

        @Override
        public String call(Map<String, Object> arguments) throws Exception {
            List<String> program = new ArrayList<>(cells);
            program.add(Tool.string(arguments, "code"));
            Sandbox.Result result = run(program);
            if (result.exitCode() == 0 && !result.timedOut() && !result.outputExceeded()) {
                cells.add(program.getLast());
            }
            return report(result);
        }
    }

    /** Runs the cells (earlier ones quietly, the last one shown) in one Python process in the sandbox. */
    private Sandbox.Result run(List<String> cells) throws IOException, InterruptedException {
        // The cells travel on stdin: the code directory the sandbox mounts stays empty.
        Path directory = Files.createTempDirectory("reason4j-python-tool");
        try {
            sandbox.prepare(directory);
            List<String> command = List.of(python.toString(), "-I", "-B", "-u", "-c", DRIVER);
            return sandbox.execute(new Sandbox.Request(directory, false, command, JSON.writeValueAsBytes(cells),
                    limits, limits.memoryMb() * (1L << 20)));
        } finally {
            Files.deleteIfExists(directory);
        }
    }

    /** What the model reads: stdout, labelled stderr, a line for how the run ended, cut to the limit. */
    private String report(Sandbox.Result result) {
        String stdout = new String(result.stdout(), StandardCharsets.UTF_8).stripTrailing();
        String stderr = new String(result.stderr(), StandardCharsets.UTF_8).stripTrailing();
        List<String> parts = new ArrayList<>();
        if (!stdout.isEmpty()) {
            parts.add(stderr.isEmpty() ? stdout : "stdout:\n" + stdout);
        }
        if (!stderr.isEmpty()) {
            parts.add("stderr:\n" + stderr);
        }
        if (result.timedOut() || result.exitCode() == SIGXCPU_EXIT) {
            parts.add("[timed out after " + seconds(limits.timeoutSeconds()) + " s]");
        } else if (result.outputExceeded()) {
            parts.add("[stopped: more than " + MAX_OUTPUT_BYTES + " bytes of output]");
        } else if (result.exitCode() > 128) {
            parts.add("[killed by signal " + (result.exitCode() - 128) + "]");
        } else if (result.exitCode() != 0) {
            parts.add("[exit code " + result.exitCode() + "]");
        }
        return cut(parts.isEmpty() ? "(no output)" : String.join("\n", parts), maxOutputChars);
    }

    /** {@code text} if it fits, else its first and last parts around a line saying how much was cut. */
    static String cut(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int head = maxChars / 2;
        int tail = maxChars - head;
        if (Character.isHighSurrogate(text.charAt(head - 1))) {
            head--;
        }
        if (Character.isLowSurrogate(text.charAt(text.length() - tail))) {
            tail--;
        }
        int removed = text.length() - head - tail;
        return text.substring(0, head) + "\n[… " + removed + " of " + text.length() + " characters cut …]\n"
                + text.substring(text.length() - tail);
    }

    private static String seconds(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
