package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.trainer.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RftCommandTest {
    @TempDir
    Path temp;

    /** The whole path on a task: the real sampler and the task's verifier, per-round rows, a model directory. */
    @Test
    void rftOnATaskWritesRoundsAndAModel() throws Exception {
        Path model = DpoCommandTest.tinyModel(temp);
        Path out = temp.resolve("run");
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("rft", "--model", model.toString(), "--task",
                "arithmetic", "--out", out.toString(), "rft.rounds=1", "rft.problems_per_round=3",
                "rft.samples_per_problem=2", "rft.steps_per_round=1", "data.max_response_length=6",
                "data.val_size=2", "sft.batch_size=2", "sft.micro_batch_size=2", "rft.reward_threshold=-1");
        assertEquals(0, outcome.code(), outcome.err());
        String[] lines = outcome.out().strip().split("\n");
        JsonNode metrics = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertTrue(metrics.get("eval/pass@1").isNumber(), metrics.toString());
        assertTrue(Files.isRegularFile(out.resolve("model/model.safetensors")));
        List<Map<String, Object>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(List.of(0, 1), rows.stream().map(row -> row.get("step")).toList());
        // Threshold −1 accepts every response that ended on its own; 6 tokens cut most of an untrained model's.
        Map<String, Object> round = rows.get(1);
        assertEquals(6, round.get("rft/sampled"));
        assertTrue(((Number) round.get("rft/kept")).intValue() <= 6, round.toString());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path model = DpoCommandTest.tinyModel(temp);
        Path data = temp.resolve("data.jsonl");
        Files.writeString(data, "{\"prompt\": \"1 + 1?\", \"answer\": \"2\", \"data_source\": \"arithmetic\"}\n");
        assertEquals("reason4j rft: give --task NAME or data files, not both\n", UserErrorsTest.run("rft", "--model",
                model.toString(), "--task", "arithmetic", data.toString()).err());
        String missing = temp.resolve("missing.jsonl").toString();
        assertEquals("reason4j rft: data file does not exist: " + missing + "\n",
                UserErrorsTest.run("rft", "--model", model.toString(), missing).err());
        assertEquals("reason4j rft: missing required option --model\n", UserErrorsTest.run("rft").err());
    }
}
