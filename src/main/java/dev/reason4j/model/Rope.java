package dev.reason4j.model;

/**
 * Rotary position embedding: the frequencies, computed like HF's rope init functions, and the cos/sin of every
 * position's angles, computed once per position rather than once per row, layer and pass.
 */
final class Rope {
    private final float[] invFreq;
    private volatile Angles angles = new Angles(new float[0], new float[0], 0);

    /** cos[p·half + i] and sin[p·half + i] of position p's angle i, for positions below {@code positions}. */
    record Angles(float[] cos, float[] sin, int positions) {}

    Rope(float[] invFreq) {
        this.invFreq = invFreq;
    }

    /** The table, holding at least position {@code position}; read row p at offset p·(headDim / 2). */
    Angles angles(int position) {
        Angles table = angles;
        return position < table.positions ? table : grow(position);
    }

    private synchronized Angles grow(int position) {
        Angles table = angles;
        if (position < table.positions) {
            return table;
        }
        int half = invFreq.length;
        int positions = Math.max(position + 1, Math.max(64, 2 * table.positions));
        float[] cos = java.util.Arrays.copyOf(table.cos, positions * half);
        float[] sin = java.util.Arrays.copyOf(table.sin, positions * half);
        for (int p = table.positions; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i];   // as HF: a float32 angle
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        Angles grown = new Angles(cos, sin, positions);
        angles = grown;
        return grown;
    }

    /**
     * inv_freq[i] = 1 / theta^(2i / headDim) (float32, as HF's default init), then Llama 3 scaling when configured,
     * exactly as HF {@code _compute_llama3_parameters}: low frequencies divided by factor, high ones kept, the band
     * between smoothly interpolated.
     */
    static float[] inverseFrequencies(ModelConfig config) {
        int half = config.headDim() / 2;
        float[] invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / config.headDim();
            invFreq[i] = 1f / (float) Math.pow(config.ropeTheta(), exponent);
        }
        ModelConfig.Llama3RopeScaling scaling = config.ropeScaling();
        if (scaling == null) {
            return invFreq;
        }
        double factor = scaling.factor();
        double lowFreqFactor = scaling.lowFreqFactor();
        double highFreqFactor = scaling.highFreqFactor();
        double oldContext = scaling.originalMaxPositionEmbeddings();
        double lowFreqWavelen = oldContext / lowFreqFactor;
        double highFreqWavelen = oldContext / highFreqFactor;
        float[] scaled = new float[half];
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            double llama = wavelen > lowFreqWavelen ? invFreq[i] / factor : invFreq[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                double smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                llama = (1 - smooth) * llama / factor + smooth * llama;
            }
            scaled[i] = (float) llama;
        }
        return scaled;
    }
}
