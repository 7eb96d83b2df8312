package dev.reason4j.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.agent.ToolCallFormat;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.rollout.TopLogProbs;
import dev.reason4j.tokenizer.ChatTemplate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1/chat/completions} and {@code /v1/completions}: request → prompts → engine → response or stream. */
final class Completions {
    /** Where a streamed response goes: one server-sent event per call ({@code data: …}). */
    interface EventSink {
        void send(String data) throws IOException;

        /** Runs {@code action} if the connection fails before the answer is written (the client went away). */
        void onClientGone(Runnable action);
    }

    private final ServedModel model;
    private final Metrics metrics;
    private final int maxRequests;

    Completions(ServedModel model, Metrics metrics, int maxRequests) {
        this.model = model;
        this.metrics = metrics;
        this.maxRequests = maxRequests;
    }

    // ------------------------------------------------------------------------------------------------ requests

    /** A chat completion: the body, or null when it was streamed to {@code sink}. */
    ObjectNode chat(JsonNode body, EventSink sink) throws IOException, InterruptedException {
        checkModel(body);
        if (model.template == null) {
            throw ApiError.badParam("messages", "the model's tokenizer has no chat_template; use /v1/completions");
        }
        List<Map<String, Object>> messages = messages(body);
        List<Map<String, Object>> tools = tools(body);
        ToolCallFormat toolCalls = null;
        if (tools != null && !"none".equals(toolChoice(body))) {
            if (model.toolCalls == null) {
                throw ApiError.badParam("tools", "the model's chat template renders no tool calls");
            }
            toolCalls = model.toolCalls;
        }
        Map<String, Object> kwargs = templateKwargs(body);
        Object thinking = kwargs.remove("enable_thinking");
        String prompt;
        try {
            prompt = model.template.render(new ChatTemplate.ChatRequest(messages, tools, true,
                    thinking instanceof Boolean b ? b : null, kwargs));
        } catch (IllegalArgumentException e) {
            throw ApiError.badParam("messages", e.getMessage());
        }
        int[] ids = model.tokenizer.encode(prompt, false);
        SamplingRequest request = SamplingRequest.parse(body, true, model.chatStopIds);
        SamplingParams params = request.forPrompt(ids.length, model.contextLength, "messages");
        return run(List.of(ids), List.of(params), request, true, toolCalls, sink);
    }

    /**
     * A text completion of one or more prompts (text or token ids): the body, or null when streamed. With vLLM's
     * {@code prompt_logprobs: 0} each choice also carries its prompt's own log-probs (a teacher's scores for
     * distillation).
     */
    ObjectNode text(JsonNode body, EventSink sink) throws IOException, InterruptedException {
        checkModel(body);
        List<int[]> prompts = prompts(body);
        SamplingRequest request = SamplingRequest.parse(body, false, model.stopIds);
        List<SamplingParams> params = new ArrayList<>();
        for (int[] prompt : prompts) {
            params.add(request.forPrompt(prompt.length, model.contextLength, "prompt"));
        }
        float[][] promptLogProbs = promptLogProbs(body, prompts, request);
        ObjectNode answer = run(prompts, params, request, false, null, sink);
        if (promptLogProbs != null) {
            JsonNode choices = answer.get("choices");
            int n = request.params().n();
            for (int i = 0; i < choices.size(); i++) {
                ((ObjectNode) choices.get(i)).set("prompt_logprobs",
                        Responses.promptLogprobs(model, prompts.get(i / n), promptLogProbs[i / n]));
            }
        }
        return answer;
    }

    /**
     * vLLM's {@code prompt_logprobs}: log p(prompt[t] | prompt[..t]) of every prompt token after the first, at
     * temperature 1, from the training forward (so a client gets exactly the log-probs a local forward of the
     * same weights gives). Only 0 (no alternatives) is supported; null when the request does not ask.
     */
    private float[][] promptLogProbs(JsonNode body, List<int[]> prompts, SamplingRequest request) {
        Integer top = Fields.integer(body, "prompt_logprobs", 0, SamplingRequest.MAX_TOP_LOGPROBS);
        if (top == null) {
            return null;
        }
        if (top > 0) {
            throw ApiError.unsupported("prompt_logprobs", "'prompt_logprobs' may only be 0 (the prompt tokens' own"
                    + " log-probs, without alternatives)");
        }
        if (request.stream()) {
            throw ApiError.unsupported("prompt_logprobs", "'prompt_logprobs' is not supported with 'stream': true");
        }
        return model.engine().model().forward(prompts, ForwardOptions.inference()).logProbs;
    }

