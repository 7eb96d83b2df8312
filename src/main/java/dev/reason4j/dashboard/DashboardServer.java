package dev.reason4j.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.reason4j.io.AppendedLines;
import dev.reason4j.server.HttpEndpoint;
import dev.reason4j.trainer.SamplesLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The run dashboard: a web page (live curves, run comparison, the rollout inspector) and the read-only JSON API
 * behind it over the runs under one directory ({@link Runs}), on Jetty's core server. The page and its chart
 * library (uPlot, vendored) are served from the jar; nothing is fetched from elsewhere. docs/dashboard.md
 * describes the API.
 */
public final class DashboardServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String RESOURCES = "/dev/reason4j/dashboard/";
    /** URL path → (resource name, content type): the only files served. */
    private static final Map<String, String[]> STATIC = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/static/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
            "/static/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"},
            "/static/uPlot.iife.min.js", new String[] {"uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/static/uPlot.min.css", new String[] {"uPlot.min.css", "text/css; charset=utf-8"},
            "/static/uPlot.LICENSE", new String[] {"uPlot.LICENSE", "text/plain; charset=utf-8"});
    /** The page loads only what this server serves. */
    private static final String CONTENT_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'";

    private final Runs runs;
    private final Server jetty;
    private final ServerConnector connector;

    private DashboardServer(Runs runs, String host, int port) {
        this.runs = runs;
        HttpEndpoint endpoint = HttpEndpoint.create(host, port, this::serve);
        this.jetty = endpoint.jetty();
        this.connector = endpoint.connector();
    }

    /** Serves the runs under {@code runsDirectory} on {@code host}:{@code port} (0: a free port, {@link #port()}). */
    public static DashboardServer start(Path runsDirectory, String host, int port) throws Exception {
        DashboardServer server = new DashboardServer(new Runs(runsDirectory), host, port);
        server.jetty.start();
        return server;
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8265/}. */
    public String url() {
        String host = connector.getHost();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/";
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    /** An answer other than 200: its status and a one-line reason. */
    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    // ------------------------------------------------------------------------------------------------ routing

    private void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        try {
            if (!request.getMethod().equals("GET")) {
                throw new HttpError(405, "the dashboard is read-only: GET only, not " + request.getMethod());
            }
            if (STATIC.containsKey(path)) {
                String[] resource = STATIC.get(path);
                send(response, callback, 200, resource[1], resource(resource[0]));
            } else if (path.equals("/api/runs")) {
                json(response, callback, runList());
            } else if (path.startsWith("/api/runs/")) {
                String rest = path.substring("/api/runs/".length());
                int slash = rest.lastIndexOf('/');
                if (slash < 0) {
                    throw new HttpError(404, "no such API path: " + path);
                }
                String id = rest.substring(0, slash);
                Path run = runs.resolve(id);
                if (run == null) {
                    throw new HttpError(404, "no run '" + id + "' under the dashboard's runs directory");
                }
                Fields query = Request.extractQueryParameters(request);
                json(response, callback, switch (rest.substring(slash + 1)) {
                    case "metrics" -> metrics(id, run, integer(query, "since", -1));
                    case "samples" -> samples(id, run, query.getValue("step") == null ? null
                            : integer(query, "step", 0));
                    case "config" -> config(id, run);
                    default -> throw new HttpError(404, "no such API path: " + path);
                });
            } else {
                throw new HttpError(404, "not found: " + path);
            }
        } catch (HttpError error) {
            json(response, callback, error.status, JSON.createObjectNode().put("error", error.getMessage()));
        } catch (IOException | RuntimeException e) {
            json(response, callback, 500, JSON.createObjectNode().put("error", "cannot read the run: " + e));
        }
    }

    private static int integer(Fields query, String name, int defaultValue) {
        String value = query.getValue(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "'" + name + "' must be an integer, got '" + value + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------ the API

    /** {@code {"runs": [{"id", "rows", "last_step", "updated_ms", "has_samples"}]}}. */
    private ObjectNode runList() throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("root", runs.root().toString());
        ArrayNode list = answer.putArray("runs");
        for (String id : runs.ids()) {
            Path run = runs.resolve(id);
            if (run == null) {
                continue;
            }
            Path metrics = run.resolve(Runs.METRICS_FILE);
            List<String> lines = AppendedLines.read(metrics);
            ObjectNode entry = list.addObject();
            entry.put("id", id);
            entry.put("rows", lines.size());
            entry.put("last_step", lines.isEmpty() ? 0 : JSON.readTree(lines.getLast()).path("step").asInt());
            entry.put("updated_ms", Files.getLastModifiedTime(metrics).toMillis());
            entry.put("has_samples", Files.isRegularFile(run.resolve(SamplesLog.FILE)));
        }
        return answer;
    }

    /** {@code {"id", "rows": [metrics rows whose step > since]}}, in the order logged. */
    private static ObjectNode metrics(String id, Path run, int since) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", id);
        ArrayNode rows = answer.putArray("rows");
        for (String line : AppendedLines.read(run.resolve(Runs.METRICS_FILE))) {
            JsonNode row = JSON.readTree(line);
            if (row.path("step").asInt() > since) {
                rows.add(row);
            }
        }
        return answer;
    }

    /**
     * Without a step: {@code {"id", "steps": [{"step", "count", "correct", "truncated"}]}}. With one:
     * {@code {"id", "step", "samples": [the step's lines of samples.jsonl]}}.
     */
    private static ObjectNode samples(String id, Path run, Integer step) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", id);
        List<JsonNode> samples = SamplesLog.read(run.resolve(SamplesLog.FILE));
        if (step == null) {
            Map<Integer, int[]> byStep = new TreeMap<>();
            for (JsonNode sample : samples) {
                int[] counts = byStep.computeIfAbsent(sample.path("step").asInt(), s -> new int[3]);
                counts[0]++;
                counts[1] += sample.path("correct").asBoolean() ? 1 : 0;
                counts[2] += sample.path("finish_reason").asText().equals("length") ? 1 : 0;
            }
            ArrayNode steps = answer.putArray("steps");
            byStep.forEach((s, counts) -> steps.addObject().put("step", s).put("count", counts[0])
                    .put("correct", counts[1]).put("truncated", counts[2]));
            return answer;
        }
        answer.put("step", step);
        ArrayNode list = answer.putArray("samples");
        for (JsonNode sample : samples) {
            if (sample.path("step").asInt() == step) {
                list.add(sample);
            }
        }
        return answer;
    }

    /** {@code {"id", "config": {"dotted.key": value}}} from the run's config.yaml ({} when it has none). */
    private static ObjectNode config(String id, Path run) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", id);
        ObjectNode flat = answer.putObject("config");
        Path file = run.resolve("config.yaml");
        if (Files.isRegularFile(file)) {
            flatten(YAML.readTree(file.toFile()), "", flat);
        }
        return answer;
    }

    private static void flatten(JsonNode node, String path, ObjectNode into) {
        if (node != null && node.isObject() && !node.isEmpty()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                flatten(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey(), into);
            }
        } else if (!path.isEmpty()) {
            into.set(path, node);
        }
    }

    // ------------------------------------------------------------------------------------------------ HTTP

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DashboardServer.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCES + name);
            }
            return in.readAllBytes();
        }
    }

    private static void json(Response response, Callback callback, ObjectNode body) {
        json(response, callback, 200, body);
    }

    private static void json(Response response, Callback callback, int status, ObjectNode body) {
        send(response, callback, status, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put("Content-Security-Policy", CONTENT_POLICY);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.write(true, java.nio.ByteBuffer.wrap(body), callback);
    }
}
