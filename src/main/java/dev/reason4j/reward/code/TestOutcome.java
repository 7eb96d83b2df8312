package dev.reason4j.reward.code;

/**
 * One test's status, with a short detail for people (the end of stderr, or why the sandbox failed).
 *
 * @param wallMillis how long the run took (0 when nothing ran, e.g. after a compile error)
 */
public record TestOutcome(TestStatus status, String detail, long wallMillis) {}
