package dev.reason4j.bench;

import dev.reason4j.tensor.BatchInvariantMatmul;
import dev.reason4j.tensor.PackedMatrix;
import java.util.Random;

/**
 * GFLOP/s of the engine's linear-layer product on the model's shapes, X · Wᵀ as nn.Linear computes it: the
 * forward's {@link BatchInvariantMatmul} on a view of W (packed panel by panel on use, as in training).
 */
final class MatmulBench {
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
        PackedMatrix weights = PackedMatrix.view(w, shape.n(), shape.k());
        double perRun = Timing.secondsPerRun(() -> BatchInvariantMatmul.multiply(x, 0, shape.m(), weights, out, 0),
                seconds, 5);
        return shape.flops() / perRun / 1e9;
    }
}
