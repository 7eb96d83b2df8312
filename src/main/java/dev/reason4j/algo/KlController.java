package dev.reason4j.algo;

/** The KL coefficient β, fixed or adapted to the measured KL (verl {@code algorithm.kl_ctrl}). */
public interface KlController {
    /** The current coefficient β. */
    double value();

    /** Feeds the KL measured over {@code steps} samples (verl passes the batch size). */
    void update(double currentKl, int steps);
}
