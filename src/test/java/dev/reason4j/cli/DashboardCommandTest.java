package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.trainer.SamplesLog;
import dev.reason4j.trainer.SamplesLogTest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./reason4j dashboard} and {@code --dashboard}: what a user types and sees. */
class DashboardCommandTest {
    @TempDir
    Path temp;

    @Test
    void aRunsPathThatIsNoDirectoryIsOneLine() {
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("dashboard", "--runs", temp.resolve("none").toString());
        assertEquals(2, outcome.code());
        assertEquals("reason4j dashboard: --runs: " + temp.resolve("none") + " is not a directory\n", outcome.err());
    }

    @Test
    void aTakenPortIsOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            UserErrorsTest.Outcome outcome = UserErrorsTest.run("dashboard", "--runs", temp.toString(), "--port",
                    String.valueOf(taken.getLocalPort()));
            assertEquals(2, outcome.code());
            assertTrue(outcome.err().startsWith("reason4j dashboard: cannot serve the dashboard on 127.0.0.1:"
                    + taken.getLocalPort() + " ("), outcome.err());
            assertTrue(outcome.err().endsWith("); give another --port\n"), outcome.err());
        }
        assertEquals("reason4j dashboard: --port must be in [0, 65535], got 70000\n",
                UserErrorsTest.run("dashboard", "--runs", temp.toString(), "--port", "70000").err());
    }

    /** train --dashboard prints the page's address; the run writes samples.jsonl and, asked, TensorBoard events. */
    @Test
    void trainWithTheDashboardPrintsItsAddress() throws Exception {
        SamplesLogTest.tokenizer(temp.resolve("tokenizer"));
        Path run = temp.resolve("runs/exp1");
        UserErrorsTest.Outcome outcome = UserErrorsTest.run("train", "--out", run.toString(), "--dashboard",
                "--dashboard-port", "0", "model.tokenizer=" + temp.resolve("tokenizer"), "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64", "data.task=arithmetic", "data.train_batch_size=2",
                "data.max_response_length=6", "data.val_size=2", "rollout.n=2", "actor.ppo_mini_batch_size=2",
                "trainer.total_steps=2", "trainer.test_freq=0", "trainer.samples.per_step=3",
                "trainer.logger=[jsonl, tensorboard]");
        assertEquals(0, outcome.code(), outcome.err());
        assertTrue(outcome.out().matches("(?s)dashboard: http://127\\.0\\.0\\.1:\\d+/ \\(the runs under "
                + java.util.regex.Pattern.quote(temp.resolve("runs").toString()) + ";.*"), outcome.out());
        List<Integer> steps = SamplesLog.read(run.resolve(SamplesLog.FILE)).stream()
                .map(sample -> sample.get("step").asInt()).toList();
        assertEquals(List.of(1, 1, 1, 2, 2, 2), steps);
        try (Stream<Path> files = Files.list(run)) {
            assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents.")).count());
        }
    }
}
