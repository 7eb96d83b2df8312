package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory belongs to one run; its checkpoints are complete model directories, written with the user's
 * umask; a broken checkpoint is named with its problem, and {@code latest_intact} resumes from an older one.
 */
class RunDirectoryTest {
    @TempDir
    Path temp;

    private Path tokenizer() throws IOException {
        Path directory = temp.resolve("tokenizer");
        SftRunTest.tokenizer(directory);
        return directory;
    }

    private static List<Object> rlSteps(Path run) throws IOException {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().filter(row -> "rl".equals(row.get("phase")))
                .map(row -> row.get("step")).toList();
    }

    private static String train(Config config, Path run) throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (Experiment experiment = new Experiment(config)) {
            experiment.train(run, new PrintStream(console));
        }
        return console.toString();
    }

    /** ResumeTest's 4-step run, trained in temp/run: checkpoints at steps 2 and 4. */
    private Config trainedRun() throws IOException {
        ResumeTest.registerReward();
        Config config = ResumeTest.config(tokenizer());
        train(config, temp.resolve("run"));
        return config;
    }

    @Test
    void aRunDirectoryHoldsOneRunAndItsCheckpointsAreUsable() throws Exception {
        Config config = trainedRun();
        Path tokenizer = temp.resolve("tokenizer");
        Path run = temp.resolve("run");
        assertEquals(List.of(1, 2, 3, 4), rlSteps(run));

        // Files carry the user's umask (as a file this test writes does), not createTempFile's 0600.
        Path reference = Files.writeString(temp.resolve("reference"), "x");
        String expected = PosixFilePermissions.toString(Files.getPosixFilePermissions(reference));
        Path checkpoint = run.resolve("checkpoints/step-000004");
        for (Path file : List.of(run.resolve("config.yaml"), run.resolve("checkpoints/latest"),
                checkpoint.resolve("trainer_state.json"), checkpoint.resolve("policy/model.safetensors"),
                checkpoint.resolve("actor_optimizer.safetensors"))) {
            assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
        }

        // The policy directory is a whole model: eval needs nothing else (no model.tokenizer).
        Path policy = checkpoint.resolve("policy");
        assertTrue(Files.isRegularFile(policy.resolve("tokenizer.json")));
        assertEquals(Tokenizer.load(tokenizer).encode("What is 3 + 4?").length,
                Tokenizer.load(policy).encode("What is 3 + 4?").length);
        Config evalConfig = Config.load(null, List.of("model.path=" + policy, "data.val_size=4",
                "data.max_response_length=8"));
        try (Experiment experiment = new Experiment(evalConfig)) {
            assertEquals(4.0, experiment.evaluate().get("n"));
        }

        // The same run again: complete, nothing re-logged.
        assertTrue(train(config, run).contains("the run is complete (step 4)"));
        assertEquals(List.of(1, 2, 3, 4), rlSteps(run));

        // Another run in the same directory is refused, saying how to start fresh; nothing is touched.
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> train(config.override("actor.lr=2e-3"), run));
        assertEquals(run + " holds another run: its config.yaml differs at actor.lr (saved 0.001, now 0.002)."
                + " Resume it with the same settings, or start fresh with --out NEW_DIR or --overwrite",
                other.getMessage());
        assertEquals(List.of(1, 2, 3, 4), rlSteps(run));
        // trainer.resume=disable does not append a new run to this one either.
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> train(config.override("trainer.resume=disable"), run)).getMessage()
                .contains("--out NEW_DIR or --overwrite"));
    }

    @Test
    void aBrokenLatestCheckpointIsNamedAndLatestIntactResumesFromTheOneBefore() throws Exception {
        Config config = trainedRun();
        Path run = temp.resolve("run");
        Path checkpoint = run.resolve("checkpoints/step-000004");

        // A truncated tensor file.
        Path weights = checkpoint.resolve("policy/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        String message = assertThrows(IllegalArgumentException.class, () -> train(config, run)).getMessage();
        assertTrue(message.startsWith("broken checkpoint " + checkpoint + ": " + checkpoint.resolve("policy") + ": "),
                message);
        assertTrue(message.contains("model.safetensors"), message);
        assertTrue(message.endsWith("resume from the newest intact checkpoint with trainer.resume=latest_intact,"
                + " or from another with trainer.resume=PATH"), message);
        assertFalse(message.contains("\n"), "one line: " + message);

        // latest_intact skips it, resumes from step 2 and takes steps 3 and 4 again, logged once.
        String console = train(config.override("trainer.resume=latest_intact"), run);
        assertTrue(console.contains("skipping broken checkpoint " + checkpoint), console);
        assertTrue(console.contains("from step 2, continuing at step 3"), console);
        assertEquals(List.of(1, 2, 3, 4), rlSteps(run));

        // A broken trainer_state.json.
        Files.writeString(checkpoint.resolve("trainer_state.json"), "{\"step\": 4,", StandardOpenOption.TRUNCATE_EXISTING);
        message = assertThrows(IllegalArgumentException.class, () -> train(config, run)).getMessage();
        assertTrue(message.startsWith("broken checkpoint " + checkpoint + ": "
                + checkpoint.resolve("trainer_state.json") + ": invalid JSON ("), message);
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void overwriteClearsOnlyARunDirectory() throws Exception {
        Path run = temp.resolve("run");
        RunDirectory.claim(run, Config.defaults());
        Files.writeString(run.resolve("metrics.jsonl"), "{}\n");
        RunDirectory.clear(run);
        try (var entries = Files.list(run)) {
            assertEquals(0, entries.count());
        }
        Path notARun = Files.createDirectories(temp.resolve("home"));
        Files.writeString(notARun.resolve("thesis.tex"), "precious");
        assertEquals("--overwrite: " + notARun + " is not a run directory (no config.yaml); not deleting it",
                assertThrows(IllegalArgumentException.class, () -> RunDirectory.clear(notARun)).getMessage());
        assertTrue(Files.exists(notARun.resolve("thesis.tex")));
        // Run files without a config.yaml are someone's run too.
        Path orphan = Files.createDirectories(temp.resolve("orphan"));
        Files.writeString(orphan.resolve("metrics.jsonl"), "{}\n");
        assertEquals(orphan + " holds run files but no config.yaml; start fresh with --out NEW_DIR or --overwrite",
                assertThrows(IllegalArgumentException.class, () -> RunDirectory.claim(orphan, Config.defaults()))
                        .getMessage());
    }
}