    private void checkModel(JsonNode body) {
        String name = Fields.text(body, "model");
        if (name == null) {
            throw ApiError.badParam("model", "'model' is required");
        }
        if (!name.equals(model.name)) {
            throw ApiError.notFound("The model '" + name + "' does not exist (this server serves '" + model.name
                    + "')", "model", "model_not_found");
        }
    }

    // ------------------------------------------------------------------------------------------------ running

    private ObjectNode run(List<int[]> prompts, List<SamplingParams> params, SamplingRequest request, boolean chat,
                           ToolCallFormat toolCalls, EventSink sink) throws IOException, InterruptedException {
        if (metrics.inFlight.incrementAndGet() > maxRequests) {
            metrics.inFlight.decrementAndGet();
            throw ApiError.overloaded(maxRequests);
        }
        try {
            Generation generation = new Generation(model.engine().generator(), prompts, params, request, model,
                    toolCalls != null);
            metrics.promptTokens.add(generation.promptTokens());
            sink.onClientGone(() -> cancel(generation));
            String id = Responses.newId(chat ? "chatcmpl-" : "cmpl-");
            long created = System.currentTimeMillis() / 1000;
            if (request.stream()) {
                try {
                    stream(generation, request, chat, toolCalls, sink, id, created);
                } catch (IOException gone) {
                    cancel(generation);
                    throw gone;
                }
                return null;
            }
            List<Completion> completions = generation.completions();
            countTokens(completions);
            return body(generation, completions, request, chat, toolCalls, id, created);
        } finally {
            metrics.inFlight.decrementAndGet();
        }
    }

    /** The client went away: the request leaves the engine, its slots and KV blocks freed. Counted once. */
    private void cancel(Generation generation) {
        if (generation.cancel()) {
            metrics.cancelled.increment();
        }
    }

    private void countTokens(List<Completion> completions) {
        for (Completion c : completions) {
            metrics.completionTokens.add(c.tokens().length);
        }
    }

