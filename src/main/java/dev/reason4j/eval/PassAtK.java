package dev.reason4j.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sampling metrics over n generations per problem: unbiased pass@k, maj@k and mean@k.
 */
public final class PassAtK {
    private PassAtK() {
    }

    /**
     * Unbiased pass@k from n samples of which c are correct (Chen et al. 2021, arXiv:2107.03374):
     * 1 − C(n−c, k)/C(n, k), evaluated as the stable product 1 − Π_{i=n−c+1}^{n} (1 − k/i), which never forms a
     * binomial coefficient.
     */
    public static double passAtK(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n) {
            throw new IllegalArgumentException("pass@k needs 0 <= correct <= samples and samples >= 1, got samples="
                    + n + ", correct=" + c);
        }
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("pass@k needs 1 <= k <= samples, got k=" + k + ", samples=" + n);
        }
        if (n - c < k) {
            return 1.0; // every k-subset contains a correct sample
        }
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) {
            allWrong *= 1.0 - (double) k / i;
        }
        return 1.0 - allWrong;
    }

    /** Mean pass@k over problems; {@code samples[p]} generations of problem p, {@code correct[p]} of them right. */
    public static double passAtK(int[] samples, int[] correct, int k) {
        if (samples.length != correct.length || samples.length == 0) {
            throw new IllegalArgumentException("pass@k needs one (samples, correct) pair per problem, got "
                    + samples.length + " and " + correct.length);
        }
        double total = 0;
        for (int p = 0; p < samples.length; p++) {
            total += passAtK(samples[p], correct[p], k);
        }
        return total / samples.length;
    }

    /**
     * maj@k (self-consistency, Wang et al. 2022, arXiv:2203.11171): the most frequent extracted answer among the
     * first k samples wins — a tie goes to the answer seen first, a null answer (nothing extracted) never votes —
     * and scores 1 if that sample was correct.
     *
     * @param answers extracted, normalised final answers, one per sample (null when none was found)
     * @param correct whether each sample was verified correct
     */
    public static double majorityAtK(List<String> answers, boolean[] correct, int k) {
        if (answers.size() != correct.length) {
            throw new IllegalArgumentException(
                    "maj@k needs one verdict per answer, got " + answers.size() + " answers and " + correct.length);
        }
        if (k < 1 || k > answers.size()) {
            throw new IllegalArgumentException("maj@k needs 1 <= k <= samples, got k=" + k + ", samples=" + answers.size());
        }
        Map<String, Integer> votes = new HashMap<>();
        int winner = -1;
        int winnerVotes = 0;
        for (int i = 0; i < k; i++) {
            String answer = answers.get(i);
            if (answer == null) {
                continue;
            }
            int count = votes.merge(answer, 1, Integer::sum);
            if (count > winnerVotes) {
                winnerVotes = count;
                winner = answers.indexOf(answer);
            }
        }
        return winner >= 0 && correct[winner] ? 1.0 : 0.0;
    }

    /** mean@k: the mean score of the first k samples (avg@k). */
    public static double meanAtK(double[] scores, int k) {
        if (k < 1 || k > scores.length) {
            throw new IllegalArgumentException("mean@k needs 1 <= k <= samples, got k=" + k + ", samples=" + scores.length);
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            total += scores[i];
        }
        return total / k;
    }
}
