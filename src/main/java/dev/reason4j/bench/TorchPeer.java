package dev.reason4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code bench/torch_peer.py} on one config and collects its metric → value lines and its description of
 * itself (torch version, threads, BLAS). The peer inherits the environment, with {@code OMP_WAIT_POLICY=PASSIVE}
 * unless it is set: left at its default, PyTorch's OpenMP threads spin at every barrier, which on a shared machine
 * measures the neighbours more than PyTorch (BENCHMARKS.md).
 */
public final class TorchPeer {
    /** Debian's interpreter, for which python3-torch can be installed. */
    static final String DEBIAN_PYTHON = "/usr/bin/python3";

    private final String python;
    private final Path script;
    private final int threads;

    TorchPeer(String python, Path script, int threads) {
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("PyTorch peer script not found: " + script);
        }
        this.python = python;
        this.script = script;
        this.threads = threads;
    }

    record Result(Map<String, Double> metrics, Map<String, String> info) {}

    /**
     * Makes sure {@code python} imports torch. For Debian's interpreter, a missing torch is installed as
     * scripts/env.sh installs the other packages ({@code reason4j_apt_install python3-torch libopenblas0-pthread}:
     * apt-get as root, else the command to run), with OpenBLAS so that Debian's {@code libblas.so.3} is not the
     * reference BLAS; any other interpreter must have torch already.
     */
    public static void ensureTorch(String python, Path envScript, PrintStream log) throws IOException, InterruptedException {
        if (importsTorch(python)) {
            return;
        }
        if (!python.equals(DEBIAN_PYTHON) || !Files.isRegularFile(envScript)) {
            throw new IllegalArgumentException("'" + python + "' cannot import torch (install PyTorch for it, or use "
                    + DEBIAN_PYTHON + " with Debian's python3-torch)");
        }
        log.println("reason4j bench: " + python + " has no torch; installing Debian's python3-torch and OpenBLAS");
        Process install = new ProcessBuilder("bash", "-c",
                "source \"$1\" && reason4j_apt_install python3-torch libopenblas0-pthread",
                "bash", envScript.toString()).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (install.waitFor() != 0 || !importsTorch(python)) {
            throw new IllegalArgumentException("PyTorch is not available to " + python
                    + " (Debian: apt-get install python3-torch)");
        }
    }

    private static boolean importsTorch(String python) throws InterruptedException {
        try {
            Process check = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return check.waitFor() == 0;
        } catch (IOException e) {
            return false;   // no such interpreter
        }
    }

    /** @param mixed the mixed workload to replay (prompt and response lengths), or null when not measured */
    Result run(BenchConfig config, List<String> metrics, ModelBench.MixedWorkload mixed, double seconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, script.toString(), "--config-json", config.toJson(),
                "--metrics", String.join(",", metrics), "--threads", Integer.toString(threads),
                "--seconds", Double.toString(seconds)));
        if (mixed != null) {
            command.addAll(List.of("--mixed-json", mixedJson(mixed)));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot run the PyTorch peer with '" + python + "' (Debian: apt-get install "
                    + "python3-torch; choose the interpreter with --torch-python): " + e.getMessage(), e);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, String> info = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                JsonNode node = json.readTree(line);
                if (node.has("info")) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = node.get("info").fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> field = it.next();
                        info.put(field.getKey(), field.getValue().asText());
                    }
                } else {
                    values.put(node.get("metric").asText(), node.get("value").asDouble());
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IOException("PyTorch peer exited with status " + exit + " on config " + config.name());
        }
        return new Result(values, info);
    }

    /** {"prompt_lengths": [...], "response_lengths": [...]}: the peer makes its own prompt ids of these lengths. */
    static String mixedJson(ModelBench.MixedWorkload mixed) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        var prompts = root.putArray("prompt_lengths");
        mixed.prompts().forEach(prompt -> prompts.add(prompt.length));
        var responses = root.putArray("response_lengths");
        for (int length : mixed.responseLengths()) {
            responses.add(length);
        }
        return root.toString();
    }
}
