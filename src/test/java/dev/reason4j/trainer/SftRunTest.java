package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftRunTest {
    @Test
    void trainsOnlyTheAssistantsTokensAndLowersTheLoss(@TempDir Path temp) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + 1? \\boxed{" + (i + 1) + "}");
        }
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, temp.resolve("tokenizer"));
        Path data = temp.resolve("sft.jsonl");
        Files.writeString(data, """
                {"messages": [{"role": "user", "content": "What is 4 + 1?"}, {"role": "assistant", "content": "\\\\boxed{5}"}]}
                {"prompt": "What is 7 + 1?", "response": "\\\\boxed{8}", "data_source": "arithmetic"}
                """);
        Config config = Config.load(null, List.of("model.tokenizer=" + temp.resolve("tokenizer"),
                "sft.train_files=[" + data + "]", "sft.total_steps=40", "sft.lr_schedule=constant", "sft.batch_size=2",
                "sft.micro_batch_size=1", "sft.lr=1e-2", "sft.warmup_steps=0", "model.tiny.hidden_size=32",
                "model.tiny.num_layers=1", "model.tiny.num_heads=2", "model.tiny.num_kv_heads=1",
                "model.tiny.intermediate_size=64"));
        List<SftTrainer.Sequence> sequences = SftRun.sequences(config, Setup.task(config), tokenizer,
                Setup.chatFormatter(tokenizer));

        assertEquals(List.of("\\boxed{5}<|im_end|>", "\\boxed{8}<|im_end|>"),
                sequences.stream().map(s -> trainedText(tokenizer, s)).toList());

        Transformer model = Setup.policy(config, tokenizer);
        try (MetricsLog log = new MetricsLog(temp.resolve("metrics.jsonl"))) {
            SftRun.train(model, sequences, config, log, new PrintStream(OutputStream.nullOutputStream()));
        }
        List<Map<String, Object>> rows = MetricsLog.read(temp.resolve("metrics.jsonl"));
        double first = ((Number) rows.getFirst().get("sft/loss")).doubleValue();
        double last = ((Number) rows.getLast().get("sft/loss")).doubleValue();
        assertTrue(last < first / 4, "loss " + first + " -> " + last);
    }

    /** The text of the tokens the loss covers (trailing newline of the turn excluded by the template's mask). */
    private static String trainedText(Tokenizer tokenizer, SftTrainer.Sequence sequence) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < sequence.tokens().length; i++) {
            if (sequence.lossMask()[i]) {
                ids.add(sequence.tokens()[i]);
            }
        }
        return tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), false).strip();
    }
}
