package dev.reason4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.rollout.SamplingParams;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sampling part of a chat or text completion request, shared by both routes.
 *
 * @param params         the engine's parameters; maxNewTokens is a placeholder until {@link #forPrompt} knows the
 *                       prompt (the room left in the context when the request gives no max_tokens)
 * @param maxTokens      max_completion_tokens or max_tokens, or null
 * @param stops          stop strings: the text ends before the first one, and so does the sample
 * @param logprobs       report each token's log-prob
 * @param topLogprobs    and this many alternatives (0–20)
 * @param returnTokenIds vLLM's return_token_ids: prompt_token_ids and each choice's token_ids
 */
record SamplingRequest(SamplingParams params, Integer maxTokens, List<String> stops, boolean stream,
                       boolean includeUsage, boolean logprobs, int topLogprobs, boolean returnTokenIds,
                       boolean skipSpecialTokens) {
    /** OpenAI's bound on top_logprobs. */
    static final int MAX_TOP_LOGPROBS = 20;

    /**
     * Reads the shared fields; refuses the ones the engine does not implement.
     *
     * @param chat chat completions (logprobs: bool, top_logprobs: int) or text completions (logprobs: int)
     */
    static SamplingRequest parse(JsonNode body, boolean chat, int[] defaultStopIds) {
        refuseUnsupported(body, chat);
        int n = orDefault(Fields.integer(body, "n", 1, 128), 1);
        float temperature = (float) (double) orDefault(Fields.number(body, "temperature", 0, 2), 1.0);
        float topP = (float) (double) orDefault(Fields.number(body, "top_p", 0, 1), 1.0);
        if (topP == 0f) {
            throw ApiError.badParam("top_p", "'top_p' must be in (0, 1], got 0");
        }
        // vLLM's top_k: -1 (or 0) is off.
        int topK = Math.max(0, orDefault(Fields.integer(body, "top_k", -1, Integer.MAX_VALUE), 0));
        float minP = (float) (double) orDefault(Fields.number(body, "min_p", 0, 1), 0.0);
        Integer maxTokens = Fields.integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = Fields.integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        Long seed = Fields.longValue(body, "seed");
        List<String> stops = stopStrings(body);
        int[] stopIds = withStopTokenIds(body, defaultStopIds);

        boolean logprobs;
        int topLogprobs;
        if (chat) {
            logprobs = Fields.bool(body, "logprobs", false);
            topLogprobs = orDefault(Fields.integer(body, "top_logprobs", 0, MAX_TOP_LOGPROBS), 0);
            if (topLogprobs > 0 && !logprobs) {
                throw ApiError.badParam("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
        } else {
            Integer count = Fields.integer(body, "logprobs", 0, MAX_TOP_LOGPROBS);
            logprobs = count != null;
            topLogprobs = count == null ? 0 : count;
        }
        boolean stream = Fields.bool(body, "stream", false);
        JsonNode streamOptions = Fields.get(body, "stream_options");
        boolean includeUsage = false;
        if (streamOptions != null) {
            if (!streamOptions.isObject()) {
                throw ApiError.badParam("stream_options", "'stream_options' must be an object");
            }
            if (!stream) {
                throw ApiError.badParam("stream_options", "'stream_options' is only allowed with 'stream': true");
            }
            includeUsage = Fields.bool(streamOptions, "include_usage", false);
        }
        SamplingParams params = new SamplingParams(n, 1, temperature, topK, topP, minP,
                seed != null ? seed : ThreadLocalRandom.current().nextLong(), stopIds, topLogprobs);
        return new SamplingRequest(params, maxTokens, stops, stream, includeUsage, logprobs, topLogprobs,
                Fields.bool(body, "return_token_ids", false), Fields.bool(body, "skip_special_tokens", true));
    }

    /**
     * The engine's parameters for a prompt of {@code promptLength} tokens in a context of {@code contextLength}: a
     * request that cannot fit is refused, never cut ({@code promptParam} names the prompt's field in the error).
     */
    SamplingParams forPrompt(int promptLength, int contextLength, String promptParam) {
        int room = contextLength - promptLength;
        if (room < 1) {
            throw ApiError.badParam(promptParam, "the prompt has " + promptLength
                    + " tokens; the model's context length is " + contextLength + ", which leaves no room to generate");
        }
        if (maxTokens != null && maxTokens > room) {
            throw ApiError.badParam("max_tokens", "the prompt has " + promptLength + " tokens and max_tokens is "
                    + maxTokens + ", past the model's context length " + contextLength);
        }
        return params.withMaxNewTokens(maxTokens != null ? maxTokens : room);
    }

    private static List<String> stopStrings(JsonNode body) {
        JsonNode stop = Fields.get(body, "stop");
        List<String> stops = new ArrayList<>();
        if (stop == null) {
            return stops;
        }
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray()) {
            for (JsonNode item : stop) {
                if (!item.isTextual()) {
                    throw ApiError.badParam("stop", "'stop' must be a string or an array of strings, got " + stop);
                }
                stops.add(item.asText());
            }
        } else {
            throw ApiError.badParam("stop", "'stop' must be a string or an array of strings, got " + stop);
        }
        if (stops.stream().anyMatch(String::isEmpty)) {
            throw ApiError.badParam("stop", "'stop' strings must not be empty");
        }
        return stops;
    }

    /** The model's stop ids plus vLLM's stop_token_ids. */
    private static int[] withStopTokenIds(JsonNode body, int[] defaults) {
        JsonNode ids = Fields.get(body, "stop_token_ids");
        if (ids == null) {
            return defaults;
        }
        if (!ids.isArray()) {
            throw ApiError.badParam("stop_token_ids", "'stop_token_ids' must be an array of token ids");
        }
        int[] all = java.util.Arrays.copyOf(defaults, defaults.length + ids.size());
        int k = defaults.length;
        for (JsonNode id : ids) {
            if (!id.isInt() || id.intValue() < 0) {
                throw ApiError.badParam("stop_token_ids", "'stop_token_ids' must hold token ids, got " + id);
            }
            all[k++] = id.intValue();
        }
        return all;
    }

    /** Parameters that would change the output in a way the engine does not do: a 400, never silently ignored. */
    private static void refuseUnsupported(JsonNode body, boolean chat) {
        JsonNode logitBias = Fields.get(body, "logit_bias");
        if (logitBias != null && !(logitBias.isObject() && logitBias.isEmpty())) {
            throw ApiError.unsupported("logit_bias", "'logit_bias' is not supported");
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Double value = Fields.number(body, penalty, -2, 2);
            if (value != null && value != 0) {
                throw ApiError.unsupported(penalty, "'" + penalty + "' is not supported (only 0)");
            }
        }
        Double repetition = Fields.number(body, "repetition_penalty", 0, Double.MAX_VALUE);
        if (repetition != null && repetition != 1) {
            throw ApiError.unsupported("repetition_penalty", "'repetition_penalty' is not supported (only 1)");
        }
        JsonNode format = Fields.get(body, "response_format");
        if (format != null && !"text".equals(format.path("type").asText())) {
            throw ApiError.unsupported("response_format", "'response_format' other than {\"type\": \"text\"} is not "
                    + "supported");
        }
        if (chat) {
            for (String legacy : List.of("functions", "function_call")) {
                if (Fields.get(body, legacy) != null) {
                    throw ApiError.unsupported(legacy, "'" + legacy + "' is the deprecated form; use 'tools'");
                }
            }
            JsonNode audio = Fields.get(body, "audio");
            if (audio != null) {
                throw ApiError.unsupported("audio", "audio output is not supported");
            }
        } else {
            Integer bestOf = Fields.integer(body, "best_of", 1, 128);
            if (bestOf != null && bestOf != 1) {
                throw ApiError.unsupported("best_of", "'best_of' is not supported (only 1)");
            }
            if (Fields.bool(body, "echo", false)) {
                throw ApiError.unsupported("echo", "'echo' is not supported");
            }
            if (Fields.get(body, "suffix") != null) {
                throw ApiError.unsupported("suffix", "'suffix' is not supported");
            }
        }
    }

    private static <T> T orDefault(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
