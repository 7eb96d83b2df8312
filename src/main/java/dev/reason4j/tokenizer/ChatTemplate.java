package dev.reason4j.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * Renders a {@code chat_template} (Jinja) as HF's {@code apply_chat_template} does, with Jinjava configured like HF's
 * jinja2 environment: {@code trim_blocks}, {@code lstrip_blocks}, a {@code tojson} filter that is Python's
 * {@code json.dumps(ensure_ascii=False)}, the globals {@code raise_exception} and {@code strftime_now}, Python
 * {@code str} methods, and the special tokens of {@code tokenizer_config.json} as variables. Thread-safe.
 */
public final class ChatTemplate {
    private final String source;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    public ChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = source;
        this.specialTokens = Map.copyOf(specialTokens);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                .withNestedInterpretationEnabled(false) // message text is data: never render "{{ }}" inside it
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUsePyishObjectMapper(true) // lists and dicts print as Python's repr
                        .withParseWhitespaceControlStrictly(true) // "{%-"/"-%}" exactly as jinja2 reads them
                        .withKeepNullableLoopValues(true) // None items stay in loops
                        .withUseTrimmingForNotesAndExpressions(true) // "{{-" and "-}}" strip whitespace too
                        .build())
                .build();
        this.jinjava = JinjaSyntax.newJinjava(config);
        jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
        jinjava.getGlobalContext().registerFilter(new TrimFilter());
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    }

    /** The tokenizer's default template; fails naming the config when it has none. */
    public static ChatTemplate of(Tokenizer tokenizer) {
        String template = tokenizer.config().chatTemplate();
        if (template == null) {
            throw new IllegalArgumentException("tokenizer_config.json has no chat_template");
        }
        return new ChatTemplate(template, tokenizer.config().specialTokens());
    }

    public String source() {
        return source;
    }

    /** Renders the conversation to the prompt text. */
    public String render(ChatRequest request) {
        return withoutMarkers(renderMarked(request), null);
    }

    /** The rendered text with the output of {@code {% generation %}} blocks between the two marker chars. */
    private String renderMarked(ChatRequest request) {
        for (Map<String, Object> message : request.messages()) {
            if (String.valueOf(message.get("content")).indexOf(GENERATION_START) >= 0
                    || String.valueOf(message.get("content")).indexOf(GENERATION_END) >= 0) {
                throw new IllegalArgumentException("message content holds a reserved character U+E000/U+E001");
            }
        }
        Map<String, Object> variables = new LinkedHashMap<>(specialTokens);
        variables.putAll(request.extraVariables());
        variables.put("messages", request.messages());
        if (request.tools() != null) {
            variables.put("tools", request.tools());
        }
        variables.put("add_generation_prompt", request.addGenerationPrompt());
        if (request.enableThinking() != null) {
            variables.put("enable_thinking", request.enableThinking());
        }
        RenderResult result = jinjava.renderForResult(source, variables);
        for (TemplateError error : result.getErrors()) {
            for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
                if (cause instanceof RaisedException raised) {
                    throw new IllegalArgumentException("chat template rejected the conversation: " + raised.getMessage());
                }
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template error at line " + error.getLineno() + ": " + error.getMessage());
            }
        }
        return result.getOutput();
    }

    /** Marks the output of {@code {% generation %}} blocks (private-use characters, refused in messages). */
    private static final char GENERATION_START = '\uE000';
    private static final char GENERATION_END = '\uE001';

    /** Removes generation markers, adding the [start, end) char span of each block to {@code spans} when given. */
    private static String withoutMarkers(String marked, List<int[]> spans) {
        StringBuilder text = new StringBuilder(marked.length());
        int open = -1;
        for (int i = 0; i < marked.length(); i++) {
            char c = marked.charAt(i);
            if (c == GENERATION_START) {
                open = text.length();
            } else if (c == GENERATION_END) {
                if (spans != null && open >= 0 && text.length() > open) {
                    spans.add(new int[] {open, text.length()});
                }
                open = -1;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    /**
     * A rendered conversation, tokenized, with the tokens the assistant wrote marked (what SFT and multi-turn RL
     * train on).
     */
    public record MaskedConversation(String text, int[] ids, boolean[] assistantMask) {}

    /**
     * Renders and tokenizes the conversation and marks each token the assistant wrote. Templates with
     * {@code {% generation %}} blocks (HF's {@code return_assistant_tokens_mask}) mark what those blocks output.
     * Other templates mark, for each assistant message, the text from where its generation prompt ends (the prompt
     * rendered up to that message with {@code add_generation_prompt=true}) through the template's end-of-turn token
     * (found by rendering a probe conversation), e.g. {@code <think>...</think>\n\nanswer<|im_end|>} for Qwen3.
     */
    public MaskedConversation renderWithAssistantMask(ChatRequest request, Tokenizer tokenizer) {
        String marked = renderMarked(request);
        List<int[]> spans = new java.util.ArrayList<>();
        String text = withoutMarkers(marked, spans);
        if (marked.length() == text.length()) {
            spans = assistantSpansByPrefix(request, text, tokenizer);
        }
        Tokenizer.Encoding encoding = tokenizer.encodeWithOffsets(text);
        boolean[] mask = new boolean[encoding.ids().length];
        int span = 0;
        for (int t = 0; t < mask.length; t++) {
            int start = encoding.starts()[t];
            while (span < spans.size() && spans.get(span)[1] <= start) {
                span++;
            }
            mask[t] = span < spans.size() && spans.get(span)[0] <= start;
        }
        return new MaskedConversation(text, encoding.ids(), mask);
    }

    private List<int[]> assistantSpansByPrefix(ChatRequest request, String text, Tokenizer tokenizer) {
        String endOfTurn = endOfTurnToken(tokenizer);
        List<int[]> spans = new java.util.ArrayList<>();
        List<Map<String, Object>> messages = request.messages();
        int searchFrom = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!"assistant".equals(messages.get(i).get("role"))) {
                continue;
            }
            String prompt = render(new ChatRequest(messages.subList(0, i), request.tools(), true,
                    request.enableThinking(), request.extraVariables()));
            int start = Math.max(searchFrom, commonPrefixLength(prompt, text));
            int end = text.length();
            if (endOfTurn != null) {
                int at = text.indexOf(endOfTurn, start);
                end = at < 0 ? text.length() : at + endOfTurn.length();
            } else if (i + 1 < messages.size()) {
                String through = render(new ChatRequest(messages.subList(0, i + 1), request.tools(), false,
                        request.enableThinking(), request.extraVariables()));
                end = Math.max(start, commonPrefixLength(through, text));
            }
            spans.add(new int[] {start, end});
            searchFrom = end;
        }
        return spans;
    }

    /** The added token the template writes right after an assistant message (Qwen's {@code <|im_end|>}, Llama 3's
     * {@code <|eot_id|>}), or null when it writes none. */
    public String endOfTurnToken(Tokenizer tokenizer) {
        String reply = "Reason4jProbeReply";
        List<Map<String, Object>> probe = List.of(Map.of("role", "user", "content", "Reason4jProbeQuestion"),
                Map.of("role", "assistant", "content", reply));
        String rendered = render(new ChatRequest(probe, null, false, null, Map.of()));
        int after = rendered.lastIndexOf(reply);
        if (after < 0) {
            return null;
        }
        after += reply.length();
        String best = null;
        for (AddedToken token : tokenizer.addedTokens()) {
            if (rendered.startsWith(token.content(), after) && (best == null || token.content().length() > best.length())) {
                best = token.content();
            }
        }
        return best;
    }

    private static int commonPrefixLength(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** HF's {@code {% generation %}...{% endgeneration %}}: marks what the assistant writes. */
    static final class GenerationTag implements com.hubspot.jinjava.lib.tag.Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(com.hubspot.jinjava.tree.TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder().append(GENERATION_START);
            for (com.hubspot.jinjava.tree.Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.append(GENERATION_END).toString();
        }
    }

    /** The {@code raise_exception(message)} global: templates call it to reject a conversation. */
    public static String raiseException(String message) {
        throw new RaisedException(message);
    }

    /** What {@code raise_exception} throws; {@link #render} reports its message. */
    private static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    /** The {@code strftime_now(format)} global: the current local time in a Python {@code strftime} format. */
    public static String strftimeNow(String format) {
        return Strftime.format(ZonedDateTime.now(), format);
    }

    /** HF's {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent, sort_keys=sort_keys)}. */
    static final class ToJsonFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            return PythonJson.dumps(value, indent == null ? null : ((Number) indent).intValue(), sortKeys);
        }
    }

    /** jinja2's {@code trim}: Python's {@code str.strip(chars)} (Jinjava's trims only chars up to U+0020). */
    static final class TrimFilter implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = kwargs.containsKey("chars") ? kwargs.get("chars") : args.length > 0 ? args[0] : null;
            return PythonStringMethods.strip(value == null ? "" : value.toString(), chars == null ? null : chars.toString());
        }
    }

    /**
     * One call of {@code apply_chat_template}.
     *
     * @param messages            each a map with {@code role}, {@code content} and optionally {@code tool_calls},
     *                            {@code reasoning_content}, {@code name}...
     * @param tools               tool (function) schemas, or null
     * @param enableThinking      passed as {@code enable_thinking} when not null (Qwen3)
     * @param extraVariables      any further template variables
     */
    public record ChatRequest(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                              boolean addGenerationPrompt, Boolean enableThinking, Map<String, Object> extraVariables) {
        public ChatRequest {
            extraVariables = extraVariables == null ? Map.of() : extraVariables;
        }

        public static ChatRequest of(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
            return new ChatRequest(messages, null, addGenerationPrompt, null, Map.of());
        }
    }
}
