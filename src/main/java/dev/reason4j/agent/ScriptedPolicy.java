package dev.reason4j.agent;

import dev.reason4j.rollout.Completion;
import dev.reason4j.rollout.RolloutEngine;
import dev.reason4j.rollout.FinishReason;
import dev.reason4j.rollout.Generator;
import dev.reason4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A policy that writes given turns, in order, each ended by the end-of-turn token: demonstrations for SFT played
 * through the real agent loop, so the tool responses in them are the tools' own and their tokens are laid out
 * exactly as in RL episodes. One instance plays one episode (n = 1).
 */
public final class ScriptedPolicy implements RolloutEngine {
    private final Tokenizer tokenizer;
    private final int endOfTurn;
    private final List<String> turns;
    private int next;

    public ScriptedPolicy(Tokenizer tokenizer, int endOfTurnId, List<String> turns) {
        this.tokenizer = tokenizer;
        this.endOfTurn = endOfTurnId;
        this.turns = List.copyOf(turns);
    }

    @Override
    public synchronized CompletableFuture<List<Completion>> submit(Generator.Request request) {
        if (request.params().n() != 1) {
            throw new IllegalArgumentException("a scripted policy plays one episode; n = " + request.params().n());
        }
        if (next >= turns.size()) {
            throw new IllegalStateException("the script has " + turns.size() + " turns and the episode asked for more");
        }
        int[] text = tokenizer.encode(turns.get(next++), false);
        int[] tokens = Arrays.copyOf(text, text.length + 1);
        tokens[text.length] = endOfTurn;
        FinishReason reason = FinishReason.STOP;
        if (tokens.length > request.params().maxNewTokens()) {
            tokens = Arrays.copyOf(tokens, request.params().maxNewTokens());
            reason = FinishReason.LENGTH;
        }
        List<Completion> completion = new ArrayList<>(1);
        completion.add(new Completion(request.index(), 0, tokens, new float[tokens.length], new float[tokens.length],
                reason, false));
        return CompletableFuture.completedFuture(completion);
    }
}
