package dev.reason4j.trainer;

import java.util.List;

/**
 * One RL step's rollouts and what the update computed per token, for the run's samples file ({@link SamplesLog}).
 *
 * @param generated   every rollout the step sampled
 * @param kept        those it trained on (all of them, unless DAPO dynamic sampling dropped uniform groups)
 * @param advantages  the advantage of each token of each kept rollout, [kept][R]; null when the step was skipped
 * @param entropies   the policy's entropy at each token of each kept rollout in the first epoch's forward,
 *                    [kept][R]; null when the step was skipped
 */
public record StepRollouts(int step, List<Rollout> generated, List<Rollout> kept, double[][] advantages,
                           double[][] entropies) {
}
