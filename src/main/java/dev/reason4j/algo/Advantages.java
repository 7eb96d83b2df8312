package dev.reason4j.algo;

/**
 * An estimator's output, {@code [batch][responseLength]}: the advantages the policy loss weighs, and the returns
 * a critic regresses to (equal to the advantages for the critic-free outcome estimators, as in verl).
 */
public record Advantages(double[][] advantages, double[][] returns) {
}
