package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ids and decoded text equal the Rust {@code tokenizers} library's on the real Qwen3 and Llama 3 files. */
class TokenizerParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void encodeMatchesReferenceOnCorpusAndFuzz(String name) {
        Tokenizer ours = TokenizerFixtures.ours(name);
        HuggingFaceTokenizer reference = TokenizerFixtures.reference(name);
        List<String> texts = new ArrayList<>(TokenizerFixtures.corpus());
        texts.addAll(TokenizerFixtures.fuzz(7, 1500));
        for (String text : texts) {
            for (boolean addSpecial : new boolean[] {false, true}) {
                assertArrayEquals(TokenizerFixtures.referenceIds(reference, text, addSpecial), ours.encode(text, addSpecial),
                        () -> name + " addSpecial=" + addSpecial + " text=" + escape(text));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void decodeMatchesReference(String name) {
        Tokenizer ours = TokenizerFixtures.ours(name);
        HuggingFaceTokenizer reference = TokenizerFixtures.reference(name);
        List<int[]> sequences = new ArrayList<>();
        for (String text : TokenizerFixtures.corpus()) {
            sequences.add(ours.encode(text));
        }
        // Random ids split multi-byte characters anywhere and mix in added tokens: lossy UTF-8 must agree too.
        Random random = new Random(11);
        int vocab = ours.vocabSize();
        for (int i = 0; i < 300; i++) {
            int[] ids = new int[1 + random.nextInt(12)];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = random.nextInt(4) == 0 ? vocab - 1 - random.nextInt(30) : random.nextInt(vocab);
            }
            sequences.add(ids);
        }
        for (int[] ids : sequences) {
            for (boolean skip : new boolean[] {false, true}) {
                assertEquals(reference.decode(TokenizerFixtures.toLongs(ids), skip), ours.decode(ids, skip),
                        () -> name + " skip=" + skip + " ids=" + java.util.Arrays.toString(ids));
            }
        }
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                out.appendCodePoint(cp);
            } else {
                out.append(String.format("\\u{%X}", cp));
            }
        });
        return out.append('"').toString();
    }
}
