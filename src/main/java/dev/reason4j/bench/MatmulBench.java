package dev.reason4j.bench;

import dev.reason4j.tensor.Blas;
import java.util.Random;

/** GFLOP/s of {@link Blas#sgemm} on the model's shapes, computed as nn.Linear does: X · Wᵀ. */
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
        double perRun = Timing.secondsPerRun(() -> Blas.sgemm(false, true, shape.m(), shape.n(), shape.k(), 1f,
                x, 0, shape.k(), w, 0, shape.k(), 0f, out, 0, shape.n()), seconds, 5);
        return shape.flops() / perRun / 1e9;
    }
}
