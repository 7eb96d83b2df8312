package dev.reason4j.env;

import dev.reason4j.config.Options;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An environment served over HTTP, so environments written in any language plug in (gym-style servers, OpenEnv).
 * One episode:
 * <pre>
 * POST {url}/reset  {"seed": 17}                      → {"observation": "I am thinking of ...", "session_id": "a1"}
 * POST {url}/step   {"action": "\\boxed{50}", "session_id": "a1"}
 *                                                     → {"observation": "Higher.", "reward": 0, "done": false}
 * </pre>
 * <ul>
 *   <li>Reset body: {@code seed} (the example's {@code seed} field when it has one, a dataset of seeds for
 *       environments that need no data; else {@link #reset}'s seed), reduced to {@code [0, 2^31)} so every server's
 *       generator takes it; plus the fields of the example's {@code reset} map, if any (OpenEnv passes extra reset
 *       fields to the environment's {@code reset}).</li>
 *   <li>Step body: {@code {"action": TEXT}}, or with option {@code action_field} set, OpenEnv's
 *       {@code {"action": {FIELD: TEXT}}} (e.g. {@code message} for its text environments).</li>
 *   <li>Answers are JSON objects with {@code observation}: text, or an object whose text is its
 *       {@code observation_field} (option), else the first of {@code text}, {@code message}, {@code prompt},
 *       {@code content} that is a string, else the object's JSON. {@code reward} is a number, or null or absent for
 *       0 (OpenEnv sends null for "no reward"); {@code done} is required in a step's answer; {@code info} (gym) or
 *       {@code metadata} (OpenEnv), an object, becomes the step's info.</li>
 *   <li>Concurrent episodes: when the reset answer carries {@code session_id} or {@code episode_id}, each step sends
 *       it back under the same name. (OpenEnv's own HTTP server builds a fresh environment per request; its
 *       stateful sessions are on its WebSocket endpoint, which this adapter does not speak.)</li>
 * </ul>
 * A 4xx/5xx answer, a body that is not a JSON object, a missing or mistyped field, a refused connection or no
 * answer within {@code timeout_s} is an {@link EnvironmentException} naming the URL and the problem.
 *
 * <p>Options: {@code url} (required), {@code timeout_s} (connect and per-request timeout, default 30),
 * {@code api_key} (sent as {@code Authorization: Bearer KEY}), {@code action_field}, {@code observation_field}.
 */
public final class HttpEnvironment implements Environment {
    public static final String NAME = "http";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TEXT_FIELDS = List.of("text", "message", "prompt", "content");
    private static final List<String> SESSION_FIELDS = List.of("session_id", "episode_id");
    private static final int MAX_BODY_IN_MESSAGE = 200;

    /** The server and how to talk to it (one per factory, shared by its episodes). */
    private record Settings(URI url, Duration timeout, String apiKey, String actionField, String observationField) {
    }

    private final Settings settings;
    private final HttpClient client;
    private final Example example;
    private String sessionField;
    private JsonNode sessionId;

    private HttpEnvironment(Settings settings, HttpClient client, Example example) {
        this.settings = settings;
        this.client = client;
        this.example = example;
    }

    /** The registered {@code http} environment; its episodes share one HTTP client. */
    static EnvironmentFactory factory(Map<String, Object> options) {
        Options read = new Options("environment " + NAME, options);
        String url = read.string("url", null, null);
        double timeoutSeconds = read.number("timeout_s", 30, 0.001, 86_400);
        String apiKey = read.string("api_key", null, null);
        String actionField = read.string("action_field", null, null);
        String observationField = read.string("observation_field", null, null);
        read.finish();
        if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
            throw new IllegalArgumentException("environment " + NAME + ": option url must be an http:// or https://"
                    + " URL, got " + (url == null ? "none" : "'" + url + "'"));
        }
        URI base;
        try {
            base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("environment " + NAME + ": option url is not a URL: '" + url + "'");
        }
        Duration timeout = Duration.ofNanos(Math.round(timeoutSeconds * 1e9));
        Settings settings = new Settings(base, timeout, apiKey, actionField, observationField);
        // HTTP/1.1: gym-style and OpenEnv servers (uvicorn, Flask) speak it, and no h2c upgrade is attempted.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .build();
        return example -> new HttpEnvironment(settings, client, example);
    }

    @Override
    public String reset(long seed) throws EnvironmentException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("seed", Math.floorMod(seedOf(seed), 1L << 31));
        if (example.extra().get("reset") instanceof Map<?, ?> fields) {
            body.setAll((ObjectNode) JSON.valueToTree(fields));
        }
        sessionField = null;
        sessionId = null;
        String where = settings.url() + "/reset";
        JsonNode answer = post(where, body);
        for (String field : SESSION_FIELDS) {
            JsonNode id = answer.get(field);
            if (id != null && !id.isNull()) {
                sessionField = field;
                sessionId = id;
                break;
            }
        }
        return observation(where, answer);
    }

    @Override
    public StepResult step(String action) throws EnvironmentException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        if (settings.actionField() == null) {
            body.put("action", action);
        } else {
            body.putObject("action").put(settings.actionField(), action);
        }
        if (sessionField != null) {
            body.set(sessionField, sessionId);
        }
        String where = settings.url() + "/step";
        JsonNode answer = post(where, body);
        String observation = observation(where, answer);
        JsonNode reward = answer.get("reward");
        if (reward != null && !reward.isNull() && !reward.isNumber()) {
            throw new EnvironmentException(where + ": \"reward\" must be a number or null, got " + reward);
        }
        JsonNode done = answer.get("done");
        if (done == null || !done.isBoolean()) {
            throw new EnvironmentException(where + ": the answer needs \"done\" (true or false), got "
                    + (done == null ? "none" : done.toString()));
        }
        return new StepResult(observation, reward == null || reward.isNull() ? 0.0 : reward.doubleValue(),
                done.booleanValue(), info(where, answer));
    }

    /** The example's own {@code seed} when it has one (an integer), else the loop's. */
    private long seedOf(long seed) throws EnvironmentException {
        Object own = example.extra().get("seed");
        if (own == null) {
            return seed;
        }
        if (!(own instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
            throw new EnvironmentException("environment " + NAME + ": the example's \"seed\" must be an integer, got "
                    + own);
        }
        return number.longValue();
    }

    /** One request: the answer as a JSON object, or an exception naming the URL and what went wrong. */
    private JsonNode post(String where, ObjectNode body) throws EnvironmentException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(where)).timeout(settings.timeout())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (settings.apiKey() != null) {
            request.header("Authorization", "Bearer " + settings.apiKey());
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new EnvironmentException(where + ": no answer within " + seconds(settings.timeout()) + " s", e);
        } catch (ConnectException e) {
            throw new EnvironmentException(where + ": cannot connect (" + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new EnvironmentException(where + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new EnvironmentException(where + ": the server answered " + response.statusCode()
                    + (response.body().isBlank() ? "" : ": " + oneLine(response.body())));
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new EnvironmentException(where + ": the answer is not JSON: " + oneLine(response.body()), e);
        }
        if (answer == null || !answer.isObject()) {
            throw new EnvironmentException(where + ": the answer is not a JSON object: " + oneLine(response.body()));
        }
        return answer;
    }

    /** The observation's text (see the class comment). */
    private String observation(String where, JsonNode answer) throws EnvironmentException {
        JsonNode observation = answer.get("observation");
        if (observation == null || observation.isNull()) {
            throw new EnvironmentException(where + ": the answer has no \"observation\": "
                    + oneLine(answer.toString()));
        }
        if (observation.isTextual()) {
            return observation.textValue();
        }
        if (settings.observationField() != null) {
            JsonNode text = observation.get(settings.observationField());
            if (text == null || !text.isTextual()) {
                throw new EnvironmentException(where + ": the observation has no text field \""
                        + settings.observationField() + "\": " + oneLine(observation.toString()));
            }
            return text.textValue();
        }
        for (String field : TEXT_FIELDS) {
            JsonNode text = observation.get(field);
            if (text != null && text.isTextual()) {
                return text.textValue();
            }
        }
        return observation.toString();
    }

    private static Map<String, Object> info(String where, JsonNode answer) throws EnvironmentException {
        JsonNode info = answer.has("info") ? answer.get("info") : answer.get("metadata");
        if (info == null || info.isNull()) {
            return Map.of();
        }
        if (!info.isObject()) {
            throw new EnvironmentException(where + ": \"info\" must be an object, got " + oneLine(info.toString()));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        info.properties().forEach(entry -> {
            if (!entry.getValue().isNull()) {
                values.put(entry.getKey(), JSON.convertValue(entry.getValue(), Object.class));
            }
        });
        return values;
    }

    private static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= MAX_BODY_IN_MESSAGE ? line : line.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    private static String seconds(Duration duration) {
        return String.valueOf(duration.toNanos() / 1e9);
    }
}
