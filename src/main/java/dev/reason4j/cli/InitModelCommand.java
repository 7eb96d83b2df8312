package dev.reason4j.cli;

import dev.reason4j.model.ModelConfig;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;

import java.nio.file.Path;

/** {@code ./reason4j init-model}: a randomly initialised model directory from a config.json. */
final class InitModelCommand implements Command {
    @Override
    public String name() {
        return "init-model";
    }

    @Override
    public String summary() {
        return "write a randomly initialised model (HF layout) from a config.json";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j init-model --config config.json --out DIR [--seed 0] [--dtype f32|bf16]

                Initialises every weight like HF (normal(0, initializer_range), norms = 1, biases = 0) and writes
                DIR/config.json and DIR/model.safetensors (sharded above 5 GB), loadable by transformers.
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        ModelConfig config = ModelConfig.fromJson(Path.of(args.require("config")));
        Path out = Path.of(args.require("out"));
        long seed = args.integer("seed", 0);
        String dtype = args.string("dtype", "f32");
        args.rejectUnknown();
        if (!dtype.equals("bf16") && !dtype.equals("f32")) {
            throw new IllegalArgumentException("--dtype must be bf16 or f32, got '" + dtype + "'");
        }
        Transformer model = Transformer.create(config, seed, dtype.equals("bf16") ? Precision.BF16 : Precision.FP32);
        model.save(out);
        System.err.printf("reason4j init-model: %d parameters written to %s%n", model.parameterCount(), out);
        return 0;
    }
}
