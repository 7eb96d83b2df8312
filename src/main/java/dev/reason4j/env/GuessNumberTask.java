package dev.reason4j.env;

import dev.reason4j.config.Options;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigInteger;
import java.util.Map;
import java.util.Random;

/**
 * Guess the number, a multi-turn game where acting on observations is the point: the secret is an integer in
 * {@code [low, high]}, each turn the player guesses and is told higher, lower or correct. This class is the game's
 * problem generator and verifier (train and held-out games split by the key {@code low..high:secret}); the game
 * itself is played by {@link GuessNumberEnvironment}.
 *
 * <p>A guess is the integer in the turn's last {@code \boxed{}}, or, with no {@code \boxed{}}, a turn that is only
 * an integer ({@code 42}, {@code 42.}); anything else is no guess. The verifier gives 1.0 when a response's guess
 * is the secret. Ground truth is JSON {@code {"low": 23, "high": 87, "secret": 41, "max_guesses": 8}}; the worked
 * solution is the first move of binary search ({@code \boxed{55}}).
 *
 * <p>Options: {@code max_low} (low is drawn from {@code [0, max_low]}, default 100), {@code min_size} /
 * {@code max_size} (how many numbers the range holds, default 10 / 100), {@code extra_guesses} (guesses allowed
 * beyond the {@code floor(log2(size)) + 1} that binary search needs in the worst case, default 1).
 */
public final class GuessNumberTask implements Task {
    public static final String NAME = "guess_number";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One game.
     *
     * @param maxGuesses turns the player has (each turn counts, a turn without a valid guess too)
     */
    public record Game(int low, int high, int secret, int maxGuesses) {
        public Game {
            if (low >= high || secret < low || secret > high || maxGuesses < 1) {
                throw new IllegalArgumentException("task " + NAME + ": a game needs low <= secret <= high, low < high and"
                        + " max_guesses >= 1, got low " + low + ", high " + high + ", secret " + secret
                        + ", max_guesses " + maxGuesses);
            }
        }

        /** How many numbers the range holds. */
        public int size() {
            return high - low + 1;
        }

        /** The canonical key, which decides the split. */
        public String key() {
            return low + ".." + high + ":" + secret;
        }

        /** The ground truth: {@code {"low": .., "high": .., "secret": .., "max_guesses": ..}}. */
        public String toJson() {
            return JSON.createObjectNode().put("low", low).put("high", high).put("secret", secret)
                    .put("max_guesses", maxGuesses).toString();
        }

        /** A game from its ground truth; a malformed one is an error naming the field. */
        public static Game parse(String groundTruth) {
            if (groundTruth == null) {
                throw new IllegalArgumentException("task " + NAME + ": no ground truth (a game needs {\"low\","
                        + " \"high\", \"secret\", \"max_guesses\"})");
            }
            JsonNode node;
            try {
                node = JSON.readTree(groundTruth);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("task " + NAME + ": ground truth is not JSON: '" + groundTruth
                        + "'");
            }
            return new Game(field(node, "low"), field(node, "high"), field(node, "secret"),
                    field(node, "max_guesses"));
        }

        private static int field(JsonNode node, String name) {
            JsonNode value = node == null ? null : node.get(name);
            if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
                throw new IllegalArgumentException("task " + NAME + ": ground truth needs an integer \"" + name
                        + "\", got " + node);
            }
            return value.intValue();
        }

        /** The rules and the range: the first user message of the game. */
        public String intro() {
            return "I am thinking of an integer from " + low + " to " + high + ". Guess it! Give one guess per turn"
                    + " as \\boxed{n}; I will answer higher, lower or correct. You have " + maxGuesses
                    + " guesses.";
        }
    }

    private final int maxLow;
    private final int minSize;
    private final int maxSize;
    private final int extraGuesses;

    public GuessNumberTask(Map<String, Object> options) {
        Options read = new Options("task " + NAME, options);
        maxLow = read.integer("max_low", 100, 0, 1_000_000_000);
        maxSize = read.integer("max_size", 100, 2, 1_000_000_000);
        minSize = read.integer("min_size", 10, 2, maxSize);
        extraGuesses = read.integer("extra_guesses", 1, 0, 1000);
        read.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Guesses binary search needs in the worst case on a range of {@code size} numbers: floor(log2(size)) + 1. */
    public static int binarySearchGuesses(int size) {
        return 32 - Integer.numberOfLeadingZeros(size);
    }

    @Override
    public Problem generate(Random random) {
        int low = random.nextInt(maxLow + 1);
        int size = minSize + random.nextInt(maxSize - minSize + 1);
        int high = low + size - 1;
        int secret = low + random.nextInt(size);
        Game game = new Game(low, high, secret, binarySearchGuesses(size) + extraGuesses);
        int middle = low + (high - low) / 2;
        String solution = "The middle of " + low + " and " + high + " is " + middle + ".\n\\boxed{" + middle + "}";
        return new Problem(NAME, game.key(), game.intro(), String.valueOf(secret), game.toJson(), solution);
    }

    /** 1.0 when the response's guess (see the class comment) is the secret, else 0.0. */
    @Override
    public double verify(String response, String groundTruth) {
        Integer guess = guess(response);
        return guess != null && guess == Game.parse(groundTruth).secret() ? 1.0 : 0.0;
    }

    /** The guess in a turn: the last {@code \boxed{}}'s integer, else the turn if it is only an integer; or null. */
    public static Integer guess(String action) {
        String boxed = Answers.lastBoxed(action);
        String text = boxed != null ? boxed : action.strip();
        if (boxed == null && text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        BigInteger number = Answers.parseInteger(text);
        return number == null || number.bitLength() > 31 ? null : number.intValue();
    }
}
