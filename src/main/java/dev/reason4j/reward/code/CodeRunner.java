package dev.reason4j.reward.code;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs a program against its tests in a {@link Sandbox} and gives each test a {@link TestStatus}. Each test is a
 * fresh sandbox run; a Java program is compiled once (in the sandbox too), or once per test for assert-style tests.
 *
 * @param python   the Python 3 interpreter (inside the sandbox it must be under {@code /usr} or bound read-only)
 * @param javaHome the JDK whose {@code javac} and {@code java} run Java programs
 */
public record CodeRunner(Sandbox sandbox, Path python, Path javaHome, double compileTimeoutSeconds) {

    /** Exit code of the Python launcher when the program does not compile. */
    private static final int PYTHON_COMPILE_FAILED = 99;
    private static final String PYTHON_COMPILE_MARKER = "reason4j: program does not compile";
    /**
     * Runs the program file given as argument as the real {@code __main__} module (runpy, as {@code python FILE}
     * would, so pickling and type hints of its classes work), compiling it first so that a syntax error is reported
     * as a compile error rather than a runtime error.
     */
    private static final String PYTHON_LAUNCHER = """
            import runpy, sys
            path = sys.argv[1]
            try:
                with open(path, encoding="utf-8") as source:
                    compile(source.read(), path, "exec")
            except (SyntaxError, ValueError):
                import traceback
                traceback.print_exc()
                print("%s", file=sys.stderr)
                sys.exit(%d)
            sys.argv = sys.argv[1:]
            runpy.run_path(path, run_name="__main__")
            """.formatted(PYTHON_COMPILE_MARKER, PYTHON_COMPILE_FAILED);

