package dev.reason4j.bench;

import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What a figure must be read against: the CPU (model and the vector / matrix extensions that decide which kernels
 * run), how many threads each side used, the GEMM kernel, and how busy the machine was (load average).
 *
 * @param cpuFlags the flags of {@link #FLAGS_OF_INTEREST} that /proc/cpuinfo lists
 */
public record MachineInfo(String cpuModel, int logicalCpus, List<String> cpuFlags, String gemmKernel,
                          int reason4jThreads, String java) {
    /** The extensions that change which GEMM / dot kernels OpenBLAS, PyTorch and the Vector API pick. */
    static final List<String> FLAGS_OF_INTEREST = List.of("fma", "avx2", "avx512f", "avx512_vnni", "avx512_bf16",
            "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8");

    public static MachineInfo current() {
        String cpuinfo = read(Path.of("/proc/cpuinfo"));
        return new MachineInfo(cpuinfoField(cpuinfo, "model name"), Runtime.getRuntime().availableProcessors(),
                flagsOfInterest(cpuinfoField(cpuinfo, "flags")), BatchInvariantMatmul.describe(), Parallel.threads(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    /** The first {@code field : value} line of /proc/cpuinfo's text, or "unknown". */
    static String cpuinfoField(String cpuinfo, String field) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(field)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "unknown";
    }

    static List<String> flagsOfInterest(String flags) {
        List<String> present = Arrays.asList(flags.split("\\s+"));
        return FLAGS_OF_INTEREST.stream().filter(present::contains).toList();
    }

    /** The 1-, 5- and 15-minute load averages (/proc/loadavg), or "unknown". */
    public static String loadAverage() {
        String[] fields = read(Path.of("/proc/loadavg")).trim().split("\\s+");
        return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "unknown";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
