package dev.reason4j.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.reason4j.model.Transformer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The remote engine against a fleet of loopback servers that speak the OpenAI completions API with token ids,
 * backed by the real engine: requests spread over the fleet, a server that dies or hangs is retried elsewhere,
 * and every request's n samples arrive exactly once.
 */
class RemoteEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RemoteEngine.Options options(List<URI> endpoints, Duration timeout, int attempts) {
        return new RemoteEngine.Options(endpoints, RemoteEngine.Api.OPENAI, "key", "tiny", timeout, attempts, Duration.ofMillis(20));
    }

    @Test
    void everyRequestArrivesOnceThoughOneServerDiesAndOneHangs() throws Exception {
        Transformer model = Transformer.create(GeneratorTest.CONFIG, 5);
        try (FakeFleetServer healthy = new FakeFleetServer(model); FakeFleetServer dying = new FakeFleetServer(model);
             FakeFleetServer hanging = new FakeFleetServer(model)) {
            dying.failAfter = 2;
            hanging.hang = true;
            SamplingParams params = new SamplingParams(3, 6, 1f, 0, 1f, 0f, 11, new int[] {1});
            try (RemoteEngine fleet = new RemoteEngine(options(List.of(healthy.url(), dying.url(), hanging.url()),
                    Duration.ofSeconds(4), 6))) {
                List<CompletableFuture<List<Completion>>> futures = new ArrayList<>();
                for (int p = 0; p < 12; p++) {
                    futures.add(fleet.submit(new Generator.Request(new int[] {3, 4 + p % 5, 9}, params, p)));
                }
                for (int p = 0; p < futures.size(); p++) {
                    List<Completion> completions = futures.get(p).join();
                    assertEquals(3, completions.size(), "request " + p);
                    for (int j = 0; j < 3; j++) {
                        assertEquals(j, completions.get(j).sampleIndex());
                        assertEquals(p, completions.get(j).promptIndex());
                        assertEquals(completions.get(j).tokens().length, completions.get(j).logProbs().length);
                    }
                }
                assertEquals(12, fleet.counters().get("requests"));
                assertTrue(fleet.counters().get("retries") > 0, fleet.counters().toString());
                assertTrue(fleet.counters().get("endpoint1/failures") > 0, fleet.counters().toString());
                assertTrue(fleet.counters().get("endpoint2/failures") > 0, fleet.counters().toString());
                // Served exactly once each: the healthy server and the dying one's first answers.
                assertEquals(12, healthy.answered.get() + dying.answered.get() + hanging.answered.get());
            }
        }
    }

    @Test
    void aServersSamplesAreItsOwnEnginesIdsAndLogProbs() throws Exception {
        Transformer model = Transformer.create(GeneratorTest.CONFIG, 7);
        try (FakeFleetServer server = new FakeFleetServer(model);
             RemoteEngine fleet = new RemoteEngine(options(List.of(server.url()), Duration.ofSeconds(30), 1))) {
            SamplingParams params = new SamplingParams(2, 5, 1f, 0, 1f, 0f, 3, new int[0]);
            Generator.Request request = new Generator.Request(new int[] {3, 14, 15}, params, 4);
            List<Completion> remote = fleet.submit(request).join();
            // The server seeds its engine with the request's seed; the same engine call locally gives the same bits.
            SamplingParams seeded = params.withSeed(dev.reason4j.config.Seeds.mix(3, 4) & 0x7fffffffL);
            List<Completion> local = new Generator(model).generate(List.of(new int[] {3, 14, 15}), seeded);
            for (int j = 0; j < 2; j++) {
                assertArrayEquals(local.get(j).tokens(), remote.get(j).tokens());
                assertArrayEquals(local.get(j).logProbs(), remote.get(j).logProbs());
            }
        }
    }

    @Test
    void sglangsNativeGenerateGivesTheServersIdsAndLogProbs() throws Exception {
        Transformer model = Transformer.create(GeneratorTest.CONFIG, 7);
        try (FakeFleetServer server = new FakeFleetServer(model);
             RemoteEngine fleet = new RemoteEngine(new RemoteEngine.Options(List.of(server.url()),
                     RemoteEngine.Api.SGLANG, null, "tiny", Duration.ofSeconds(30), 1, Duration.ofMillis(20)))) {
            SamplingParams params = new SamplingParams(3, 5, 1f, 0, 1f, 0f, 3, new int[] {1});
            List<Completion> remote = fleet.submit(new Generator.Request(new int[] {3, 14, 15}, params, 4)).join();
            int[] prompt = {3, 14, 15};
            List<Completion> local = new Generator(model).generate(List.of(prompt, prompt, prompt),
                    params.withN(1).withSeed(0));
            assertEquals(3, remote.size());
            for (int j = 0; j < 3; j++) {
                assertEquals(j, remote.get(j).sampleIndex());
                assertEquals(4, remote.get(j).promptIndex());
                assertArrayEquals(local.get(j).tokens(), remote.get(j).tokens());
                assertArrayEquals(local.get(j).logProbs(), remote.get(j).logProbs());
                assertEquals(local.get(j).finishReason(), remote.get(j).finishReason());
            }
        }
    }

    @Test
    void aRequestTheServerRefusesFailsAtOnceWithoutTryingOthers() throws Exception {
        Transformer model = Transformer.create(GeneratorTest.CONFIG, 5);
        try (FakeFleetServer first = new FakeFleetServer(model); FakeFleetServer second = new FakeFleetServer(model)) {
            first.status = 404;
            second.status = 404;
            try (RemoteEngine fleet = new RemoteEngine(options(List.of(first.url(), second.url()),
                    Duration.ofSeconds(5), 5))) {
                CompletionException failure = assertThrows(CompletionException.class, () -> fleet.submit(
                        new Generator.Request(new int[] {3}, SamplingParams.defaults().withMaxNewTokens(2), 0))
                        .join());
                assertTrue(failure.getCause().getMessage().contains("was refused"), failure.getCause().getMessage());
                assertTrue(failure.getCause().getMessage().contains("HTTP 404"), failure.getCause().getMessage());
                assertEquals(0L, fleet.counters().get("retries"));
            }
        }
    }

    @Test
    void aFleetThatNeverAnswersFailsTheRequestWithTheLastError() throws Exception {
        Transformer model = Transformer.create(GeneratorTest.CONFIG, 5);
        try (FakeFleetServer down = new FakeFleetServer(model)) {
            down.failAfter = 0;
            try (RemoteEngine fleet = new RemoteEngine(options(List.of(down.url()), Duration.ofSeconds(5), 3))) {
                CompletionException failure = assertThrows(CompletionException.class, () -> fleet.submit(
                        new Generator.Request(new int[] {3}, SamplingParams.defaults().withMaxNewTokens(2), 0))
                        .join());
                assertTrue(failure.getCause().getMessage().contains("failed on every attempt (3)"),
                        failure.getCause().getMessage());
                assertTrue(failure.getCause().getMessage().contains("HTTP 500"), failure.getCause().getMessage());
            }
        }
    }
}