    /** A JVM reserves address space well beyond its heap (class space, code cache, stacks, CDS archive). */
    private static final long JVM_ADDRESS_SPACE_ALLOWANCE = 640L << 20;
    private static final int JAVAC_HEAP_MB = 256;
    private static final int JAVAC_MAX_PROCESSES = 128;
    /** Small, quick-starting JVM: one GC thread, C1 only, small reserved spaces, no perf-data file in /tmp. */
    private static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1", "-XX:CompressedClassSpaceSize=64m", "-XX:ReservedCodeCacheSize=32m",
            "-XX:MaxMetaspaceSize=128m", "-XX:-UsePerfData", "-Xshare:auto");
    private static final int DETAIL_CHARS = 600;

    /** The system's Python (not a per-user one such as pyenv's, which lives in a home directory). */
    public static final Path DEFAULT_PYTHON = Path.of("/usr/bin/python3");
    /** The JDK running Reason4j. */
    public static final Path DEFAULT_JAVA_HOME = Path.of(System.getProperty("java.home"));

    /** Directories the sandbox must bind read-only for this toolchain (those outside {@code /usr}). */
    public static List<Path> toolchainPaths(Path python, Path javaHome) throws IOException {
        List<Path> paths = new ArrayList<>();
        if (Files.exists(python) && !python.toRealPath().startsWith("/usr")) {
            paths.add(python.toRealPath().getParent().getParent()); // the installation prefix above bin/
        }
        if (Files.exists(javaHome) && !javaHome.toRealPath().startsWith("/usr")) {
            paths.add(javaHome.toRealPath());
        }
        return paths;
    }

    /** Runs every test; interrupting the calling thread kills the running program and throws. */
    public Verdict run(Language language, String code, List<TestCase> tests, SandboxLimits limits)
            throws InterruptedException {
        Path tool = language == Language.PYTHON ? python : javaHome.resolve("bin/javac");
        if (!Files.isExecutable(tool)) {
            return allSandboxErrors(tests, "no " + language + " toolchain: " + tool + " is missing");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("reason4j-code");
        } catch (IOException e) {
            return allSandboxErrors(tests, "cannot create a code directory: " + e);
        }
        try {
            return switch (language) {
                case PYTHON -> runPython(directory, code, tests, limits);
                case JAVA -> runJava(directory, code, tests, limits);
            };
        } catch (IOException e) {
            return allSandboxErrors(tests, e.toString());
        } finally {
            deleteRecursively(directory);
        }
    }

    private Verdict runPython(Path directory, String code, List<TestCase> tests, SandboxLimits limits)
            throws IOException, InterruptedException {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            // Stdio tests share main.py; an assert test is the program with the test appended.
            String file = "main.py";
            String program = code;
            if (tests.get(i) instanceof TestCase.Assert check) {
                file = "test_" + i + ".py";
                program = code + "\n\n" + check.testCode();
            }
            Files.write(directory.resolve(file), program.getBytes(StandardCharsets.UTF_8));
            files.add(file);
        }
        sandbox.prepare(directory);
        String mount = sandbox.codeDirectory(directory);
        List<TestOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            List<String> command = List.of(python.toString(), "-I", "-B", "-c", PYTHON_LAUNCHER,
                    mount + "/" + files.get(i));
            outcomes.add(runTest(directory, command, tests.get(i), limits, limits.memoryMb() * (1L << 20)));
        }
        return new Verdict(outcomes);
    }

    private Verdict runJava(Path directory, String code, List<TestCase> tests, SandboxLimits limits)
            throws IOException, InterruptedException {
        String mount = sandbox.codeDirectory(directory);
        // Stdio tests share one compiled program; each assert test is compiled with the program.
        List<String> units = new ArrayList<>();
        List<String> mainClasses = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            String unit = tests.get(i) instanceof TestCase.Assert ? "test" + i : "program";
            if (!Files.exists(directory.resolve(unit))) {
                Files.createDirectories(directory.resolve(unit));
                String programFile = publicClass(code).orElse(tests.get(i) instanceof TestCase.Assert ? "Solution" : "Main");
                Files.write(directory.resolve(unit).resolve(programFile + ".java"), code.getBytes(StandardCharsets.UTF_8));
                if (tests.get(i) instanceof TestCase.Assert check) {
                    String testFile = publicClass(check.testCode()).orElse("Main");
                    Files.write(directory.resolve(unit).resolve(testFile + ".java"),
                            check.testCode().getBytes(StandardCharsets.UTF_8));
                }
            }
            String mainSource = tests.get(i) instanceof TestCase.Assert check ? check.testCode() : code;
            units.add(unit);
            mainClasses.add(mainClass(mainSource).orElse("Main"));
        }
        sandbox.prepare(directory);
        Map<String, TestOutcome> compileFailures = new HashMap<>();
        for (String unit : new LinkedHashSet<>(units)) {
            TestOutcome failure = compileJava(directory, mount + "/" + unit, directory.resolve(unit), limits);
            if (failure != null) {
                compileFailures.put(unit, failure);
            }
        }
        List<TestOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            TestOutcome failure = compileFailures.get(units.get(i));
            if (failure != null) {
                outcomes.add(failure);
                continue;
            }
            List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin/java").toString(),
                    "-Xmx" + limits.memoryMb() + "m"));
            command.addAll(JVM_FLAGS);
            command.addAll(List.of("-ea", "-cp", mount + "/" + units.get(i), mainClasses.get(i)));
            outcomes.add(runTest(directory, command, tests.get(i), limits,
                    limits.memoryMb() * (1L << 20) + JVM_ADDRESS_SPACE_ALLOWANCE));
        }
        return new Verdict(outcomes);
    }

    /** Compiles the sources of one unit in place; null on success, else the compile-error (or sandbox) outcome. */
    private TestOutcome compileJava(Path directory, String unitMount, Path unitDirectory, SandboxLimits limits)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaHome.resolve("bin/javac").toString(),
                "-J-Xmx" + JAVAC_HEAP_MB + "m"));
        JVM_FLAGS.forEach(flag -> command.add("-J" + flag));
        // -proc:none: no annotation processors, so compiling runs none of the program's code.
        command.addAll(List.of("-encoding", "UTF-8", "-nowarn", "-proc:none", "-d", unitMount));
        try (Stream<Path> sources = Files.list(unitDirectory)) {
            sources.map(p -> unitMount + "/" + p.getFileName()).sorted().forEach(command::add);
        }
        SandboxLimits compileLimits = new SandboxLimits(compileTimeoutSeconds, JAVAC_HEAP_MB,
                Math.max(limits.maxProcesses(), JAVAC_MAX_PROCESSES), limits.maxOutputBytes(), 64L << 20,
                limits.tmpBytes());
        Sandbox.Result result = sandbox.execute(new Sandbox.Request(directory, true, command, new byte[0],
                compileLimits, JAVAC_HEAP_MB * (1L << 20) + JVM_ADDRESS_SPACE_ALLOWANCE));
        if (result.exitCode() == 0 && !result.timedOut()) {
            return null;
        }
        if (isSandboxFailure(result)) {
            return new TestOutcome(TestStatus.SANDBOX_ERROR, tail(result.stderr()), result.wallMillis());
        }
        String detail = result.timedOut() ? "compilation timed out after " + compileTimeoutSeconds + " s"
                : tail(result.stdout()) + tail(result.stderr());
        return new TestOutcome(TestStatus.COMPILE_ERROR, detail, result.wallMillis());
    }

    private TestOutcome runTest(Path directory, List<String> command, TestCase test, SandboxLimits limits,
                                long addressSpaceBytes) throws IOException, InterruptedException {
        byte[] stdin = test instanceof TestCase.Stdio stdio ? stdio.stdin().getBytes(StandardCharsets.UTF_8) : new byte[0];
        Sandbox.Result result = sandbox.execute(new Sandbox.Request(directory, false, command, stdin, limits,
                addressSpaceBytes));
        TestStatus status = classify(result, test);
        String detail = status == TestStatus.WRONG_ANSWER && test instanceof TestCase.Stdio
                ? "stdout: " + tail(result.stdout()) : tail(result.stderr());
        return new TestOutcome(status, detail, result.wallMillis());
    }

    /** The status of one run (rules in docs/reward.md). */
    static TestStatus classify(Sandbox.Result result, TestCase test) {
        String stderr = new String(result.stderr(), StandardCharsets.UTF_8);
        if (result.timedOut()) {
            return TestStatus.TIME_LIMIT_EXCEEDED;
        }
        if (result.outputExceeded()) {
            return TestStatus.RUNTIME_ERROR;
        }
        if (isSandboxFailure(result)) {
            return TestStatus.SANDBOX_ERROR;
        }
        if (result.exitCode() == 0) {
            if (test instanceof TestCase.Stdio stdio) {
                String actual = new String(result.stdout(), StandardCharsets.UTF_8);
                return normalizeOutput(actual).equals(normalizeOutput(stdio.expectedStdout()))
                        ? TestStatus.PASSED : TestStatus.WRONG_ANSWER;
            }
            return TestStatus.PASSED;
        }
        if (result.exitCode() == PYTHON_COMPILE_FAILED && stderr.contains(PYTHON_COMPILE_MARKER)) {
            return TestStatus.COMPILE_ERROR;
        }
        if (result.exitCode() == 128 + 24) { // SIGXCPU: CPU-time limit
            return TestStatus.TIME_LIMIT_EXCEEDED;
        }
        String error = lastErrorLine(stderr);
        // A JVM names hitting the process limit "OutOfMemoryError: unable to create native thread".
        if ((error.matches("(MemoryError|.*java\\.lang\\.OutOfMemoryError).*") && !error.contains("native thread"))
                || stderr.contains("Cannot allocate memory")) {
            return TestStatus.MEMORY_LIMIT_EXCEEDED;
        }
        if (test instanceof TestCase.Assert
                && error.matches("(AssertionError|.*java\\.lang\\.AssertionError).*")) {
            return TestStatus.WRONG_ANSWER;
        }
        return TestStatus.RUNTIME_ERROR;
    }

    /** bwrap reports its own setup failures as "bwrap: ..." and exit 1, before the program runs. */
    private static boolean isSandboxFailure(Sandbox.Result result) {
        return result.exitCode() == 1 && result.stdout().length == 0
                && new String(result.stderr(), StandardCharsets.UTF_8).startsWith("bwrap: ");
    }

    /** The last line naming an exception: a traceback's last line, or a Java "Exception in thread" line. */
    private static String lastErrorLine(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (!line.startsWith("at ") && !line.startsWith("...")) {
                return line;
            }
        }
        return "";
    }

    /** Output compared up to trailing whitespace: of each line, and trailing blank lines. */
    static String normalizeOutput(String output) {
        List<String> lines = new ArrayList<>(output.replace("\r\n", "\n").lines().map(String::stripTrailing).toList());
        while (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        return String.join("\n", lines);
    }

    private static final Pattern PUBLIC_CLASS =
            Pattern.compile("public\\s+(?:(?:final|abstract|sealed|strictfp)\\s+)*(?:class|interface|enum|record)\\s+(\\w+)");
    private static final Pattern TYPE_DECLARATION = Pattern.compile("\\b(?:class|interface|enum|record)\\s+(\\w+)");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern MAIN_METHOD = Pattern.compile("static\\s+(?:final\\s+)?void\\s+main\\s*\\(");

    /** The public top-level type's name, which must be the file's name. */
    static Optional<String> publicClass(String source) {
        Matcher matcher = PUBLIC_CLASS.matcher(source);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The type declaring {@code static void main} (the last type declared before it), with its package. */
    static Optional<String> mainClass(String source) {
        Matcher main = MAIN_METHOD.matcher(source);
        if (!main.find()) {
            return Optional.empty();
        }
        Matcher type = TYPE_DECLARATION.matcher(source).region(0, main.start());
        String name = null;
        while (type.find()) {
            name = type.group(1);
        }
        Matcher packageDeclaration = PACKAGE.matcher(source);
        return Optional.ofNullable(name)
                .map(simple -> packageDeclaration.find() ? packageDeclaration.group(1) + "." + simple : simple);
    }

    private static String tail(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        return text.length() <= DETAIL_CHARS ? text : "…" + text.substring(text.length() - DETAIL_CHARS);
    }

    private static Verdict allSandboxErrors(List<TestCase> tests, String detail) {
        return new Verdict(tests.stream().map(t -> new TestOutcome(TestStatus.SANDBOX_ERROR, detail, 0)).toList());
    }

    static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // Temporary files: best effort.
        }
    }
}
