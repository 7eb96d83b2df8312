package dev.reason4j.env;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetsTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        return Path.of(DatasetsTest.class.getResource(name).toURI());
    }

    @Test
    void jsonLinesWithTextPromptsMessagesAndStructuredAnswers() throws Exception {
        Path file = dir.resolve("train.jsonl");
        Files.writeString(file, """
                {"prompt": "What is 47 + 385?", "answer": 432, "data_source": "arithmetic"}

                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}], "answer": "4", "id": 7}
                {"prompt": [{"role": "user", "content": "Make 24"}], "reward_model": {"style": "rule", "ground_truth": {"target": 24, "numbers": [1, 3, 4, 6]}}, "data_source": "countdown"}
                {"prompt": "no answer"}
                """);
        List<Example> examples = Datasets.load(file);
        assertEquals(4, examples.size());
        assertEquals(new Example("What is 47 + 385?", null, "432", "arithmetic", Map.of()), examples.get(0));
        Example chat = examples.get(1);
        assertEquals(List.of(new Message("system", "Be brief."), new Message("user", "2+2?")), chat.messages());
        assertEquals("4", chat.groundTruth());
        assertEquals(Map.of("id", 7), chat.extra());
        assertNull(chat.dataSource());
        Example countdown = examples.get(2);
        assertEquals("{\"target\":24,\"numbers\":[1,3,4,6]}", countdown.groundTruth());
        assertEquals(1.0, new CountdownTask(Map.of()).verify("\\boxed{6/(1-3/4)}", countdown.groundTruth()));
        assertNull(examples.get(3).groundTruth());
    }

    @Test
    void nullFieldsAreAbsentFromExtra() throws Exception {
        Path file = dir.resolve("nulls.jsonl");
        Files.writeString(file, "{\"prompt\": \"p\", \"answer\": null, \"extra_info\": null, \"id\": 1}\n");
        Example example = Datasets.load(file).getFirst();
        assertNull(example.groundTruth());
        assertEquals(Map.of("id", 1), example.extra());
        // so it passes into the reward seam, which copies extra with Map.copyOf
        new dev.reason4j.reward.RewardInput(example.prompt(), "r", example.groundTruth(), example.dataSource(), 1,
                example.extra());
    }

    @Test
    void badJsonLinesNameFileAndLine() throws Exception {
        Path file = dir.resolve("bad.jsonl");
        String good = "{\"prompt\": \"ok\", \"answer\": 1}\n";
        String[][] cases = {
                {"{\"prompt\": \"unclosed\"", "invalid JSON ("},
                {"[1, 2]", "expected a JSON object"},
                {"{\"answer\": 3}", "missing \"prompt\""},
                {"{\"prompt\": 5}", "\"prompt\" must be text or a list of {role, content} messages, got 5"},
                {"{\"prompt\": \"a\", \"messages\": []}", "has both"},
                {"{\"messages\": \"hi\"}", "\"messages\" must be a list"},
                {"{\"messages\": [{\"role\": \"user\"}]}", "\"messages\"[0] must be a message"},
                {"{\"prompt\": []}", "has no messages"},
                {"{\"prompt\": \"a\", \"data_source\": 3}", "\"data_source\" must be text"},
        };
        for (String[] bad : cases) {
            Files.writeString(file, good + "\n" + bad[0] + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.load(file));
            assertTrue(e.getMessage().startsWith(file + ":3: ") && e.getMessage().contains(bad[1]),
                    bad[0] + " -> " + e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Datasets.load(dir.resolve("missing.jsonl")));
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "a,b\n");
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> Datasets.load(csv));
        assertTrue(type.getMessage().contains("unsupported file type"), type.getMessage());
    }

    /** Written by pyarrow in verl's layout (make_parquet_fixtures.py): chat prompts, reward_model.ground_truth. */
    @Test
    void parquetInVerlLayout() throws Exception {
        List<Example> examples = Datasets.load(fixture("gsm8k_verl.parquet"));
        assertEquals(3, examples.size());
        Example first = examples.get(0);
        assertNull(first.prompt());
        assertEquals(List.of(new Message("user",
                "Natalia sold clips to 48 of her friends. How many? Let's think step by step.")), first.messages());
        assertEquals("72", first.groundTruth());
        assertEquals("openai/gsm8k", first.dataSource());
        assertEquals("math", first.extra().get("ability"));
        assertEquals(Map.of("split", "train", "index", 0L), first.extra().get("extra_info"));
        assertEquals(Map.of("style", "rule", "ground_truth", "72"), first.extra().get("reward_model"));
        Example second = examples.get(1);
        assertEquals(new Message("system", "You are a helpful assistant."), second.messages().get(0));
        assertEquals("Weng earns $12 an hour — how much for 50 minutes? ünïcödé", second.messages().get(1).content());
        assertNull(examples.get(2).dataSource());
        assertNull(examples.get(2).groundTruth());
    }

    @Test
    void parquetStructGroundTruthBecomesJsonAndFlatTablesWork() throws Exception {
        List<Example> countdown = Datasets.load(fixture("countdown_verl.parquet"));  // gzip
        assertEquals("{\"target\":22,\"numbers\":[3,8,2]}", countdown.get(0).groundTruth());
        assertEquals(1.0, new CountdownTask(Map.of()).verify("\\boxed{8*3-2}", countdown.get(0).groundTruth()));
        List<Example> flat = Datasets.load(List.of(fixture("flat.parquet"), fixture("flat_zstd.parquet")));
        assertEquals(4, flat.size());
        assertEquals(new Example("What is 47 + 385?", null, "432", "arithmetic", Map.of()), flat.get(0));
        assertEquals(flat.subList(0, 2), flat.subList(2, 4));
    }

    @Test
    void badParquetRecordNamesFileAndRow() throws Exception {
        Path file = fixture("bad_prompt.parquet");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.load(file));
        assertEquals(file + ": row 1: \"prompt\" must be text or a list of {role, content} messages, got 7",
                e.getMessage());
        Path notParquet = dir.resolve("broken.parquet");
        Files.writeString(notParquet, "not a parquet file");
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load(notParquet));
        assertTrue(broken.getMessage().startsWith("dataset " + notParquet + ": cannot read Parquet"),
                broken.getMessage());
    }
}
