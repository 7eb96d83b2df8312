package dev.reason4j.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HttpEnvironment against small servers started on loopback. */
class HttpEnvironmentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Example NO_DATA = new Example("-", null, null, "remote", Map.of());

    /** What a route answers: status and body. */
    private record Answer(int status, String body) {
        static Answer json(Object value) {
            return new Answer(200, JSON.valueToTree(value).toString());
        }
    }

    @FunctionalInterface
    private interface Route {
        Answer answer(JsonNode body, HttpExchange exchange) throws Exception;
    }

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS));
    }

    /** Starts a server with these routes ({@code /reset}, {@code /step}); returns its base URL. */
    private String serve(Route reset, Route step) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        Map<String, Route> routes = Map.of("/reset", reset, "/step", step);
        routes.forEach((path, route) -> server.createContext(path, exchange -> {
            try (exchange) {
                JsonNode body = JSON.readTree(exchange.getRequestBody());
                requests.add(body);
                Answer answer;
                try {
                    answer = route.answer(body, exchange);
                } catch (Exception e) {
                    answer = new Answer(500, "Internal Server Error\n" + e);
                }
                byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        }));
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** An http environment; the timeout is never reached unless a test sets a short one. */
    private static EnvironmentFactory http(String url, Object... more) {
        Map<String, Object> options = new java.util.HashMap<>(Map.of("url", url, "timeout_s", 5));
        for (int i = 0; i < more.length; i += 2) {
            options.put((String) more[i], more[i + 1]);
        }
        return Environments.create("http", options);
    }

    /** guess_number served over HTTP, one session per reset, as gym-style servers keep episodes apart. */
    private String guessNumberServer() throws IOException {
        Task task = Tasks.create("guess_number", Map.of());
        Map<String, Environment> sessions = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();
        return serve((body, exchange) -> {
            long seed = body.get("seed").longValue();
            Problem problem = task.sample(Split.TRAIN, new Random(seed));
            Environment env = Environments.create("guess_number", Map.of()).create(problem.toExample());
            String id = "s" + ids.incrementAndGet();
            sessions.put(id, env);
            return Answer.json(Map.of("observation", env.reset(seed), "session_id", id));
        }, (body, exchange) -> {
            StepResult result = sessions.get(body.get("session_id").textValue()).step(body.get("action").textValue());
            return Answer.json(Map.of("observation", result.observation(), "reward", result.reward(),
                    "done", result.done(), "info", result.info()));
        });
    }

    private static List<StepResult> play(Environment env, long seed) throws Exception {
        BinarySearchPlayer player = new BinarySearchPlayer(env.reset(seed));
        List<StepResult> steps = new ArrayList<>();
        String observation = null;
        while (steps.isEmpty() || !steps.getLast().done()) {
            steps.add(env.step(player.act(observation)));
            observation = steps.getLast().observation();
        }
        return steps;
    }

    @Test
    void playsGuessNumberOverHttpWithConcurrentSessions() throws Exception {
        EnvironmentFactory factory = http(guessNumberServer());
        List<StepResult> steps = play(factory.create(NO_DATA), 5);
        assertEquals(new StepResult("Correct!", 1.0, true, Map.of("guesses", steps.size(), "invalid", 0, "won", 1)),
                steps.getLast());
        steps.subList(0, steps.size() - 1).forEach(step -> assertEquals(0.0, step.reward()));
        // Two episodes interleaved: each step goes to its own session.
        Environment a = factory.create(NO_DATA);
        Environment b = factory.create(NO_DATA);
        BinarySearchPlayer playerA = new BinarySearchPlayer(a.reset(1));
        BinarySearchPlayer playerB = new BinarySearchPlayer(b.reset(2));
        StepResult lastA = null;
        StepResult lastB = null;
        while (lastA == null || !lastA.done() || !lastB.done()) {
            if (lastA == null || !lastA.done()) {
                lastA = a.step(playerA.act(lastA == null ? null : lastA.observation()));
            }
            if (lastB == null || !lastB.done()) {
                lastB = b.step(playerB.act(lastB == null ? null : lastB.observation()));
            }
        }
        assertEquals("Correct!", lastA.observation());
        assertEquals("Correct!", lastB.observation());
        for (JsonNode request : requests) {
            assertTrue(request.has("seed") != request.has("action"), request.toString());
            assertTrue(request.has("seed") || request.get("session_id").textValue().matches("s[123]"),
                    request.toString());
        }
    }

    @Test
    void theExamplesSeedAndResetFieldsGoToTheServer() throws Exception {
        String url = serve((body, exchange) -> Answer.json(Map.of("observation", "ready")),
                (body, exchange) -> Answer.json(Map.of("observation", "", "done", true)));
        EnvironmentFactory factory = http(url);
        Example seeded = new Example("-", null, null, "remote", Map.of("seed", 17, "reset",
                Map.of("level", "easy")));
        assertEquals("ready", factory.create(seeded).reset(3));
        assertEquals(JSON.readTree("{\"seed\": 17, \"level\": \"easy\"}"), requests.getLast());
        factory.create(NO_DATA).reset(-5);
        assertEquals(JSON.readTree("{\"seed\": " + ((1L << 31) - 5) + "}"), requests.getLast());
        Example badSeed = new Example("-", null, null, "remote", Map.of("seed", 1.5));
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> factory.create(badSeed).reset(0));
        assertEquals("environment http: the example's \"seed\" must be an integer, got 1.5", e.getMessage());
    }

    @Test
    void speaksOpenEnvsShape() throws Exception {
        String url = serve((body, exchange) -> Answer.json(Map.of(
                        "observation", Map.of("prompt", "Say something.", "echoed_message", ""),
                        "done", false, "episode_id", "ep-1")),
                (body, exchange) -> {
                    String message = body.get("action").get("message").textValue();
                    ObjectNode answer = JSON.createObjectNode();
                    answer.putObject("observation").put("echoed_message", message).put("message_length",
                            message.length());
                    answer.putNull("reward");
                    answer.put("done", false);
                    answer.putObject("metadata").put("step", 1).putNull("nothing");
                    return new Answer(200, answer.toString());
                });
        Environment env = http(url, "action_field", "message").create(NO_DATA);
        assertEquals("Say something.", env.reset(0));
        assertEquals(new StepResult("{\"echoed_message\":\"hi\",\"message_length\":2}", 0.0, false,
                Map.of("step", 1)), env.step("hi"));
        assertEquals(JSON.readTree("{\"action\": {\"message\": \"hi\"}, \"episode_id\": \"ep-1\"}"),
                requests.getLast());
        Environment picked = http(url, "action_field", "message", "observation_field", "echoed_message")
                .create(NO_DATA);
        picked.reset(0);
        assertEquals("hello", picked.step("hello").observation());
    }

    @Test
    void sendsTheApiKey() throws Exception {
        List<String> keys = new CopyOnWriteArrayList<>();
        String url = serve((body, exchange) -> {
            keys.add(exchange.getRequestHeaders().getFirst("Authorization"));
            return Answer.json(Map.of("observation", "hi"));
        }, (body, exchange) -> Answer.json(Map.of()));
        http(url, "api_key", "sk-test").create(NO_DATA).reset(0);
        http(url).create(NO_DATA).reset(0);
        assertEquals(java.util.Arrays.asList("Bearer sk-test", null), keys);
    }

    @Test
    void aServerErrorMidEpisodeIsAClearException() throws Exception {
        AtomicInteger steps = new AtomicInteger();
        String url = serve((body, exchange) -> Answer.json(Map.of("observation", "go")),
                (body, exchange) -> steps.incrementAndGet() == 2
                        ? new Answer(500, "Internal Server Error\nTraceback (most recent call last): ...")
                        : Answer.json(Map.of("observation", "ok", "reward", 0.5, "done", false)));
        Environment env = http(url).create(NO_DATA);
        env.reset(0);
        assertEquals(new StepResult("ok", 0.5, false, Map.of()), env.step("one"));
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> env.step("two"));
        assertEquals(url + "/step: the server answered 500: Internal Server Error Traceback (most recent call"
                + " last): ...", e.getMessage());
    }

    @Test
    void badAnswersAreClearExceptions() throws Exception {
        AtomicInteger resets = new AtomicInteger();
        List<String> bodies = List.of("{\"observation\": ", "[1, 2]", "{\"obs\": \"x\"}", "{\"observation\": 7}");
        String url = serve((body, exchange) -> {
            int i = resets.getAndIncrement();
            return i < bodies.size() ? new Answer(200, bodies.get(i)) : Answer.json(Map.of("observation", "go"));
        }, (body, exchange) -> new Answer(200, body.get("action").textValue()));
        EnvironmentFactory factory = http(url);
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            messages.add(assertThrows(EnvironmentException.class, () -> factory.create(NO_DATA).reset(0))
                    .getMessage());
        }
        assertEquals(List.of(url + "/reset: the answer is not JSON: {\"observation\":",
                url + "/reset: the answer is not a JSON object: [1, 2]",
                url + "/reset: the answer has no \"observation\": {\"obs\":\"x\"}"), messages);
        // an observation that is not text is taken as its JSON text
        assertEquals("7", factory.create(NO_DATA).reset(0));
        Environment env = factory.create(NO_DATA);
        assertEquals("go", env.reset(0));
        assertEquals(url + "/step: the answer needs \"done\" (true or false), got none",
                assertThrows(EnvironmentException.class, () -> env.step("{\"observation\": \"x\"}")).getMessage());
        assertEquals(url + "/step: the answer needs \"done\" (true or false), got \"yes\"",
                assertThrows(EnvironmentException.class,
                        () -> env.step("{\"observation\": \"x\", \"done\": \"yes\"}")).getMessage());
        assertEquals(url + "/step: \"reward\" must be a number or null, got \"high\"",
                assertThrows(EnvironmentException.class,
                        () -> env.step("{\"observation\": \"x\", \"reward\": \"high\", \"done\": true}")).getMessage());
    }

    @Test
    void aServerThatHangsTimesOut() throws Exception {
        AtomicInteger resets = new AtomicInteger();
        String url = serve((body, exchange) -> {
            if (resets.incrementAndGet() == 1) {
                release.await(30, TimeUnit.SECONDS);  // released when the test ends
            }
            return Answer.json(Map.of("observation", "go"));
        }, (body, exchange) -> {
            release.await(30, TimeUnit.SECONDS);
            return Answer.json(Map.of("observation", "late", "done", true));
        });
        // No request has to be answered in time here: the first one hangs.
        EnvironmentException atReset = assertThrows(EnvironmentException.class,
                () -> http(url, "timeout_s", 0.2).create(NO_DATA).reset(0));
        assertEquals(url + "/reset: no answer within 0.2 s", atReset.getMessage());
        // Mid-episode: the reset is answered at once, then the step hangs. The limit leaves a loaded machine (a full
        // suite on 2 cores) ample time for the answered request; the hanging one fails the same way at any limit.
        Environment env = http(url, "timeout_s", 5).create(NO_DATA);
        assertEquals("go", env.reset(0));
        EnvironmentException atStep = assertThrows(EnvironmentException.class, () -> env.step("hello"));
        assertEquals(url + "/step: no answer within 5.0 s", atStep.getMessage());
    }

    @Test
    void noServerIsAClearException() throws Exception {
        String url = serve((body, exchange) -> Answer.json(Map.of()), (body, exchange) -> Answer.json(Map.of()));
        server.stop(0);
        server = null;
        EnvironmentException e = assertThrows(EnvironmentException.class, () -> http(url).create(NO_DATA).reset(0));
        assertTrue(e.getMessage().startsWith(url + "/reset: cannot connect"), e.getMessage());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        assertEquals("environment http: option url must be an http:// or https:// URL, got none",
                assertThrows(IllegalArgumentException.class, () -> Environments.create("http", Map.of()))
                        .getMessage());
        assertEquals("environment http: option url must be an http:// or https:// URL, got 'localhost:8000'",
                assertThrows(IllegalArgumentException.class,
                        () -> Environments.create("http", Map.of("url", "localhost:8000"))).getMessage());
        assertEquals("environment http: option timeout_s must be in [0.001, 86400.0], got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> Environments.create("http", Map.of("url", "http://x", "timeout_s", 0))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Environments.create("http", Map.of("url", "http://x", "api-key", "k"))).getMessage()
                .startsWith("environment http: unknown option api-key — did you mean api_key?"));
    }
}
