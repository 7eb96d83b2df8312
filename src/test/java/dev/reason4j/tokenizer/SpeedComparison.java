package dev.reason4j.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Not a test: one-thread encoding speed of this tokenizer against the Rust library (DJL binding) on the same lines.
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) dev.reason4j.tokenizer.SpeedComparison DIR FILE}
 * where cp.txt comes from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 */
public final class SpeedComparison {
    private SpeedComparison() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        long bytes = lines.stream().mapToLong(line -> line.getBytes(StandardCharsets.UTF_8).length).sum();
        Tokenizer ours = Tokenizer.load(dir);
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false"))) {
            for (int round = 0; round < 3; round++) {
                measure("reason4j", lines, bytes, text -> ours.encode(text).length);
                measure("rust tokenizers (DJL JNI)", lines, bytes, text -> rust.encode(text).getIds().length);
            }
        }
    }

    private static void measure(String label, List<String> lines, long bytes, ToIntFunction<String> encode) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        long tokens = 0;
        long passes = 0;
        while (System.nanoTime() - wall < 3e9) {
            for (String line : lines) {
                tokens += encode.applyAsInt(line);
            }
            passes++;
        }
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
        System.out.printf("%-28s %.2f MB per CPU-second (%.2f MB/s wall), %.2f M tokens per CPU-second%n", label,
                passes * bytes / 1e6 / cpuSeconds, passes * bytes / 1e6 / ((System.nanoTime() - wall) / 1e9),
                tokens / 1e6 / cpuSeconds);
    }
}
