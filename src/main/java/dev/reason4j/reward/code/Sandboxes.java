package dev.reason4j.reward.code;

import java.io.IOException;
import java.nio.file.Path;

/** Picks the sandbox: bubblewrap, or with an explicit unsafe opt-in, none. */
public final class Sandboxes {
    private Sandboxes() {}

    /**
     * Bubblewrap when it works here; otherwise {@link UnsandboxedRunner} if {@code allowUnsandboxed}, else an error
     * that says how to get bubblewrap and what the unsafe flag is.
     *
     * @param unsafeOptIn how the user asks for no sandbox, for that error: {@code "set reward.code.allow_unsandboxed"}
     */
    public static Sandbox create(boolean allowUnsandboxed, String unsafeOptIn, Path python, Path javaHome)
            throws InterruptedException {
        try {
            return BubblewrapSandbox.create(CodeRunner.toolchainPaths(python, javaHome));
        } catch (IOException e) {
            if (allowUnsandboxed) {
                System.err.println("reason4j: WARNING: no sandbox (" + e.getMessage()
                        + "); untrusted code will run unsandboxed, as asked");
                return new UnsandboxedRunner();
            }
            throw new IllegalStateException("cannot sandbox untrusted code: " + e.getMessage()
                    + ". Install bubblewrap, or (unsafe) " + unsafeOptIn,
                    e);
        }
    }
}
