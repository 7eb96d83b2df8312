package dev.reason4j.trainer;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.model.Transformer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model a student is distilled from: it scores each token of a sequence after the prompt. The teacher must
 * share the student's tokenizer, as its scores are of the student's token ids. A local checkpoint
 * ({@link #local}, {@link #load}) or a server that returns prompt log-probs ({@link RemoteTeacher}).
 */
@FunctionalInterface
public interface Teacher {
    /**
     * {@code result[i][t] = log π_T(x_{p+t} | x_{<p+t})} for sequence i = x and p = {@code promptLengths[i]}, for
     * each of its {@code x.length − p} response tokens, at temperature 1.
     */
    float[][] logProbs(List<int[]> sequences, int[] promptLengths) throws IOException;

    /** A model in this JVM, scored by the inference forward, {@code microBatchSize} sequences per forward. */
    static Teacher local(Transformer model, int microBatchSize) {
        return (sequences, promptLengths) -> {
            float[][] scores = new float[sequences.size()][];
            for (int first = 0; first < sequences.size(); first += microBatchSize) {
                int end = Math.min(sequences.size(), first + microBatchSize);
                ForwardResult forward = model.forward(sequences.subList(first, end), ForwardOptions.inference());
                for (int i = first; i < end; i++) {
                    scores[i] = responseLogProbs(forward.logProbs[i - first], sequences.get(i).length,
                            promptLengths[i]);
                }
            }
            return scores;
        };
    }

    /** The checkpoint in {@code directory} as a local teacher, checked as {@link #loadModel} says. */
    static Teacher load(Path directory, Tokenizer student, int microBatchSize) throws IOException {
        return local(loadModel(directory, student), microBatchSize);
    }

    /**
     * The teacher model in {@code directory}, refused unless its tokenizer is the student's (the same token for
     * every id, the same eos) and its embedding covers the vocabulary.
     */
    static Transformer loadModel(Path directory, Tokenizer student) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("teacher: directory does not exist: " + directory);
        }
        if (!Files.isRegularFile(directory.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("teacher " + directory + " has no tokenizer.json, so it cannot be"
                    + " checked against the student's tokenizer");
        }
        requireSameTokenizer(Tokenizer.load(directory), student, directory);
        Transformer model = Transformer.load(directory);
        if (model.config().vocabSize() < student.vocabSize()) {
            throw new IllegalArgumentException("teacher " + directory + " has " + model.config().vocabSize()
                    + " embedding rows, fewer than the student tokenizer's " + student.vocabSize() + " tokens");
        }
        return model;
    }

    /** One line naming the first difference when the teacher's tokenizer is not the student's. */
    static void requireSameTokenizer(Tokenizer teacher, Tokenizer student, Path where) {
        String problem = null;
        if (teacher.vocabSize() != student.vocabSize()) {
            problem = "its vocabulary has " + teacher.vocabSize() + " tokens, the student's " + student.vocabSize();
        } else if (!teacher.eosTokenId().equals(student.eosTokenId())) {
            problem = "its eos token is " + teacher.eosTokenId() + ", the student's " + student.eosTokenId();
        } else {
            for (int id = 0; id < student.vocabSize() && problem == null; id++) {
                if (!java.util.Objects.equals(teacher.idToToken(id), student.idToToken(id))) {
                    problem = "token " + id + " is '" + teacher.idToToken(id) + "' there, '" + student.idToToken(id)
                            + "' in the student's";
                }
            }
        }
        if (problem != null) {
            throw new IllegalArgumentException("teacher " + where + " does not share the student's tokenizer: "
                    + problem + "; distillation scores the student's token ids, so both need the same tokenizer");
        }
    }

    /** The response part of a forward's log-probs: {@code logProbs[t]} predicts token t + 1. */
    static float[] responseLogProbs(float[] logProbs, int length, int promptLength) {
        if (promptLength < 1 || promptLength > length) {
            throw new IllegalArgumentException("prompt length " + promptLength + " of a sequence of " + length);
        }
        return java.util.Arrays.copyOfRange(logProbs, promptLength - 1, length - 1);
    }
}
