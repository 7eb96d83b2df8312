package dev.reason4j.reward.code;

import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeRewardTest {
    private static final String TESTS = """
            {"tests": [{"stdin": "1 2", "stdout": "3"}, {"stdin": "5 5", "stdout": "10"}], "timeout_s": 2}""";

    @Test
    void takesTheLastFencedBlock() {
        String response = "Draft:\n```python\nprint(1)\n```\nFinal:\n```py\nprint(2)\n```\nDone. ```java\nunclosed";
        FencedCode code = FencedCode.last(response).orElseThrow();
        assertEquals("py", code.info());
        assertEquals("print(2)\n", code.code());
        assertTrue(FencedCode.last("no code here").isEmpty());
        assertEquals("", FencedCode.last("```\nx = 1\n```").orElseThrow().info());
    }

    @Test
    void rewardIsAllPassOrFraction() throws Exception {
        SandboxTestSupport.runner(); // skips where there is no sandbox
        String half = "Here:\n```python\na, b = map(int, input().split())\nprint(a + b if a < 5 else 0)\n```";
        RewardInput input = new RewardInput("p", half, TESTS, "codecontests", 30, Map.of());
        CodeRewardConfig allPass = CodeRewardConfig.defaults();
        RewardResult strict = new CodeReward(allPass).score(input);
        assertEquals(0.0, strict.reward());
        assertEquals(0.5, strict.metrics().get("pass_rate"));
        assertEquals(0.5, strict.metrics().get("wrong_answer"));
        CodeRewardConfig fraction = new CodeRewardConfig(false, allPass.limits(), 30, false, Language.PYTHON);
        assertEquals(0.5, new CodeReward(fraction).score(input).reward());
        RewardResult none = new CodeReward(allPass).score(new RewardInput("p", "no code", TESTS, "apps", 2, Map.of()));
        assertEquals(new RewardResult(0.0, Map.of("pass_rate", 0.0, "no_code", 1.0)), none);
    }

    @Test
    void aScorerTimeoutKillsTheProgram() throws Exception {
        SandboxTestSupport.runner();
        String marker = "slow" + java.util.UUID.randomUUID().toString().replace("-", "");
        String response = "```python\nimport time\ntag = '" + marker + "'\ntime.sleep(30)\n```";
        // The sandbox would allow 20 s; the scorer gives the whole check 0.5 s.
        RewardInput input = new RewardInput("p", response, "{\"tests\": [{\"stdout\": \"\"}], \"timeout_s\": 20}",
                "apps", 10, Map.of());
        try (var scorer = new dev.reason4j.reward.AsyncRewardScorer(new CodeReward(CodeRewardConfig.defaults()), 1,
                java.time.Duration.ofMillis(500))) {
            long start = System.nanoTime();
            RewardResult result = scorer.submit(input).get();
            assertEquals(1.0, result.metrics().get(dev.reason4j.reward.AsyncRewardScorer.TIMEOUT_METRIC));
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
            // Interrupted, the worker kills the sandbox: the program is gone soon after.
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (HostileProgramsTest.processWith(marker) != null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(null, HostileProgramsTest.processWith(marker));
        }
    }

    @Test
    void problemsParseWithClearErrors() {
        CodeReward reward = new CodeReward(CodeRewardConfig.defaults());
        CodeReward.Problem problem = reward.parseProblem(
                "{\"language\": \"java\", \"tests\": [{\"assert\": \"x\"}, {\"stdout\": \"1\"}], \"memory_mb\": 64}",
                "python", "line 3");
        assertEquals(Language.JAVA, problem.language());
        assertEquals(List.of(new TestCase.Assert("x"), new TestCase.Stdio("", "1")), problem.tests());
        assertEquals(64, problem.limits().memoryMb());
        assertEquals(Language.JAVA, reward.parseProblem("[{\"stdout\": \"\"}]", "java", "x").language());
        assertEquals(Language.PYTHON, reward.parseProblem("[{\"stdout\": \"\"}]", "text", "x").language());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> reward.parseProblem("{\"tests\": [{\"stdin\": \"1\"}]}", "", "line 7"));
        assertTrue(error.getMessage().startsWith("line 7: tests[0]"), error.getMessage());
        error = assertThrows(IllegalArgumentException.class,
                () -> reward.parseProblem("{\"tests\": [{\"stdout\": \"1\"}], \"timeout_s\": -1}", "", "line 2"));
        assertTrue(error.getMessage().contains("timeout_s"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> reward.parseProblem("{\"tests\": []}", "", "x"));
        assertThrows(IllegalArgumentException.class, () -> reward.parseProblem("{\"language\": \"cobol\", "
                + "\"tests\": [{\"stdout\": \"\"}]}", "", "x"));
    }

    @Test
    void configFromTheRunConfig() {
        Config config = Config.defaults().override(List.of("reward.code.reward=fraction", "reward.code.timeout_s=3",
                "reward.code.memory_mb=256"));
        CodeRewardConfig code = CodeRewardConfig.from(config.section("reward.code"));
        assertEquals(false, code.allPass());
        assertEquals(3.0, code.limits().timeoutSeconds());
        assertEquals(256, code.limits().memoryMb());
        assertEquals(32, code.limits().maxProcesses());
        assertEquals(false, code.allowUnsandboxed());
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> CodeRewardConfig.from(
                Config.defaults().override(List.of("reward.code.reward=best")).section("reward.code")));
        assertTrue(error.getMessage().contains("reward.code.reward"), error.getMessage());
    }

    @Test
    void classifiesRunsWithoutASandbox() {
        TestCase.Stdio test = new TestCase.Stdio("", "ok");
        assertEquals(TestStatus.PASSED, CodeRunner.classify(result(0, "ok \n\n", "", false, false), test));
        assertEquals(TestStatus.TIME_LIMIT_EXCEEDED, CodeRunner.classify(result(137, "", "", true, false), test));
        assertEquals(TestStatus.TIME_LIMIT_EXCEEDED, CodeRunner.classify(result(128 + 24, "", "", false, false), test));
        assertEquals(TestStatus.RUNTIME_ERROR, CodeRunner.classify(result(137, "", "", false, true), test));
        assertEquals(TestStatus.SANDBOX_ERROR,
                CodeRunner.classify(result(1, "", "bwrap: execvp x: No such file", false, false), test));
        assertEquals(TestStatus.MEMORY_LIMIT_EXCEEDED, CodeRunner.classify(result(1, "",
                "Traceback (most recent call last):\n  File \"main.py\", line 3\nMemoryError\n", false, false), test));
        assertEquals("a\n  b", CodeRunner.normalizeOutput("a  \r\n  b\t\n\n"));
        assertEquals("Main", CodeRunner.mainClass("class Helper {}\nclass Main { public static void main(String[] a) {} }")
                .orElseThrow());
        assertEquals("a.b.Main", CodeRunner.mainClass("package a.b;\nclass Main { static void main(String[] x) {} }")
                .orElseThrow());
        assertEquals("Solution", CodeRunner.publicClass("import x;\npublic final class Solution {}").orElseThrow());
    }

    private static Sandbox.Result result(int exit, String stdout, String stderr, boolean timedOut, boolean overflow) {
        return new Sandbox.Result(exit, stdout.getBytes(StandardCharsets.UTF_8), stderr.getBytes(StandardCharsets.UTF_8),
                timedOut, overflow, 1);
    }
}
