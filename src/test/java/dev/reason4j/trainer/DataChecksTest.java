package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's dataset is checked when it loads, against what the reward needs; evaluation never uses another task. */
class DataChecksTest {
    @TempDir
    static Path temp;
    static Tokenizer tokenizer;
    static PromptFormatter formatter;

    @BeforeAll
    static void tokenizer() throws Exception {
        tokenizer = SftRunTest.tokenizer(temp.resolve("tokenizer"));
        formatter = Setup.chatFormatter(tokenizer);
    }

    private static Path file(String name, String text) throws Exception {
        return Files.writeString(temp.resolve(name), text);
    }

    private static Config config(String... overrides) {
        return Config.defaults().override(List.of(overrides));
    }

    private static List<Example> load(Config config, Path file) {
        return Setup.withinPromptLength(config, List.of(file.toString()), tokenizer, formatter);
    }

    /** What {@code action} printed on stderr (the announcements a run makes at start). */
    private static String stderrOf(Callable<?> action) throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            action.call();
        } finally {
            System.setErr(saved);
        }
        return captured.toString();
    }

    @Test
    void aRecordWithoutDataSourceIsAnErrorNamingFileAndLine() throws Exception {
        Path data = file("no_source.jsonl", """
                {"prompt": "What is 1 + 1?", "answer": "2", "data_source": "math"}
                {"prompt": "What is 2 + 2?", "answer": "4"}
                """);
        assertEquals(data + ":2: no \"data_source\" (it picks the reward function); add one, or set"
                        + " reward.default=NAME (known: " + dev.reason4j.reward.RewardFunctions.names() + ")",
                assertThrows(IllegalArgumentException.class, () -> load(config(), data)).getMessage());
    }

    @Test
    void rewardDefaultScoresRecordsWithoutDataSourceAndTheRunSaysSo() throws Exception {
        Path data = file("defaulted.jsonl", """
                {"prompt": "What is 1 + 1?", "answer": "2"}
                {"prompt": "What is 2 + 2?", "answer": "4", "data_source": "gsm8k"}
                """);
        List<List<Example>> loaded = new java.util.ArrayList<>();
        String stderr = stderrOf(() -> loaded.add(load(config("reward.default=math"), data)));
        assertEquals(List.of("math", "gsm8k"), loaded.getFirst().stream().map(Example::dataSource).toList());
        assertEquals("reason4j: records of [" + data + "] without data_source are scored by reward.default=math\n",
                stderr);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(config("reward.default=nonsense"), data))
                .getMessage().startsWith("no reward function for data_source 'nonsense'"));
    }

    @Test
    void aRecordWithoutTheAnswerItsRewardChecksIsAnError() throws Exception {
        Path data = file("no_answer.jsonl", """
                {"prompt": "What is 1 + 1?", "answer": "2", "data_source": "math"}

                {"prompt": "What is 2 + 2?", "data_source": "math"}
                """);
        assertEquals(data + ":3: no \"answer\" (or \"ground_truth\"), which the reward of data_source 'math' checks"
                + " responses against", assertThrows(IllegalArgumentException.class,
                () -> load(config(), data)).getMessage());
        // A reward that reads no answer (format only) does not need one.
        assertEquals(2, load(config("reward.functions={format: 1.0}"), data).size());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(config("reward.functions={math: 1.0}"),
                data)).getMessage().startsWith(data + ":3: no \"answer\""));
    }

    @Test
    void aDataSourceNoRewardAnswersToIsAnError() throws Exception {
        Path data = file("unknown_source.jsonl", """
                {"prompt": "What is 1 + 1?", "answer": "2", "data_source": "my_homework"}
                """);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(config(), data)).getMessage()
                .startsWith(data + ":1: no reward function for data_source 'my_homework'"));
    }

    @Test
    void withoutValFilesTheHeldOutSetIsSplitFromTheUsersData() throws Exception {
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            records.append("{\"prompt\": \"What is ").append(i).append(" + 1?\", \"answer\": \"").append(i + 1)
                    .append("\", \"data_source\": \"math\"}\n");
        }
        Path data = file("train.jsonl", records.toString());
        Config config = config("data.train_files=[" + data + "]", "data.val_size=200");
        Setup.RunData[] split = new Setup.RunData[1];
        String stderr = stderrOf(() -> split[0] = Setup.data(config, Setup.task(config), tokenizer, formatter));
        assertEquals("reason4j: no data.val_files: evaluating on 4 records held out of [" + data + "] (data.val_size,"
                + " at most a tenth); training on the other 36\n", stderr);
        List<Example> heldOut = split[0].heldOut();
        assertEquals(4, heldOut.size());
        assertTrue(heldOut.stream().allMatch(example -> example.prompt().startsWith("What is ")
                && "math".equals(example.dataSource())), "held out of the user's records, not a built-in task");
        List<Example> train = split[0].train().next(36);
        assertTrue(train.stream().noneMatch(heldOut::contains), "held-out records are not trained on");

        Path few = file("few.jsonl", records.substring(0, records.indexOf("{\"prompt\": \"What is 5 ")));
        Config fewConfig = config("data.train_files=[" + few + "]");
        Setup.RunData[] none = new Setup.RunData[1];
        stderr = stderrOf(() -> none[0] = Setup.data(fewConfig, Setup.task(fewConfig), tokenizer, formatter));
        assertEquals(List.of(), none[0].heldOut());
        assertTrue(stderr.startsWith("reason4j: warning: no data.val_files and too few records"), stderr);
    }

    @Test
    void passAtKForMoreThanNSamplesIsRefused() {
        Config config = config("trainer.eval.n=1", "trainer.eval.k=[1, 8]");
        RolloutWorker worker = new SingleTurnWorker(tokenizer, formatter, null);
        assertEquals("trainer.eval.k has 8 > trainer.eval.n=1: pass@8 needs at least 8 samples per problem; raise"
                + " trainer.eval.n or drop 8 from trainer.eval.k",
                assertThrows(IllegalArgumentException.class, () -> Setup.evaluator(config, worker)).getMessage());
    }
}
