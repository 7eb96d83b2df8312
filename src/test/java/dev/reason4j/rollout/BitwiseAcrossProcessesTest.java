package dev.reason4j.rollout;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.ModelConfig.Architecture;
import dev.reason4j.model.Transformer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bits of sampled tokens, log-probs and entropies do not depend on the thread count or on how the code is
 * compiled: child JVMs with 1 and 2 threads and with C1 only (the Vector API's Java fallback) all print the same
 * digest as this JVM.
 */
class BitwiseAcrossProcessesTest {
    static final ModelConfig CONFIG = new ModelConfig(Architecture.QWEN3, 67, 32, 48, 2, 4, 2, 8, 1e-6f, 1e6, null,
            4096, true, 0.5f, 0, List.of(1));

    /** A digest of everything sampled (tokens, log-prob and entropy bits) and of the training forward's bits. */
    static String digest() {
        Transformer model = Transformer.create(CONFIG, 51);
        List<int[]> prompts = List.of(new int[]{3, 1, 4, 1, 5, 9, 2, 6}, new int[]{5}, new int[]{8, 9, 7, 9, 3, 2});
        SamplingParams params = SamplingParams.defaults().withN(4).withMaxNewTokens(16).withSeed(21)
                .withTemperature(0.8f).withTopP(0.95f);
        List<Completion> completions = new Generator(model).generate(prompts, params);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        List<int[]> sequences = new ArrayList<>();
        for (Completion c : completions) {
            for (int i = 0; i < c.tokens().length; i++) {
                crc.update(c.tokens()[i]);
                crc.update(Float.floatToIntBits(c.logProbs()[i]));
                crc.update(Float.floatToIntBits(c.entropies()[i]));
            }
            int[] prompt = prompts.get(c.promptIndex());
            int[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + c.tokens().length);
            System.arraycopy(c.tokens(), 0, sequence, prompt.length, c.tokens().length);
            sequences.add(sequence);
        }
        ForwardResult forward = model.forward(sequences, ForwardOptions.inference().withTemperature(0.8f)
                .withEntropy(true));
        for (int s = 0; s < sequences.size(); s++) {
            for (int t = 0; t < forward.logProbs[s].length; t++) {
                crc.update(Float.floatToIntBits(forward.logProbs[s][t]));
                crc.update(Float.floatToIntBits(forward.entropy[s][t]));
            }
        }
        return Long.toHexString(crc.getValue());
    }

    /** Entry point of the child JVMs: prints the digest. */
    public static void main(String[] args) {
        System.out.println("digest " + digest());
    }

    private static String childDigest(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                BitwiseAcrossProcessesTest.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(300, TimeUnit.SECONDS) || child.exitValue() != 0) {
            child.destroyForcibly();
            throw new AssertionError("child " + command + " failed: " + output);
        }
        for (String line : output.split("\n")) {
            if (line.startsWith("digest ")) {
                return line.substring("digest ".length()).strip();
            }
        }
        throw new AssertionError("no digest from " + command + ": " + output);
    }

    @Test
    void sameBitsWithAnyThreadCountOrJit() throws Exception {
        String here = digest();
        assertEquals(here, childDigest("-Dreason4j.threads=1"), "1 thread");
        assertEquals(here, childDigest("-Dreason4j.threads=2"), "2 threads");
        // C1 does not intrinsify the Vector API: every vector operation runs its plain-Java fallback (as in the
        // interpreter), where C2 emits SIMD instructions. (-Xint agrees too, at ten times the cost of this test.)
        assertEquals(here, childDigest("-Dreason4j.threads=2", "-XX:TieredStopAtLevel=1"), "C1 only");
    }
}
