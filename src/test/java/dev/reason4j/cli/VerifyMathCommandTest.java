package dev.reason4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.io.JsonLinesReader;
import dev.reason4j.reward.math.MathVerifier;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class VerifyMathCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonLinesReader stdin(String text) {
        return JsonLinesReader.stdin(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void writesOneResultPerLineInOrderWithErrorsNamingTheLine() throws Exception {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 1_100; i++) {   // more than one batch
            input.append("{\"gold\": ").append(i).append(", \"pred\": \"\\\\boxed{").append(i % 3 == 0 ? i : i + 1)
                    .append("}\"}\n");
        }
        input.append("{\"gold\": \"1\"\n");
        input.append("{\"gold\": \"1\", \"pred\": [1]}\n");
        StringWriter output = new StringWriter();
        int code = VerifyMathCommand.verifyLines(new MathVerifier(), 3, stdin(input.toString()), output, false);
        String[] lines = output.toString().split("\n");
        assertEquals(1_102, lines.length);
        for (int i = 0; i < 1_100; i++) {
            JsonNode result = JSON.readTree(lines[i]);
            assertEquals(i % 3 == 0, result.get("correct").asBoolean(), "line " + (i + 1));
            assertEquals(Integer.toString(i), result.get("gold_parsed").asText());
        }
        JsonNode badJson = JSON.readTree(lines[1_100]);
        assertEquals(1_101, badJson.get("line").asInt());
        assertTrue(badJson.get("error").asText().startsWith("line 1101: invalid JSON ("), badJson.toString());
        JsonNode badField = JSON.readTree(lines[1_101]);
        assertEquals(1_102, badField.get("line").asInt());
        assertEquals("line 1102: field \"pred\" must be a string or a number", badField.get("error").asText());
        assertEquals(1, code);
    }

    @Test
    void verdictsSayHowTheAnswerWasFoundAndWhyAndExplainPrintsThat() throws Exception {
        String input = "{\"gold\": \"5, 3\", \"pred\": \"So \\\\boxed{3} and \\\\boxed{5}.\"}\n"
                + "{\"gold\": \"7\", \"pred\": \"I think it is seven or so\"}\n";
        StringWriter json = new StringWriter();
        VerifyMathCommand.verifyLines(new MathVerifier(), 1, stdin(input), json, false);
        JsonNode first = JSON.readTree(json.toString().split("\n")[0]);
        assertTrue(first.get("correct").asBoolean());
        assertEquals("boxed (several)", first.get("extraction").asText());
        assertEquals("answers match (2 items, any order)", first.get("reason").asText());

        StringWriter explained = new StringWriter();
        VerifyMathCommand.verifyLines(new MathVerifier(), 1, stdin(input), explained, true);
        assertEquals("""
                line 1: correct
                  gold:    5, 3
                  answer:  3, 5   [boxed (several)]
                  because: answers match (2 items, any order)

                line 2: wrong
                  gold:    7
                  answer:  (no answer)   [none]
                  because: no answer found in the response

                """, explained.toString());
    }

    @Test
    void benchmarkChecksAreJudgedAsIntended() {
        MathVerifier verifier = new MathVerifier();
        for (VerifyMathCommand.BenchCheck check : VerifyMathCommand.benchmarkChecks(200)) {
            assertEquals(check.expected(), verifier.verify(check.gold(), check.response()).correct(),
                    check.gold() + " vs " + check.response());
        }
    }
}
