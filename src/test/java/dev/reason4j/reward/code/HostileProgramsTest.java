package dev.reason4j.reward.code;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.reason4j.reward.code.SandboxTestSupport.io;
import static dev.reason4j.reward.code.SandboxTestSupport.python;
import static dev.reason4j.reward.code.TestStatus.MEMORY_LIMIT_EXCEEDED;
import static dev.reason4j.reward.code.TestStatus.PASSED;
import static dev.reason4j.reward.code.TestStatus.RUNTIME_ERROR;
import static dev.reason4j.reward.code.TestStatus.TIME_LIMIT_EXCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Untrusted programs that attack the machine: each must be contained (checked from outside where it can be) and
 * reported with the right status. Limits: {@link SandboxTestSupport#LIMITS} (1.5 s, 128 MB, 32 processes, 1 MB), with
 * 30 s for the programs that the clock must not be the one to stop ({@link #UNHURRIED}).
 */
class HostileProgramsTest {
    private static final Path PROJECT = Path.of("").toAbsolutePath();

    /**
     * The suite's limits with 30 s instead of 1.5 s, for programs that something other than the clock must stop
     * (memory, output, file and process limits, the sandbox's walls): on a loaded machine a 1.5 s clock could stop
     * them first and hide what the test checks. Programs that only the clock stops keep the short limit.
     */
    private static final SandboxLimits UNHURRIED = new SandboxLimits(30, SandboxTestSupport.LIMITS.memoryMb(),
            SandboxTestSupport.LIMITS.maxProcesses(), SandboxTestSupport.LIMITS.maxOutputBytes(),
            SandboxTestSupport.LIMITS.maxFileBytes(), SandboxTestSupport.LIMITS.tmpBytes());

    private static Verdict unhurried(String code, TestCase... tests) throws InterruptedException {
        return SandboxTestSupport.runner().run(Language.PYTHON, code, List.of(tests), UNHURRIED);
    }

    private static void assertStatus(TestStatus expected, Verdict verdict) {
        assertEquals(1, verdict.total());
        TestOutcome outcome = verdict.outcomes().getFirst();
        assertEquals(expected, outcome.status(), () -> "detail: " + outcome.detail());
    }

    @Test
    void forkBombIsStoppedByTheProcessLimitAndTheClock() throws Exception {
        String marker = "bomb" + UUID.randomUUID().toString().replace("-", "");
        // Keeps forking even when fork fails, so only the wall clock ends it.
        Verdict verdict = python("""
                import os, time
                tag = "%s"
                while True:
                    try:
                        os.fork()
                    except OSError:
                        time.sleep(0.001)
                """.formatted(marker), io("", ""));
        assertStatus(TIME_LIMIT_EXCEEDED, verdict);
        assertNoProcessWith(marker);
        // Children that sleep and a parent that forks until fork fails: a runtime error, and no child survives.
        assertStatus(RUNTIME_ERROR, unhurried("""
                import os, time
                tag = "%s"
                while True:
                    if os.fork() == 0:
                        time.sleep(60)
                """.formatted(marker), io("", "")));
        assertNoProcessWith(marker);
    }

    @Test
    void memoryBombHitsTheMemoryLimit() throws Exception {
        assertStatus(MEMORY_LIMIT_EXCEEDED, unhurried("""
                blocks = []
                while True:
                    blocks.append(bytearray(10_000_000))
                """, io("", "")));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard, not a speed limit: each run stops at 1.5 s
    void infiniteLoopAndSleepingForeverTimeOut() throws Exception {
        String marker = "spin" + UUID.randomUUID().toString().replace("-", "");
        assertStatus(TIME_LIMIT_EXCEEDED, python("tag = '%s'\nwhile True:\n    pass\n".formatted(marker), io("", "")));
        assertStatus(TIME_LIMIT_EXCEEDED, python("import time\ntime.sleep(10**6)\n", io("", "")));
        assertNoProcessWith(marker);
    }

    @Test
    void endlessOutputIsCutOffAtTheOutputLimit() throws Exception {
        // Writes forever: killed at the 1 MB output limit it is a runtime error; were the limit not enforced, the
        // program would run into the time limit (a time-limit status) instead.
        assertStatus(RUNTIME_ERROR, unhurried("""
                import sys
                chunk = "x" * 65536
                while True:
                    sys.stdout.write(chunk)
                """, io("", "")));
        // Same through stderr, and through a file in /tmp (RLIMIT_FSIZE: SIGXFSZ).
        assertStatus(RUNTIME_ERROR, unhurried("import sys\nwhile True:\n    sys.stderr.write('e' * 65536)\n",
                io("", "")));
        assertStatus(RUNTIME_ERROR, unhurried("""
                with open("/tmp/big", "w") as f:
                    while True:
                        f.write("x" * 65536)
                """, io("", "")));
    }

    @Test
    void writingOutsideItsTmpFails() throws Exception {
        String name = "escape-" + UUID.randomUUID();
        for (String target : new String[]{"/" + name, "/usr/" + name, "/etc/" + name, "/dev/" + name,
                "/code/" + name, PROJECT.resolve(name).toString(), "/root/" + name}) {
            assertStatus(RUNTIME_ERROR, unhurried("open(%s, 'w').write('pwned')\n".formatted(pythonString(target)),
                    io("", "")));
        }
        assertFalse(Files.exists(PROJECT.resolve(name)), "wrote into the project");
        // Its own /tmp is writable.
        assertStatus(PASSED, unhurried("""
                open('/tmp/scratch', 'w').write('ok')
                print(open('/tmp/scratch').read())
                """, io("", "ok")));
    }

    @Test
    void secretsAndProjectFilesAreInvisible() throws Exception {
        Path projectFile = PROJECT.resolve("pom.xml");
        assertTrue(Files.isReadable(projectFile), "test needs " + projectFile);
        assertStatus(RUNTIME_ERROR, unhurried("print(open('/etc/shadow').read())\n", io("", "")));
        assertStatus(RUNTIME_ERROR, unhurried("print(open(%s).read())\n".formatted(pythonString(projectFile.toString())),
                io("", "")));
        // A program that looks everywhere it might: nothing of ours is readable, and bwrap's environment is empty.
        String home = System.getProperty("user.home");
        assertStatus(PASSED, unhurried("""
                import os
                found = []
                for path in ["/etc/shadow", "/etc/passwd", %s, %s, %s, "/work", "/home", "/proc/1/root/etc/shadow"]:
                    try:
                        if os.path.isdir(path):
                            os.listdir(path)
                        else:
                            open(path, "rb").read(1)
                        found.append(path)
                    except OSError:
                        pass
                environment = open("/proc/1/environ").read().split("\\0")
                found += [v for v in environment if v and not v.startswith("PATH=")]
                found += [k for k in os.environ if k not in ("PATH", "HOME", "LANG", "MALLOC_ARENA_MAX", "PWD")]
                print(found)
                """.formatted(pythonString(projectFile.toString()), pythonString(PROJECT.toString()),
                pythonString(home)), io("", "[]")));
    }

    @Test
    void socketToLoopbackCannotReachTheHost() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (Socket ignored = server.accept()) {
                    connections.incrementAndGet();
                } catch (IOException closed) {
                    // Server closed at the end of the test.
                }
            });
            assertStatus(RUNTIME_ERROR, unhurried("""
                    import socket
                    socket.create_connection(("127.0.0.1", %d), timeout=1).sendall(b"hello")
                    """.formatted(server.getLocalPort()), io("", "")));
            assertStatus(RUNTIME_ERROR, unhurried("""
                    import urllib.request
                    urllib.request.urlopen("http://example.com", timeout=1)
                    """, io("", "")));
            server.close();
            acceptor.join(1_000);
        }
        assertEquals(0, connections.get(), "a sandboxed program connected to the host");
    }

    @Test
    void backgroundProcessesDieWithTheTest() throws Exception {
        String marker = "orphan" + UUID.randomUUID().toString().replace("-", "");
        // A new session child and a double-forked daemon, both meant to outlive the test.
        Verdict verdict = unhurried("""
                import os, subprocess, sys
                subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "%s"], start_new_session=True)
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(30)", "%s"])
                    os._exit(0)
                print("done")
                """.formatted(marker, marker), io("", "done"));
        assertStatus(PASSED, verdict);
        assertNoProcessWith(marker);
    }

    @Test
    void killingItsParentOnlyHurtsItself() throws Exception {
        // Its parent is the sandbox's PID 1, which ignores signals from inside the namespace.
        assertStatus(PASSED, unhurried("""
                import os, signal, time
                os.kill(os.getppid(), signal.SIGKILL)
                time.sleep(0.2)
                print("still here")
                """, io("", "still here")));
        // Signalling every process it can see kills only the sandbox's own processes.
        assertStatus(RUNTIME_ERROR, unhurried("import os, signal\nos.kill(-1, signal.SIGKILL)\n", io("", "")));
        assertStatus(PASSED, unhurried("print(2 + 2)\n", io("", "4")));
    }

    /** Waits briefly for the kernel to reap, then fails if any process on the machine has the marker in argv. */
    private static void assertNoProcessWith(String marker) throws Exception {
        long deadline = System.nanoTime() + 2_000_000_000L;
        String survivor;
        do {
            survivor = processWith(marker);
            if (survivor == null) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("process outlived its test: " + survivor);
    }

    static String processWith(String marker) throws IOException {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                if (!process.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                try {
                    String commandLine = new String(Files.readAllBytes(process.resolve("cmdline")),
                            StandardCharsets.UTF_8).replace('\0', ' ');
                    if (commandLine.contains(marker)) {
                        return process.getFileName() + ": " + commandLine;
                    }
                } catch (IOException exited) {
                    // Gone while we looked.
                }
            }
        }
        return null;
    }

    private static String pythonString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
