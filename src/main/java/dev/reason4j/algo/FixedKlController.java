package dev.reason4j.algo;

/** A constant β ({@code kl_ctrl.type: fixed}). */
public record FixedKlController(double value) implements KlController {
    @Override
    public void update(double currentKl, int steps) {
        // β stays fixed.
    }
}
