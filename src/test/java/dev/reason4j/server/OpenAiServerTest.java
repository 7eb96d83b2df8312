package dev.reason4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import dev.reason4j.config.Config;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Generator;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.rollout.TopLogProbs;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import dev.reason4j.trainer.Setup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./reason4j serve} end to end, with the official OpenAI Java SDK as the client, against a tiny random model
 * whose tokenizer's chat template renders tools (Hermes blocks, as Qwen's).
 */
class OpenAiServerTest {
    private static final String KEY = "test-key";
    private static final String ADMIN_KEY = "admin-key";
    private static final List<String> TOOL_TOKENS = List.of("<tool_call>", "</tool_call>", "<tool_response>",
            "</tool_response>");

    private static Path root;
    private static Path modelDir;
    private static Tokenizer tokenizer;
    private static Transformer model;
    private static int[] stopIds;
    private static OpenAiServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("reason4j-serve-test");
        String template;
        try (InputStream in = OpenAiServerTest.class.getResourceAsStream("/dev/reason4j/config/chatml_tools.jinja")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> specials = new ArrayList<>(BpeTrainer.chatml(1024).specialTokens());
        specials.addAll(TOOL_TOKENS);
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? The answer is " + (i + i * 7 % 100) + ".");
        }
        Path tokenizerDir = root.resolve("tokenizer");
        tokenizer = new BpeTrainer(400, 2, specials, "<|im_end|>", template).trainAndSave(corpus, tokenizerDir);
        modelDir = root.resolve("tiny");
        Setup.saveModel(tinyModel(1), tokenizerDir, modelDir);
        Setup.saveModel(tinyModel(2), tokenizerDir, root.resolve("tiny-2"));
        model = Transformer.load(modelDir, Precision.FP32);
        Set<Integer> stops = new LinkedHashSet<>(model.config().eosTokenIds());
        tokenizer.eosTokenId().ifPresent(stops::add);
        stopIds = stops.stream().mapToInt(Integer::intValue).toArray();
        server = OpenAiServer.start(modelDir, Precision.FP32,
                new OpenAiServer.Options("127.0.0.1", 0, KEY, ADMIN_KEY, root, 64, "tiny"));
        client = client(server, KEY);
    }

    private static Transformer tinyModel(int seed) throws Exception {
        Config config = Config.load(null, List.of("model.tiny.hidden_size=32", "model.tiny.num_layers=2",
                "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64",
                // A long context, so that one request can hold its slot far longer than a test needs.
                "model.tiny.max_position_embeddings=65536", "model.seed=" + seed));
        return Setup.policy(config, tokenizer);
    }

    private static OpenAIClient client(OpenAiServer s, String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + s.port() + "/v1").apiKey(key)
                .maxRetries(0).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        server.close();
    }

    private static ChatCompletionCreateParams.Builder chat(String user) {
        return ChatCompletionCreateParams.builder().model("tiny").addUserMessage(user).seed(7)
                .maxCompletionTokens(12).temperature(0.9);
    }

    private static int[] ids(JsonValue value) {
        return value.convert(int[].class);
    }

    private static int[] promptIds(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        String text = ChatTemplate.of(tokenizer).render(new ChatTemplate.ChatRequest(messages, tools, true, null,
                Map.of()));
        return tokenizer.encode(text, false);
    }

    private static int[] chatStopIds() {
        Set<Integer> stops = new LinkedHashSet<>();
        for (int id : stopIds) {
            stops.add(id);
        }
        stops.add(tokenizer.tokenToId("<|im_end|>").orElseThrow());
        return stops.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void assertSameFloat(float expected, double actual, String what) {
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits((float) actual), what + ": expected "
                + expected + ", got " + actual);
    }

    // ------------------------------------------------------------------------------------------------ chat

    @Test
    void chatCompletionIsTheEnginesCompletionOfTheRenderedPrompt() {
        ChatCompletion answer = client.chat().completions().create(chat("What is 3 + 4?").logprobs(true)
                .topLogprobs(3).putAdditionalBodyProperty("return_token_ids", JsonValue.from(true)).build());
        int[] prompt = promptIds(List.of(Map.of("role", "user", "content", "What is 3 + 4?")), null);
        assertArrayEquals(prompt, ids(answer._additionalProperties().get("prompt_token_ids")));
        SamplingParams params = new SamplingParams(1, 12, 0.9f, 0, 1f, 0f, 7, chatStopIds(), 3);
        dev.reason4j.rollout.Completion expected = new Generator(model).generate(List.of(prompt), params).getFirst();

        ChatCompletion.Choice choice = answer.choices().getFirst();
        int[] tokens = ids(choice._additionalProperties().get("token_ids"));
        assertArrayEquals(expected.tokens(), tokens);
        List<ChatCompletionTokenLogprob> logprobs = choice.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(tokens.length, logprobs.size());
        for (int i = 0; i < tokens.length; i++) {
            assertSameFloat(expected.logProbs()[i], logprobs.get(i).logprob(), "log-prob " + i);
            TopLogProbs top = expected.topLogProbs().get(i);
            List<ChatCompletionTokenLogprob.TopLogprob> alternatives = logprobs.get(i).topLogprobs();
            assertEquals(3, alternatives.size());
            for (int k = 0; k < 3; k++) {
                assertSameFloat(top.logProbs()[k], alternatives.get(k).logprob(), "top " + k + " at " + i);
                assertEquals(tokenizer.decode(new int[]{top.tokens()[k]}, false), alternatives.get(k).token());
            }
        }
        boolean stopped = expected.finishReason() == dev.reason4j.rollout.FinishReason.STOP;
        assertEquals(stopped ? ChatCompletion.Choice.FinishReason.STOP : ChatCompletion.Choice.FinishReason.LENGTH,
                choice.finishReason());
        int[] text = stopped ? java.util.Arrays.copyOf(tokens, tokens.length - 1) : tokens;
        assertEquals(tokenizer.decode(text, true), choice.message().content().orElseThrow());
        assertEquals(prompt.length, answer.usage().orElseThrow().promptTokens());
        assertEquals(tokens.length, answer.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedChatEqualsTheWholeAnswerAndEndsWithUsage() {
        ChatCompletion whole = client.chat().completions().create(chat("Count: 1 2 3").n(2).build());
        StringBuilder[] streamed = {new StringBuilder(), new StringBuilder()};
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("Count: 1 2 3").n(2).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true)
                        .build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(streamed[(int) choice.index()]::append);
                }
            });
        }
        assertEquals(2, whole.choices().size());
        for (int i = 0; i < 2; i++) {
            assertEquals(whole.choices().get(i).message().content().orElse(""), streamed[i].toString(), "choice " + i);
        }
        assertNotEquals(whole.choices().get(0).message().content(), whole.choices().get(1).message().content(),
                "two samples of one prompt draw from different RNGs");
        ChatCompletionChunk last = chunks.getLast();
        assertTrue(last.choices().isEmpty());
        assertEquals(whole.usage().orElseThrow().completionTokens(), last.usage().orElseThrow().completionTokens());
        assertEquals(whole.usage().orElseThrow().promptTokens(), last.usage().orElseThrow().promptTokens());
    }

    @Test
    void aStreamCarriesTheSameTokenIdsAndLogProbsAsTheWholeAnswer() {
        ChatCompletionCreateParams params = chat("Tell me 5 + 5").logprobs(true).topLogprobs(2)
                .putAdditionalBodyProperty("return_token_ids", JsonValue.from(true)).build();
        ChatCompletion whole = client.chat().completions().create(params);
        List<Integer> tokens = new ArrayList<>();
        List<Double> logprobs = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    JsonValue ids = choice._additionalProperties().get("token_ids");
                    if (ids != null) {
                        for (int id : ids(ids)) {
                            tokens.add(id);
                        }
                    }
                    choice.logprobs().flatMap(ChatCompletionChunk.Choice.Logprobs::content)
                            .ifPresent(c -> c.forEach(entry -> logprobs.add(entry.logprob())));
                }
            });
        }
        ChatCompletion.Choice choice = whole.choices().getFirst();
        int[] expected = ids(choice._additionalProperties().get("token_ids"));
        assertArrayEquals(expected, tokens.stream().mapToInt(Integer::intValue).toArray());
        List<ChatCompletionTokenLogprob> wholeLogprobs = choice.logprobs().orElseThrow().content().orElseThrow();
        assertEquals(wholeLogprobs.size(), logprobs.size());
        for (int i = 0; i < logprobs.size(); i++) {
            assertEquals(wholeLogprobs.get(i).logprob(), logprobs.get(i), "token " + i);
        }
    }

    @Test
    void concurrentRequestsShareTheEngineAndEachGetsItsOwnBits() throws Exception {
        List<java.util.concurrent.Future<Completion>> answers = new ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (int r = 0; r < 4; r++) {
                int seed = 100 + r;
                List<Long> prompt = List.of(7L + r, 30L, 2L * r + 1);
                answers.add(threads.submit(() -> client.completions().create(CompletionCreateParams.builder()
                        .model("tiny").prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(prompt)).seed(seed)
                        .maxTokens(8 + seed % 3).temperature(0.5 + 0.25 * (seed % 3)).logprobs(0)
                        .putAdditionalBodyProperty("return_token_ids", JsonValue.from(true)).build())));
            }
        }
        for (int r = 0; r < 4; r++) {
            int seed = 100 + r;
            int[] prompt = {7 + r, 30, 2 * r + 1};
            dev.reason4j.rollout.Completion alone = new Generator(model).generate(List.of(prompt),
                    new SamplingParams(1, 8 + seed % 3, (float) (0.5 + 0.25 * (seed % 3)), 0, 1f, 0f, seed, stopIds))
                    .getFirst();
            var choice = answers.get(r).get().choices().getFirst();
            assertArrayEquals(alone.tokens(), ids(choice._additionalProperties().get("token_ids")), "request " + r);
            List<Double> logprobs = choice.logprobs().orElseThrow().tokenLogprobs().orElseThrow();
            for (int t = 0; t < alone.tokens().length; t++) {
                assertSameFloat(alone.logProbs()[t], logprobs.get(t), "request " + r + " token " + t);
            }
        }
    }

    @Test
    void stopStringsAreHeldBackUntilTheyCannotMatch() {
        int[] ids = tokenizer.encode("The answer is 12. Done", false);
        SampleText text = new SampleText(tokenizer, true, List.of(". D", "zz"), new int[0]);
        StringBuilder released = new StringBuilder();
        for (int id : ids) {
            released.append(text.add(id));
            assertTrue("The answer is 12".startsWith(released.toString()), "released '" + released + "'");
            if (text.stopped()) {
                break;
            }
        }
        released.append(text.finish());
        assertTrue(text.stopped());
        assertEquals("The answer is 12", released.toString());
        assertEquals("The answer is 12", text.text());
    }

    @Test
    void toolsAreRenderedIntoThePrompt() {
        Map<String, Object> schema = new java.util.LinkedHashMap<>();   // in the order the SDK sends
        schema.put("type", "object");
        schema.put("properties", Map.of("expression", Map.of("type", "string")));
        schema.put("required", List.of("expression"));
        Map<String, Object> function = new java.util.LinkedHashMap<>();
        function.put("name", "calculator");
        function.put("description", "Evaluates arithmetic.");
        function.put("parameters", schema);
        ChatCompletion answer = client.chat().completions().create(chat("What is 12 * 13?")
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                        .name("calculator").description("Evaluates arithmetic.")
                        .parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("expression",
                                        Map.of("type", "string"))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("expression"))).build())
                        .build()).build())
                .putAdditionalBodyProperty("return_token_ids", JsonValue.from(true)).build());
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("function", function);
        tool.put("type", "function");
        int[] withTools = promptIds(List.of(Map.of("role", "user", "content", "What is 12 * 13?")), List.of(tool));
        int[] served = ids(answer._additionalProperties().get("prompt_token_ids"));
        assertEquals(tokenizer.decode(withTools, false), tokenizer.decode(served, false));
        assertTrue(tokenizer.decode(served, false).contains("calculator"));
    }

    @Test
    void toolCallsComeOutInOpenAisShape() {
        ServedModel served = new ServedModel("tiny", model, tokenizer, Precision.FP32, Generator.Options.defaults(),
                "test");
        JsonNode message = Responses.assistantMessage("Let me compute.\n<tool_call>\n{\"name\": \"calculator\", "
                + "\"arguments\": {\"expression\": \"12 * 13\"}}\n</tool_call><|im_end|>", served.toolCalls);
        assertEquals("Let me compute.", message.get("content").asText());
        JsonNode call = message.get("tool_calls").get(0);
        assertTrue(call.get("id").asText().startsWith("call_"), call.toString());
        assertEquals("function", call.get("type").asText());
        assertEquals("calculator", call.get("function").get("name").asText());
        assertEquals("{\"expression\":\"12 * 13\"}", call.get("function").get("arguments").asText());
        JsonNode plain = Responses.assistantMessage("156<|im_end|>", served.toolCalls);
        assertEquals("156", plain.get("content").asText());
        assertTrue(plain.get("tool_calls") == null);
    }

    // ------------------------------------------------------------------------------------------------ completions

    @Test
    void tokenIdPromptsGiveTheEnginesBitsForTheSameSeed() {
        List<List<Long>> prompts = List.of(List.of(5L, 17L, 42L, 9L), List.of(100L, 3L));
        Completion answer = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt(CompletionCreateParams.Prompt.ofArrayOfTokenArrays(prompts)).n(2).seed(11).maxTokens(10)
                .temperature(1.0).logprobs(0)
                .putAdditionalBodyProperty("return_token_ids", JsonValue.from(true)).build());
        List<int[]> promptIds = prompts.stream().map(p -> p.stream().mapToInt(Long::intValue).toArray()).toList();
        List<dev.reason4j.rollout.Completion> expected = new Generator(model).generate(promptIds,
                new SamplingParams(2, 10, 1f, 0, 1f, 0f, 11, stopIds));
        assertEquals(4, answer.choices().size());
        for (int i = 0; i < 4; i++) {
            var choice = answer.choices().get(i);
            assertEquals(i, choice.index());
            assertArrayEquals(promptIds.get(i / 2), ids(choice._additionalProperties().get("prompt_token_ids")));
            int[] tokens = ids(choice._additionalProperties().get("token_ids"));
            assertArrayEquals(expected.get(i).tokens(), tokens, "choice " + i);
            List<Double> logprobs = choice.logprobs().orElseThrow().tokenLogprobs().orElseThrow();
            for (int t = 0; t < tokens.length; t++) {
                assertSameFloat(expected.get(i).logProbs()[t], logprobs.get(t), "choice " + i + " token " + t);
            }
        }
        assertEquals(6, answer.usage().orElseThrow().promptTokens(), "the prompts' tokens, once each");
    }

    @Test
    void stopStringsEndTheText() {
        Completion free = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt("What is 1 + 2?").seed(3).maxTokens(16).temperature(1.0).build());
        String text = free.choices().getFirst().text();
        assertTrue(text.length() >= 4, "the test needs a longer sample than '" + text + "': pick another seed");
        String stop = text.substring(2, 4);
        Completion cut = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt("What is 1 + 2?").seed(3).maxTokens(16).temperature(1.0).stop(stop).build());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.choices().getFirst().text());
        assertEquals("stop", cut.choices().getFirst().finishReason().asString());
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void errorsAreOpenAiErrors() {
        UnauthorizedException missing = assertThrows(UnauthorizedException.class,
                () -> client(server, "wrong").models().list());
        assertEquals(401, missing.statusCode());
        assertEquals("invalid_api_key", missing.code().orElseThrow());

        BadRequestException hot = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat("hi").temperature(5.0).build()));
        assertEquals("temperature", hot.param().orElseThrow());
        BadRequestException bias = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(chat("hi").putAdditionalBodyProperty("logit_bias", JsonValue.from(Map.of("5", 10))).build()));
        assertEquals("logit_bias", bias.param().orElseThrow());
        BadRequestException badId = assertThrows(BadRequestException.class, () -> client.completions().create(
                CompletionCreateParams.builder().model("tiny").prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(
                        List.of(1L, 99999L))).build()));
        assertEquals("prompt", badId.param().orElseThrow());

        BadRequestException tooLong = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat("hi").maxCompletionTokens(70000).build()));
        assertEquals("max_tokens", tooLong.param().orElseThrow());
        BadRequestException options = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(chat("hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build()));
        assertEquals("stream_options", options.param().orElseThrow());

        BadRequestException topP = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat("hi").topP(0.0).build()));
        assertEquals("top_p", topP.param().orElseThrow());

        NotFoundException unknown = assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(chat("hi").model("gpt-9").build()));
        assertEquals("model_not_found", unknown.code().orElseThrow());
        assertEquals("model", unknown.param().orElseThrow());
    }

    @Test
    void aBodyPastTheLimitIsRefusedUnread() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Length: 100000000\r\n\r\n{").getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            String reply = new String(socket.getInputStream().readNBytes(12), StandardCharsets.UTF_8);
            assertEquals("HTTP/1.1 413", reply);
        }
    }

    @Test
    void routesModelsHealthAndMetrics() throws Exception {
        assertEquals("tiny", client.models().list().data().getFirst().id());
        HttpResponse<String> health = get("/health", null);
        assertEquals(200, health.statusCode());
        HttpResponse<String> nowhere = get("/v1/nowhere", KEY);
        assertEquals(404, nowhere.statusCode());
        assertEquals("unknown_url", Responses.JSON.readTree(nowhere.body()).get("error").get("code").asText());
        client.completions().create(CompletionCreateParams.builder().model("tiny").prompt("1 + 1").maxTokens(2)
                .build());
        String metrics = get("/metrics", null).body();
        for (String name : List.of("reason4j_requests_total{route=\"/v1/completions\",status=\"200\"}",
                "reason4j_prompt_tokens_total", "reason4j_generation_tokens_total", "reason4j_queue_depth",
                "reason4j_batch_size", "reason4j_kv_blocks_used")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
    }

    /**
     * vLLM's prompt_logprobs, as a remote distillation teacher asks for them: every prompt token's log-prob after
     * the first, bit for bit the local forward's (each sequence alone), in vLLM's shape; only 0 is accepted.
     */
    @Test
    void promptLogprobsAreTheLocalForwardsBitForBit() throws Exception {
        List<int[]> sequences = List.of(tokenizer.encode("What is 3 + 4? The answer is 7.", false),
                tokenizer.encode("What is 12 + 30?", false));
        int[] promptLengths = {3, 1};
        float[][] remote = new dev.reason4j.trainer.RemoteTeacher(URI.create("http://127.0.0.1:" + server.port()),
                KEY, "tiny", java.time.Duration.ofSeconds(60)).logProbs(sequences, promptLengths);
        float[][] local = dev.reason4j.trainer.Teacher.local(model, 1).logProbs(sequences, promptLengths);
        for (int i = 0; i < sequences.size(); i++) {
            assertEquals(sequences.get(i).length - promptLengths[i], remote[i].length, "sequence " + i);
            for (int t = 0; t < remote[i].length; t++) {
                assertSameFloat(local[i][t], remote[i][t], "sequence " + i + " response token " + t);
            }
        }

        int[] ids = sequences.get(1);
        HttpResponse<String> raw = post(server, "/v1/completions", KEY, "{\"model\": \"tiny\", \"prompt\": "
                + java.util.Arrays.toString(ids) + ", \"max_tokens\": 1, \"prompt_logprobs\": 0}");
        assertEquals(200, raw.statusCode(), raw.body());
        JsonNode positions = Responses.JSON.readTree(raw.body()).get("choices").get(0).get("prompt_logprobs");
        assertEquals(ids.length, positions.size());
        assertTrue(positions.get(0).isNull(), "nothing predicts the first token");
        JsonNode second = positions.get(1).get(Integer.toString(ids[1]));
        assertSameFloat(local[1][0], second.get("logprob").asDouble(), "token 1");
        assertEquals(tokenizer.decode(new int[]{ids[1]}, false), second.get("decoded_token").asText());

        HttpResponse<String> alternatives = post(server, "/v1/completions", KEY, "{\"model\": \"tiny\", "
                + "\"prompt\": [1, 2], \"max_tokens\": 1, \"prompt_logprobs\": 2}");
        assertEquals(400, alternatives.statusCode());
        JsonNode error = Responses.JSON.readTree(alternatives.body()).get("error");
        assertEquals("prompt_logprobs", error.get("param").asText());
        assertEquals("unsupported_parameter", error.get("code").asText());
    }

    private static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static HttpResponse<String> post(OpenAiServer s, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    // ------------------------------------------------------------------------------------------------ admin

    @Test
    void loadWeightsServesTheNewModelAndRefusesPathsOutsideTheRoot() throws Exception {
        try (OpenAiServer own = OpenAiServer.start(modelDir, Precision.FP32,
                new OpenAiServer.Options("127.0.0.1", 0, KEY, ADMIN_KEY, root, 8, "tiny"))) {
            String body = "{\"path\": \"" + root.resolve("tiny-2") + "\"}";
            assertEquals(401, post(own, "/admin/load_weights", KEY, body).statusCode(), "the API key is not the admin key");
            HttpResponse<String> outside = post(own, "/admin/load_weights", ADMIN_KEY, "{\"path\": \"/tmp\"}");
            assertEquals(403, outside.statusCode(), outside.body());
            assertEquals("path", Responses.JSON.readTree(outside.body()).get("error").get("param").asText());
            HttpResponse<String> loaded = post(own, "/admin/load_weights", ADMIN_KEY, body);
            assertEquals(200, loaded.statusCode(), loaded.body());
            JsonNode answer = Responses.JSON.readTree(loaded.body());
            assertEquals(1, answer.get("weights_version").asInt());
            assertEquals("finish on the old weights", answer.get("in_flight").asText());

            Transformer second = Transformer.load(root.resolve("tiny-2"), Precision.FP32);
            int[] prompt = {5, 17, 42};
            dev.reason4j.rollout.Completion expected = new Generator(second).generate(List.of(prompt),
                    new SamplingParams(1, 6, 1f, 0, 1f, 0f, 4, stopIds)).getFirst();
            HttpResponse<String> after = post(own, "/v1/completions", KEY, "{\"model\": \"tiny\", \"prompt\": [5, 17,"
                    + " 42], \"max_tokens\": 6, \"seed\": 4, \"return_token_ids\": true}");
            int[] tokens = Responses.JSON.convertValue(Responses.JSON.readTree(after.body()).get("choices").get(0)
                    .get("token_ids"), int[].class);
            assertArrayEquals(expected.tokens(), tokens);
        }
    }

    // ------------------------------------------------------------------------------------------------ load

    /** A greedy prompt the tiny model completes without ever stopping: it holds a slot as long as asked. */
    private static final String ENDLESS = "{\"model\": \"tiny\", \"prompt\": [5, 17, 42], \"max_tokens\": 60000,"
            + " \"temperature\": 0, \"stream\": true}";

    @Test
    void overloadIsRefusedAtOnceAndADisconnectFreesTheSlot() throws Exception {
        Transformer tiny = Transformer.load(modelDir, Precision.FP32);
        var greedy = new Generator(tiny).generate(List.of(new int[]{5, 17, 42}),
                new SamplingParams(1, 300, 0f, 0, 1f, 0f, 0, stopIds)).getFirst();
        assertEquals(dev.reason4j.rollout.FinishReason.LENGTH, greedy.finishReason(), "the test needs an endless "
                + "greedy prompt");
        try (OpenAiServer own = OpenAiServer.start(modelDir, Precision.FP32,
                new OpenAiServer.Options("127.0.0.1", 0, KEY, null, root, 1, "tiny"));
             HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.port()
                            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(ENDLESS)).header("Authorization", "Bearer " + KEY).build();
            HttpResponse<InputStream> streaming = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            InputStream events = streaming.body();
            assertEquals(200, streaming.statusCode(), () -> new String(readAll(events), StandardCharsets.UTF_8));
            assertTrue(new String(events.readNBytes(6), StandardCharsets.UTF_8).startsWith("data: "));

            HttpResponse<String> refused = post(own, "/v1/completions", KEY, "{\"model\": \"tiny\", \"prompt\": \"hi\"}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("overloaded", Responses.JSON.readTree(refused.body()).get("error").get("code").asText());

            events.close();               // the client goes away mid-stream
            long deadline = System.nanoTime() + 60_000_000_000L;     // a hang guard, not a speed check
            String metrics = "";
            while (System.nanoTime() < deadline) {
                metrics = get(own, "/metrics");
                if (metrics.contains("\nreason4j_requests_in_flight 0\n") && metrics.contains("\nreason4j_batch_size 0\n")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(metrics.contains("\nreason4j_requests_cancelled_total 1\n"), metrics);
            assertTrue(metrics.contains("\nreason4j_batch_size 0\n"), metrics);
            assertTrue(metrics.contains("\nreason4j_kv_blocks_used 0\n"), metrics);
            HttpResponse<String> again = post(own, "/v1/completions", KEY, "{\"model\": \"tiny\", \"prompt\": \"hi\","
                    + " \"max_tokens\": 2}");
            assertEquals(200, again.statusCode(), again.body());
        }
    }

    @Test
    void aNonStreamedRequestWhoseClientLeavesIsCancelled() throws Exception {
        try (OpenAiServer own = OpenAiServer.start(modelDir, Precision.FP32,
                new OpenAiServer.Options("127.0.0.1", 0, null, null, root, 4, "tiny"))) {
            String body = ENDLESS.replace("\"stream\": true", "\"stream\": false");
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", own.port())) {
                socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        + "application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                        + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
                long deadline = System.nanoTime() + 60_000_000_000L;     // a hang guard, not a speed check
                while (!get(own, "/metrics").contains("\nreason4j_batch_size 1\n") && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            String metrics = "";
            while (System.nanoTime() < deadline) {
                metrics = get(own, "/metrics");
                if (metrics.contains("\nreason4j_batch_size 0\n")) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(metrics.contains("\nreason4j_requests_cancelled_total 1\n"), metrics);
            assertTrue(metrics.contains("\nreason4j_kv_blocks_used 0\n"), metrics);
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            return new byte[0];
        }
    }

    private static String get(OpenAiServer s, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }
}
