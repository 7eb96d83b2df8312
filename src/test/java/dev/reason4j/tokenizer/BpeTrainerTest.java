package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    /** Word problems like the demo's: the vocabulary the trainer learns from them. */
    static List<String> arithmeticCorpus(long seed, int count) {
        String[] names = {"Tom", "Ann", "Maria", "Ken", "Lee"};
        String[] things = {"apples", "pencils", "marbles", "books", "cookies"};
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int a = random.nextInt(100);
            int b = random.nextInt(100);
            String name = names[random.nextInt(names.length)];
            String thing = things[random.nextInt(things.length)];
            texts.add("<|im_start|>user\n" + name + " has " + a + " " + thing + " and buys " + b + " more. How many "
                    + thing + " does " + name + " have now?<|im_end|>\n<|im_start|>assistant\n<think>\n" + a + " + " + b
                    + " = " + (a + b) + "\n</think>\n\nThe answer is \\boxed{" + (a + b) + "}.<|im_end|>\n");
        }
        return texts;
    }

    @Test
    void trainedTokenizerLoadsInHuggingFaceAndRoundTrips(@TempDir Path dir) throws Exception {
        List<String> corpus = arithmeticCorpus(1, 3000);
        long start = System.nanoTime();
        Tokenizer ours = BpeTrainer.chatml(800).trainAndSave(corpus, dir);
        System.out.printf("BPE trainer: %d tokens from %d texts in %.2f s%n", ours.vocabSize(), corpus.size(), (System.nanoTime() - start) / 1e9);
        // This narrow corpus runs out of pairs seen twice before 800: every word is then one token.
        assertTrue(ours.vocabSize() > 300 && ours.vocabSize() <= 800, "vocab size " + ours.vocabSize());
        assertEquals(2, ours.eosTokenId().getAsInt());

        HuggingFaceTokenizer reference = TokenizerFixtures.reference(dir.resolve("tokenizer.json"));
        List<String> texts = new ArrayList<>(arithmeticCorpus(2, 200));
        texts.addAll(TokenizerFixtures.corpus()); // unseen scripts and emoji fall back to bytes
        for (String text : texts) {
            int[] ids = ours.encode(text);
            assertArrayEquals(TokenizerFixtures.referenceIds(reference, text, true), ids, () -> "text=" + text);
            assertEquals(java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC), ours.decode(ids));
        }
        // Learnt merges compress the training distribution well below one token per byte.
        String sample = corpus.get(0);
        assertTrue(ours.encode(sample).length * 3 < sample.length(), "poor compression: " + ours.encode(sample).length);
        assertEquals(1, ours.encode("<think>").length);
    }

    @Test
    void stopsAtTheRequestedSizeAndKeepsSpecialIdsFirst() {
        List<String> texts = new ArrayList<>(TokenizerFixtures.corpus());
        texts.addAll(TokenizerFixtures.fuzz(3, 2000));
        BpeTrainer trainer = new BpeTrainer(420, 2, List.of("<|endoftext|>", "<pad>"), "<|endoftext|>", null);
        Tokenizer tokenizer = Tokenizer.fromJson(trainer.train(texts), TokenizerConfig.EMPTY);
        assertEquals(420, tokenizer.vocabSize());
        assertEquals(0, tokenizer.tokenToId("<|endoftext|>").getAsInt());
        assertEquals(1, tokenizer.tokenToId("<pad>").getAsInt());
        for (String text : texts) {
            assertEquals(java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC),
                    tokenizer.decode(tokenizer.encode(text)));
        }
    }
}
