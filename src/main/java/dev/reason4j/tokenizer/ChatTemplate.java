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
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUsePyishObjectMapper(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .build())
                .build();
        this.jinjava = JinjaSyntax.newJinjava(config);
        jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
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
