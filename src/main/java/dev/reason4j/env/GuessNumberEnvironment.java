package dev.reason4j.env;

import dev.reason4j.config.Options;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One game of {@link GuessNumberTask}, played over turns. The example's ground truth is the game (range, secret,
 * guesses allowed); {@link #reset} gives its rules, each {@link #step} takes one turn:
 * <ul>
 *   <li>a guess below or above the secret: {@code Higher. 6 guesses left.} / {@code Lower. ...}, reward 0;</li>
 *   <li>the secret: {@code Correct!}, reward 1, done;</li>
 *   <li>no guess, or one outside the range: {@code Say a number from 23 to 87, as \boxed{n}. 6 guesses left.},
 *       reward 0 (the turn still counts: a model cannot stall);</li>
 *   <li>the last allowed turn without the secret: {@code Out of guesses: the number was 41.}, reward 0, done.</li>
 * </ul>
 * Info per step: {@code guesses} (turns so far), {@code invalid} (1 for a turn without a valid guess), and at the
 * end {@code won} (1 or 0).
 *
 * <p>Option {@code step_reward} (default 0: the reward comes only at the end) adds potential-based shaping (Ng,
 * Harada and Russell 1999) with potential Φ = −log2(candidates)/log2(size), where candidates are the numbers
 * still consistent with the answers so far: each turn earns {@code step_reward · (Φ' − Φ)}, the share of the bits
 * it learned. Since a lost game's last state keeps its potential, a game's return is {@code won + step_reward ·
 * (bits learned / bits needed)}: shaping prefers losing close to losing far, so keep it small.
 */
public final class GuessNumberEnvironment implements Environment {
    private final GuessNumberTask.Game game;
    private final double stepReward;
    private int guesses;
    private int candidatesLow;
    private int candidatesHigh;
    private boolean started;
    private boolean done;

    private GuessNumberEnvironment(GuessNumberTask.Game game, double stepReward) {
        this.game = game;
        this.stepReward = stepReward;
    }

    /** The registered {@code guess_number} environment: option {@code step_reward} (default 0). */
    static EnvironmentFactory factory(Map<String, Object> options) {
        Options read = new Options("environment " + GuessNumberTask.NAME, options);
        double stepReward = read.number("step_reward", 0, 0, 1000);
        read.finish();
        return example -> new GuessNumberEnvironment(GuessNumberTask.Game.parse(example.groundTruth()), stepReward);
    }

    /** The game's rules; the seed is unused (the example's ground truth is the whole game). */
    @Override
    public String reset(long seed) {
        started = true;
        done = false;
        guesses = 0;
        candidatesLow = game.low();
        candidatesHigh = game.high();
        return game.intro();
    }

    @Override
    public StepResult step(String action) {
        if (!started || done) {
            throw new IllegalStateException("environment " + GuessNumberTask.NAME + ": step "
                    + (done ? "after the episode ended" : "before reset"));
        }
        guesses++;
        int left = game.maxGuesses() - guesses;
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("guesses", guesses);
        Integer guess = GuessNumberTask.guess(action);
        boolean valid = guess != null && guess >= game.low() && guess <= game.high();
        info.put("invalid", valid ? 0 : 1);
        double before = potential();
        String feedback;
        if (!valid) {
            feedback = "Say a number from " + game.low() + " to " + game.high() + ", as \\boxed{n}.";
        } else if (guess == game.secret()) {
            candidatesLow = candidatesHigh = guess;
            done = true;
            info.put("won", 1);
            return new StepResult("Correct!", 1.0 + stepReward * (potential() - before), true, info);
        } else if (guess < game.secret()) {
            candidatesLow = Math.max(candidatesLow, guess + 1);
            feedback = "Higher.";
        } else {
            candidatesHigh = Math.min(candidatesHigh, guess - 1);
            feedback = "Lower.";
        }
        double shaping = stepReward * (potential() - before);
        if (left == 0) {
            done = true;
            info.put("won", 0);
            return new StepResult("Out of guesses: the number was " + game.secret() + ".", shaping, true, info);
        }
        return new StepResult(feedback + " " + left + (left == 1 ? " guess" : " guesses") + " left.", shaping,
                false, info);
    }

    /** Φ = −log2(candidates)/log2(size): −1 at the start, 0 when only the secret is left. */
    private double potential() {
        return -Math.log(candidatesHigh - candidatesLow + 1) / Math.log(game.size());
    }
}
