package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    @Test
    void chunksAreWholeCharactersAndConcatenateToDecode() {
        Tokenizer tokenizer = TokenizerFixtures.ours("qwen3");
        List<int[]> sequences = new ArrayList<>();
        for (String text : TokenizerFixtures.corpus()) {
            sequences.add(tokenizer.encode(text));
        }
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) { // arbitrary ids: broken UTF-8 must come out as decode() has it
            int[] ids = new int[1 + random.nextInt(10)];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = random.nextInt(tokenizer.vocabSize());
            }
            sequences.add(ids);
        }
        for (int[] ids : sequences) {
            for (boolean skip : new boolean[] {false, true}) {
                StreamingDecoder decoder = tokenizer.streamingDecoder(skip);
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    String chunk = decoder.add(id);
                    assertFalse(!chunk.isEmpty() && Character.isHighSurrogate(chunk.charAt(chunk.length() - 1)), chunk);
                    streamed.append(chunk);
                }
                streamed.append(decoder.finish());
                assertEquals(tokenizer.decode(ids, skip), streamed.toString(), () -> java.util.Arrays.toString(ids));
            }
        }
    }

    @Test
    void holdsBackAnEmojiUntilItsLastByte() {
        Tokenizer tokenizer = TokenizerFixtures.ours("qwen3");
        int[] ids = tokenizer.encode("🤗!"); // the emoji's four bytes span several byte-level tokens
        StreamingDecoder decoder = tokenizer.streamingDecoder(false);
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.add(id));
        }
        assertEquals("🤗!", String.join("", chunks));
        for (String chunk : chunks) {
            assertFalse(chunk.contains("\uFFFD"), chunk);
        }
    }
}
