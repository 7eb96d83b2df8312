package dev.reason4j.config;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** "Did you mean ...?" for a misspelt name: the nearest known name by edit distance, when it is near enough. */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * The known name nearest to {@code unknown} (Levenshtein distance), if at most a third of the longer name's
     * length (and at least 2) edits away. Failing that, a known name with the same last dotted segment (a key put
     * in the wrong section, e.g. {@code actor.temperature} for {@code rollout.temperature}).
     */
    public static Optional<String> nearest(String unknown, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = editDistance(unknown, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        if (best != null && bestDistance <= Math.max(2, Math.max(unknown.length(), best.length()) / 3)) {
            return Optional.of(best);
        }
        String leaf = unknown.substring(unknown.lastIndexOf('.') + 1);
        return known.stream().filter(k -> k.equals(leaf) || k.endsWith("." + leaf)).findFirst();
    }

    /**
     * " — did you mean X?" or "" when nothing is near. A key put in the wrong section, where several sections have
     * that key ({@code temperature}), gets them all: " — did you mean rollout.temperature or rft.temperature?".
     */
    public static String didYouMean(String unknown, Collection<String> known) {
        Optional<String> near = nearest(unknown, known);
        if (near.isEmpty()) {
            return "";
        }
        String leaf = leaf(unknown);
        List<String> sameKey = leaf(near.get()).equals(leaf) && unknown.contains(".")
                ? known.stream().filter(k -> k.contains(".") && leaf(k).equals(leaf)).toList() : List.of(near.get());
        String choices = sameKey.size() == 1 ? sameKey.getFirst()
                : String.join(", ", sameKey.subList(0, sameKey.size() - 1)) + " or " + sameKey.getLast();
        return " — did you mean " + choices + "?";
    }

    private static String leaf(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
