package dev.reason4j.bench;

import dev.reason4j.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's physical limits, measured, so that every figure can be read as a share of what the hardware allows:
 * peak GEMM throughput (a large sgemm through the engine's backend, and a register-only FMA loop: the vector units'
 * ceiling) and memory bandwidth (STREAM's copy and triad, McCalpin 1995, over arrays much larger than the caches),
 * each on one thread and on all of {@link Parallel#threads()}.
 */
final class MachineLimits {
    /** The limit that training, prefill and matmul GFLOP/s are divided by: a large sgemm on that many threads. */
    static String gemmLimit(int threads) {
        return "peak_sgemm_gflops_threads" + threads;
    }

    /** The limit that decode's bytes read per second are divided by: STREAM triad on that many threads. */
    static String bandwidthLimit(int threads) {
        return "stream_triad_gbytes_per_s_threads" + threads;
    }

    private static final int GEMM_SIZE = 1024;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Independent FMA chains: more than latency (4 cycles) × FMA ports (2), so the loop is throughput-bound. */
    private static final int CHAINS = 12;
    private static final int FMA_ITERATIONS = 1 << 20;
    /** Keeps the FMA results alive, so the compiler cannot drop the loop. */
    static volatile float sink;

    private MachineLimits() {}

    /** Every probe, each the best round over {@code seconds} after warm-up (see {@link Timing}). */
    static Map<String, Double> measure(double seconds) throws Exception {
        Map<String, Double> limits = new LinkedHashMap<>();
        int threads = Parallel.threads();
        for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
            limits.put(gemmLimit(t), sgemmGflops(t, seconds));
            limits.put("peak_fma_gflops_threads" + t, fmaGflops(t, seconds));
        }
        int elements = streamArrayElements();
        float[] a = new float[elements];
        float[] b = new float[elements];
        float[] c = new float[elements];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
            // STREAM counts the bytes the kernel names: copy reads b and writes a, triad reads b and c and writes a.
            double copy = Timing.secondsPerRun(() -> overChunks(t, elements, (from, to) -> {
                System.arraycopy(b, from, a, from, to - from);
            }), seconds, 3);
            limits.put("stream_copy_gbytes_per_s_threads" + t, 2.0 * 4 * elements / copy / 1e9);
            double triad = Timing.secondsPerRun(() -> overChunks(t, elements, (from, to) -> {
                for (int i = from; i < to; i++) {
                    a[i] = b[i] + 3f * c[i];
                }
            }), seconds, 3);
            limits.put(bandwidthLimit(t), 3.0 * 4 * elements / triad / 1e9);
        }
        return limits;
    }

    /** X[1024×1024] · W[1024×1024]ᵀ, as nn.Linear: big enough for the kernels' best blocking. */
    private static double sgemmGflops(int threads, double seconds) throws Exception {
        Random random = new Random(0);
        int n = GEMM_SIZE;
        float[] x = new float[n * n];
        float[] w = new float[n * n];
        float[] out = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
            w[i] = (float) random.nextGaussian();
        }
        // The engine's GEMM kernel on packed weights: the machine's GEMM peak as far as the engine can reach it.
        dev.reason4j.tensor.PackedMatrix packed = dev.reason4j.tensor.PackedMatrix.pack(w, n, n);
        Runnable product = () -> dev.reason4j.tensor.BatchInvariantMatmul.multiply(x, 0, n, packed, out, 0);
        double perRun = Timing.secondsPerRun(() -> {
            if (threads == 1) {
                onOneThread(product);
            } else {
                product.run();
            }
        }, seconds, 3);
        return 2.0 * n * n * n / perRun / 1e9;
    }

    /** A product called from inside a parallel loop runs whole on the calling thread (see {@link Parallel}). */
    private static void onOneThread(Runnable action) {
        Parallel.forRange(0, 2, i -> {
            if (i == 0) {
                action.run();
            }
        });
    }

    private static double fmaGflops(int threads, double seconds) throws Exception {
        double perRun = Timing.secondsPerRun(() -> {
            if (threads == 1) {
                sink = fmaChains();
            } else {
                Parallel.forRange(0, threads, t -> sink = fmaChains());
            }
        }, seconds, 3);
        return (double) threads * FMA_ITERATIONS * CHAINS * SPECIES.length() * 2 / perRun / 1e9;
    }

    /** CHAINS independent a = a·m + c chains in registers, no memory traffic; converges, so never overflows. */
    private static float fmaChains() {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, 0.1f), a1 = FloatVector.broadcast(SPECIES, 0.2f);
        FloatVector a2 = FloatVector.broadcast(SPECIES, 0.3f), a3 = FloatVector.broadcast(SPECIES, 0.4f);
        FloatVector a4 = FloatVector.broadcast(SPECIES, 0.5f), a5 = FloatVector.broadcast(SPECIES, 0.6f);
        FloatVector a6 = FloatVector.broadcast(SPECIES, 0.7f), a7 = FloatVector.broadcast(SPECIES, 0.8f);
        FloatVector a8 = FloatVector.broadcast(SPECIES, 0.9f), a9 = FloatVector.broadcast(SPECIES, 1.0f);
        FloatVector a10 = FloatVector.broadcast(SPECIES, 1.1f), a11 = FloatVector.broadcast(SPECIES, 1.2f);
        for (int i = 0; i < FMA_ITERATIONS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    @FunctionalInterface
    private interface Chunk {
        void run(int from, int to);
    }

    /** [0, elements) in {@code threads} contiguous chunks, one per thread. */
    private static void overChunks(int threads, int elements, Chunk chunk) {
        if (threads == 1) {
            chunk.run(0, elements);
            return;
        }
        int per = (elements + threads - 1) / threads;
        Parallel.forRange(0, threads, t -> chunk.run(t * per, Math.min(elements, (t + 1) * per)));
    }

    /**
     * STREAM's rule: each array at least 4× the largest cache, so that no run is served from cache; at least
     * 128 MiB, and at most a sixth of the heap for the three arrays.
     */
    static int streamArrayElements() {
        long bytes = Math.max(128L << 20, 4 * largestCacheBytes());
        bytes = Math.min(bytes, Runtime.getRuntime().maxMemory() / 6);
        return (int) Math.min(Integer.MAX_VALUE - 8, bytes / 4);
    }

    /** The largest cache of cpu0 (/sys/devices/system/cpu/cpu0/cache/index{i}/size, e.g. "32768K"), or 0. */
    static long largestCacheBytes() {
        Path caches = Path.of("/sys/devices/system/cpu/cpu0/cache");
        try (Stream<Path> entries = Files.list(caches)) {
            return entries.map(dir -> dir.resolve("size")).filter(Files::isRegularFile)
                    .mapToLong(MachineLimits::cacheSize).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    static long cacheSize(Path sizeFile) {
        try {
            return parseCacheSize(Files.readString(sizeFile).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** "32768K" → 33554432; "1M" → 1048576; "512" → 512. */
    static long parseCacheSize(String text) {
        char unit = Character.toUpperCase(text.charAt(text.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        return Long.parseLong(scale == 1 ? text : text.substring(0, text.length() - 1)) * scale;
    }
}
