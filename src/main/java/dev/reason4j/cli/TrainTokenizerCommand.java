package dev.reason4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.io.JsonLinesReader;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./reason4j train-tokenizer}: a byte-level BPE vocabulary for a from-scratch model. */
public final class TrainTokenizerCommand implements Command {
    @Override
    public String name() {
        return "train-tokenizer";
    }

    @Override
    public String summary() {
        return "train a byte-level BPE tokenizer (HF tokenizer.json + ChatML config) on a text corpus";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j train-tokenizer --input FILE --output DIR [--vocab-size 1000] [--min-frequency 2]

                Learns byte-level BPE merges from FILE (plain text: one document per line; or .jsonl with
                {"text": ...} per line) and writes DIR/tokenizer.json and DIR/tokenizer_config.json, loadable by
                Hugging Face `tokenizers`/`transformers`. Special tokens <|endoftext|>, <|im_start|>, <|im_end|>,
                <think>, </think> get ids 0-4; eos_token is <|im_end|>; chat_template is ChatML. Training stops early
                when no pair is seen --min-frequency times (every word is then one token).""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path input = Path.of(args.require("input"));
        Path output = Path.of(args.require("output"));
        int vocabSize = args.integer("vocab-size", 1000);
        int minFrequency = args.integer("min-frequency", 2);
        args.rejectUnknown();
        BpeTrainer chatml = BpeTrainer.chatml(vocabSize);
        BpeTrainer trainer = new BpeTrainer(vocabSize, minFrequency, chatml.specialTokens(), chatml.eosToken(),
                chatml.chatTemplate());
        long start = System.nanoTime();
        Tokenizer tokenizer = trainer.trainAndSave(readTexts(input), output);
        System.out.printf("wrote %s/tokenizer.json and tokenizer_config.json: %d tokens in %.1f s%n", output,
                tokenizer.vocabSize(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static List<String> readTexts(Path input) throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException(input + ": no such file");
        }
        if (!input.getFileName().toString().endsWith(".jsonl")) {
            return Files.readAllLines(input, StandardCharsets.UTF_8);
        }
        List<String> texts = new ArrayList<>();
        try (JsonLinesReader reader = JsonLinesReader.open(input)) {
            for (JsonLinesReader.Line line = reader.nextNonBlank(); line != null; line = reader.nextNonBlank()) {
                JsonNode text = line.object().path("text");
                if (!text.isTextual()) {
                    throw line.error("expected {\"text\": \"...\"}");
                }
                texts.add(text.asText());
            }
        }
        return texts;
    }
}
