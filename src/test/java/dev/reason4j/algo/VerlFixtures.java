package dev.reason4j.algo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Loads {@code verl-reference/core_algos.json}; a missing folder fails the test (never skips it). */
final class VerlFixtures {
    private VerlFixtures() {
    }

    /** {@code $REASON4J_FIXTURES}, else {@code ../shared/fixtures} from the project root (the working directory). */
    static Path fixturesRoot() {
        String fromEnv = System.getenv("REASON4J_FIXTURES");
        Path root = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : Path.of("..", "shared", "fixtures");
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("fixture folder " + root.toAbsolutePath()
                    + " not found: set REASON4J_FIXTURES or provide ../shared/fixtures");
        }
        return root;
    }

    static List<JsonNode> cases() {
        Path file = fixturesRoot().resolve("verl-reference").resolve("core_algos.json");
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            List<JsonNode> cases = new ArrayList<>();
            root.get("cases").forEach(cases::add);
            if (cases.isEmpty()) {
                throw new IllegalStateException(file + " has no cases");
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static double[][] matrix(JsonNode node) {
        double[][] matrix = new double[node.size()][];
        for (int b = 0; b < node.size(); b++) {
            matrix[b] = vector(node.get(b));
        }
        return matrix;
    }

    static double[][][] tensor3(JsonNode node) {
        double[][][] tensor = new double[node.size()][][];
        for (int b = 0; b < node.size(); b++) {
            tensor[b] = matrix(node.get(b));
        }
        return tensor;
    }

    static double[] vector(JsonNode node) {
        double[] vector = new double[node.size()];
        for (int i = 0; i < node.size(); i++) {
            vector[i] = node.get(i).asDouble();
        }
        return vector;
    }

    /** String group ids ("p0", "p1", …) to ints, in order of first appearance. */
    static int[] groupIds(JsonNode node) {
        Map<String, Integer> ids = new HashMap<>();
        int[] groupIds = new int[node.size()];
        for (int i = 0; i < node.size(); i++) {
            groupIds[i] = ids.computeIfAbsent(node.get(i).asText(), key -> ids.size());
        }
        return groupIds;
    }

    /** A nullable double parameter. */
    static Double optional(JsonNode params, String name) {
        JsonNode value = params.get(name);
        return value == null || value.isNull() ? null : value.asDouble();
    }
}
