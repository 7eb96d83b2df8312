package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/**
 * A checkpoint's {@code trainer_state.json}: the step and whatever else the run needs to continue (data position,
 * KL coefficient). Reading checks the fields are there, so a broken file is named with its problem.
 */
record TrainerState(int step, JsonNode json) {
    static final String FILE = "trainer_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The state in {@code checkpoint}; {@code fields} beside {@code step} must be numbers. */
    static TrainerState read(Path checkpoint, String... fields) {
        Path file = checkpoint.resolve(FILE);
        JsonNode json = Checkpoints.readFile(file, () -> {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (String field : prepend("step", fields)) {
                if (!node.path(field).isNumber()) {
                    throw new IllegalArgumentException("no number \"" + field + "\"");
                }
            }
            return node;
        });
        return new TrainerState(json.get("step").asInt(), json);
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
