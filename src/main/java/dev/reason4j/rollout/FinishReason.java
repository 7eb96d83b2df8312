package dev.reason4j.rollout;

/** Why a completion ended: a stop token was sampled (it is the last token), or max new tokens / context reached. */
public enum FinishReason {
    STOP, LENGTH
}
