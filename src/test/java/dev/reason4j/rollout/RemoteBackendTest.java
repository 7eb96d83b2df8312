package dev.reason4j.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.reason4j.model.Transformer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The weight-sync hooks for servers with no route Reason4j knows: a command, or a URL of the user's. */
class RemoteBackendTest {
    private static RemoteEngine.Options options(URI endpoint) {
        return new RemoteEngine.Options(List.of(endpoint), RemoteEngine.Api.OPENAI, "key", "policy",
                Duration.ofSeconds(10), 1, Duration.ofMillis(20));
    }

    @Test
    void theCommandHookRunsWithTheWeightsDirectory(@TempDir Path temp) throws Exception {
        Transformer policy = Transformer.create(GeneratorTest.CONFIG, 5);
        Path marker = temp.resolve("synced");
        try (RemoteBackend backend = new RemoteBackend(options(URI.create("http://127.0.0.1:1")),
                RemoteBackend.WeightSync.COMMAND, temp.resolve("weights"), "ls {path}/config.json > " + marker)) {
            backend.weightsUpdated(policy, 3);
        }
        assertEquals(temp.resolve("weights/step-000003/config.json").toString(), Files.readString(marker).strip());
        try (RemoteBackend failing = new RemoteBackend(options(URI.create("http://127.0.0.1:1")),
                RemoteBackend.WeightSync.COMMAND, temp.resolve("weights"), "test -e {path}/nothing")) {
            IOException e = assertThrows(IOException.class, () -> failing.weightsUpdated(policy, 4));
            assertTrue(e.getMessage().startsWith("weight sync command exited with 1"), e.getMessage());
        }
    }

    @Test
    void theUrlHookIsToldThePathAndStep(@TempDir Path temp) throws Exception {
        List<JsonNode> calls = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/reload", exchange -> {
            calls.add(new ObjectMapper().readTree(exchange.getRequestBody()));
            int status = calls.size() == 1 ? 200 : 500;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        hook.start();
        try (RemoteBackend backend = new RemoteBackend(options(URI.create("http://127.0.0.1:1")),
                RemoteBackend.WeightSync.URL, temp.resolve("weights"),
                "http://127.0.0.1:" + hook.getAddress().getPort() + "/reload")) {
            Transformer policy = Transformer.create(GeneratorTest.CONFIG, 5);
            backend.weightsUpdated(policy, 7);
            assertEquals(temp.resolve("weights/step-000007").toString(), calls.get(0).get("path").asText());
            assertEquals(7, calls.get(0).get("step").asInt());
            IOException e = assertThrows(IOException.class, () -> backend.weightsUpdated(policy, 8));
            assertTrue(e.getMessage().contains("answered HTTP 500"), e.getMessage());
        } finally {
            hook.stop(0);
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new RemoteBackend(
                options(URI.create("http://127.0.0.1:1")), RemoteBackend.WeightSync.URL, temp, "reload-please"));
        assertTrue(bad.getMessage().contains("rollout.weight_sync_hook"), bad.getMessage());
    }
}
