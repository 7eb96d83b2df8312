package dev.reason4j.cli;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./reason4j score}: log-probs and entropies of given responses, by the training forward. Reference
 * log-probs, offline data, debugging, and the outside check of the bitwise claim: for a completion of
 * {@code generate}, it prints the same floats, bit for bit (as shortest decimal text that reads back exactly).
 */
final class ScoreCommand implements Command {
    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "log-probs and entropy of {\"prompt_ids\", \"response_ids\"} lines by the training forward";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j score --model DIR [--dtype bf16|f32] [--temperature 1]

                Reads JSON lines {"prompt_ids": [...], "response_ids": [...]} on stdin and writes one JSON line per
                input line, in order: {"logprobs": [...], "entropy": [...]}, one value per response token: its
                log-prob and the entropy of the distribution it was drawn from, softmax(logits / temperature),
                computed by the training forward. The numbers are the shortest decimals that read back as the
                exact float32, and they equal generate's logprobs bit for bit for the same model, --dtype and
                temperature (generate reports greedy samples, temperature 0, at temperature 1).
                --dtype bf16 (default, as generate's) holds weights in bfloat16. A bad line is answered with
                {"error": "line N: ..."} (also on stderr) and the exit code is 1; the other lines go on.""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path modelDir = Path.of(args.require("model"));
        String dtype = args.string("dtype", "bf16");
        if (!dtype.equals("bf16") && !dtype.equals("f32")) {
            throw new IllegalArgumentException("--dtype must be bf16 or f32, got '" + dtype + "'");
        }
        double temperature = args.number("temperature", 1);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a positive number, got " + temperature);
        }
        args.rejectUnknown();
        Transformer model = Transformer.load(modelDir, dtype.equals("bf16") ? Precision.BF16 : Precision.FP32);
        return score(model, (float) temperature, System.in, System.out, System.err);
    }

    static int score(Transformer model, float temperature, java.io.InputStream in, java.io.OutputStream out,
                     java.io.PrintStream err) throws java.io.IOException {
        ForwardOptions options = ForwardOptions.inference().withTemperature(temperature).withEntropy(true);
        int vocab = model.config().vocabSize();
        int context = model.config().maxPositionEmbeddings();
        return JsonLinesFilter.run(in, out, err, input -> {
            int[] prompt = JsonLinesFilter.tokenIds(input, "prompt_ids", vocab);
            int[] response = JsonLinesFilter.tokenIds(input, "response_ids", vocab);
            if (prompt.length == 0) {
                throw new IllegalArgumentException("\"prompt_ids\" is empty: the first response token needs a prompt");
            }
            if (prompt.length + response.length > context) {
                throw new IllegalArgumentException(prompt.length + " prompt + " + response.length
                        + " response tokens exceed the model's max_position_embeddings " + context);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            if (response.length == 0) {
                result.put("logprobs", new float[0]);
                result.put("entropy", new float[0]);
                return result;
            }
            int[] sequence = Arrays.copyOf(prompt, prompt.length + response.length);
            System.arraycopy(response, 0, sequence, prompt.length, response.length);
            ForwardResult forward = model.forward(List.of(sequence), options);
            int from = prompt.length - 1;
            result.put("logprobs", Arrays.copyOfRange(forward.logProbs[0], from, from + response.length));
            result.put("entropy", Arrays.copyOfRange(forward.entropy[0], from, from + response.length));
            return result;
        });
    }
}
