package dev.reason4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline options the fixture files do not exercise (TemplateProcessing, GPT-2's ByteLevel with prefix space and
 * regex, Digits, literal splits and every Split behaviour, lstrip/rstrip/single_word/normalized added tokens), each
 * checked against the Rust library on a small trained vocabulary.
 */
class PipelineVariantsParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ObjectNode base;
    private static List<String> texts;

    @TempDir
    static Path dir;

    @BeforeAll
    static void trainBase() {
        texts = new ArrayList<>(TokenizerFixtures.corpus());
        texts.addAll(TokenizerFixtures.fuzz(13, 400));
        texts.add("Hello hello HELLO World world, [MASK] x[MASK]y  [MASK]  foo_bar bar foo bar_ <b> <b>b");
        texts.add("call 123456 and 7 or 89; hello world Hello World HELLO WORLD");
        base = new BpeTrainer(700, 2, List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), null, null).train(texts);
    }

    @Test
    void gpt2StyleByteLevelWithTemplateProcessing() throws Exception {
        check("gpt2", json -> {
            json.set("pre_tokenizer", node("{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}"));
            json.set("post_processor", node("{\"type\":\"TemplateProcessing\","
                    + "\"single\":[{\"SpecialToken\":{\"id\":\"<|im_start|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                    + "{\"SpecialToken\":{\"id\":\"<|im_end|>\",\"type_id\":0}}],"
                    + "\"pair\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],"
                    + "\"special_tokens\":{\"<|im_start|>\":{\"id\":\"<|im_start|>\",\"ids\":[1],\"tokens\":[\"<|im_start|>\"]},"
                    + "\"<|im_end|>\":{\"id\":\"<|im_end|>\",\"ids\":[2],\"tokens\":[\"<|im_end|>\"]}}}"));
        });
    }

    @Test
    void robertaAndSequencePostProcessors() throws Exception {
        check("roberta", json -> json.set("post_processor", node("{\"type\":\"RobertaProcessing\","
                + "\"sep\":[\"<|im_end|>\",2],\"cls\":[\"<|im_start|>\",1],\"trim_offsets\":true,\"add_prefix_space\":false}")));
        check("sequence", json -> json.set("post_processor", node("{\"type\":\"Sequence\",\"processors\":["
                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false},"
                + "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<|endoftext|>\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}],\"special_tokens\":{\"<|endoftext|>\":"
                + "{\"id\":\"<|endoftext|>\",\"ids\":[0],\"tokens\":[\"<|endoftext|>\"]}}}]}")));
    }

    @Test
    void digitsLiteralSplitAndBehaviours() throws Exception {
        for (String behavior : List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous")) {
            for (boolean invert : new boolean[] {false, true}) {
                check("split-" + behavior + "-" + invert, json -> json.set("pre_tokenizer", node(
                        "{\"type\":\"Sequence\",\"pretokenizers\":["
                        + "{\"type\":\"Digits\",\"individual_digits\":" + behavior.equals("Isolated") + "},"
                        + "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"" + behavior + "\",\"invert\":" + invert + "},"
                        + "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[,.;]+\"},\"behavior\":\"" + behavior + "\",\"invert\":false},"
                        + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}]}")));
            }
        }
    }

    @Test
    void addedTokenOptionsAndNormalizers() throws Exception {
        check("added", json -> {
            json.set("normalizer", node("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},{\"type\":\"Lowercase\"}]}"));
            ArrayNode added = (ArrayNode) json.get("added_tokens");
            added.add(node("{\"id\":700,\"content\":\"[MASK]\",\"single_word\":false,\"lstrip\":true,\"rstrip\":true,\"normalized\":false,\"special\":true}"));
            added.add(node("{\"id\":701,\"content\":\"foo\",\"single_word\":true,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":false}"));
            added.add(node("{\"id\":702,\"content\":\"hello world\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":false}"));
            added.add(node("{\"id\":703,\"content\":\"<b>\",\"single_word\":false,\"lstrip\":true,\"rstrip\":false,\"normalized\":false,\"special\":false}"));
            added.add(node("{\"id\":704,\"content\":\"é\",\"single_word\":false,\"lstrip\":false,\"rstrip\":true,\"normalized\":true,\"special\":false}"));
        });
    }

    private void check(String name, Consumer<ObjectNode> change) throws Exception {
        ObjectNode json = base.deepCopy();
        change.accept(json);
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, JSON.writeValueAsString(json));
        Tokenizer ours = Tokenizer.fromFiles(file, TokenizerConfig.EMPTY);
        try (HuggingFaceTokenizer reference = TokenizerFixtures.reference(file)) {
            for (String text : texts) {
                for (boolean addSpecial : new boolean[] {false, true}) {
                    int[] expected = TokenizerFixtures.referenceIds(reference, text, addSpecial);
                    int[] actual = ours.encode(text, addSpecial);
                    assertArrayEquals(expected, actual, () -> name + " addSpecial=" + addSpecial + " " + TokenizerParityTest.escape(text)
                            + " expected " + java.util.Arrays.toString(expected) + " actual " + java.util.Arrays.toString(actual));
                    for (boolean skip : new boolean[] {false, true}) {
                        assertEquals(reference.decode(TokenizerFixtures.toLongs(expected), skip), ours.decode(actual, skip),
                                () -> name + " decode skip=" + skip + " " + TokenizerParityTest.escape(text));
                    }
                }
            }
        }
    }

    private static ObjectNode node(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
