package dev.reason4j.reward.code;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs untrusted code with no isolation at all, only rlimits and a scratch directory as working directory: the
 * program can read and write anything the user can, use the network, and leave processes behind. Only for a user who
 * explicitly asked ({@code --unsafe-no-sandbox}, {@code reward.code.allow_unsandboxed}); warns on every run.
 */
public final class UnsandboxedRunner implements Sandbox {
    @Override
    public String codeDirectory(Path hostCodeDirectory) {
        return hostCodeDirectory.toString();
    }

    @Override
    public void prepare(Path hostCodeDirectory) {}

    @Override
    public Result execute(Request request) throws IOException, InterruptedException {
        System.err.println("reason4j: WARNING: running untrusted code WITHOUT a sandbox (unsafe mode was asked for)");
        Path workDirectory = Files.createTempDirectory("reason4j-unsafe-tmp");
        try {
            List<String> command = new ArrayList<>(Sandbox.prlimitPrefix(request));
            command.addAll(request.command());
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile());
            return ProcessRunner.run(builder, request.stdin(), request.limits().timeoutSeconds(),
                    request.limits().maxOutputBytes(), process -> {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                    });
        } finally {
            CodeRunner.deleteRecursively(workDirectory);
        }
    }
}