    /** The whole answer: a choice per completion (chat: a message; text: the text), usage, token ids if asked. */
    private ObjectNode body(Generation g, List<Completion> completions, SamplingRequest request, boolean chat,
                            ToolCallFormat toolCalls, String id, long created) {
        ObjectNode body = header(id, chat ? "chat.completion" : "text_completion", created);
        ArrayNode choices = body.putArray("choices");
        int generated = 0;
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            g.finishText(i);
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            boolean calls = false;
            if (chat) {
                ObjectNode message = Responses.assistantMessage(g.text(i), toolCalls);
                calls = message.has("tool_calls");
                choice.set("message", message);
            } else {
                choice.put("text", g.text(i));
            }
            if (!request.logprobs()) {
                choice.putNull("logprobs");
            } else if (chat) {
                choice.set("logprobs", Responses.chatLogprobs(model, c.tokens(), c.logProbs(), c.topLogProbs(), 0,
                        c.tokens().length, request.topLogprobs()));
            } else {
                choice.set("logprobs", Responses.textLogprobs(model, c.tokens(), c.logProbs(), c.topLogProbs(), 0,
                        c.tokens().length, request.topLogprobs(), 0));
            }
            choice.put("finish_reason", Responses.finishReason(c, calls));
            if (request.returnTokenIds()) {
                if (!chat) {
                    choice.set("prompt_token_ids", Responses.ids(g.prompts.get(i / g.n)));
                }
                choice.set("token_ids", Responses.ids(c.tokens()));
            }
            generated += c.tokens().length;
        }
        body.set("usage", Responses.usage(g.promptTokens(), generated));
        if (chat && request.returnTokenIds()) {
            body.set("prompt_token_ids", Responses.ids(g.prompts.getFirst()));
        }
        return body;
    }

    /**
     * Server-sent events: for chat a first chunk per choice with the role, then a chunk per token (its final text,
     * log-prob and id as asked), a last chunk per choice with the finish reason, the usage chunk when
     * {@code stream_options.include_usage}, and {@code [DONE]}. With tools on, a choice's text is sent whole in
     * its last chunk, with its tool calls (the format parses a whole turn).
     */
    private void stream(Generation g, SamplingRequest request, boolean chat, ToolCallFormat toolCalls, EventSink sink,
                        String id, long created) throws IOException, InterruptedException {
        String object = chat ? "chat.completion.chunk" : "text_completion";
        int[] textOffsets = new int[g.choices()];
        if (chat) {
            for (int i = 0; i < g.choices(); i++) {
                ObjectNode chunk = header(id, object, created);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", i);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                if (i == 0 && request.returnTokenIds()) {
                    chunk.set("prompt_token_ids", Responses.ids(g.prompts.getFirst()));
                }
                sink.send(Responses.write(chunk));
            }
        }
        while (true) {
            Generation.Delta delta = g.nextDelta(50);
            if (delta == null) {
                if (!g.done()) {
                    continue;
                }
                delta = g.nextDelta(0);   // tokens queued just before the end
                if (delta == null) {
                    break;
                }
            }
            if (toolCalls != null || delta.text().isEmpty() && !request.logprobs() && !request.returnTokenIds()) {
                continue;                  // with tools: sent whole at the end; else nothing to say yet
            }
            ObjectNode chunk = header(id, object, created);
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", delta.choice());
            int[] token = {delta.token()};
            float[] logProb = {delta.logProb()};
            List<TopLogProbs> top = delta.top() == null ? List.of() : List.of(delta.top());
            if (chat) {
                choice.putObject("delta").put("content", delta.text());
                choice.set("logprobs", request.logprobs()
                        ? Responses.chatLogprobs(model, token, logProb, top, 0, 1, request.topLogprobs()) : null);
            } else {
                choice.put("text", delta.text());
                choice.set("logprobs", request.logprobs() ? Responses.textLogprobs(model, token, logProb, top, 0, 1,
                        request.topLogprobs(), textOffsets[delta.choice()]) : null);
                textOffsets[delta.choice()] += model.tokenText(delta.token()).length();
            }
            choice.putNull("finish_reason");
            if (request.returnTokenIds()) {
                choice.set("token_ids", Responses.ids(new int[]{delta.token()}));
            }
            sink.send(Responses.write(chunk));
        }
        List<Completion> completions = g.completions();
        countTokens(completions);
        int generated = 0;
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            String rest = g.finishText(i);
            ObjectNode chunk = header(id, object, created);
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", i);
            boolean calls = false;
            if (chat) {
                ObjectNode deltaNode = choice.putObject("delta");
                if (toolCalls != null) {
                    ObjectNode message = Responses.assistantMessage(g.text(i), toolCalls);
                    deltaNode.set("content", message.get("content"));
                    if (message.has("tool_calls")) {
                        calls = true;
                        ArrayNode streamed = deltaNode.putArray("tool_calls");
                        int index = 0;
                        for (JsonNode call : message.get("tool_calls")) {
                            streamed.add(((ObjectNode) call.deepCopy()).put("index", index++));
                        }
                    }
                    if (request.logprobs()) {
                        choice.set("logprobs", Responses.chatLogprobs(model, c.tokens(), c.logProbs(),
                                c.topLogProbs(), 0, c.tokens().length, request.topLogprobs()));
                    }
                    if (request.returnTokenIds()) {
                        choice.set("token_ids", Responses.ids(c.tokens()));
                    }
                } else if (!rest.isEmpty()) {
                    deltaNode.put("content", rest);
                }
            } else {
                choice.put("text", rest);
            }
            if (!choice.has("logprobs")) {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", Responses.finishReason(c, calls));
            sink.send(Responses.write(chunk));
            generated += c.tokens().length;
        }
        if (request.includeUsage()) {
            ObjectNode chunk = header(id, object, created);
            chunk.putArray("choices");
            chunk.set("usage", Responses.usage(g.promptTokens(), generated));
            sink.send(Responses.write(chunk));
        }
        sink.send("[DONE]");
    }

    private ObjectNode header(String id, String object, long created) {
        ObjectNode body = Responses.JSON.createObjectNode();
        body.put("id", id);
        body.put("object", object);
        body.put("created", created);
        body.put("model", model.name);
        return body;
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /**
     * The messages as the chat template reads them: content parts joined to text, and an assistant message's
     * tool-call arguments (a JSON string in OpenAI's API) as the object templates expect.
     */
    private static List<Map<String, Object>> messages(JsonNode body) {
        JsonNode messages = Fields.get(body, "messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.badParam("messages", "'messages' must be a non-empty array");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String where = "messages[" + i + "]";
            if (!message.isObject() || !message.path("role").isTextual()) {
                throw ApiError.badParam(where, where + " must be an object with a 'role'");
            }
            Map<String, Object> m = Responses.JSON.convertValue(message, new TypeReference<LinkedHashMap<String, Object>>() {});
            JsonNode content = message.get("content");
            if (content != null && content.isArray()) {
                StringBuilder text = new StringBuilder();
                for (JsonNode part : content) {
                    if (!"text".equals(part.path("type").asText())) {
                        throw ApiError.unsupported(where + ".content", "only text content parts are supported, got "
                                + "type '" + part.path("type").asText() + "'");
                    }
                    text.append(part.path("text").asText());
                }
                m.put("content", text.toString());
            } else if (content == null || content.isNull()) {
                m.put("content", "");
            } else if (!content.isTextual()) {
                throw ApiError.badParam(where + ".content", where + ".content must be a string or an array of parts");
            }
            JsonNode calls = message.get("tool_calls");
            if (calls != null && calls.isArray()) {
                List<Map<String, Object>> converted = new ArrayList<>();
                for (JsonNode call : calls) {
                    Map<String, Object> c = Responses.JSON.convertValue(call, new TypeReference<LinkedHashMap<String, Object>>() {});
                    JsonNode arguments = call.path("function").path("arguments");
                    if (arguments.isTextual()) {
                        Map<String, Object> function = new LinkedHashMap<>(Responses.JSON.convertValue(call.get("function"),
                                new TypeReference<LinkedHashMap<String, Object>>() {}));
                        try {
                            function.put("arguments", Responses.JSON.readValue(arguments.asText(),
                                    new TypeReference<LinkedHashMap<String, Object>>() {}));
                        } catch (IOException e) {
                            throw ApiError.badParam(where + ".tool_calls", "tool call arguments must be a JSON object");
                        }
                        c.put("function", function);
                    }
                    converted.add(c);
                }
                m.put("tool_calls", converted);
            }
            out.add(m);
        }
        return out;
    }

    private static List<Map<String, Object>> tools(JsonNode body) {
        JsonNode tools = Fields.get(body, "tools");
        if (tools == null) {
            return null;
        }
        if (!tools.isArray()) {
            throw ApiError.badParam("tools", "'tools' must be an array");
        }
        for (JsonNode tool : tools) {
            if (!"function".equals(tool.path("type").asText()) || !tool.path("function").path("name").isTextual()) {
                throw ApiError.badParam("tools", "each tool must be {\"type\": \"function\", \"function\": {\"name\": …}}");
            }
        }
        return Responses.JSON.convertValue(tools, new TypeReference<List<Map<String, Object>>>() {});
    }

    private static String toolChoice(JsonNode body) {
        JsonNode choice = Fields.get(body, "tool_choice");
        if (choice == null || choice.isTextual() && (choice.asText().equals("auto") || choice.asText().equals("none"))) {
            return choice == null ? "auto" : choice.asText();
        }
        throw ApiError.unsupported("tool_choice", "'tool_choice' may be \"auto\" or \"none\"; forcing a call "
                + "(\"required\" or a named function) is not supported");
    }

    /** vLLM's chat_template_kwargs: extra template variables (e.g. enable_thinking for Qwen3). */
    private static Map<String, Object> templateKwargs(JsonNode body) {
        JsonNode kwargs = Fields.get(body, "chat_template_kwargs");
        if (kwargs == null) {
            return new LinkedHashMap<>();
        }
        if (!kwargs.isObject()) {
            throw ApiError.badParam("chat_template_kwargs", "'chat_template_kwargs' must be an object");
        }
        return Responses.JSON.convertValue(kwargs, new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    /** A string, strings, token ids, or lists of token ids. */
    private List<int[]> prompts(JsonNode body) {
        JsonNode prompt = Fields.get(body, "prompt");
        if (prompt == null) {
            throw ApiError.badParam("prompt", "'prompt' is required");
        }
        List<int[]> prompts = new ArrayList<>();
        if (prompt.isTextual()) {
            prompts.add(encode(prompt.asText()));
        } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
            prompts.add(tokenIds(prompt));
        } else if (prompt.isArray() && !prompt.isEmpty()) {
            for (JsonNode item : prompt) {
                if (item.isTextual()) {
                    prompts.add(encode(item.asText()));
                } else if (item.isArray()) {
                    prompts.add(tokenIds(item));
                } else {
                    throw ApiError.badParam("prompt", "'prompt' items must be strings or arrays of token ids");
                }
            }
        } else {
            throw ApiError.badParam("prompt", "'prompt' must be a string, an array of strings, an array of token ids"
                    + " or an array of those");
        }
        return prompts;
    }

    private int[] encode(String text) {
        int[] ids = model.tokenizer.encode(text, false);
        if (ids.length == 0) {
            throw ApiError.badParam("prompt", "the prompt is empty");
        }
        return ids;
    }

    private int[] tokenIds(JsonNode array) {
        if (array.isEmpty()) {
            throw ApiError.badParam("prompt", "the prompt is empty");
        }
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isInt() || id.intValue() < 0 || id.intValue() >= model.vocabSize) {
                throw ApiError.badParam("prompt", "prompt token " + i + " is " + id + ", not an id in [0, "
                        + model.vocabSize + ")");
            }
            ids[i] = id.intValue();
        }
        return ids;
    }
}
