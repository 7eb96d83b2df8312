package dev.reason4j.reward.code;

import com.fasterxml.jackson.databind.JsonNode;

/** One test of a program: feed stdin and compare stdout, or append a test program that asserts. */
public sealed interface TestCase {
    /** Passes when the program exits 0 and its stdout equals {@code expectedStdout} up to trailing whitespace. */
    record Stdio(String stdin, String expectedStdout) implements TestCase {}

    /** Passes when the program followed by {@code testCode} exits 0; a failed assertion is a wrong answer. */
    record Assert(String testCode) implements TestCase {}

    /** {@code {"stdin": ..., "stdout": ...}} or {@code {"assert": ...}}; {@code where} names it in errors. */
    static TestCase fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": a test must be an object with \"stdout\" or \"assert\"");
        }
        if (node.has("assert")) {
            return new Assert(text(node, "assert", where));
        }
        if (node.has("stdout")) {
            return new Stdio(node.has("stdin") ? text(node, "stdin", where) : "", text(node, "stdout", where));
        }
        throw new IllegalArgumentException(where + ": a test needs \"stdout\" (with optional \"stdin\") or \"assert\"");
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (!value.isTextual()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be a string");
        }
        return value.asText();
    }
}
