package dev.reason4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code bench/torch_peer.py} on one config and collects its metric → value lines. */
final class TorchPeer {
    private TorchPeer() {}

    static Map<String, Double> run(String python, Path script, BenchConfig config, List<String> metrics, int threads,
                                   double seconds) throws IOException, InterruptedException {
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("PyTorch peer script not found: " + script);
        }
        List<String> command = new ArrayList<>(List.of(python, script.toString(), "--config-json", config.toJson(),
                "--metrics", String.join(",", metrics), "--threads", Integer.toString(threads),
                "--seconds", Double.toString(seconds)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot run the PyTorch peer with '" + python + "' (Debian: apt-get install "
                    + "python3-torch; choose the interpreter with --torch-python): " + e.getMessage(), e);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                JsonNode node = json.readTree(line);
                values.put(node.get("metric").asText(), node.get("value").asDouble());
            }
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IOException("PyTorch peer exited with status " + exit + " on config " + config.name());
        }
        return values;
    }
}
