package dev.reason4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's JSON API over a directory of runs, and what it refuses: nothing from outside that directory. */
class DashboardServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SECRET = "secret-outside-the-runs-directory";

    @TempDir
    static Path temp;
    static Path runs;
    static DashboardServer server;

    record Answer(int status, String contentType, String body, String head) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        runs = temp.resolve("runs");
        // demo/sft, demo/rl (a demo's two runs) and b; "notes" has no metrics.jsonl and is no run.
        write(runs.resolve("demo/sft/metrics.jsonl"), "{\"step\":1,\"phase\":\"sft\",\"sft/loss\":2.5}\n");
        write(runs.resolve("demo/rl/metrics.jsonl"), """
                {"step":0,"phase":"eval","val/pass@1":0.1}
                {"step":1,"phase":"rl","reward/mean":0.2}
                {"step":2,"phase":"rl","reward/mean":0.4}
                {"step":2,"phase":"eval","val/pass@1":0.3}
                {"step":3,"phase":"rl","reward/mean\"""");   // a row still being written
        write(runs.resolve("demo/rl/config.yaml"), "actor:\n  lr: 1.0e-5\ntrainer:\n  logger: [jsonl]\n");
        write(runs.resolve("demo/rl/samples.jsonl"), """
                {"step":1,"index":0,"correct":true,"finish_reason":"stop"}
                {"step":1,"index":1,"correct":false,"finish_reason":"length"}
                {"step":2,"index":0,"correct":false,"finish_reason":"stop"}
                """);
        write(runs.resolve("b/metrics.jsonl"), "{\"step\":1,\"reward/mean\":0.5}\n");
        write(runs.resolve("notes/readme.txt"), "not a run\n");
        // Outside the directory: a run-shaped directory, reachable by links from inside.
        Path outside = temp.resolve("outside");
        write(outside.resolve("metrics.jsonl"), "{\"step\":1,\"" + SECRET + "\":1}\n");
        write(outside.resolve("config.yaml"), SECRET + ": 1\n");
        Files.createSymbolicLink(runs.resolve("escape"), outside);
        Files.createDirectories(runs.resolve("linked"));
        Files.createSymbolicLink(runs.resolve("linked/metrics.jsonl"), outside.resolve("metrics.jsonl"));
        server = DashboardServer.start(runs, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** One request as typed, path bytes and all (no client library normalizes it first). */
    static Answer request(String method, String rawPath) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String head = response.substring(0, split);
            String body = response.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = unchunk(body);
            }
            Matcher type = Pattern.compile("(?im)^content-type: *(.*)$").matcher(head);
            return new Answer(Integer.parseInt(head.split(" ")[1]), type.find() ? type.group(1).strip() : "",
                    body, head);
        }
    }

    static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int end = body.indexOf("\r\n", at);
            int size = Integer.parseInt(body.substring(at, end).strip(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(body, end + 2, end + 2 + size);
            at = end + 2 + size + 2;
        }
    }

    static Answer get(String path) throws Exception {
        return request("GET", path);
    }

    @Test
    void listsTheRunsUnderTheDirectory() throws Exception {
        Answer answer = get("/api/runs");
        assertEquals(200, answer.status());
        assertEquals("application/json", answer.contentType());
        List<String> ids = new ArrayList<>();
        for (JsonNode run : answer.json().get("runs")) {
            ids.add(run.get("id").asText());
        }
        // Links are not followed when looking: neither "escape" nor "linked" shows up.
        assertEquals(List.of("b", "demo/rl", "demo/sft"), ids);
        JsonNode rl = answer.json().get("runs").get(1);
        assertEquals(4, rl.get("rows").asInt(), "the row still being written is not counted");
        assertEquals(2, rl.get("last_step").asInt());
        assertTrue(rl.get("has_samples").asBoolean());
        assertFalse(answer.json().get("runs").get(0).get("has_samples").asBoolean());
    }

    @Test
    void metricsSinceAStep() throws Exception {
        JsonNode all = get("/api/runs/demo/rl/metrics").json();
        assertEquals("demo/rl", all.get("id").asText());
        assertEquals(4, all.get("rows").size());
        JsonNode after = get("/api/runs/demo/rl/metrics?since=1").json().get("rows");
        assertEquals(2, after.size());
        assertEquals(0.4, after.get(0).get("reward/mean").asDouble());
        assertEquals(0.3, after.get(1).get("val/pass@1").asDouble());
        assertEquals(0, get("/api/runs/demo/rl/metrics?since=2").json().get("rows").size());
        Answer bad = get("/api/runs/demo/rl/metrics?since=two");
        assertEquals(400, bad.status());
        assertEquals("'since' must be an integer, got 'two'", bad.json().get("error").asText());
    }

    @Test
    void samplesByStepAndTheConfig() throws Exception {
        JsonNode steps = get("/api/runs/demo/rl/samples").json().get("steps");
        assertEquals(JSON.readTree("[{\"step\":1,\"count\":2,\"correct\":1,\"truncated\":1},"
                + "{\"step\":2,\"count\":1,\"correct\":0,\"truncated\":0}]"), steps);
        JsonNode step1 = get("/api/runs/demo/rl/samples?step=1").json();
        assertEquals(2, step1.get("samples").size());
        assertEquals(1, step1.get("samples").get(1).get("index").asInt());
        assertEquals(0, get("/api/runs/b/samples").json().get("steps").size(), "no samples file: no steps");
        JsonNode config = get("/api/runs/demo/rl/config").json().get("config");
        assertEquals(1.0e-5, config.get("actor.lr").asDouble());
        assertEquals(JSON.readTree("[\"jsonl\"]"), config.get("trainer.logger"));
        assertEquals(0, get("/api/runs/b/config").json().get("config").size());
    }

    @Test
    void servesThePageAndItsFilesFromTheJarOnly() throws Exception {
        Answer page = get("/");
        assertEquals(200, page.status());
        assertEquals("text/html; charset=utf-8", page.contentType());
        assertTrue(page.head().contains("Content-Security-Policy: default-src 'self'"), page.head());
        // Everything the page loads is one of the server's own paths.
        Matcher loads = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.body());
        List<String> loaded = new ArrayList<>();
        while (loads.find()) {
            loaded.add(loads.group(1));
        }
        assertEquals(List.of("/static/uPlot.min.css", "/static/dashboard.css", "/static/uPlot.iife.min.js",
                "/static/dashboard.js"), loaded);
        for (String path : loaded) {
            assertEquals(200, get(path).status(), path);
        }
        assertTrue(get("/static/uPlot.LICENSE").body().startsWith("The MIT License (MIT)"));
        assertTrue(get("/static/uPlot.iife.min.js").body().contains("uPlot"));
        assertEquals(400, get("/static/../../pom.xml").status(), "Jetty refuses a path above the root");
        assertEquals(404, get("/static/index.html").status());
        assertEquals(405, request("POST", "/api/runs").status());
    }

    /** Names that leave the directory, literally or encoded, or by a link: a 4xx, and nothing of what is there. */
    @Test
    void pathsOutsideTheDirectoryAreRefused() throws Exception {
        List<String> attempts = List.of(
                "/api/runs/../outside/metrics",
                "/api/runs/demo/../../outside/metrics",
                "/api/runs/%2e%2e/outside/metrics",
                "/api/runs/%2E%2E/outside/config",
                "/api/runs/..%2foutside/metrics",
                "/api/runs/%2e%2e%2foutside/metrics",
                "/api/runs/demo%2f..%2f..%2foutside/metrics",
                "/api/runs/.%2e/outside/metrics",
                "/api/runs/%252e%252e/outside/metrics",
                "/api/runs/" + temp.resolve("outside") + "/metrics",
                "/api/runs//" + temp.resolve("outside") + "/metrics",
                "/api/runs/%2f" + temp.resolve("outside").toString().substring(1).replace("/", "%2f") + "/metrics",
                "/api/runs/..%5coutside/metrics",
                "/api/runs/escape/metrics",
                "/api/runs/escape/config",
                "/api/runs/linked/metrics",
                "/api/runs/notes/metrics",
                "/api/runs/nothing/metrics",
                "/api/runs/demo/rl/..%00/metrics",
                "/api/runs/demo/rl/secrets",
                "/api/runs/demo");
        for (String path : attempts) {
            Answer answer = get(path);
            assertTrue(answer.status() >= 400 && answer.status() < 500, path + " answered " + answer.status());
            assertFalse(answer.body().contains(SECRET), path + " leaked the file");
        }
        assertEquals(404, get("/api/runs/escape/metrics").status());
        assertEquals("no run 'escape' under the dashboard's runs directory",
                get("/api/runs/escape/metrics").json().get("error").asText());
    }

    @Test
    void runNamesResolveOnlyInsideTheRoot() throws Exception {
        Runs index = new Runs(runs);
        assertEquals(runs.toRealPath().resolve("demo/rl"), index.resolve("demo/rl"));
        for (String id : List.of("", "/", "..", "demo/..", "demo/../b", "./b", "b/", "/b", "demo//rl", "escape",
                "linked", "notes", temp.resolve("outside").toString(), "demo\\rl", "b\0")) {
            assertEquals(null, index.resolve(id), "'" + id + "'");
        }
    }
}
