package dev.reason4j.reward.code;

import dev.reason4j.config.Config;

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

    /** From the {@code reward.code} section of a run's config. */
    public static CodeRewardConfig from(Config code) {
        String mode = code.getString("reward");
        if (!mode.equals("all_pass") && !mode.equals("fraction")) {
            throw new IllegalArgumentException("reward.code.reward must be all_pass or fraction, got '" + mode + "'");
        }
        SandboxLimits base = SandboxLimits.defaults();
        SandboxLimits limits = new SandboxLimits(code.getDouble("timeout_s"), code.getInt("memory_mb"),
                code.getInt("max_processes"), base.maxOutputBytes(), base.maxFileBytes(), base.tmpBytes());
        CodeRewardConfig defaults = defaults();
        return new CodeRewardConfig(mode.equals("all_pass"), limits, defaults.compileTimeoutSeconds(),
                code.getBoolean("allow_unsandboxed"), defaults.defaultLanguage());
    }
}
