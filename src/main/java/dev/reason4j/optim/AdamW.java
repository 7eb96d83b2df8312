package dev.reason4j.optim;

import dev.reason4j.safetensors.DType;
import dev.reason4j.safetensors.SafetensorsFile;
import dev.reason4j.safetensors.SafetensorsWriter;
import dev.reason4j.tensor.Parallel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"), step for step as PyTorch's
 * {@code torch.optim.AdamW}:
 * <pre>
 *   p ← p − lr·λ·p                       (decoupled decay, only where {@code decays(name)})
 *   m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * </pre>
 * State (m, v per parameter, and the step count t) lives here, keyed by parameter name, created on first use.
 * Usage per optimizer step: {@link #beginStep()}, then {@link #update} for every parameter.
 */
public final class AdamW {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Elements per parallel chunk of one parameter's update. */
    private static final int CHUNK = 1 << 16;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Predicate<String> decays;
    private final Map<String, float[]> firstMoments = new LinkedHashMap<>();
    private final Map<String, float[]> secondMoments = new LinkedHashMap<>();
    private long step;

    /**
     * @param decays which parameters get weight decay, by name (e.g. {@link #exceptNormsAndBiases()})
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay, Predicate<String> decays) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW: need 0 ≤ beta1, beta2 < 1 and eps, weight decay ≥ 0; got beta1="
                    + beta1 + " beta2=" + beta2 + " eps=" + eps + " weightDecay=" + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decays = decays;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01, on every parameter. */
    public static AdamW withDefaults() {
        return new AdamW(0.9, 0.999, 1e-8, 0.01, name -> true);
    }

    /**
     * The usual exclusion for transformers (as HF Trainer's {@code get_decay_parameter_names}): no decay on biases
     * and normalisation weights (names containing "norm", e.g. {@code input_layernorm}, {@code model.norm}).
     */
    public static Predicate<String> exceptNormsAndBiases() {
        return name -> !name.endsWith(".bias") && !name.toLowerCase(java.util.Locale.ROOT).contains("norm");
    }

    /** Starts optimizer step t+1; call once before the {@link #update}s of that step. */
    public void beginStep() {
        step++;
    }

    /** Completed-or-current step count t (0 before the first {@link #beginStep()}). */
    public long step() {
        return step;
    }

    /** Applies step t to one parameter in place, with gradient {@code grad} and learning rate {@code lr}. */
    public void update(String name, float[] data, float[] grad, double lr) {
        if (step == 0) {
            throw new IllegalStateException("AdamW.update before beginStep()");
        }
        if (grad.length != data.length) {
            throw new IllegalArgumentException("AdamW: parameter '" + name + "' has " + data.length
                    + " values but its gradient " + grad.length);
        }
        float[] m = firstMoments.computeIfAbsent(name, k -> new float[data.length]);
        float[] v = secondMoments.computeIfAbsent(name, k -> new float[data.length]);
        if (m.length != data.length) {
            throw new IllegalArgumentException("AdamW: parameter '" + name + "' changed size from " + m.length
                    + " to " + data.length);
        }
        float decayFactor = (float) (1 - lr * (decays.test(name) ? weightDecay : 0));
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / biasCorrection1);
        float inverseSqrtCorrection2 = (float) (1 / Math.sqrt(biasCorrection2));
        int chunks = (data.length + CHUNK - 1) / CHUNK;
        Parallel.forRange(0, chunks, chunk -> updateRange(data, grad, m, v, chunk * CHUNK,
                Math.min(data.length, (chunk + 1) * CHUNK), decayFactor, stepSize, inverseSqrtCorrection2));
    }

    private void updateRange(float[] p, float[] g, float[] m, float[] v, int from, int to, float decayFactor,
                             float stepSize, float inverseSqrtCorrection2) {
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float epsilon = (float) eps;
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(oneMinusB1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(gi).mul(oneMinusB2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector denominator = vi.lanewise(VectorOperators.SQRT).mul(inverseSqrtCorrection2).add(epsilon);
            FloatVector.fromArray(S, p, i).mul(decayFactor).sub(mi.div(denominator).mul(stepSize)).intoArray(p, i);
        }
        for (; i < to; i++) {
            m[i] = b1 * m[i] + oneMinusB1 * g[i];
            v[i] = b2 * v[i] + oneMinusB2 * g[i] * g[i];
            float denominator = (float) Math.sqrt(v[i]) * inverseSqrtCorrection2 + epsilon;
            p[i] = p[i] * decayFactor - stepSize * (m[i] / denominator);
        }
    }

    /**
     * Saves m, v (as {@code exp_avg.NAME}, {@code exp_avg_sq.NAME}, PyTorch's state names) and the step count to a
     * safetensors file, atomically.
     */
    public void save(Path file) throws IOException {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, float[]> entry : firstMoments.entrySet()) {
            float[] m = entry.getValue();
            entries.add(new SafetensorsWriter.Entry("exp_avg." + entry.getKey(), DType.F32, new long[] {m.length}, m));
            float[] v = secondMoments.get(entry.getKey());
            entries.add(new SafetensorsWriter.Entry("exp_avg_sq." + entry.getKey(), DType.F32, new long[] {v.length},
                    v));
        }
        SafetensorsWriter.write(file, entries, Map.of("format", "pt", "optimizer", "AdamW", "step",
                Long.toString(step)));
    }

    /** Replaces this optimizer's state with the one {@link #save}d in {@code file}. */
    public void load(Path file) throws IOException {
        try (SafetensorsFile saved = SafetensorsFile.open(file)) {
            String savedStep = saved.metadata().get("step");
            if (!"AdamW".equals(saved.metadata().get("optimizer")) || savedStep == null) {
                throw new IOException(file + ": not an AdamW state file (metadata " + saved.metadata() + ")");
            }
            Map<String, float[]> m = new LinkedHashMap<>();
            Map<String, float[]> v = new LinkedHashMap<>();
            for (String tensor : saved.tensors().keySet()) {
                if (tensor.startsWith("exp_avg_sq.")) {
                    v.put(tensor.substring("exp_avg_sq.".length()), saved.floats(tensor));
                } else if (tensor.startsWith("exp_avg.")) {
                    m.put(tensor.substring("exp_avg.".length()), saved.floats(tensor));
                } else {
                    throw new IOException(file + ": unexpected tensor '" + tensor + "' in AdamW state");
                }
            }
            if (!m.keySet().equals(v.keySet())) {
                throw new IOException(file + ": exp_avg and exp_avg_sq cover different parameters");
            }
            firstMoments.clear();
            secondMoments.clear();
            firstMoments.putAll(m);
            secondMoments.putAll(v);
            step = Long.parseLong(savedStep);
        }
    }
}
