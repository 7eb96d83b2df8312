package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    /** A learning rate of 2e-4 is not 0.000: small numbers are printed in scientific notation. */
    @Test
    void progressLinesShowSmallNumbersInScientificNotation() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step", 3);
        metrics.put("sft/lr", 2e-4);
        metrics.put("sft/loss", 0.41234);
        metrics.put("sft/tokens_per_s", 1234.5);
        metrics.put("actor/pg_clipfrac", 0.0);
        assertEquals("step 3 | sft/lr 2.0e-04 | sft/loss 0.412 | sft/tokens_per_s 1235 | actor/pg_clipfrac 0.000",
                MetricsLog.progressLine(metrics, "step", "sft/lr", "sft/loss", "sft/tokens_per_s",
                        "actor/pg_clipfrac", "absent"));
        assertEquals("-3.5e-05", MetricsLog.format(-3.5e-5));
    }

    /** A log reads back row for row; a broken row is named by file and line, not a Jackson stack trace. */
    @Test
    void readsRowsBackAndNamesABadLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(file)) {
            log.write(Map.of("step", 1));
            log.write(Map.of("step", 2));
        }
        assertEquals(List.of(Map.of("step", 1), Map.of("step", 2)), MetricsLog.read(file));
        Files.writeString(file, "[3]\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(file + ":3: expected a JSON object",
                assertThrows(IllegalArgumentException.class, () -> MetricsLog.read(file)).getMessage());
    }
}
