package dev.reason4j.reward.code;

import java.util.List;

/** All test outcomes of one program. */
public record Verdict(List<TestOutcome> outcomes) {
    public Verdict {
        outcomes = List.copyOf(outcomes);
    }

    public int passed() {
        return (int) outcomes.stream().filter(o -> o.status() == TestStatus.PASSED).count();
    }

    public int total() {
        return outcomes.size();
    }

    /** 1 when every test passed (and there was at least one), else 0; or the fraction passed. */
    public double reward(boolean allPass) {
        if (outcomes.isEmpty()) {
            return 0.0;
        }
        return allPass ? (passed() == total() ? 1.0 : 0.0) : (double) passed() / total();
    }

    public List<String> statusLabels() {
        return outcomes.stream().map(o -> o.status().label()).toList();
    }
}
