package dev.reason4j.reward.code;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reward for code: runs the last fenced code block of the response against the sample's tests in the sandbox.
 * Reward 0/1 (all tests pass) or the fraction passed ({@link CodeRewardConfig#allPass}). Metrics: {@code pass_rate},
 * {@code no_code} (no fenced block) and the fraction of tests with each non-passing status (e.g.
 * {@code compile_error}).
 *
 * <p>Ground truth (JSON text): {@code {"language"?: "python"|"java", "tests": [{"stdin": ..., "stdout": ...} |
 * {"assert": ...}], "timeout_s"?: n, "memory_mb"?: n}}, or just the tests array. Language: the ground truth's, else the
 * code fence's, else the configured default.
 *
 * <p>The sandbox is set up on first use (finding bubblewrap and checking it starts); interrupting a scoring thread
 * kills its program.
 */
public final class CodeReward implements RewardFunction {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CodeRewardConfig config;
    private CodeRunner runner;

    public CodeReward(CodeRewardConfig config) {
        this.config = config;
    }

    /** A program and its tests, as read from a ground truth or a {@code verify-code} line. */
    public record Problem(Language language, List<TestCase> tests, SandboxLimits limits) {}

    /** The runner, creating the sandbox on first call; fails with how to get one when none is available. */
    public synchronized CodeRunner runner() throws InterruptedException {
        if (runner == null) {
            Sandbox sandbox = Sandboxes.create(config.allowUnsandboxed(),
                    "pass --unsafe-no-sandbox / set reward.code.allow_unsandboxed", CodeRunner.DEFAULT_PYTHON,
                    CodeRunner.DEFAULT_JAVA_HOME);
            runner = new CodeRunner(sandbox, CodeRunner.DEFAULT_PYTHON, CodeRunner.DEFAULT_JAVA_HOME,
                    config.compileTimeoutSeconds());
        }
        return runner;
    }

    @Override
    public RewardResult score(RewardInput input) {
        var code = FencedCode.last(input.response());
        if (code.isEmpty()) {
            return new RewardResult(0.0, Map.of("pass_rate", 0.0, "no_code", 1.0));
        }
        Problem problem = parseProblem(input.groundTruth(), code.get().info(), "ground truth of '"
                + input.dataSource() + "'");
        Verdict verdict;
        try {
            verdict = runner().run(problem.language(), code.get().code(), problem.tests(), problem.limits());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("code reward interrupted", e);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pass_rate", verdict.total() == 0 ? 0.0 : (double) verdict.passed() / verdict.total());
        metrics.put("no_code", 0.0);
        for (TestOutcome outcome : verdict.outcomes()) {
            if (outcome.status() != TestStatus.PASSED) {
                metrics.merge(outcome.status().label(), 1.0 / verdict.total(), Double::sum);
            }
        }
        return new RewardResult(verdict.reward(config.allPass()), metrics);
    }

    /** Reads a problem from JSON text; {@code fenceLanguage} may be "" and {@code where} names it in errors. */
    public Problem parseProblem(String json, String fenceLanguage, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(json == null ? "" : json);
        } catch (Exception e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getMessage());
        }
        return parseProblem(root, fenceLanguage, where);
    }

    public Problem parseProblem(JsonNode root, String fenceLanguage, String where) {
        if (root == null || !(root.isArray() || root.isObject())) {
            throw new IllegalArgumentException(where + ": expected {\"tests\": [...]} or a tests array");
        }
        JsonNode tests = root.isArray() ? root : root.get("tests");
        if (tests == null || !tests.isArray() || tests.isEmpty()) {
            throw new IllegalArgumentException(where + ": \"tests\" must be a non-empty array");
        }
        List<TestCase> cases = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            cases.add(TestCase.fromJson(tests.get(i), where + ": tests[" + i + "]"));
        }
        Language language = config.defaultLanguage();
        if (root.isObject() && root.hasNonNull("language")) {
            try {
                language = Language.parse(root.get("language").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        } else if (!fenceLanguage.isEmpty()) {
            try {
                language = Language.parse(fenceLanguage);
            } catch (IllegalArgumentException unknownFence) {
                // A fence like ```text says nothing about the language: keep the default.
            }
        }
        SandboxLimits limits = config.limits();
        if (root.isObject() && root.has("timeout_s")) {
            limits = limits.withTimeout(positive(root.get("timeout_s"), "timeout_s", where));
        }
        if (root.isObject() && root.has("memory_mb")) {
            limits = limits.withMemoryMb((int) positive(root.get("memory_mb"), "memory_mb", where));
        }
        return new Problem(language, cases, limits);
    }

    private static double positive(JsonNode node, String field, String where) {
        if (!node.isNumber() || !(node.asDouble() > 0)) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be a positive number, got " + node);
        }
        return node.asDouble();
    }
}
