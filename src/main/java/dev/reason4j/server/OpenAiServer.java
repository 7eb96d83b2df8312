package dev.reason4j.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Generator;
import dev.reason4j.tokenizer.Tokenizer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * An OpenAI-compatible HTTP server for one model: {@code /v1/models}, {@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /health}, {@code /metrics} and {@code POST /admin/load_weights}, on Jetty's core
 * server with a virtual thread per request. Every request shares one continuous-batching {@link Generator}.
 * docs/serve.md describes the API.
 */
public final class OpenAiServer implements AutoCloseable {
    /**
     * @param host        the address to bind (127.0.0.1 by default: reachable from this machine only)
     * @param port        the port; 0 picks a free one ({@link #port()})
     * @param apiKey      the bearer key of /v1 routes, or null for none
     * @param adminKey    the bearer key of /admin routes; null: the API key
     * @param weightsRoot the directory weight updates must come from
     * @param maxRequests generation requests in flight beyond which the server answers 503 at once
     * @param modelName   the name clients use in "model"
     */
    public record Options(String host, int port, String apiKey, String adminKey, Path weightsRoot, int maxRequests,
                          String modelName) {
        public Options {
            if (maxRequests < 1) {
                throw new IllegalArgumentException("--max-requests must be ≥ 1, got " + maxRequests);
            }
        }
    }

    private final ServedModel model;
    private final Options options;
    private final Metrics metrics = new Metrics();
    private final Completions completions;
    private final Server jetty;
    private final ServerConnector connector;
    private final long startedAt = System.currentTimeMillis() / 1000;

    private OpenAiServer(ServedModel model, Options options) {
        this.model = model;
        this.options = options;
        this.completions = new Completions(model, metrics, options.maxRequests());
        HttpEndpoint endpoint = HttpEndpoint.create(options.host(), options.port(), this::serve);
        this.jetty = endpoint.jetty();
        this.connector = endpoint.connector();
    }

