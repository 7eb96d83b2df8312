package dev.reason4j.reward.code;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.util.List;

/** One bubblewrap sandbox for the package's tests, with short limits so the hostile suite stays quick. */
final class SandboxTestSupport {
    private SandboxTestSupport() {}

    static final SandboxLimits LIMITS = new SandboxLimits(1.5, 128, 32, 1L << 20, 1L << 20, 8L << 20);

    private static CodeRunner runner;
    private static String unavailable;

    /** The runner, or the test is skipped (with the reason) where bubblewrap cannot run. */
    static synchronized CodeRunner runner() throws InterruptedException {
        if (runner == null && unavailable == null) {
            try {
                Sandbox sandbox = BubblewrapSandbox.create(
                        CodeRunner.toolchainPaths(CodeRunner.DEFAULT_PYTHON, CodeRunner.DEFAULT_JAVA_HOME));
                runner = new CodeRunner(sandbox, CodeRunner.DEFAULT_PYTHON, CodeRunner.DEFAULT_JAVA_HOME, 60);
            } catch (IOException e) {
                unavailable = e.getMessage();
            }
        }
        Assumptions.assumeTrue(runner != null, () -> "no bubblewrap sandbox here: " + unavailable);
        return runner;
    }

    static Verdict python(String code, TestCase... tests) throws InterruptedException {
        return runner().run(Language.PYTHON, code, List.of(tests), LIMITS);
    }

    static TestCase.Stdio io(String stdin, String stdout) {
        return new TestCase.Stdio(stdin, stdout);
    }
}
