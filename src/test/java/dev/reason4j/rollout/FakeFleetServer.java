package dev.reason4j.rollout;

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
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test server that answers {@code /v1/completions} (token-id prompts, {@code return_token_ids}) with the real
 * engine's samples, takes {@code POST /admin/load_weights} as {@code reason4j serve} does, and can be made to fail.
 */
public final class FakeFleetServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final HttpServer http;
    final Transformer model;
    volatile Generator engine;
    public final AtomicInteger answered = new AtomicInteger();
    public final AtomicInteger weightLoads = new AtomicInteger();
    public volatile int failAfter = Integer.MAX_VALUE;     // answer 500 after this many requests
    public volatile boolean hang;
    public volatile int status = 200;                       // another status: answer it with an error body

    public FakeFleetServer(Transformer model) throws IOException {
        this.model = model;
        engine = new Generator(model);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/v1/completions", this::handle);
        http.createContext("/admin/load_weights", this::loadWeights);
        http.createContext("/generate", this::handleSglang);
        http.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** SGLang's native /generate for a batch of input_ids (sampling seed 0, each prompt its RNG stream). */
    void handleSglang(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            JsonNode sampling = body.get("sampling_params");
            List<int[]> prompts = new java.util.ArrayList<>();
            for (JsonNode ids : body.get("input_ids")) {
                int[] prompt = new int[ids.size()];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = ids.get(i).asInt();
                }
                prompts.add(prompt);
            }
            int[] stops = new int[sampling.get("stop_token_ids").size()];
            for (int i = 0; i < stops.length; i++) {
                stops[i] = sampling.get("stop_token_ids").get(i).asInt();
            }
            SamplingParams params = new SamplingParams(1, sampling.get("max_new_tokens").asInt(),
                    (float) sampling.get("temperature").asDouble(), 0, 1f, 0f, 0, stops);
            ArrayNode results = JSON.createArrayNode();
            for (Completion completion : engine.generate(prompts, params)) {
                ObjectNode meta = results.addObject().putObject("meta_info");
                ArrayNode tokens = meta.putArray("output_token_logprobs");
                for (int t = 0; t < completion.tokens().length; t++) {
                    tokens.addArray().add(completion.logProbs()[t]).add(completion.tokens()[t]).addNull();
                }
                meta.putObject("finish_reason").put("type",
                        completion.finishReason() == FinishReason.STOP ? "stop" : "length");
            }
            answered.incrementAndGet();
            reply(exchange, 200, results.toString());
        }
    }

    /** Loads the weights of {@code {"path": DIR}} into the served model (between requests, as a test needs). */
    void loadWeights(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path directory = Path.of(JSON.readTree(exchange.getRequestBody()).get("path").asText());
            synchronized (this) {
                Transformer loaded = Transformer.load(directory);
                java.util.Map<String, float[]> byName = new java.util.HashMap<>();
                loaded.parameters().forEach(p -> byName.put(p.name(), p.data()));
                model.parameters().forEach(p -> System.arraycopy(byName.get(p.name()), 0, p.data(), 0,
                        p.data().length));
                engine = new Generator(model);
            }
            weightLoads.incrementAndGet();
            reply(exchange, 200, "{\"loaded\": true}");
        }
    }

    void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            if (hang) {
                Thread.sleep(30_000);
            }
            if (status != 200) {
                reply(exchange, status, "{\"error\": {\"message\": \"refused\", \"code\": " + status + "}}");
                return;
            }
            if (answered.get() >= failAfter) {
                reply(exchange, 500, "{\"error\": {\"message\": \"down\"}}");
                return;
            }
            int[] prompt = new int[body.get("prompt").size()];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = body.get("prompt").get(i).asInt();
            }
            int[] stops = new int[body.get("stop_token_ids").size()];
            for (int i = 0; i < stops.length; i++) {
                stops[i] = body.get("stop_token_ids").get(i).asInt();
            }
            SamplingParams params = new SamplingParams(body.get("n").asInt(), body.get("max_tokens").asInt(),
                    (float) body.get("temperature").asDouble(), 0, 1f, 0f, body.get("seed").asLong(), stops);
            List<Completion> completions = engine.generate(List.of(prompt), params);
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode choices = answer.putArray("choices");
            for (Completion completion : completions) {
                ObjectNode choice = choices.addObject();
                choice.put("index", completion.sampleIndex());
                ArrayNode ids = choice.putArray("token_ids");
                ArrayNode lps = choice.putObject("logprobs").putArray("token_logprobs");
                for (int t = 0; t < completion.tokens().length; t++) {
                    ids.add(completion.tokens()[t]);
                    lps.add(completion.logProbs()[t]);
                }
                choice.put("finish_reason", completion.finishReason() == FinishReason.STOP ? "stop" : "length");
            }
            answered.incrementAndGet();
            reply(exchange, 200, answer.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