    /** Loads the model directory (weights, config.json, tokenizer files) and starts serving it. */
    public static OpenAiServer start(Path modelDirectory, Precision precision, Options options) throws Exception {
        if (!Files.isRegularFile(modelDirectory.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("--model: " + modelDirectory + " has no tokenizer.json (the server "
                    + "renders and decodes text with the model's tokenizer)");
        }
        Tokenizer tokenizer = Tokenizer.load(modelDirectory);
        Transformer transformer = Transformer.load(modelDirectory, precision);
        ServedModel served = new ServedModel(options.modelName(), transformer, tokenizer, precision,
                Generator.Options.defaults(), modelDirectory.toString());
        OpenAiServer server = new OpenAiServer(served, options);
        server.jetty.start();
        return server;
    }

    /** The port it listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    // ------------------------------------------------------------------------------------------------ routing

    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        String route = path.startsWith("/v1/models/") ? "/v1/models/{id}" : path;
        int status = 200;
        try {
            switch (path) {
                case "/health" -> {
                    requireMethod(method, "GET", path);
                    json(response, callback, 200, Responses.JSON.createObjectNode().put("status", "ok"));
                }
                case "/metrics" -> {
                    requireMethod(method, "GET", path);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    Content.Sink.write(response, true, metrics.render(model.engine()), callback);
                }
                case "/v1/models" -> {
                    requireKey(request, options.apiKey());
                    requireMethod(method, "GET", path);
                    ObjectNode list = Responses.JSON.createObjectNode().put("object", "list");
                    list.putArray("data").add(modelCard());
                    json(response, callback, 200, list);
                }
                case "/v1/chat/completions", "/v1/completions" -> {
                    requireKey(request, options.apiKey());
                    requireMethod(method, "POST", path);
                    JsonNode body = body(request);
                    Sse sse = new Sse(request, response);
                    ObjectNode answer = path.equals("/v1/completions") ? completions.text(body, sse)
                            : completions.chat(body, sse);
                    if (answer != null) {
                        json(response, callback, 200, answer);
                    } else {
                        response.write(true, ByteBuffer.allocate(0), callback);
                    }
                }
                case "/admin/load_weights" -> {
                    requireKey(request, options.adminKey() != null ? options.adminKey() : options.apiKey());
                    requireMethod(method, "POST", path);
                    json(response, callback, 200, loadWeights(body(request)));
                }
                default -> {
                    if (path.startsWith("/v1/models/")) {
                        requireKey(request, options.apiKey());
                        requireMethod(method, "GET", path);
                        String id = path.substring("/v1/models/".length());
                        if (!id.equals(model.name)) {
                            throw ApiError.notFound("The model '" + id + "' does not exist", "model",
                                    "model_not_found");
                        }
                        json(response, callback, 200, modelCard());
                    } else {
                        route = "other";
                        throw ApiError.notFound("Invalid URL (" + method + " " + path + ")", null, "unknown_url");
                    }
                }
            }
        } catch (ApiError error) {
            status = error.status;
            answerError(request, response, callback, error);
        } catch (IOException | InterruptedException gone) {
            status = 499;                 // the client closed the connection (nginx's code)
            callback.failed(gone);
        } catch (RuntimeException | Error e) {
            status = 500;
            System.err.println("reason4j serve: " + method + " " + path + " failed: " + e);
            answerError(request, response, callback, new ApiError(500, "server_error", "internal error: " + e.getMessage(),
                    null, null));
        } finally {
            metrics.count(route, status);
        }
    }

    private void answerError(Request request, Response response, Callback callback, ApiError error) {
        if (response.isCommitted()) {
            // A stream already started: the error goes in an event, as OpenAI's streams report one.
            try {
                new Sse(request, response).send(Responses.write(Responses.error(error)));
                response.write(true, ByteBuffer.allocate(0), callback);
            } catch (IOException e) {
                callback.failed(e);
            }
            return;
        }
        if (error.status == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        }
        json(response, callback, error.status, Responses.error(error));
    }

    private ObjectNode modelCard() {
        ObjectNode card = Responses.JSON.createObjectNode();
        card.put("id", model.name);
        card.put("object", "model");
        card.put("created", startedAt);
        card.put("owned_by", "reason4j");
        card.put("max_model_len", model.contextLength);
        card.put("weights_version", model.engine().version());
        return card;
    }

    /**
     * {@code {"path": DIR}}: serves the weights of DIR (a model directory under the weights root) from now on.
     * Requests already running finish on the old weights; new ones start on the new.
     */
    private ObjectNode loadWeights(JsonNode body) {
        String path = Fields.text(body, "path");
        if (path == null) {
            throw ApiError.badParam("path", "'path' is required: a model directory under " + options.weightsRoot());
        }
        Path directory;
        Path root;
        try {
            root = options.weightsRoot().toRealPath();
            directory = Path.of(path).toAbsolutePath().normalize();
            if (!directory.startsWith(root) || !Files.isDirectory(directory)
                    || !directory.toRealPath().startsWith(root)) {
                throw ApiError.forbidden("'" + path + "' is not a directory under the weights root " + root
                        + " (--weights-root)", "path");
            }
            directory = directory.toRealPath();
        } catch (IOException e) {
            throw ApiError.forbidden("'" + path + "' is not a directory under the weights root (--weights-root)",
                    "path");
        }
        int inFlight = metrics.inFlight.get();
        long start = System.nanoTime();
        ServedModel.Engine engine;
        try {
            engine = model.loadWeights(directory);
        } catch (IOException | IllegalArgumentException e) {
            throw ApiError.badParam("path", "cannot load weights from " + directory + ": " + e.getMessage());
        }
        ObjectNode answer = Responses.JSON.createObjectNode();
        answer.put("status", "ok");
        answer.put("path", directory.toString());
        answer.put("weights_version", engine.version());
        answer.put("load_seconds", (System.nanoTime() - start) / 1e9);
        answer.put("in_flight", "finish on the old weights");
        answer.put("in_flight_requests", inFlight);
        return answer;
    }

    // ------------------------------------------------------------------------------------------------ HTTP

    private static void requireMethod(String method, String expected, String path) {
        if (!method.equals(expected)) {
            throw new ApiError(405, "invalid_request_error", path + " takes " + expected + ", not " + method, null,
                    "method_not_allowed");
        }
    }

    /** Bearer-key check in constant time; no key configured: open. */
    private static void requireKey(Request request, String key) {
        if (key == null) {
            return;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header == null || !header.startsWith("Bearer ")) {
            throw ApiError.unauthorized("Missing API key: send 'Authorization: Bearer KEY'");
        }
        byte[] given = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, key.getBytes(StandardCharsets.UTF_8))) {
            throw ApiError.unauthorized("Incorrect API key provided");
        }
    }

    /** The largest request body read (a long prompt as token ids is a few MB). */
    private static final long MAX_BODY_BYTES = 64L << 20;

    private static JsonNode body(Request request) throws IOException {
        if (request.getLength() > MAX_BODY_BYTES) {
            throw new ApiError(413, "invalid_request_error", "the request body has " + request.getLength()
                    + " bytes, more than the server reads (" + MAX_BODY_BYTES + ")", null, "request_too_large");
        }
        String text = Content.Source.asString(request, StandardCharsets.UTF_8);
        try {
            JsonNode body = Responses.JSON.readTree(text);
            if (body == null || !body.isObject()) {
                throw ApiError.badParam(null, "the request body must be a JSON object");
            }
            return body;
        } catch (JacksonException e) {
            throw new ApiError(400, "invalid_request_error", "the request body is not valid JSON: "
                    + e.getOriginalMessage(), null, "invalid_json");
        }
    }

    private static void json(Response response, Callback callback, int status, ObjectNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, Responses.write(body), callback);
    }

    /** Server-sent events on a response: headers on the first event, each event written and flushed (blocking). */
    private static final class Sse implements Completions.EventSink {
        private final Request request;
        private final Response response;

        Sse(Request request, Response response) {
            this.request = request;
            this.response = response;
        }

        @Override
        public void onClientGone(Runnable action) {
            request.addFailureListener(failure -> action.run());
        }

        @Override
        public void send(String data) throws IOException {
            if (!response.isCommitted()) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            }
            byte[] event = ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(event), written);
                written.block();
            }
        }
    }
}
