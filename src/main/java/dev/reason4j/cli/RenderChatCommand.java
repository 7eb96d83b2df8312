package dev.reason4j.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code ./reason4j render-chat}: JSON lines of conversations to prompt text via the tokenizer's chat template. */
public final class RenderChatCommand implements Command {
    @Override
    public String name() {
        return "render-chat";
    }

    @Override
    public String summary() {
        return "render {\"messages\"} lines with the tokenizer's chat template (as HF apply_chat_template)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j render-chat --tokenizer DIR [--tokenize]

                Reads JSON lines on stdin, one conversation each:
                  {"messages": [{"role": "system"|"user"|"assistant"|"tool", "content": "...",
                                 "tool_calls": [...]?, "reasoning_content": "..."?}, ...],
                   "tools": [...]?, "add_generation_prompt": true|false, "enable_thinking": true|false?}
                and writes {"text": "..."} per line, in order: the chat_template of DIR/tokenizer_config.json
                rendered as Hugging Face apply_chat_template renders it. With --tokenize the line also has
                "ids" and "assistant_mask" (1 for each token the assistant wrote), for SFT and multi-turn RL.
                A bad line is answered with {"error": "line N: ..."} (also on stderr) and the exit code is 1;
                the other lines are still processed.""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path dir = Path.of(args.require("tokenizer"));
        boolean tokenize = args.flag("tokenize");
        args.rejectUnknown();
        return process(Tokenizer.load(dir), tokenize, System.in, System.out, System.err);
    }

    static int process(Tokenizer tokenizer, boolean tokenize, java.io.InputStream in, java.io.OutputStream out,
                       java.io.PrintStream err) throws java.io.IOException {
        ChatTemplate template = ChatTemplate.of(tokenizer);
        return JsonLinesFilter.run(in, out, err, input -> {
            ChatTemplate.ChatRequest request = request(input);
            if (!tokenize) {
                return Map.of("text", template.render(request));
            }
            ChatTemplate.MaskedConversation masked = template.renderWithAssistantMask(request, tokenizer);
            int[] mask = new int[masked.assistantMask().length];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = masked.assistantMask()[i] ? 1 : 0;
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("text", masked.text());
            line.put("ids", masked.ids());
            line.put("assistant_mask", mask);
            return line;
        });
    }

    static ChatTemplate.ChatRequest request(JsonNode input) {
        JsonNode messages = input.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException("expected \"messages\": [...]");
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isObject() || !messages.get(i).path("role").isTextual()) {
                throw new IllegalArgumentException("messages[" + i + "] needs a \"role\"");
            }
        }
        JsonNode tools = input.path("tools");
        if (!tools.isMissingNode() && !tools.isNull() && !tools.isArray()) {
            throw new IllegalArgumentException("\"tools\" must be a list");
        }
        JsonNode generationPrompt = input.path("add_generation_prompt");
        JsonNode thinking = input.path("enable_thinking");
        for (var flag : Map.of("add_generation_prompt", generationPrompt, "enable_thinking", thinking).entrySet()) {
            if (!flag.getValue().isMissingNode() && !flag.getValue().isNull() && !flag.getValue().isBoolean()) {
                throw new IllegalArgumentException("\"" + flag.getKey() + "\" must be true or false");
            }
        }
        List<Map<String, Object>> messageList = JsonLinesFilter.JSON.convertValue(messages, new TypeReference<>() {});
        List<Map<String, Object>> toolList = tools.isArray() ? JsonLinesFilter.JSON.convertValue(tools, new TypeReference<>() {}) : null;
        return new ChatTemplate.ChatRequest(messageList, toolList, generationPrompt.asBoolean(false),
                thinking.isBoolean() ? thinking.asBoolean() : null, Map.of());
    }
}
