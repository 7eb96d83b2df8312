package dev.reason4j.server;

import dev.reason4j.agent.ToolCallFormat;
import dev.reason4j.agent.ToolCallFormats;
import dev.reason4j.model.Precision;
import dev.reason4j.model.Transformer;
import dev.reason4j.rollout.Generator;
import dev.reason4j.tokenizer.ChatTemplate;
import dev.reason4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The model a server serves: its weights in one continuous-batching engine, its tokenizer and chat template, and the
 * ids that end a completion. A weight update swaps in a new engine; requests already running finish on the old one.
 */
final class ServedModel {
    final String name;
    final Tokenizer tokenizer;
    /** Null when the tokenizer has no chat template: chat completions are refused, text completions work. */
    final ChatTemplate template;
    /** Null when the template renders no tool calls: requests with tools are refused. */
    final ToolCallFormat toolCalls;
    /** Ids that end a text completion (the model's and tokenizer's eos), and a chat turn (those and end-of-turn). */
    final int[] stopIds;
    final int[] chatStopIds;
    final int contextLength;
    final int vocabSize;
    private final Precision precision;
    private final Generator.Options engineOptions;
    private volatile Engine engine;

    /** The engine now serving and the version of its weights (0: as loaded at start, +1 per update). */
    record Engine(Transformer model, Generator generator, long version, String source) {}

    ServedModel(String name, Transformer model, Tokenizer tokenizer, Precision precision, Generator.Options options,
                String source) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.precision = precision;
        this.engineOptions = options;
        this.contextLength = model.config().maxPositionEmbeddings();
        this.vocabSize = model.config().vocabSize();
        this.template = tokenizer.config().chatTemplate() != null ? ChatTemplate.of(tokenizer) : null;
        Set<Integer> stops = new LinkedHashSet<>(model.config().eosTokenIds());
        tokenizer.eosTokenId().ifPresent(stops::add);
        this.stopIds = stops.stream().mapToInt(Integer::intValue).toArray();
        String endOfTurn = template != null ? template.endOfTurnToken(tokenizer) : null;
        if (endOfTurn != null) {
            tokenizer.tokenToId(endOfTurn).ifPresent(stops::add);
        }
        this.chatStopIds = stops.stream().mapToInt(Integer::intValue).toArray();
        this.toolCalls = toolCallFormat(template, endOfTurn);
        this.engine = new Engine(model, new Generator(model, options), 0, source);
    }

    private static ToolCallFormat toolCallFormat(ChatTemplate template, String endOfTurn) {
        if (template == null) {
            return null;
        }
        try {
            return ToolCallFormats.of(template, endOfTurn == null ? List.of() : List.of(endOfTurn));
        } catch (IllegalArgumentException noToolFormat) {
            return null;
        }
    }

    Engine engine() {
        return engine;
    }

    /**
     * Loads the weights of a model directory into a new engine and serves it from now on; requests already
     * submitted finish on the engine they started on (the old weights). The architecture must be the same.
     */
    synchronized Engine loadWeights(Path directory) throws IOException {
        Transformer next = Transformer.load(directory, precision);
        Engine current = engine;
        if (!next.config().equals(current.model().config())) {
            throw ApiError.badParam("path", directory + " holds a model of another shape (config.json differs from "
                    + "the served model's)");
        }
        engine = new Engine(next, new Generator(next, engineOptions), current.version() + 1, directory.toString());
        return engine;
    }

    /** A token's text for log-prob entries (special tokens included; a partial UTF-8 character as U+FFFD). */
    String tokenText(int id) {
        return tokenizer.decode(new int[]{id}, false);
    }
}
