package dev.reason4j.reward.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.algo.Logistic;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A process reward model: the transformer trunk and a scalar score head at every token, read at the last token of
 * each step of a solution; σ(score) is the probability that the step is correct (trained with per-step binary
 * cross-entropy on step labels, as PRM800K's and Math-Shepherd's PRMs; Lightman et al. 2023, Wang et al. 2024).
 * On disk it is Hugging Face's {@code ...ForTokenClassification} with one label ({@code score.weight} [1, hidden],
 * {@code score.bias} [1], no LM head), which is what TRL's PRMTrainer trains; {@code config.json} also records the
 * {@code step_separator} the model was trained with.
 */
public final class ProcessRewardModel {
    /** How step probabilities combine into one trajectory reward. */
    public enum Aggregate {
        /** the weakest step (a chain is as good as its worst link; Lightman et al. 2023) */
        MIN,
        /** the probability that every step is correct, steps taken as independent */
        PRODUCT,
        /** the last step's */
        LAST;

        public static Aggregate parse(String name) {
            for (Aggregate aggregate : values()) {
                if (aggregate.name().equalsIgnoreCase(name)) {
                    return aggregate;
                }
            }
            throw new IllegalArgumentException("unknown step aggregate '" + name + "' (min, product or last)");
        }

        /** The running aggregate after each step: {@code out[i]} combines p[0..i]. */
        public double[] running(double[] p) {
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                out[i] = i == 0 ? p[0] : switch (this) {
                    case MIN -> Math.min(out[i - 1], p[i]);
                    case PRODUCT -> out[i - 1] * p[i];
                    case LAST -> p[i];
                };
            }
            return out;
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The step separator of a model directory whose config.json does not name one. */
    public static final String DEFAULT_SEPARATOR = "\n";

    private final Transformer model;
    private final String separator;

    /** @param model a score model with a biased score head and no LM head ({@code Transformer.scoreModel(seed, true)}) */
    public ProcessRewardModel(Transformer model, String separator) {
        if (model.hasLmHead() || !model.hasScoreHead(true)) {
            throw new IllegalArgumentException("a process reward model is a trunk with a score head (with bias) and"
                    + " no LM head (HF's ...ForTokenClassification)");
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("the step separator must not be empty");
        }
        this.model = model;
        this.separator = separator;
    }

    /** A process reward model from an SFT policy's trunk with a fresh score head. */
    public static ProcessRewardModel fromPolicy(Transformer policy, long seed, String separator) {
        return new ProcessRewardModel(policy.scoreModel(seed, true), separator);
    }

    /** Loads a {@code ...ForTokenClassification} directory; the separator is its config's, else "\n". */
    public static ProcessRewardModel load(Path dir) throws IOException {
        Transformer model = Transformer.load(dir);
        if (model.hasLmHead() || !model.hasScoreHead(true)) {
            throw new IOException(dir + ": not a process reward model (expected score.weight [1, hidden] and"
                    + " score.bias [1], no lm_head: HF's ...ForTokenClassification)");
        }
        JsonNode separator = new ObjectMapper().readTree(Files.readString(dir.resolve("config.json")))
                .get("step_separator");
        return new ProcessRewardModel(model, separator == null ? DEFAULT_SEPARATOR : separator.asText());
    }

    /** Writes the model directory in HF's token-classification layout, with the tokenizer's files. */
    public void save(Path dir, Path tokenizerDir) throws IOException {
        RewardModel.saveScoreModel(model, dir, tokenizerDir);
        Path configFile = dir.resolve("config.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(Files.readString(configFile));
        config.put("step_separator", separator);
        AtomicFiles.writeString(configFile, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    public Transformer model() {
        return model;
    }

    public String separator() {
        return separator;
    }

    /** Each example's step probabilities σ(score at the step's last token). Thread-safe. */
    public List<double[]> stepProbabilities(List<StepLabels> examples) {
        List<double[]> probabilities = new ArrayList<>(examples.size());
        ForwardOptions options = ForwardOptions.inference().withLogProbs(false).withScores(true);
        for (int first = 0; first < examples.size(); first += RewardModel.SCORE_BATCH) {
            List<StepLabels> chunk = examples.subList(first, Math.min(examples.size(),
                    first + RewardModel.SCORE_BATCH));
            List<int[]> sequences = new ArrayList<>(chunk.size());
            for (StepLabels example : chunk) {
                sequences.add(example.sequence());
            }
            ForwardResult forward = model.forward(sequences, options);
            for (int b = 0; b < chunk.size(); b++) {
                StepLabels example = chunk.get(b);
                double[] p = new double[example.stepTokens().length];
                for (int i = 0; i < p.length; i++) {
                    p[i] = Logistic.sigmoid(forward.scores[b][example.prompt().length + example.stepTokens()[i]]);
                }
                probabilities.add(p);
            }
        }
        return probabilities;
    }

    /** Share of labelled steps classified right (σ(score) &gt; 0.5 exactly when label &gt; 0.5); NaN for none. */
    public double stepAccuracy(List<StepLabels> examples) {
        List<double[]> probabilities = stepProbabilities(examples);
        int steps = 0;
        int correct = 0;
        for (int e = 0; e < examples.size(); e++) {
            double[] labels = examples.get(e).labels();
            for (int i = 0; i < labels.length; i++) {
                steps++;
                correct += (probabilities.get(e)[i] > 0.5) == (labels[i] > 0.5) ? 1 : 0;
            }
        }
        return steps == 0 ? Double.NaN : (double) correct / steps;
    }
}
