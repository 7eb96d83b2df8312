package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * A teacher behind an OpenAI-compatible server that returns prompt log-probs: vLLM, or {@code reason4j serve}.
 * Each call is one {@code /v1/completions} request with the sequences as token-id prompts,
 * {@code prompt_logprobs: 0} (vLLM's: each prompt token's own log-prob, at temperature 1) and
 * {@code max_tokens: 1}, greedy (the one generated token is ignored). The server must serve a model with the
 * student's tokenizer, and its context must hold each sequence plus that one token.
 */
public final class RemoteTeacher implements Teacher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI completions;
    private final String apiKey;
    private final String model;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * @param baseUrl the server, e.g. {@code http://10.0.0.5:8000} ({@code /v1/completions} is appended)
     * @param apiKey  sent as {@code Authorization: Bearer}; null for none
     * @param model   the model name the server serves
     */
    public RemoteTeacher(URI baseUrl, String apiKey, String model, Duration timeout) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        this.completions = URI.create(base.endsWith("/v1") ? base + "/completions" : base + "/v1/completions");
        this.apiKey = apiKey;
        this.model = model;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public float[][] logProbs(List<int[]> sequences, int[] promptLengths) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode prompts = body.putArray("prompt");
        for (int[] sequence : sequences) {
            ArrayNode ids = prompts.addArray();
            for (int id : sequence) {
                ids.add(id);
            }
        }
        body.put("max_tokens", 1);
        body.put("temperature", 0);
        body.put("prompt_logprobs", 0);
        HttpRequest.Builder request = HttpRequest.newBuilder(completions).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("teacher " + completions + ": interrupted", e);
        }
        if (response.statusCode() != 200) {
            String text = response.body();
            throw new IOException("teacher " + completions + ": HTTP " + response.statusCode() + ": "
                    + (text.length() > 300 ? text.substring(0, 300) + "…" : text));
        }
        return parse(JSON.readTree(response.body()), sequences, promptLengths);
    }

    /** Each choice's prompt_logprobs at the response positions; anything missing is an error naming it. */
    private float[][] parse(JsonNode answer, List<int[]> sequences, int[] promptLengths) throws IOException {
        JsonNode choices = answer.path("choices");
        if (!choices.isArray() || choices.size() != sequences.size()) {
            throw new IOException("teacher " + completions + ": expected " + sequences.size() + " choices, got "
                    + (choices.isArray() ? choices.size() : "none"));
        }
        float[][] scores = new float[sequences.size()][];
        for (JsonNode choice : choices) {
            int i = choice.path("index").asInt(-1);
            if (i < 0 || i >= sequences.size() || scores[i] != null) {
                throw new IOException("teacher " + completions + ": a choice has index " + choice.path("index"));
            }
            int[] sequence = sequences.get(i);
            JsonNode positions = choice.path("prompt_logprobs");
            if (!positions.isArray() || positions.size() != sequence.length) {
                throw new IOException("teacher " + completions + ": choice " + i + " has no prompt_logprobs for its "
                        + sequence.length + " tokens (does the server support vLLM's prompt_logprobs?)");
            }
            scores[i] = new float[sequence.length - promptLengths[i]];
            for (int t = promptLengths[i]; t < sequence.length; t++) {
                JsonNode logProb = positions.get(t).path(Integer.toString(sequence[t])).path("logprob");
                if (!logProb.isNumber()) {
                    throw new IOException("teacher " + completions + ": choice " + i + " has no log-prob for token "
                            + sequence[t] + " at position " + t);
                }
                scores[i][t - promptLengths[i]] = (float) logProb.asDouble();
            }
        }
        return scores;
    }
}
