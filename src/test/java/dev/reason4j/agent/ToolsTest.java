package dev.reason4j.agent;

import dev.reason4j.config.Options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolsTest {
    @Test
    void builtInsAreRegistered() {
        assertTrue(Tools.names().containsAll(List.of("calculator", "python", "search")), Tools.names().toString());
        assertEquals("calculator", Tools.create("calculator", null).name());
    }

    @Test
    void anUnknownToolSuggestsTheNearestName() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Tools.create("calculater", Map.of()));
        assertTrue(error.getMessage().startsWith("unknown tool 'calculater' — did you mean calculator? (registered: "),
                error.getMessage());
    }

    @Test
    void aUserToolInAFewLines() throws Exception {
        // As in Tool's and docs/agent.md's example.
        Tools.register("reverse", options -> {
            new Options("tool reverse", options).finish();
            return Tool.of("reverse", "Reverses a string.", Map.of("type", "object",
                            "properties", Map.of("text", Map.of("type", "string")), "required", List.of("text")),
                    arguments -> new StringBuilder(Tool.string(arguments, "text")).reverse().toString());
        });
        try {
            Tool reverse = Tools.create("reverse", Map.of());
            assertEquals("olleh", reverse.call(Map.of("text", "hello")));
            assertEquals(Map.of("type", "function", "function", Map.of("name", "reverse",
                    "description", "Reverses a string.", "parameters", reverse.parameters())), reverse.schema());
            assertEquals("missing argument 'text'",
                    assertThrows(ToolException.class, () -> reverse.call(Map.of())).getMessage());
            assertEquals("tool reverse: unknown option upper (it takes none)", assertThrows(
                    IllegalArgumentException.class, () -> Tools.create("reverse", Map.of("upper", true))).getMessage());
            assertEquals("tool 'reverse' is already registered", assertThrows(IllegalArgumentException.class,
                    () -> Tools.register("reverse", options -> null)).getMessage());
        } finally {
            Tools.unregister("reverse");
        }
    }

    @Test
    void docsListEveryOptionOfEveryBuiltIn() throws Exception {
        List<String> table = Files.readAllLines(Path.of("docs/agent.md"));
        for (String name : List.of("python", "search")) {
            String row = table.stream().filter(line -> line.startsWith("| `" + name + "` |")).findFirst().orElseThrow();
            // The options a tool reads are the ones its unknown-option error lists.
            String message = assertThrows(IllegalArgumentException.class,
                    () -> Tools.create(name, Map.of("documents", "unused", "no_such_option", 1))).getMessage();
            String options = message.substring(message.indexOf("(options: ") + 10, message.length() - 1);
            for (String option : options.split(", ")) {
                assertTrue(row.contains("`" + option + "`"), name + " option " + option + " missing in " + row);
            }
        }
        String calculator = table.stream().filter(line -> line.startsWith("| `calculator` |")).findFirst().orElseThrow();
        assertTrue(calculator.endsWith("| none |"), calculator);
    }

    @Test
    void optionTypesAndRangesAreChecked() {
        Options options = new Options("tool t", Map.of("n", "five", "flag", 1, "big", 99));
        assertEquals("tool t: option n expects an integer, got five",
                assertThrows(IllegalArgumentException.class, () -> options.integer("n", 1, 0, 10)).getMessage());
        assertEquals("tool t: option flag expects true or false, got 1",
                assertThrows(IllegalArgumentException.class, () -> options.bool("flag", false)).getMessage());
        assertEquals("tool t: option big must be in [0, 10], got 99",
                assertThrows(IllegalArgumentException.class, () -> options.integer("big", 1, 0, 10)).getMessage());
        assertEquals(7, new Options("tool t", Map.of()).integer("n", 7, 0, 10));
    }
}
