package dev.reason4j.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.config.Seeds;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fleet of OpenAI-compatible inference servers as the rollout engine: {@code reason4j serve}, vLLM or SGLang.
 * Each request is one {@code POST /v1/completions} with the prompt as token ids, {@code n} samples, and
 * {@code return_token_ids} and {@code logprobs}, so the trainer gets the sampled ids and their log-probs and never
 * re-tokenizes text. Requests go to the endpoint with the least outstanding work (prompt plus asked-for tokens). A
 * request that fails (connection refused, a 5xx, a timeout, a malformed answer) is sent again to another endpoint
 * after a backoff, and the endpoint that failed rests for a while; its samples arrive once, from the attempt that
 * answered first, so nothing is lost or counted twice.
 *
 * <p>The servers' log-probs come from another engine, so they are π_rollout, not π_old: the trainer recomputes
 * π_old and applies rollout correction (docs/algo.md).
 */
public final class RemoteEngine implements RolloutEngine, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param endpoints      base URLs, e.g. {@code http://10.0.0.5:8000}
     * @param api            the servers' protocol
     * @param apiKey         sent as {@code Authorization: Bearer}; null for none
     * @param model          the {@code model} field of each request
     * @param requestTimeout one attempt's limit, from sending to the whole answer
     * @param maxAttempts    attempts per request over the fleet before it fails
     * @param backoff        the first wait before a retry and an endpoint's first rest; doubled on each failure
     */
    public record Options(List<URI> endpoints, Api api, String apiKey, String model, Duration requestTimeout,
                          int maxAttempts, Duration backoff) {
        public Options {
            if (endpoints == null || endpoints.isEmpty()) {
                throw new IllegalArgumentException("rollout.endpoints: a remote backend needs at least one endpoint");
            }
            endpoints = List.copyOf(endpoints);
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("rollout.max_attempts must be ≥ 1, got " + maxAttempts);
            }
        }
    }

    /**
     * The protocol: {@code OPENAI} is {@code POST /v1/completions} with token-id prompts and {@code return_token_ids}
     * ({@code reason4j serve}, vLLM); {@code SGLANG} is SGLang's native {@code POST /generate} with
     * {@code input_ids} and {@code return_logprob} (the n samples as a batch of n copies of the prompt).
     */
    public enum Api { OPENAI, SGLANG }

    /** One server of the fleet: its work in flight, failures, and when it may be used again. */
    private static final class Endpoint {
        final URI completions;
        long outstanding;      // guarded by the engine
        long restUntilNanos;   // guarded by the engine
        boolean excluded;      // guarded by the engine: out of the fleet (it missed a weight update)
        int consecutiveFailures;
        final AtomicLong requests = new AtomicLong();
        final AtomicLong failures = new AtomicLong();

        Endpoint(URI base, Api api) {
            String text = base.toString();
            this.completions = URI.create((text.endsWith("/") ? text.substring(0, text.length() - 1) : text)
                    + (api == Api.OPENAI ? "/v1/completions" : "/generate"));
        }
    }

    private final Options options;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final HttpClient client;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong completedRequests = new AtomicLong();

    public RemoteEngine(Options options) {
        this.options = options;
        for (URI endpoint : options.endpoints()) {
            endpoints.add(new Endpoint(endpoint, options.api()));
        }
        this.client = HttpClient.newBuilder().connectTimeout(options.requestTimeout()).executor(threads).build();
    }

    @Override
    public CompletableFuture<List<Completion>> submit(Generator.Request request) {
        return CompletableFuture.supplyAsync(() -> complete(request), threads);
    }

    /** Counters since the engine started: requests answered, retries, and requests and failures per endpoint. */
    public Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("requests", completedRequests.get());
        counters.put("retries", retries.get());
        counters.put("excluded", endpoints.stream().filter(e -> e.excluded).count());
        for (int i = 0; i < endpoints.size(); i++) {
            counters.put("endpoint" + i + "/requests", endpoints.get(i).requests.get());
            counters.put("endpoint" + i + "/failures", endpoints.get(i).failures.get());
        }
        return counters;
    }

    /**
     * Takes the endpoint (by its index in {@code options.endpoints()}) out of the fleet or back in: a server that
     * missed a weight update must not sample until it has the current weights.
     */
    public synchronized void setExcluded(int endpoint, boolean excluded) {
        endpoints.get(endpoint).excluded = excluded;
        notifyAll();
    }

    /** Sends the request until an endpoint answers it, at most {@code maxAttempts} times. */
    private List<Completion> complete(Generator.Request request) {
        String body = body(request);
        long work = request.prompt().length + (long) request.params().n() * request.params().maxNewTokens();
        String lastError = null;
        java.util.Set<Endpoint> failed = new java.util.HashSet<>();   // this request's: tried elsewhere first
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            if (attempt > 1) {
                retries.incrementAndGet();
                sleep(options.backoff().multipliedBy(1L << Math.min(attempt - 2, 6)));
            }
            Endpoint endpoint = acquire(work, failed);
            try {
                endpoint.requests.incrementAndGet();
                List<Completion> completions = send(endpoint, body, request);
                release(endpoint, work, true);
                completedRequests.incrementAndGet();
                return completions;
            } catch (RequestRefused e) {
                release(endpoint, work, true);
                throw new IllegalArgumentException("rollout request " + request.index() + " was refused: "
                        + e.getMessage() + " (check rollout.model, rollout.api_key and the sampling settings)");
            } catch (IOException | RuntimeException e) {
                release(endpoint, work, false);
                endpoint.failures.incrementAndGet();
                failed.add(endpoint);
                lastError = endpoint.completions + ": " + e;
            } catch (InterruptedException e) {
                release(endpoint, work, false);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + endpoint.completions, e);
            }
        }
        throw new IllegalStateException("rollout request " + request.index() + " failed on every attempt ("
                + options.maxAttempts() + "); the last: " + lastError);
    }

    /**
     * The endpoint with the least outstanding work among those not resting and not in {@code avoid} (the ones this
     * request failed on), waiting for one if all rest; {@code avoid} is ignored once it holds every endpoint.
     */
    private Endpoint acquire(long work, java.util.Set<Endpoint> avoid) {
        while (true) {
            long now = System.nanoTime();
            long wait;
            synchronized (this) {
                Endpoint best = null;
                long soonest = Long.MAX_VALUE;
                boolean anyIncluded = false;
                boolean avoidAll = true;
                for (Endpoint endpoint : endpoints) {
                    avoidAll &= endpoint.excluded || avoid.contains(endpoint);
                }
                for (Endpoint endpoint : endpoints) {
                    if (endpoint.excluded) {
                        continue;
                    }
                    anyIncluded = true;
                    if (!avoidAll && avoid.contains(endpoint)) {
                        continue;
                    }
                    if (endpoint.restUntilNanos - now > 0) {
                        soonest = Math.min(soonest, endpoint.restUntilNanos - now);
                    } else if (best == null || endpoint.outstanding < best.outstanding) {
                        best = endpoint;
                    }
                }
                if (!anyIncluded) {
                    throw new IllegalStateException("no server of rollout.endpoints is in the fleet: each missed a "
                            + "weight update");
                }
                if (best != null) {
                    best.outstanding += work;
                    return best;
                }
                wait = soonest;
            }
            sleep(Duration.ofNanos(wait));
        }
    }

    private synchronized void release(Endpoint endpoint, long work, boolean ok) {
        endpoint.outstanding -= work;
        if (ok) {
            endpoint.consecutiveFailures = 0;
        } else {
            endpoint.consecutiveFailures++;
            long rest = options.backoff().toNanos() << Math.min(endpoint.consecutiveFailures - 1, 6);
            endpoint.restUntilNanos = System.nanoTime() + rest;
        }
    }

    private String body(Generator.Request request) {
        return options.api() == Api.OPENAI ? openAiBody(request) : sglangBody(request);
    }

    private static String sglangBody(Generator.Request request) {
        SamplingParams params = request.params();
        ObjectNode body = JSON.createObjectNode();
        ArrayNode batch = body.putArray("input_ids");
        for (int j = 0; j < params.n(); j++) {
            ArrayNode ids = batch.addArray();
            for (int id : request.prompt()) {
                ids.add(id);
            }
        }
        ObjectNode sampling = body.putObject("sampling_params");
        sampling.put("max_new_tokens", params.maxNewTokens());
        sampling.put("temperature", params.temperature());
        sampling.put("top_p", params.topP());
        sampling.put("top_k", params.topK() > 0 ? params.topK() : -1);
        sampling.put("min_p", params.minP());
        sampling.put("skip_special_tokens", false);
        ArrayNode stop = sampling.putArray("stop_token_ids");
        for (int id : params.stopTokenIds()) {
            stop.add(id);
        }
        body.put("return_logprob", true);
        return body.toString();
    }

    private String openAiBody(Generator.Request request) {
        SamplingParams params = request.params();
        ObjectNode body = JSON.createObjectNode();
        body.put("model", options.model());
        ArrayNode prompt = body.putArray("prompt");
        for (int id : request.prompt()) {
            prompt.add(id);
        }
        body.put("n", params.n());
        body.put("max_tokens", params.maxNewTokens());
        body.put("temperature", params.temperature());
        body.put("top_p", params.topP());
        if (params.topK() > 0) {
            body.put("top_k", params.topK());
        }
        body.put("min_p", params.minP());
        // One seed per request: the servers' RNGs are their own, so the sample streams differ from a local run's.
        body.put("seed", Seeds.mix(params.seed(), request.index()) & 0x7fffffffL);
        body.put("logprobs", 0);     // the sampled tokens' log-probs only (OpenAI's and vLLM's meaning of 0)
        body.put("return_token_ids", true);
        body.put("skip_special_tokens", false);
        ArrayNode stop = body.putArray("stop_token_ids");
        for (int id : params.stopTokenIds()) {
            stop.add(id);
        }
        return body.toString();
    }

    private List<Completion> send(Endpoint endpoint, String body, Generator.Request request)
            throws IOException, InterruptedException {
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint.completions).timeout(options.requestTimeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (options.apiKey() != null) {
            http.header("Authorization", "Bearer " + options.apiKey());
        }
        HttpResponse<String> response = client.send(http.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 4 && status != 408 && status != 429) {
            // The request itself is wrong (a model name, a parameter, the key): every server would say the same.
            throw new RequestRefused(endpoint.completions + ": HTTP " + status + ": " + abbreviate(response.body()));
        }
        if (status != 200) {
            throw new IOException("HTTP " + status + ": " + abbreviate(response.body()));
        }
        JsonNode answer = JSON.readTree(response.body());
        return options.api() == Api.OPENAI ? completions(answer, request) : sglangCompletions(answer, request);
    }

    /** SGLang's answer to a batch of n copies: per sample, meta_info.output_token_logprobs as [logprob, id, …]. */
    static List<Completion> sglangCompletions(JsonNode answer, Generator.Request request) throws IOException {
        int n = request.params().n();
        if (!answer.isArray() || answer.size() != n) {
            throw new IOException("expected a list of " + n + " results, got " + (answer.isArray() ? answer.size()
                    : answer.getNodeType()));
        }
        List<Completion> completions = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            JsonNode meta = answer.get(j).path("meta_info");
            JsonNode tokens = meta.path("output_token_logprobs");
            if (!tokens.isArray()) {
                throw new IOException("result " + j + " has no meta_info.output_token_logprobs (send return_logprob)");
            }
            int[] ids = new int[tokens.size()];
            float[] lps = new float[tokens.size()];
            for (int t = 0; t < ids.length; t++) {
                lps[t] = (float) tokens.get(t).get(0).asDouble();
                ids[t] = tokens.get(t).get(1).asInt();
            }
            String reason = meta.path("finish_reason").path("type").asText("");
            FinishReason finish = switch (reason) {
                case "stop" -> FinishReason.STOP;
                case "length" -> FinishReason.LENGTH;
                default -> throw new IOException("result " + j + " has finish_reason type '" + reason + "'");
            };
            completions.add(new Completion(request.index(), j, ids, lps, new float[ids.length], finish, false));
        }
        return completions;
    }

    /** The answer's choices as completions, in sample order; anything missing is an error naming the field. */
    static List<Completion> completions(JsonNode answer, Generator.Request request) throws IOException {
        JsonNode choices = answer.path("choices");
        int n = request.params().n();
        if (!choices.isArray() || choices.size() != n) {
            throw new IOException("expected " + n + " choices, got " + (choices.isArray() ? choices.size()
                    : "none"));
        }
        Completion[] ordered = new Completion[n];
        for (JsonNode choice : choices) {
            int index = choice.path("index").asInt(-1);
            if (index < 0 || index >= n || ordered[index] != null) {
                throw new IOException("a choice has a missing, repeated or out-of-range index: " + choice.path("index"));
            }
            JsonNode ids = choice.path("token_ids");
            if (!ids.isArray()) {
                throw new IOException("choice " + index + " has no token_ids: the server must return token ids "
                        + "(vLLM ≥ 0.10.2 and reason4j serve honour return_token_ids)");
            }
            JsonNode logProbs = choice.path("logprobs").path("token_logprobs");
            if (!logProbs.isArray() || logProbs.size() != ids.size()) {
                throw new IOException("choice " + index + " has " + (logProbs.isArray() ? logProbs.size() : "no")
                        + " logprobs.token_logprobs for " + ids.size() + " token ids");
            }
            int[] tokens = new int[ids.size()];
            float[] lps = new float[ids.size()];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = ids.get(t).asInt();
                lps[t] = (float) logProbs.get(t).asDouble();
            }
            String reason = choice.path("finish_reason").asText("");
            FinishReason finish = switch (reason) {
                case "stop" -> FinishReason.STOP;
                case "length" -> FinishReason.LENGTH;
                default -> throw new IOException("choice " + index + " has finish_reason '" + reason
                        + "' (expected stop or length)");
            };
            ordered[index] = new Completion(request.index(), index, tokens, lps, new float[tokens.length], finish,
                    false);
        }
        return List.of(ordered);
    }

    /** A 4xx answer: the request, not the server, is wrong, so no other server is tried. */
    private static final class RequestRefused extends RuntimeException {
        RequestRefused(String message) {
            super(message);
        }
    }

    private static String abbreviate(String text) {
        String line = text == null ? "" : text.replace('\n', ' ');
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.close();
        threads.shutdownNow();
    }
}
