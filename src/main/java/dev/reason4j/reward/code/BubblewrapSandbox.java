package dev.reason4j.reward.code;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sandbox: bubblewrap ({@code bwrap}, Debian package {@code bubblewrap}) with every namespace unshared (no
 * network but a private loopback, own PID space, no IPC, own hostname, own user namespace in which no further ones
 * may be made), a read-only system ({@code /usr} and the {@code /lib*} and {@code /bin} links; an empty read-only
 * {@code /etc} but for the loader cache, so no {@code /etc/shadow}), no home or project directories, a size-limited
 * private tmpfs {@code /tmp} as working directory, an empty environment, and rlimits (address space, CPU time,
 * processes, file size) applied by {@code prlimit} inside.
 *
 * <p>Running as root: root ignores RLIMIT_NPROC, and bwrap run by root maps the sandbox user to root outside, so a
 * fork bomb would not be stopped. So as root we start bwrap as the unprivileged user {@code nobody} (65534) via
 * {@code setpriv}; bwrap then makes an unprivileged user namespace, and since kernel 5.14 RLIMIT_NPROC is counted per
 * user namespace, so each sandbox gets its own process budget. The code directory is handed to that user.
 *
 * <p>Killing: bwrap runs its own init as PID 1 of the new PID namespace with {@code --die-with-parent}, so killing the
 * bwrap process (on timeout, output overflow, or interruption) kills every process the program started, including
 * background ones; when the program's main process exits, PID 1 exits and the kernel kills the rest.
 */
public final class BubblewrapSandbox implements Sandbox {
    /** The uid that runs sandboxes when we are root (nobody). */
    static final int UNPRIVILEGED_UID = 65534;
    private static final String CODE_MOUNT = "/code";

    private final Path bwrap;
    private final boolean asRoot;
    private final List<Path> extraReadOnlyPaths;

    private BubblewrapSandbox(Path bwrap, boolean asRoot, List<Path> extraReadOnlyPaths) {
        this.bwrap = bwrap;
        this.asRoot = asRoot;
        this.extraReadOnlyPaths = List.copyOf(extraReadOnlyPaths);
    }

    /**
     * Finds bwrap and checks that a sandbox starts here (user namespaces allowed, prlimit present).
     *
     * @param extraReadOnlyPaths toolchain directories outside {@code /usr} (a JDK or Python elsewhere), bound
     *                           read-only at the same path
     * @throws IOException naming what is missing or what bwrap said
     */
    public static BubblewrapSandbox create(List<Path> extraReadOnlyPaths) throws IOException, InterruptedException {
        Path bwrap = Stream.of("/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap").map(Path::of)
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IOException("bubblewrap (bwrap) is not installed: apt-get install bubblewrap"));
        if (!Files.isExecutable(Path.of("/usr/bin/prlimit"))) {
            throw new IOException("/usr/bin/prlimit (util-linux) is missing: it applies the sandbox's limits");
        }
        boolean asRoot = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        if (asRoot && !Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            throw new IOException("/usr/bin/setpriv (util-linux) is missing: as root it drops to an unprivileged user");
        }
        BubblewrapSandbox sandbox = new BubblewrapSandbox(bwrap, asRoot, extraReadOnlyPaths);
        sandbox.selfTest();
        return sandbox;
    }

    private void selfTest() throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("reason4j-sandbox-check");
        try {
            prepare(directory);
            Result result = execute(new Request(directory, false, List.of("/usr/bin/true"), new byte[0],
                    SandboxLimits.defaults().withTimeout(10), 1L << 30));
            if (result.exitCode() != 0) {
                throw new IOException("bubblewrap cannot start a sandbox here (exit " + result.exitCode() + "): "
                        + new String(result.stderr(), StandardCharsets.UTF_8).strip()
                        + " — are unprivileged user namespaces disabled (sysctl kernel.unprivileged_userns_clone)?");
            }
        } finally {
            CodeRunner.deleteRecursively(directory);
        }
    }

    @Override
    public String codeDirectory(Path hostCodeDirectory) {
        return CODE_MOUNT;
    }

    @Override
    public void prepare(Path hostCodeDirectory) throws IOException {
        if (!asRoot) {
            return;
        }
        try (Stream<Path> paths = Files.walk(hostCodeDirectory)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.setAttribute(path, "unix:uid", UNPRIVILEGED_UID);
                Files.setAttribute(path, "unix:gid", UNPRIVILEGED_UID);
            }
        }
    }

    @Override
    public Result execute(Request request) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (asRoot) {
            command.addAll(List.of("/usr/bin/setpriv", "--reuid=" + UNPRIVILEGED_UID, "--regid=" + UNPRIVILEGED_UID,
                    "--clear-groups", "--"));
        }
        command.addAll(List.of(bwrap.toString(),
                "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
                "--setenv", "LANG", "C.UTF-8", "--setenv", "MALLOC_ARENA_MAX", "2",
                "--ro-bind", "/usr", "/usr"));
        for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
            Path path = Path.of(top);
            if (Files.isSymbolicLink(path)) {
                command.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
            } else if (Files.isDirectory(path)) {
                command.addAll(List.of("--ro-bind", top, top));
            }
        }
        for (Path extra : extraReadOnlyPaths) {
            command.addAll(List.of("--ro-bind", extra.toString(), extra.toString()));
        }
        command.addAll(List.of("--proc", "/proc", "--dev", "/dev",
                "--size", "1048576", "--tmpfs", "/dev/shm",
                "--size", Long.toString(request.limits().tmpBytes()), "--tmpfs", "/tmp",
                "--tmpfs", "/etc"));
        if (Files.isRegularFile(Path.of("/etc/ld.so.cache"))) {
            command.addAll(List.of("--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"));
        }
        command.addAll(List.of(request.codeWritable() ? "--bind" : "--ro-bind",
                request.codeDirectory().toString(), CODE_MOUNT,
                // Everything but /tmp and /dev/shm read-only: no unbounded writes to bwrap's root or /dev tmpfs.
                "--remount-ro", "/etc", "--remount-ro", "/dev", "--remount-ro", "/",
                "--chdir", "/tmp", "--"));
        command.addAll(Sandbox.prlimitPrefix(request));
        command.addAll(request.command());
        ProcessBuilder builder = new ProcessBuilder(command);
        // bwrap's own environment is readable inside as /proc/1/environ: give it nothing of ours.
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin");
        // Killing bwrap kills its init (PID 1 of the sandbox, which has PDEATHSIG), and with it every process inside.
        return ProcessRunner.run(builder, request.stdin(), request.limits().timeoutSeconds(),
                request.limits().maxOutputBytes(), Process::destroyForcibly);
    }
}
