package dev.reason4j.reward.code;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs one command of an untrusted program under resource limits. The program sees its code directory at
 * {@link #codeDirectory}, a private writable {@code /tmp} as its working directory, and nothing else of ours.
 */
public interface Sandbox {
    /**
     * One command to run.
     *
     * @param codeDirectory     host directory holding the program, mounted at {@link #codeDirectory}
     * @param codeWritable      whether the program may write there (a compiler's output); else read-only
     * @param command           program and arguments, paths as the program sees them
     * @param stdin             bytes fed to standard input
     * @param limits            time, processes, output, files
     * @param addressSpaceBytes the RLIMIT_AS for this command (a JVM needs more than its heap)
     */
    record Request(Path codeDirectory, boolean codeWritable, List<String> command, byte[] stdin,
                   SandboxLimits limits, long addressSpaceBytes) {}

    /**
     * What happened. {@code exitCode} is 128 + signal for a program killed by a signal.
     *
     * @param timedOut       killed by the wall-clock limit
     * @param outputExceeded killed for writing more than the output limit
     */
    record Result(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut, boolean outputExceeded,
                  long wallMillis) {}

    /** Where the program sees the code directory: {@code /code} inside bubblewrap. */
    String codeDirectory(Path hostCodeDirectory);

    /** Makes a freshly written code directory usable by the sandboxed program. */
    void prepare(Path hostCodeDirectory) throws IOException;

    /** Runs the request; an {@link IOException} means the sandbox could not run it at all. */
    Result execute(Request request) throws IOException, InterruptedException;

    /** The rlimits of a request, as a {@code prlimit} command prefix (util-linux, on every Debian system). */
    static List<String> prlimitPrefix(Request request) {
        long cpuSeconds = (long) Math.ceil(request.limits().timeoutSeconds());
        return List.of("/usr/bin/prlimit",
                "--as=" + request.addressSpaceBytes(),
                // Past the soft limit the kernel sends SIGXCPU, past the hard one SIGKILL.
                "--cpu=" + cpuSeconds + ":" + (cpuSeconds + 1),
                "--nproc=" + request.limits().maxProcesses(),
                "--fsize=" + request.limits().maxFileBytes(),
                "--nofile=256",
                "--core=0",
                "--");
    }
}
