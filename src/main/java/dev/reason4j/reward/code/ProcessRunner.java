package dev.reason4j.reward.code;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** Starts a process, feeds stdin, reads stdout/stderr with a cap, and kills it on overflow or timeout. */
final class ProcessRunner {
    private ProcessRunner() {}

    /** How long to wait for pipes to drain after the process is gone (grandchildren hold no pipes in a sandbox). */
    private static final long DRAIN_MILLIS = 5_000;

    static Sandbox.Result run(ProcessBuilder builder, byte[] stdin, double timeoutSeconds, long maxOutputBytes,
                              Consumer<Process> kill) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = builder.start();
        AtomicBoolean outputExceeded = new AtomicBoolean();
        Runnable killOnOverflow = () -> {
            outputExceeded.set(true);
            kill.accept(process);
        };
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin);
            } catch (IOException programClosedStdin) {
                // The program need not read its input.
            }
        });
        CappedReader stdout = new CappedReader(process.getInputStream(), maxOutputBytes, killOnOverflow);
        CappedReader stderr = new CappedReader(process.getErrorStream(), maxOutputBytes, killOnOverflow);
        boolean timedOut = false;
        try {
            if (!process.waitFor((long) (timeoutSeconds * 1e9), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                kill.accept(process);
                process.waitFor();
            }
            long wallMillis = (System.nanoTime() - start) / 1_000_000;
            stdout.thread.join(DRAIN_MILLIS);
            stderr.thread.join(DRAIN_MILLIS);
            writer.join(DRAIN_MILLIS);
            if (stdout.thread.isAlive() || stderr.thread.isAlive()) {
                throw new IOException("program output still open " + DRAIN_MILLIS + " ms after it ended");
            }
            return new Sandbox.Result(process.exitValue(), stdout.bytes(), stderr.bytes(), timedOut,
                    outputExceeded.get(), wallMillis);
        } catch (InterruptedException e) {
            kill.accept(process);
            throw e;
        }
    }

    /** Reads a stream on a virtual thread, keeping at most {@code cap} bytes; one byte more triggers the kill. */
    private static final class CappedReader {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        final Thread thread;

        CappedReader(InputStream stream, long cap, Runnable onOverflow) {
            thread = Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[65536];
                try (stream) {
                    int n;
                    while ((n = stream.read(buffer)) > 0) {
                        long room = cap - kept.size();
                        kept.write(buffer, 0, (int) Math.min(n, Math.max(room, 0)));
                        if (n > room) {
                            onOverflow.run();
                            return;
                        }
                    }
                } catch (IOException closed) {
                    // The process was killed while we read.
                }
            });
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }
}
