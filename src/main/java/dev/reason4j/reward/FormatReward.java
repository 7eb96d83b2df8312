package dev.reason4j.reward;

/**
 * 1 when the response is "reasoning, then an answer": {@code <think>…</think>} followed by a non-empty answer
 * (wrapped in {@code <answer>…</answer>} when answer tags are set), else 0. The opening think tag may instead end
 * the prompt, as chat templates of R1-style models put it there.
 *
 * @param thinkOpen   e.g. {@code <think>}
 * @param thinkClose  e.g. {@code </think>}
 * @param answerOpen  e.g. {@code <answer>}, or null when any non-empty text after the reasoning is the answer
 * @param answerClose e.g. {@code </answer>}, null exactly when answerOpen is
 */
public record FormatReward(String thinkOpen, String thinkClose, String answerOpen, String answerClose)
        implements RewardFunction {

    public FormatReward {
        if (thinkOpen == null || thinkOpen.isEmpty() || thinkClose == null || thinkClose.isEmpty()) {
            throw new IllegalArgumentException("format reward needs non-empty think tags");
        }
        if ((answerOpen == null) != (answerClose == null)) {
            throw new IllegalArgumentException("format reward: set both answer tags or neither");
        }
    }

    /** {@code <think>…</think>} then any non-empty answer. */
    public FormatReward() {
        this("<think>", "</think>", null, null);
    }

    @Override
    public RewardResult score(RewardInput input) {
        return RewardResult.of(matches(input.prompt(), input.response()) ? 1.0 : 0.0);
    }

    boolean matches(String prompt, String response) {
        String text = response.stripLeading();
        if (text.startsWith(thinkOpen)) {
            text = text.substring(thinkOpen.length());
        } else if (prompt == null || !prompt.stripTrailing().endsWith(thinkOpen)) {
            return false;
        }
        int close = text.indexOf(thinkClose);
        if (close < 0 || text.substring(0, close).contains(thinkOpen)) {
            return false;
        }
        String answer = text.substring(close + thinkClose.length()).strip();
        if (answer.contains(thinkOpen) || answer.contains(thinkClose)) {
            return false;
        }
        if (answerOpen == null) {
            return !answer.isEmpty();
        }
        if (!answer.startsWith(answerOpen) || !answer.endsWith(answerClose)
                || answer.length() < answerOpen.length() + answerClose.length()) {
            return false;
        }
        String inner = answer.substring(answerOpen.length(), answer.length() - answerClose.length());
        return !inner.isBlank() && !inner.contains(answerOpen) && !inner.contains(answerClose);
    }
}
