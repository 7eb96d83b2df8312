package dev.reason4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchToolTest {
    @TempDir
    static Path directory;
    private static Tool search;

    @BeforeAll
    static void corpus() throws Exception {
        Files.writeString(directory.resolve("cats.md"), "# Cats\nCats are small carnivorous mammals. A cat purrs.\n");
        Files.writeString(directory.resolve("dogs.txt"), "Dogs are loyal animals. The dog barks at strangers.");
        Files.writeString(directory.resolve("planets.txt"), "Jupiter is the largest planet in the solar system.");
        Files.createDirectories(directory.resolve("more"));
        // "barking" twice in a short text beats "barks" once in dogs.txt (BM25: term frequency, length).
        Files.writeString(directory.resolve("more/seals.txt"), "Seals: barking, barking everywhere.");
        Files.writeString(directory.resolve("more/ignored.json"), "{\"text\": \"Jupiter Jupiter Jupiter\"}");
        search = Tools.create("search", Map.of("documents", directory.toString()));
    }

    private static String query(String query) throws Exception {
        return search.call(Map.of("query", query));
    }

    /** The ids of the results, best first. */
    private static List<String> ids(String results) {
        return Arrays.stream(results.split("\n")).filter(line -> line.startsWith("["))
                .map(line -> line.substring(line.lastIndexOf('(') + 1, line.length() - 1)).toList();
    }

    @Test
    void ranksByBm25WithStemming() throws Exception {
        assertEquals("[1] planets (planets.txt)\nJupiter is the largest planet in the solar system.",
                query("largest planets"));
        assertEquals(List.of("cats.md"), ids(query("cat")));
        assertEquals(List.of("more/seals.txt", "dogs.txt"), ids(query("bark")));
        assertEquals("[1] Cats (cats.md)\nCats are small carnivorous mammals. A cat purrs.", query("mammal"));
        assertEquals("no results for \"volcano\"", query("volcano"));
    }

    @Test
    void kLimitsTheResults() throws Exception {
        String all = search.call(Map.of("query", "cat dog jupiter bark", "k", 10));
        assertEquals(4, ids(all).size(), all);
        assertEquals(2, ids(search.call(Map.of("query", "cat dog jupiter bark", "k", 2))).size());
        assertEquals(3, ids(query("cat dog jupiter bark")).size()); // default k
        assertEquals("argument 'k' must be an integer from 1 to 10, got 11",
                assertThrows(ToolException.class, () -> search.call(Map.of("query", "cat", "k", 11))).getMessage());
        assertEquals("argument 'k' must be an integer from 1 to 10, got 1.5",
                assertThrows(ToolException.class, () -> search.call(Map.of("query", "cat", "k", 1.5))).getMessage());
    }

    @Test
    void luceneSyntaxInTheQueryIsText() throws Exception {
        assertEquals(List.of("planets.txt"), ids(query("jupiter AND (planet")));
        assertEquals(List.of("planets.txt"), ids(query("\"jupiter title:[x TO")));
        assertEquals(List.of("cats.md"), ids(query("cat* ~purrs^2 -- ! && ||")));
        assertTrue(assertThrows(ToolException.class, () -> query("AND")).getMessage().startsWith("cannot read the query: "));
        assertEquals("the query is empty", assertThrows(ToolException.class, () -> query(" ")).getMessage());
    }

    @Test
    void readsJsonLinesAndCutsSnippets(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("passages.jsonl");
        Files.writeString(file, """
                {"id": "p1", "title": "Jupiter", "text": "The largest planet, a gas giant with a great red spot."}

                {"text": "Mars is red and small."}
                """);
        Tool tool = Tools.create("search", Map.of("documents", file.toString(), "snippet_chars", 30, "k", 1));
        assertEquals("[1] Jupiter (p1)\nThe largest planet, a gas …", tool.call(Map.of("query", "giant planet")));
        assertEquals("[1] (3)\nMars is red and small.", tool.call(Map.of("query", "mars")));
    }

    @Test
    void badDocumentsAreOneLineErrors(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nowhere");
        assertEquals("tool search: option documents: " + missing + " does not exist", assertThrows(
                IllegalArgumentException.class, () -> Tools.create("search", Map.of("documents", missing.toString())))
                .getMessage());
        assertEquals("tool search: option documents is required: a directory of .txt/.md files, or a JSON-lines"
                + " file with \"text\" fields", assertThrows(IllegalArgumentException.class,
                () -> Tools.create("search", Map.of())).getMessage());
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"text\": \"fine\"}\n{\"title\": \"no text\"}\n");
        assertEquals(file + ":2: no \"text\" string", assertThrows(IllegalArgumentException.class,
                () -> Tools.create("search", Map.of("documents", file.toString()))).getMessage());
        Files.createDirectories(dir.resolve("empty"));
        assertEquals("tool search: option documents: no documents in " + dir.resolve("empty")
                + " (no .txt or .md files)", assertThrows(IllegalArgumentException.class,
                () -> Tools.create("search", Map.of("documents", dir.resolve("empty").toString()))).getMessage());
    }
}
