package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.tokenizer.ChatTemplate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolCallFormatTest {
    private static final ToolCallFormat HERMES = new HermesToolCalls(List.of("<|im_end|>", "<|endoftext|>"));
    private static final ToolCallFormat LLAMA = new Llama3ToolCalls(List.of("<|eot_id|>", "<|eom_id|>"));

    private static ToolCall call(String name, Object... keysAndValues) {
        Map<String, Object> arguments = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            arguments.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return new ToolCall(name, arguments);
    }

    @Test
    void hermesReadsOneCallAndTheContentAroundIt() {
        ParsedTurn turn = HERMES.parse("<think>\nI need 2**100.\n</think>\n\nLet me compute.\n<tool_call>\n"
                + "{\"name\": \"python\", \"arguments\": {\"code\": \"print(2**100)\"}}\n</tool_call><|im_end|>");
        assertEquals(List.of(call("python", "code", "print(2**100)")), turn.calls());
        assertEquals(List.of(), turn.malformed());
        assertEquals("<think>\nI need 2**100.\n</think>\n\nLet me compute.", turn.content());
        assertTrue(turn.hasCalls());
    }

    @Test
    void hermesWithoutCallsIsContentWithoutTheEndToken() {
        ParsedTurn turn = HERMES.parse("The answer is 42.<|im_end|>");
        assertEquals("The answer is 42.", turn.content());
        assertFalse(turn.hasCalls());
        assertEquals("The answer is <|im_end|> here", HERMES.parse("The answer is <|im_end|> here").content());
    }

    @Test
    void hermesReadsSeveralCallsInOrderAndKeepsArgumentOrderAndNulls() {
        ParsedTurn turn = HERMES.parse("<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1+1\"}}"
                + "\n</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"q\", \"k\": 2,"
                + " \"filter\": null}}\n</tool_call>");
        assertEquals(List.of(call("calculator", "expression", "1+1"), call("search", "query", "q", "k", 2, "filter", null)),
                turn.calls());
        assertEquals(List.of("query", "k", "filter"), new ArrayList<>(turn.calls().get(1).arguments().keySet()));
        assertEquals("", turn.content());
    }

    @Test
    void hermesAcceptsArgumentsWrittenAsAJsonString() {
        ParsedTurn turn = HERMES.parse("<tool_call>{\"name\": \"python\", \"arguments\": \"{\\\"code\\\": \\\"x=1\\\"}\"}"
                + "</tool_call>");
        assertEquals(List.of(call("python", "code", "x=1")), turn.calls());
        assertEquals(List.of(), turn.malformed());
    }

    @Test
    void hermesReportsEachMalformedCallOnOneLineAndKeepsTheGoodOnes() {
        ParsedTurn turn = HERMES.parse(String.join("\n",
                "<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": }</tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call>",
                "<tool_call>{\"name\": \"python\", \"arguments\": [1, 2]}</tool_call>",
                "<tool_call>{\"name\": \"python\", \"arguments\": \"print(1)\"}</tool_call>",
                "<tool_call>[\"python\"]</tool_call>",
                "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2*3\"}}</tool_call>",
                "<tool_call>{\"name\": \"python\", \"arguments\": {\"code\": \"print("));
        assertEquals(List.of(call("calculator", "expression", "2*3")), turn.calls());
        assertEquals(6, turn.malformed().size(), turn.malformed().toString());
        assertTrue(turn.malformed().get(0).startsWith("tool call 1: not valid JSON ("), turn.malformed().get(0));
        assertEquals("tool call 2: no \"name\" string", turn.malformed().get(1));
        assertEquals("tool call 3: \"arguments\" must be a JSON object, got [1,2]", turn.malformed().get(2));
        assertEquals("tool call 4: \"arguments\" is a string that is not a JSON object", turn.malformed().get(3));
        assertEquals("tool call 5: expected a JSON object {\"name\": …, \"arguments\": {…}}", turn.malformed().get(4));
        assertEquals("tool call 7: <tool_call> is not closed by </tool_call> (cut off?)", turn.malformed().get(5));
        for (String line : turn.malformed()) {
            assertFalse(line.contains("\n"), line);
        }
        assertTrue(turn.hasCalls());
    }

    @Test
    void hermesCallWithoutArgumentsHasNone() {
        assertEquals(List.of(call("now")), HERMES.parse("<tool_call>{\"name\": \"now\"}</tool_call>").calls());
    }

    @Test
    void llamaReadsACallWithParametersOrArgumentsAndThePythonTag() {
        assertEquals(List.of(call("calculator", "expression", "6*7")),
                LLAMA.parse("{\"name\": \"calculator\", \"parameters\": {\"expression\": \"6*7\"}}<|eot_id|>").calls());
        ParsedTurn tagged = LLAMA.parse("<|python_tag|>{\"name\": \"python\", \"arguments\": {\"code\": \"print(1)\"}}"
                + "<|eom_id|>");
        assertEquals(List.of(call("python", "code", "print(1)")), tagged.calls());
        assertEquals("", tagged.content());
    }

    @Test
    void llamaReadsSeveralCallsSeparatedBySemicolons() {
        ParsedTurn turn = LLAMA.parse("{\"name\": \"a\", \"parameters\": {\"x\": {\"nested\": \"}{\"}}}; "
                + "{\"name\": \"b\", \"parameters\": {}};{\"name\": \"c\", \"parameters\": {\"y\": 1}}");
        assertEquals(List.of(call("a", "x", Map.of("nested", "}{")), call("b"), call("c", "y", 1)), turn.calls());
        assertEquals(List.of(), turn.malformed());
    }

    @Test
    void llamaTextThatDoesNotStartWithABraceIsContent() {
        ParsedTurn turn = LLAMA.parse("The result is {\"name\": \"x\"} as JSON.<|eot_id|>");
        assertEquals("The result is {\"name\": \"x\"} as JSON.", turn.content());
        assertFalse(turn.hasCalls());
    }

    @Test
    void llamaReportsMalformedAndCutOffCalls() {
        ParsedTurn turn = LLAMA.parse("{\"name\": \"a\", \"parameters\": 3}; {\"name\": \"b\", \"parameters\": {\"x\": 1}, "
                + "\"arguments\": {}}; {\"name\": \"c\", \"parameters\": {\"code\": \"print(");
        assertEquals(List.of(), turn.calls());
        assertEquals(List.of("tool call 1: \"parameters\" must be a JSON object, got 3",
                "tool call 2: both \"parameters\" and \"arguments\"",
                "tool call 3: the JSON object is not closed (cut off?)"), turn.malformed());
        assertEquals(List.of("tool call 1: <|python_tag|> is not followed by a JSON call {\"name\": …, \"parameters\": {…}}"),
                LLAMA.parse("<|python_tag|>brave_search.call(query=\"x\")").malformed());
    }

    @Test
    void llamaKeepsTextAfterTheLastCallAsContent() {
        ParsedTurn turn = LLAMA.parse("{\"name\": \"a\", \"parameters\": {}} I called a.");
        assertEquals(List.of(call("a")), turn.calls());
        assertEquals("I called a.", turn.content());
    }

    @Test
    void qwen3TemplateIsHermesAndRendersCallsAsJinja2Does() throws Exception {
        ChatTemplate template = TemplateFixtures.template("qwen3");
        ToolCallFormat format = ToolCallFormats.of(template, List.of("<|im_end|>"));
        assertInstanceOf(HermesToolCalls.class, format);
        // The jinja2 reference rendering of an assistant turn with one tool call holds exactly our rendering.
        JsonNode reference = TemplateFixtures.renderedCase("qwen3", "tools_call_and_response", false);
        ToolCall python = call("python", "code", "print(2**100)");
        String expectedTurn = "<|im_start|>assistant\n" + format.render(python) + "<|im_end|>\n";
        assertTrue(reference.get("rendered").asText().contains(expectedTurn), reference.get("rendered").asText());
        assertEquals(List.of(python), format.parse(format.render(python) + "<|im_end|>").calls());
    }

    @Test
    void qwen3RendersTurnsFromAssistantMessagesAsParsed() throws Exception {
        ChatTemplate template = TemplateFixtures.template("qwen3");
        ToolCallFormat format = ToolCallFormats.of(template, List.of("<|im_end|>"));
        List<ToolCall> calls = List.of(call("calculator", "expression", "123456789*987654321"),
                call("search", "query", "Ünïcode \"quotes\"\n", "k", 2, "weights", List.of(0.5, 1.0, true)));
        String text = "Two calls.\n" + format.render(calls.get(0)) + "\n" + format.render(calls.get(1));
        ParsedTurn turn = format.parse(text + "<|im_end|>");
        assertEquals(calls, turn.calls());
        assertEquals("Two calls.", turn.content());
        // The template, given the parsed turn as a message, writes back exactly the text the model wrote.
        List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "Compute."),
                turn.assistantMessage(), Map.of("role", "tool", "content", "121932631112635269"));
        String rendered = template.render(new ChatTemplate.ChatRequest(messages, null, false, null, Map.of()));
        assertTrue(rendered.contains("<|im_start|>assistant\n" + text + "<|im_end|>\n"), rendered);
    }

    @Test
    void assistantMessageHasToolCallsOnlyWhenThereAreSome() {
        ParsedTurn answer = new ParsedTurn("42", List.of(), List.of("tool call 1: no \"name\" string"));
        assertEquals(Map.of("role", "assistant", "content", "42"), answer.assistantMessage());
        ParsedTurn withCall = new ParsedTurn("", List.of(call("python", "code", "1")), List.of());
        Map<String, Object> expected = Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of(
                "type", "function", "function", Map.of("name", "python", "arguments", Map.of("code", "1")))));
        assertEquals(expected, withCall.assistantMessage());
    }

    @Test
    void llama3FixtureTemplateHasNoToolFormat() throws Exception {
        // The fixture is Llama 3.0's template, which renders no tools: picking a format must say so.
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ToolCallFormats.of(TemplateFixtures.template("llama3"), List.of("<|eot_id|>")));
        assertTrue(error.getMessage().startsWith("the chat template has no known tool-call format"), error.getMessage());
    }

    @Test
    void llama31StyleTemplatesAreLlamaJson() {
        for (String marker : List.of("<|python_tag|>", "Environment: ipython", "{{- '\"parameters\": ' }}")) {
            assertInstanceOf(Llama3ToolCalls.class,
                    ToolCallFormats.of(new ChatTemplate("{{ bos_token }}" + marker, Map.of()), List.of()));
        }
    }

    @Test
    void llamaRendersTheDocumentedJsonCall() {
        // Llama 3.1's template: '{"name": "' + name + '", "parameters": ' + arguments | tojson + "}".
        ToolCall search = call("search", "query", "é \"x\"", "k", 3);
        assertEquals("{\"name\": \"search\", \"parameters\": {\"query\": \"é \\\"x\\\"\", \"k\": 3}}", LLAMA.render(search));
        assertEquals(List.of(search), LLAMA.parse(LLAMA.render(search) + "<|eot_id|>").calls());
    }
}
