package dev.reason4j.optim;

import dev.reason4j.tensor.VectorOps;
import java.util.List;

/** Global-norm gradient clipping, as PyTorch's {@code clip_grad_norm_} (Pascanu et al. 2013). */
public final class GradientClipping {
    private GradientClipping() {}

    /** √(Σ over all gradients of g²), accumulated in double. */
    public static double globalNorm(List<float[]> gradients) {
        double sumOfSquares = 0;
        for (float[] gradient : gradients) {
            sumOfSquares += VectorOps.sumOfSquares(gradient, 0, gradient.length);
        }
        return Math.sqrt(sumOfSquares);
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when that is below 1, and returns the norm before clipping.
     * A non-finite norm leaves the gradients untouched and is returned as is: the caller should skip the step
     * (as verl does) rather than write NaN into the weights.
     */
    public static double clipByGlobalNorm(List<float[]> gradients, double maxNorm) {
        double norm = globalNorm(gradients);
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            for (float[] gradient : gradients) {
                VectorOps.scale(gradient, 0, gradient.length, (float) coefficient);
            }
        }
        return norm;
    }
}
