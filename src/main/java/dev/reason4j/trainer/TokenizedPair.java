package dev.reason4j.trainer;

import dev.reason4j.env.PreferencePair;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A preference pair as the model sees it: the prompt rendered by the chat template (with the generation prompt)
 * and each response's ids followed by the end-of-turn token, exactly as a rollout of that response would be.
 * Reward-model training, DPO and the learned reward all read pairs this way, so they score the same ids.
 *
 * @param margin how much more the chosen response is preferred (a record's {@code margin} field, 0 without one):
 *               reward-model training asks r_chosen − r_rejected to exceed it (Llama 2's margin loss)
 */
public record TokenizedPair(int[] prompt, int[] chosen, int[] rejected, double margin) {
    public TokenizedPair(int[] prompt, int[] chosen, int[] rejected) {
        this(prompt, chosen, rejected, 0);
    }

    /** prompt ids followed by response ids */
    public static int[] concat(int[] prompt, int[] response) {
        int[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + response.length);
        System.arraycopy(response, 0, sequence, prompt.length, response.length);
        return sequence;
    }

    public int[] chosenSequence() {
        return concat(prompt, chosen);
    }

    public int[] rejectedSequence() {
        return concat(prompt, rejected);
    }

    /** Each pair tokenized; the tokenizer must have an end-of-turn (eos) token. */
    public static List<TokenizedPair> of(List<PreferencePair> pairs, Tokenizer tokenizer, PromptFormatter formatter) {
        int endOfTurn = tokenizer.eosTokenId().orElseThrow(
                () -> new IllegalArgumentException("the tokenizer has no eos_token to end responses with"));
        List<TokenizedPair> tokenized = new ArrayList<>(pairs.size());
        for (PreferencePair pair : pairs) {
            tokenized.add(new TokenizedPair(tokenizer.encode(formatter.render(pair.prompt()), false),
                    response(tokenizer, pair.chosen(), endOfTurn), response(tokenizer, pair.rejected(), endOfTurn),
                    pair.margin()));
        }
        return tokenized;
    }

    /** A response's ids as sampled: the text's ids, then end-of-turn. */
    public static int[] response(Tokenizer tokenizer, String text, int endOfTurn) {
        int[] ids = tokenizer.encode(text, false);
        int[] withEnd = java.util.Arrays.copyOf(ids, ids.length + 1);
        withEnd[ids.length] = endOfTurn;
        return withEnd;
    }
}
