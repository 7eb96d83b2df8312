package dev.reason4j.reward.code;

/**
 * How {@link CodeReward} runs and scores programs.
 *
 * @param allPass               reward 1 only when every test passes (else 0); false: the fraction passed
 * @param limits                per-test limits, unless a sample's tests override timeout or memory
 * @param compileTimeoutSeconds wall-clock limit for compiling (javac)
 * @param allowUnsandboxed      run untrusted code without bubblewrap when it is missing (unsafe; warns each run)
 * @param defaultLanguage       used when neither the sample nor the code fence names one
 */
public record CodeRewardConfig(boolean allPass, SandboxLimits limits, double compileTimeoutSeconds,
                               boolean allowUnsandboxed, Language defaultLanguage) {
    public static CodeRewardConfig defaults() {
        return new CodeRewardConfig(true, SandboxLimits.defaults(), 30, false, Language.PYTHON);
    }
}
