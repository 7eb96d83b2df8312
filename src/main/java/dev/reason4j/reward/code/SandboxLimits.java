package dev.reason4j.reward.code;

/**
 * Resource limits for one run of a program.
 *
 * @param timeoutSeconds wall-clock limit; CPU time is limited to the same number of seconds (rounded up)
 * @param memoryMb       memory limit: address space for Python, heap (-Xmx) for Java (its address space gets
 *                       a fixed allowance on top for the JVM's own reservations)
 * @param maxProcesses   processes and threads the program may have at once (a JVM needs about 20)
 * @param maxOutputBytes stdout and stderr each; the program is killed when it writes more
 * @param maxFileBytes   largest file the program may write (in its private /tmp)
 * @param tmpBytes       size of the private /tmp
 */
public record SandboxLimits(double timeoutSeconds, int memoryMb, int maxProcesses, long maxOutputBytes,
                            long maxFileBytes, long tmpBytes) {
    public SandboxLimits {
        if (!(timeoutSeconds > 0) || memoryMb <= 0 || maxProcesses <= 0 || maxOutputBytes <= 0
                || maxFileBytes <= 0 || tmpBytes <= 0) {
            throw new IllegalArgumentException("sandbox limits must be positive: " + this);
        }
    }

    public static SandboxLimits defaults() {
        return new SandboxLimits(10, 512, 32, 16L << 20, 16L << 20, 64L << 20);
    }

    public SandboxLimits withTimeout(double seconds) {
        return new SandboxLimits(seconds, memoryMb, maxProcesses, maxOutputBytes, maxFileBytes, tmpBytes);
    }

    public SandboxLimits withMemoryMb(int megabytes) {
        return new SandboxLimits(timeoutSeconds, megabytes, maxProcesses, maxOutputBytes, maxFileBytes, tmpBytes);
    }
}
