package dev.reason4j.reward.code;

/** The outcome of one test case, with SandboxFusion-style names ({@link #label()}: {@code "wrong_answer"} …). */
public enum TestStatus {
    PASSED,
    WRONG_ANSWER,
    RUNTIME_ERROR,
    TIME_LIMIT_EXCEEDED,
    MEMORY_LIMIT_EXCEEDED,
    COMPILE_ERROR,
    /** The sandbox itself failed (could not start, misconfigured): says nothing about the program. */
    SANDBOX_ERROR;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
