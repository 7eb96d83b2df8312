package dev.reason4j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.agent.ParsedTurn;
import dev.reason4j.agent.ToolCallFormat;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.TopLogProbs;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI response bodies: chat completions, text completions, their stream chunks, usage and errors. Log-probs
 * are written as floats (Jackson writes a float's shortest decimal), so a client that reads them back as float32
 * gets the engine's bits.
 */
final class Responses {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom IDS = new SecureRandom();

    private Responses() {
    }

    /** A fresh id: {@code prefix} and 24 hex digits (chatcmpl-, cmpl-, call_). */
    static String newId(String prefix) {
        byte[] bytes = new byte[12];
        IDS.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }

    static String write(Object node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode error(ApiError error) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode inner = body.putObject("error");
        inner.put("message", error.getMessage());
        inner.put("type", error.type);
        inner.put("param", error.param);
        inner.put("code", error.code);
        return body;
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode usage = JSON.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return usage;
    }

    static String finishReason(Completion completion, boolean toolCalls) {
        if (toolCalls) {
            return "tool_calls";
        }
        return completion.finishReason() == FinishReason.STOP ? "stop" : "length";
    }

    /**
     * The assistant message of a chat choice. With tools on, the text is read for tool calls by the template's
     * format ({@code <tool_call>} blocks for Hermes/Qwen): the calls come out in OpenAI's shape, each with an id and
     * its arguments as a JSON string, and the rest of the text as the content (null when empty).
     */
    static ObjectNode assistantMessage(String text, ToolCallFormat toolCalls) {
        ObjectNode message = JSON.createObjectNode();
        message.put("role", "assistant");
        if (toolCalls == null) {
            message.put("content", text);
            message.putNull("refusal");
            return message;
        }
        ParsedTurn turn = toolCalls.parse(text);
        Map<String, Object> parsed = turn.assistantMessage();
        String content = (String) parsed.get("content");
        if (content == null || content.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", content);
        }
        message.putNull("refusal");
        if (parsed.get("tool_calls") instanceof List<?> calls) {
            ArrayNode out = message.putArray("tool_calls");
            for (Object call : calls) {
                Map<?, ?> function = (Map<?, ?>) ((Map<?, ?>) call).get("function");
                ObjectNode item = out.addObject();
                item.put("id", newId("call_"));
                item.put("type", "function");
                ObjectNode fn = item.putObject("function");
                fn.put("name", (String) function.get("name"));
                fn.put("arguments", write(function.get("arguments")));
            }
        }
        return message;
    }

    /**
     * Chat log-probs, {@code {"content": [{token, logprob, bytes, top_logprobs: [...]}]}}, of tokens[from..to) with
     * their log-probs and, when {@code top} > 0, their alternatives.
     */
    static ObjectNode chatLogprobs(ServedModel model, int[] tokens, float[] logProbs, List<TopLogProbs> tops,
                                   int from, int to, int top) {
        ObjectNode logprobs = JSON.createObjectNode();
        ArrayNode content = logprobs.putArray("content");
        for (int i = from; i < to; i++) {
            ObjectNode entry = tokenEntry(model, tokens[i], logProbs[i]);
            ArrayNode alternatives = entry.putArray("top_logprobs");
            if (top > 0) {
                TopLogProbs best = tops.get(i);
                for (int k = 0; k < best.tokens().length; k++) {
                    alternatives.add(tokenEntry(model, best.tokens()[k], best.logProbs()[k]));
                }
            }
            content.add(entry);
        }
        logprobs.putNull("refusal");
        return logprobs;
    }

    private static ObjectNode tokenEntry(ServedModel model, int token, float logProb) {
        ObjectNode entry = JSON.createObjectNode();
        String text = model.tokenText(token);
        entry.put("token", text);
        entry.put("logprob", logProb);
        ArrayNode bytes = entry.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xFF);
        }
        return entry;
    }

    /**
     * Text-completion log-probs (the legacy shape): tokens, token_logprobs, top_logprobs (one {token: logprob}
     * object per position; null when not asked) and text_offset, for tokens[from..to) starting at text offset
     * {@code offset}.
     */
    static ObjectNode textLogprobs(ServedModel model, int[] ids, float[] logProbs, List<TopLogProbs> tops, int from,
                                   int to, int top, int offset) {
        ObjectNode logprobs = JSON.createObjectNode();
        ArrayNode tokens = logprobs.putArray("tokens");
        ArrayNode values = logprobs.putArray("token_logprobs");
        ArrayNode alternativesByPosition = logprobs.putArray("top_logprobs");
        ArrayNode offsets = logprobs.putArray("text_offset");
        for (int i = from; i < to; i++) {
            String text = model.tokenText(ids[i]);
            tokens.add(text);
            values.add(logProbs[i]);
            if (top > 0) {
                ObjectNode alternatives = alternativesByPosition.addObject();
                TopLogProbs best = tops.get(i);
                for (int k = 0; k < best.tokens().length; k++) {
                    alternatives.put(model.tokenText(best.tokens()[k]), best.logProbs()[k]);
                }
            } else {
                alternativesByPosition.addNull();
            }
            offsets.add(offset);
            offset += text.length();
        }
        return logprobs;
    }

    /**
     * vLLM's prompt_logprobs: null for the first prompt token (nothing predicts it), then for each later one
     * {@code {"ID": {"logprob": …, "decoded_token": …}}} keyed by the token's id; {@code logProbs[t]} is token
     * t + 1's. vLLM also gives each entry a rank, which needs the whole distribution: left out here.
     */
    static ArrayNode promptLogprobs(ServedModel model, int[] prompt, float[] logProbs) {
        ArrayNode positions = JSON.createArrayNode();
        positions.addNull();
        for (int t = 1; t < prompt.length; t++) {
            ObjectNode entry = positions.addObject().putObject(Integer.toString(prompt[t]));
            entry.put("logprob", logProbs[t - 1]);
            entry.put("decoded_token", model.tokenText(prompt[t]));
        }
        return positions;
    }

    static ArrayNode ids(int[] ids) {
        ArrayNode array = JSON.createArrayNode();
        for (int id : ids) {
            array.add(id);
        }
        return array;
    }
}
