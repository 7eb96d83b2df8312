package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The jinja2 (Python) behaviours HF chat templates rely on, where Jinjava alone differs. */
class JinjaCompatibilityTest {
    private static final List<Map<String, Object>> MESSAGES = List.of(
            Map.of("role", "user", "content", "  \nq\n\n"), Map.of("role", "assistant", "content", "a</think>b"));

    private static String render(String source) {
        return new ChatTemplate(source, Map.of("eos_token", "<eos>")).render(ChatTemplate.ChatRequest.of(MESSAGES, false));
    }

    @Test
    void pythonStringMethods() {
        assertEquals("[  \nq]", render("[{{ messages[0].content.strip('\\n') }}]")); // only the given chars
        assertEquals("[q]", render("[{{ messages[0].content.strip() }}]"));
        assertEquals("b|a", render("{{ messages[1].content.split('</think>')[-1] }}|{{ messages[1].content.split('</think>')[0] }}"));
        assertEquals("['x', 'y']", render("{{ ' x  y '.split() }}"));
        assertEquals("yes", render("{% if messages[1].content.startswith(('z', 'a')) %}yes{% endif %}"));
        assertEquals("a-b", render("{{ '-'.join(['a', 'b']) }}"));
    }

    @Test
    void slicesAndKeywordArgumentsAsPython() {
        assertEquals("assistant,user,", render("{% for m in messages[::-1] %}{{ m.role }},{% endfor %}"));
        assertEquals("cba|bc|ac|ab", render("{{ 'abc'[::-1] }}|{{ 'abc'[1:] }}|{{ 'abc'[::2] }}|{{ 'abc'[:-1] }}"));
        assertEquals("1", render("{% set ns = namespace(last=messages|length - 1) %}{{ ns.last }}"));
    }

    @Test
    void tojsonIsPythonJsonDumps() {
        assertEquals("{\"a\": [1, 2.5, 1.0, 1e-05, \"é\\n\", null, true]}",
                render("{{ {'a': [1, 2.5, 1.0, 0.00001, 'é\\n', none, true]} | tojson }}"));
        assertEquals("{\n  \"k\": [\n    1\n  ]\n}", render("{{ {'k': [1]} | tojson(indent=2) }}"));
    }

    @Test
    void trimIsPythonStripAndMessageTextIsNeverRendered() {
        assertEquals("[x]", render("[{{ '\u3000x\u00a0\\n' | trim }}]"));
        List<Map<String, Object>> injected = List.of(Map.of("role", "user", "content", "{{ eos_token }} {% if %}"));
        assertEquals("{{ eos_token }} {% if %}", new ChatTemplate("{{ messages[0].content }}", Map.of("eos_token", "<eos>"))
                .render(ChatTemplate.ChatRequest.of(injected, false)));
    }

    @Test
    void loopControlsGlobalsAndSpecialTokens() {
        assertEquals("13", render("{% for i in [1, 2, 3, 4] %}{% if i == 2 %}{% continue %}{% endif %}"
                + "{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}"));
        assertEquals("<eos>", render("{{ eos_token }}"));
        assertTrue(render("{{ strftime_now('%d %b %Y') }}").matches("\\d\\d [A-Z][a-z]{2} \\d{4}"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> render("{% if messages[0].role != 'system' %}{{ raise_exception('System message required') }}{% endif %}"));
        assertTrue(error.getMessage().endsWith("System message required"), error.getMessage());
    }
}
