package dev.reason4j.bench;

import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.PackedMatrix;
import java.util.Random;

/**
 * GFLOP/s of the engine's linear-layer product on the model's shapes, X · Wᵀ as nn.Linear computes it: the
 * forward's {@link BatchInvariantMatmul}, on a packed copy of W for decode-sized batches (as the rollout engine
 * holds it) and on a view packed panel by panel for bigger ones (as training does).
 */
final class MatmulBench {
    /** Below this many rows a product is a decode step's. */
    static final int DECODE_ROWS = 64;

    private MatmulBench() {}

    static double gflops(BenchConfig.MatmulShape shape, double seconds) throws Exception {
        Random random = new Random(0);
        float[] x = new float[shape.m() * shape.k()];
        float[] w = new float[shape.n() * shape.k()];
        float[] out = new float[shape.m() * shape.n()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        // As the engine multiplies: decode-sized batches (the rollout engine) by a packed copy made once, training
        // batches by a view packed panel by panel.
        PackedMatrix weights = shape.m() < DECODE_ROWS ? PackedMatrix.pack(w, shape.n(), shape.k())
                : PackedMatrix.view(w, shape.n(), shape.k());
        double perRun = Timing.secondsPerRun(() -> BatchInvariantMatmul.multiply(x, 0, shape.m(), weights, out, 0),
                seconds, 5);
        return shape.flops() / perRun / 1e9;
    }
}
