package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-coded pre-tokenizers cut text exactly where {@link java.util.regex} cuts it with the original pattern. */
class FastPreTokenizerTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen", "llama3", "gpt2"})
    void matchesTheRegexOnCorpusAndFuzz(String which) {
        String pattern = switch (which) {
            case "qwen" -> FastPreTokenizer.QWEN_PATTERN;
            case "llama3" -> FastPreTokenizer.LLAMA3_PATTERN;
            default -> PreTokenizer.GPT2_PATTERN;
        };
        PreTokenizer.Splitter fast = FastPreTokenizer.forPattern(pattern);
        assertNotNull(fast);
        PreTokenizer.Splitter regex = PreTokenizer.Splitter.javaRegex(pattern);
        List<String> texts = new ArrayList<>(TokenizerFixtures.corpus());
        texts.addAll(TokenizerFixtures.fuzz(5, 5000));
        for (String text : texts) {
            assertArrayEquals(cuts(regex, text), cuts(fast, text), () -> which + " " + TokenizerParityTest.escape(text));
        }
    }

    private static int[] cuts(PreTokenizer.Splitter splitter, String text) {
        PreTokenizer.IntPairs matches = new PreTokenizer.IntPairs();
        splitter.findMatches(text, matches);
        return Arrays.copyOf(matches.values, 2 * matches.size);
    }
}
