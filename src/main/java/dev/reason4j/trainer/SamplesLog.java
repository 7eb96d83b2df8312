package dev.reason4j.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason4j.config.Config;
import dev.reason4j.io.AppendedLines;
import dev.reason4j.io.AtomicFiles;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollout inspector's data: {@code samples.jsonl} in the run directory, one JSON object per sampled response,
 * the first {@code trainer.samples.per_step} of each step until {@code trainer.samples.max_total} are written
 * (either 0: none). Each step's lines are appended in one write, and a resumed run first drops the lines of the
 * steps it runs again, so a step is never in the file twice. docs/dashboard.md describes the fields.
 */
public final class SamplesLog {
    public static final String FILE = "samples.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Tokenizer tokenizer;
    private final int perStep;
    private final int maxTotal;
    private int written;

    /**
     * Opens the run's samples file to continue after step {@code lastKeptStep} (0 on a fresh run): lines of later
     * steps, logged by a run killed after its last checkpoint, are dropped.
     */
    public SamplesLog(Path runDirectory, Config config, Tokenizer tokenizer, int lastKeptStep) throws IOException {
        this.file = runDirectory.resolve(FILE);
        this.tokenizer = tokenizer;
        this.perStep = config.getInt("trainer.samples.per_step");
        this.maxTotal = config.getInt("trainer.samples.max_total");
        this.written = truncateAfter(file, lastKeptStep);
    }

    /** Appends the first rollouts of a step, within the caps. */
    public void write(StepRollouts step) {
        int count = Math.min(Math.min(perStep, maxTotal - written), step.generated().size());
        if (count <= 0) {
            return;
        }
        Map<Rollout, Integer> keptRow = new IdentityHashMap<>();
        for (int row = 0; row < step.kept().size(); row++) {
            keptRow.put(step.kept().get(row), row);
        }
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            Rollout rollout = step.generated().get(i);
            lines.append(sample(step, i, rollout, keptRow.get(rollout)).toString()).append('\n');
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        written += count;
    }

    /** One line of the file; {@code row} is the rollout's row among those trained on, or null if it was dropped. */
    private ObjectNode sample(StepRollouts step, int index, Rollout rollout, Integer row) {
        ObjectNode sample = JSON.createObjectNode();
        sample.put("step", step.step());
        sample.put("index", index);
        sample.put("group", rollout.group());
        sample.put("trained", row != null);
        sample.put("prompt", tokenizer.decode(rollout.promptTokens(), false));
        sample.put("response", rollout.responseText());
        sample.put("ground_truth", rollout.example().groundTruth());
        sample.put("data_source", rollout.example().dataSource());
        sample.put("reward", rollout.reward().reward());
        sample.put("correct", rollout.reward().reward() >= HeldOutEvaluator.CORRECT_THRESHOLD);
        ObjectNode parts = sample.putObject("reward_parts");
        rollout.reward().metrics().forEach(parts::put);
        if (rollout.reward().error() != null) {
            sample.put("reward_error", rollout.reward().error());
        }
        sample.put("finish_reason", rollout.truncated() ? "length" : "stop");
        sample.put("context_limited", rollout.contextLimited());
        sample.put("policy_version", rollout.policyVersion());
        ObjectNode episode = sample.putObject("episode");
        rollout.episodeMetrics().forEach(episode::put);
        sample.put("turns", turns(rollout.trainable()));
        sample.put("prompt_tokens", rollout.promptTokens().length);

        int[] ids = rollout.responseTokens();
        ObjectNode tokens = sample.putObject("tokens");
        ArrayNode idArray = tokens.putArray("ids");
        ArrayNode text = tokens.putArray("text");
        ArrayNode logProbs = tokens.putArray("logprob");
        ArrayNode mask = tokens.putArray("mask");
        for (String piece : tokenTexts(tokenizer, ids)) {
            text.add(piece);
        }
        for (int t = 0; t < ids.length; t++) {
            idArray.add(ids[t]);
            logProbs.add(rollout.trainable()[t] ? rollout.logProbs()[t] : 0);
            mask.add(rollout.trainable()[t] ? 1 : 0);
        }
        putPerToken(tokens, "advantage", row == null || step.advantages() == null ? null : step.advantages()[row],
                ids.length);
        putPerToken(tokens, "entropy", row == null || step.entropies() == null ? null : step.entropies()[row],
                ids.length);
        return sample;
    }

    /** A [R]-wide row cut to the response's length, or null (the step did not compute it for this rollout). */
    private static void putPerToken(ObjectNode tokens, String name, double[] values, int length) {
        if (values == null) {
            tokens.putNull(name);
            return;
        }
        ArrayNode array = tokens.putArray(name);
        for (int t = 0; t < length; t++) {
            array.add((float) values[t]);   // float precision: the file stays readable in size
        }
    }

    /**
     * Each token's text, so that they join to the decoded response: a byte-level token that holds only part of a
     * character gets "" and the token that completes the character gets all of it (decoded alone, each part would
     * be a replacement character). A run of tokens that never completes a character is flushed after 4.
     */
    static List<String> tokenTexts(Tokenizer tokenizer, int[] ids) {
        List<String> texts = new java.util.ArrayList<>(ids.length);
        int pending = 0;   // the first token whose text is not yet given
        for (int t = 0; t < ids.length; t++) {
            String text = tokenizer.decode(java.util.Arrays.copyOfRange(ids, pending, t + 1), false);
            if (text.endsWith("\uFFFD") && t - pending < 3 && t + 1 < ids.length) {
                texts.add("");
                continue;
            }
            texts.add(text);
            pending = t + 1;
        }
        return texts;
    }

    /** The policy's turns: runs of sampled tokens separated by inserted ones (tool responses, observations). */
    static int turns(boolean[] trainable) {
        int turns = 0;
        for (int t = 0; t < trainable.length; t++) {
            if (trainable[t] && (t == 0 || !trainable[t - 1])) {
                turns++;
            }
        }
        return turns;
    }

    /** The file's samples, in order (a line still being written is left out). */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> samples = new java.util.ArrayList<>();
        for (String line : AppendedLines.read(file)) {
            samples.add(JSON.readTree(line));
        }
        return samples;
    }

    /**
     * Keeps the samples of steps up to {@code step} (none for 0), rewritten atomically; returns how many there
     * are. A missing file stays missing.
     */
    static int truncateAfter(Path file, int step) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        StringBuilder kept = new StringBuilder();
        int count = 0;
        for (String line : AppendedLines.read(file)) {
            if (JSON.readTree(line).path("step").asInt() <= step) {
                kept.append(line).append('\n');
                count++;
            }
        }
        AtomicFiles.writeString(file, kept.toString());
        return count;
    }
}
