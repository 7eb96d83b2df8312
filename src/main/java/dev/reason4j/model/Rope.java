package dev.reason4j.model;

/** Rotary position embedding frequencies, computed like HF's rope init functions. */
final class Rope {
    private Rope() {}

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
