package dev.reason4j.algo;

/**
 * Masked reductions over {@code [batch][responseLength]} matrices, with verl's exact numerics
 * ({@code verl.utils.torch_functional}): a mask is 0/1 per token, padding and tool-observation tokens are 0.
 * Masked-out entries never reach a sum, so a NaN or infinity there cannot leak into a result.
 */
public final class Masked {
    /** verl's {@code masked_mean} adds this to the token count so an empty mask gives 0, not NaN. */
    public static final double MEAN_EPSILON = 1e-8;
    /** verl's {@code masked_whiten} adds this to the variance before {@code rsqrt}. */
    public static final double WHITEN_EPSILON = 1e-8;

    private Masked() {
    }

    /** Σ mask·values over the masked-in tokens. */
    public static double sum(double[][] values, double[][] mask) {
        double total = 0;
        for (int b = 0; b < values.length; b++) {
            for (int t = 0; t < values[b].length; t++) {
                if (mask[b][t] != 0) {
                    total += values[b][t] * mask[b][t];
                }
            }
        }
        return total;
    }

    /** Number of masked-in tokens (Σ mask). */
    public static double count(double[][] mask) {
        double total = 0;
        for (double[] row : mask) {
            for (double m : row) {
                total += m;
            }
        }
        return total;
    }

    /** Σ mask of one row: the response's token count. */
    public static double rowCount(double[] maskRow) {
        double total = 0;
        for (double m : maskRow) {
            total += m;
        }
        return total;
    }

    /** verl {@code masked_sum} along one row: Σ mask·values over its masked-in tokens. */
    public static double rowSum(double[] values, double[] maskRow) {
        double sum = 0;
        for (int t = 0; t < values.length; t++) {
            if (maskRow[t] != 0) {
                sum += values[t] * maskRow[t];
            }
        }
        return sum;
    }

    /** verl {@code masked_mean} along one row: Σ mask·values / (Σ mask + 1e-8). */
    public static double rowMean(double[] values, double[] maskRow) {
        return rowSum(values, maskRow) / (rowCount(maskRow) + MEAN_EPSILON);
    }

    /** The elementwise product of two matrices of one shape (values times a mask, a mask times a mask). */
    public static double[][] product(double[][] a, double[][] b) {
        double[][] product = zerosLike(a);
        for (int i = 0; i < a.length; i++) {
            for (int t = 0; t < a[i].length; t++) {
                product[i][t] = a[i][t] * b[i][t];
            }
        }
        return product;
    }

    /** verl {@code masked_mean}: Σ mask·values / (Σ mask + 1e-8). Used for metrics and whitening. */
    public static double mean(double[][] values, double[][] mask) {
        return sum(values, mask) / (count(mask) + MEAN_EPSILON);
    }

    /**
     * verl {@code masked_whiten}: (values − mean)·rsqrt(var + 1e-8) over all masked-in tokens of the batch, var with
     * Bessel's correction n/(n−1). Every entry is whitened, masked-out ones too (callers multiply by the mask when
     * verl does). Where verl raises on fewer than two tokens, the correction is skipped so the result stays finite.
     */
    public static double[][] whiten(double[][] values, double[][] mask) {
        double mean = mean(values, mask);
        double[][] centeredSquares = new double[values.length][];
        for (int b = 0; b < values.length; b++) {
            centeredSquares[b] = new double[values[b].length];
            for (int t = 0; t < values[b].length; t++) {
                double centered = values[b][t] - mean;
                centeredSquares[b][t] = centered * centered;
            }
        }
        double variance = mean(centeredSquares, mask);
        double n = count(mask);
        if (n > 1) {
            variance = variance * (n / (n - 1));
        }
        double inverseStd = 1.0 / Math.sqrt(variance + WHITEN_EPSILON);
        double[][] whitened = new double[values.length][];
        for (int b = 0; b < values.length; b++) {
            whitened[b] = new double[values[b].length];
            for (int t = 0; t < values[b].length; t++) {
                whitened[b][t] = (values[b][t] - mean) * inverseStd;
            }
        }
        return whitened;
    }

    /** Throws a clear error unless {@code matrix} has exactly the shape of {@code mask}. */
    public static void requireSameShape(String name, double[][] matrix, double[][] mask) {
        if (matrix == null) {
            throw new IllegalArgumentException(name + " is missing");
        }
        if (matrix.length != mask.length) {
            throw new IllegalArgumentException(
                    name + " has " + matrix.length + " rows but responseMask has " + mask.length);
        }
        for (int b = 0; b < matrix.length; b++) {
            if (matrix[b].length != mask[b].length) {
                throw new IllegalArgumentException(name + " row " + b + " has " + matrix[b].length
                        + " tokens but responseMask row " + b + " has " + mask[b].length);
            }
        }
    }

    /** A zero matrix with the shape of {@code like}. */
    public static double[][] zerosLike(double[][] like) {
        double[][] zeros = new double[like.length][];
        for (int b = 0; b < like.length; b++) {
            zeros[b] = new double[like[b].length];
        }
        return zeros;
    }

    /** Widens a float matrix (model log-probs) to double for the loss math. */
    public static double[][] toDouble(float[][] values) {
        double[][] widened = new double[values.length][];
        for (int b = 0; b < values.length; b++) {
            widened[b] = new double[values[b].length];
            for (int t = 0; t < values[b].length; t++) {
                widened[b][t] = values[b][t];
            }
        }
        return widened;
    }

    /** Narrows a double matrix (a gradient) to float for the model's backward pass. */
    public static float[][] toFloat(double[][] values) {
        float[][] narrowed = new float[values.length][];
        for (int b = 0; b < values.length; b++) {
            narrowed[b] = new float[values[b].length];
            for (int t = 0; t < values[b].length; t++) {
                narrowed[b][t] = (float) values[b][t];
            }
        }
        return narrowed;
    }
}
