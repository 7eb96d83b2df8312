package dev.reason4j.env;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scripted optimal guess_number player: reads only the observations' text, guesses the middle of what is left. */
final class BinarySearchPlayer {
    private static final Pattern RANGE = Pattern.compile("from (\\d+) to (\\d+)");
    private int low;
    private int high;
    private int last;

    /** Starts from the game's first observation, which names the range. */
    BinarySearchPlayer(String intro) {
        Matcher range = RANGE.matcher(intro);
        if (!range.find()) {
            throw new AssertionError("no range in the intro: " + intro);
        }
        low = Integer.parseInt(range.group(1));
        high = Integer.parseInt(range.group(2));
    }

    /** The next action, given the observation the previous one got (null for the first). */
    String act(String observation) {
        if (observation != null) {
            if (observation.startsWith("Higher")) {
                low = last + 1;
            } else if (observation.startsWith("Lower")) {
                high = last - 1;
            } else {
                throw new AssertionError("unexpected feedback: " + observation);
            }
        }
        last = low + (high - low) / 2;
        return "The middle is " + last + ".\n\\boxed{" + last + "}";
    }
}
