package dev.reason4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;

/** {@code ./reason4j tokenize}: JSON lines of text to ids, or ids to text with {@code --decode}. */
public final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "encode {\"text\"} lines to {\"ids\"} (or --decode ids to text) with a HF tokenizer";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j tokenize --tokenizer DIR [--add-special-tokens]
                       ./reason4j tokenize --tokenizer DIR --decode [--skip-special-tokens]

                Reads JSON lines on stdin and writes one JSON line per input line, in order, with the same ids as
                Hugging Face `tokenizers` on DIR/tokenizer.json.
                  encode: {"text": "..."}  ->  {"ids": [...]}   special tokens in the text are matched;
                          --add-special-tokens also adds the post-processor's tokens (e.g. Llama's BOS)
                  decode: {"ids": [...]}   ->  {"text": "..."}  --skip-special-tokens leaves out special tokens
                A bad line is answered with {"error": "line N: ..."} (also on stderr) and the exit code is 1;
                the other lines are still processed.""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path dir = Path.of(args.require("tokenizer"));
        boolean decode = args.flag("decode");
        boolean addSpecialTokens = args.flag("add-special-tokens");
        boolean skipSpecialTokens = args.flag("skip-special-tokens");
        args.rejectUnknown();
        if (decode && addSpecialTokens) {
            throw new IllegalArgumentException("--add-special-tokens applies to encoding, not --decode");
        }
        if (!decode && skipSpecialTokens) {
            throw new IllegalArgumentException("--skip-special-tokens applies to --decode only");
        }
        return process(Tokenizer.load(dir), decode, addSpecialTokens, skipSpecialTokens, System.in, System.out, System.err);
    }

    static int process(Tokenizer tokenizer, boolean decode, boolean addSpecialTokens, boolean skipSpecialTokens,
                       java.io.InputStream in, java.io.OutputStream out, java.io.PrintStream err) throws java.io.IOException {
        return JsonLinesFilter.run(in, out, err, input -> decode
                ? Map.of("text", tokenizer.decode(JsonLinesFilter.tokenIds(input, "ids", tokenizer.vocabSize()), skipSpecialTokens))
                : Map.of("ids", tokenizer.encode(text(input), addSpecialTokens)));
    }

    private static String text(JsonNode input) {
        JsonNode text = input.get("text");
        if (text == null || !text.isTextual()) {
            throw new IllegalArgumentException("expected {\"text\": \"...\"}");
        }
        return text.asText();
    }
}
