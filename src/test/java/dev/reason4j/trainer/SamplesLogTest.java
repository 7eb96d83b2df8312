package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** samples.jsonl: the fields docs/dashboard.md promises, the caps, and no step twice after a resume. */
public class SamplesLogTest {
    public static Tokenizer tokenizer(Path directory) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            corpus.add("What is " + i + " + " + (i * 3 % 50) + "? The answer is " + (i + i * 3 % 50) + ".");
        }
        return BpeTrainer.chatml(300).trainAndSave(corpus, directory);
    }

    /** A two-turn episode: "First" sampled, " tool says" inserted (a tool response), " done" sampled. */
    public static Rollout episode(Tokenizer tokenizer, int group, double reward) {
        int[] first = tokenizer.encode("First", false);
        int[] inserted = tokenizer.encode(" tool says", false);
        int[] last = tokenizer.encode(" done", false);
        int length = first.length + inserted.length + last.length;
        int[] response = new int[length];
        boolean[] trainable = new boolean[length];
        float[] logProbs = new float[length];
        for (int t = 0; t < length; t++) {
            boolean sampled = t < first.length || t >= first.length + inserted.length;
            response[t] = t < first.length ? first[t] : t < first.length + inserted.length
                    ? inserted[t - first.length] : last[t - first.length - inserted.length];
            trainable[t] = sampled;
            logProbs[t] = sampled ? -0.25f * (t + 1) : 0.7f;   // an inserted token's value is not the policy's
        }
        double[] tokenRewards = new double[length];
        tokenRewards[length - 1] = reward;
        return new Rollout(new Example("What is 2 + 2?", null, "4", "arithmetic", Map.of()), group,
                tokenizer.encode("What is 2 + 2?", false), response, logProbs, trainable, tokenRewards, false, false,
                "First tool says done", new RewardResult(reward, Map.of("correct", reward, "format", 1.0)),
                Map.of("turns", 2.0, "tool_calls", 1.0));
    }

    static double[][] rows(int count, int width, double base) {
        double[][] rows = new double[count][width + 2];   // [B][R] rows are padded past the response
        for (int b = 0; b < count; b++) {
            for (int t = 0; t < rows[b].length; t++) {
                rows[b][t] = base + b + 0.125 * t;
            }
        }
        return rows;
    }

    @Test
    void writesEachTokenWithItsValuesAndTheMask(@TempDir Path dir) throws Exception {
        Tokenizer tokenizer = tokenizer(dir.resolve("tokenizer"));
        Rollout trained = episode(tokenizer, 0, 1.0);
        Rollout dropped = episode(tokenizer, 1, 0.0);
        int width = trained.responseTokens().length;
        SamplesLog log = new SamplesLog(dir, Config.defaults(), tokenizer, 0);
        log.write(new StepRollouts(1, List.of(trained, dropped), List.of(trained), rows(1, width, 0.5),
                rows(1, width, 2.0)));

        List<JsonNode> samples = SamplesLog.read(dir.resolve(SamplesLog.FILE));
        assertEquals(2, samples.size());
        JsonNode sample = samples.get(0);
        assertEquals(1, sample.get("step").asInt());
        assertEquals("First tool says done", sample.get("response").asText());
        assertEquals(tokenizer.decode(trained.promptTokens(), false), sample.get("prompt").asText());
        assertEquals("4", sample.get("ground_truth").asText());
        assertEquals(1.0, sample.get("reward").asDouble());
        assertTrue(sample.get("correct").asBoolean());
        assertEquals(Map.of("correct", 1.0, "format", 1.0), Map.of(
                "correct", sample.get("reward_parts").get("correct").asDouble(),
                "format", sample.get("reward_parts").get("format").asDouble()));
        assertEquals("stop", sample.get("finish_reason").asText());
        assertEquals(2, sample.get("turns").asInt());
        assertEquals(1.0, sample.get("episode").get("tool_calls").asDouble());
        assertTrue(sample.get("trained").asBoolean());

        JsonNode tokens = sample.get("tokens");
        StringBuilder text = new StringBuilder();
        for (int t = 0; t < width; t++) {
            assertEquals(trained.responseTokens()[t], tokens.get("ids").get(t).asInt());
            text.append(tokens.get("text").get(t).asText());
            boolean sampled = trained.trainable()[t];
            assertEquals(sampled ? 1 : 0, tokens.get("mask").get(t).asInt(), "mask of token " + t);
            assertEquals(sampled ? -0.25 * (t + 1) : 0.0, tokens.get("logprob").get(t).asDouble(), "token " + t);
            assertEquals(0.5 + 0.125 * t, tokens.get("advantage").get(t).asDouble(), "token " + t);
            assertEquals(2.0 + 0.125 * t, tokens.get("entropy").get(t).asDouble(), "token " + t);
        }
        assertEquals(width, tokens.get("advantage").size(), "the padding past the response is cut");
        assertEquals("First tool says done", text.toString());
        // A response dynamic sampling dropped has no advantage or entropy.
        assertFalse(samples.get(1).get("trained").asBoolean());
        assertTrue(samples.get(1).get("tokens").get("advantage").isNull());
        assertFalse(samples.get(1).get("correct").asBoolean());
    }

    /** Byte-level tokens that split a character: the character goes to the token that completes it. */
    @Test
    void tokenTextsJoinToTheResponse(@TempDir Path dir) throws Exception {
        Tokenizer tokenizer = tokenizer(dir.resolve("tokenizer"));
        String text = "naïve ✓ 12€";
        int[] ids = tokenizer.encode(text, false);
        List<String> texts = SamplesLog.tokenTexts(tokenizer, ids);
        assertEquals(ids.length, texts.size());
        assertTrue(ids.length > text.length(), "the ASCII-trained vocabulary splits the other characters to bytes");
        assertEquals(text, String.join("", texts));
        assertFalse(texts.stream().anyMatch(piece -> piece.contains("\uFFFD")), texts.toString());
        assertTrue(texts.contains("✓") || texts.contains(" ✓"), texts.toString());
    }

    @Test
    void capsPerStepAndInTotalAndZeroTurnsItOff(@TempDir Path dir) throws Exception {
        Tokenizer tokenizer = tokenizer(dir.resolve("tokenizer"));
        List<Rollout> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(episode(tokenizer, i, i / 4.0));
        }
        Config config = Config.defaults().override(List.of("trainer.samples.per_step=2",
                "trainer.samples.max_total=5"));
        SamplesLog log = new SamplesLog(dir, config, tokenizer, 0);
        for (int step = 1; step <= 4; step++) {
            log.write(new StepRollouts(step, five, List.of(), null, null));
        }
        List<Integer> steps = SamplesLog.read(dir.resolve(SamplesLog.FILE)).stream()
                .map(sample -> sample.get("step").asInt()).toList();
        assertEquals(List.of(1, 1, 2, 2, 3), steps);

        Path off = dir.resolve("off");
        Files.createDirectories(off);
        new SamplesLog(off, Config.defaults().override("trainer.samples.per_step=0"), tokenizer, 0)
                .write(new StepRollouts(1, five, List.of(), null, null));
        assertFalse(Files.exists(off.resolve(SamplesLog.FILE)));
    }

    /**
     * A run resumed from step 2's checkpoint logs steps 3.. again: their old lines go (and a line cut by the kill
     * with them), the total cap counts what is kept, and readers skip a line still being written.
     */
    @Test
    void aResumedRunDropsTheStepsItRunsAgain(@TempDir Path dir) throws Exception {
        Tokenizer tokenizer = tokenizer(dir.resolve("tokenizer"));
        List<Rollout> two = List.of(episode(tokenizer, 0, 1.0), episode(tokenizer, 1, 0.0));
        Config config = Config.defaults().override(List.of("trainer.samples.per_step=2",
                "trainer.samples.max_total=7"));
        SamplesLog first = new SamplesLog(dir, config, tokenizer, 0);
        for (int step = 1; step <= 3; step++) {
            first.write(new StepRollouts(step, two, List.of(), null, null));
        }
        Path file = dir.resolve(SamplesLog.FILE);
        Files.writeString(file, "{\"step\": 4, \"index\": 0, \"resp", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        assertEquals(6, SamplesLog.read(file).size(), "the torn line is not read");

        SamplesLog resumed = new SamplesLog(dir, config, tokenizer, 2);
        for (int step = 3; step <= 5; step++) {
            resumed.write(new StepRollouts(step, two, List.of(), null, null));
        }
        List<Integer> steps = SamplesLog.read(file).stream().map(sample -> sample.get("step").asInt()).toList();
        assertEquals(List.of(1, 1, 2, 2, 3, 3, 4), steps);
    }
}
