package dev.reason4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Encoding throughput on one thread: {@code java -cp 'target/reason4j.jar:target/lib/*'
 * dev.reason4j.tokenizer.TokenizerBenchmark TOKENIZER_DIR TEXT_FILE [SECONDS]}. Encodes the file line by line
 * (as a dataset loader does) for a warm-up and then a timed run, and prints MB/s of UTF-8 input per second of wall
 * time and per second of this thread's CPU time (the fair number on a machine shared with other work).
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TokenizerBenchmark TOKENIZER_DIR TEXT_FILE [SECONDS]");
            System.exit(2);
        }
        Tokenizer tokenizer = Tokenizer.load(Path.of(args[0]));
        List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 5;
        long bytesPerPass = 0;
        for (String line : lines) {
            bytesPerPass += line.getBytes(StandardCharsets.UTF_8).length;
        }
        run(tokenizer, lines, bytesPerPass, Math.min(2, seconds), "warm-up");
        run(tokenizer, lines, bytesPerPass, seconds, "timed");
    }

    private static void run(Tokenizer tokenizer, List<String> lines, long bytesPerPass, double seconds, String label) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long bytes = 0;
        long tokens = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            for (String line : lines) {
                tokens += tokenizer.encode(line).length;
            }
            bytes += bytesPerPass;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf("%s: %.1f MB in %.2f s wall (%.2f s CPU) = %.2f MB/s wall, %.2f MB/s per CPU-second,"
                + " %.2f M tokens per CPU-second (%.2f bytes/token)%n", label, bytes / 1e6, elapsed, cpu,
                bytes / 1e6 / elapsed, bytes / 1e6 / cpu, tokens / 1e6 / cpu, (double) bytes / tokens);
    }
}
