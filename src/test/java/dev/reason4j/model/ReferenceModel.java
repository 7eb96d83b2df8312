package dev.reason4j.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent float64 implementation of the HF forward (Qwen2 / Qwen3 / Llama), written plainly from the HF
 * modeling code, one sequence at a time: the reference that tests compare our float32 forward and our analytic
 * gradients (by finite differences) against.
 */
final class ReferenceModel {
    final ModelConfig config;
    final Map<String, double[]> weights = new HashMap<>();

    ReferenceModel(Transformer model) {
        this.config = model.config();
        for (Weight w : model.weights()) {
            float[] values = w.toFloat();
            double[] copy = new double[values.length];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = values[i];
            }
            weights.put(w.name, copy);
        }
        if (config.tieWordEmbeddings()) {
            weights.put("lm_head.weight", weights.get("model.embed_tokens.weight"));
        }
    }

    double[] w(String name) {
        double[] values = weights.get(name);
        if (values == null) {
            throw new IllegalArgumentException("no weight " + name);
        }
        return values;
    }

    /**
     * Outputs for one sequence: log-probs, entropy and the mean log-prob over the vocabulary [L-1], values and scores
     * [L] (if the model has those heads).
     */
    record Outputs(double[] logProbs, double[] entropy, double[] values, double[] scores, double[] meanLogProbs) {}

    Outputs forward(int[] tokens, double temperature) {
        int length = tokens.length;
        int c = config.hiddenSize();
        int d = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        double[][] x = new double[length][];
        for (int t = 0; t < length; t++) {
            x[t] = slice(w("model.embed_tokens.weight"), tokens[t] * c, c);
        }
        double[] invFreq = inverseFrequencies(config);
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[length][];
            double[][] k = new double[length][];
            double[][] v = new double[length][];
            for (int t = 0; t < length; t++) {
                double[] h = rmsNorm(x[t], w(p + "input_layernorm.weight"));
                q[t] = linear(h, w(p + "self_attn.q_proj.weight"), bias(p + "self_attn.q_proj.bias"));
                k[t] = linear(h, w(p + "self_attn.k_proj.weight"), bias(p + "self_attn.k_proj.bias"));
                v[t] = linear(h, w(p + "self_attn.v_proj.weight"), bias(p + "self_attn.v_proj.bias"));
                if (config.architecture().qkNorm()) {
                    q[t] = perHeadNorm(q[t], w(p + "self_attn.q_norm.weight"), heads);
                    k[t] = perHeadNorm(k[t], w(p + "self_attn.k_norm.weight"), kvHeads);
                }
                rope(q[t], heads, t, invFreq);
                rope(k[t], kvHeads, t, invFreq);
            }
            double[][] attention = new double[length][heads * d];
            for (int h = 0; h < heads; h++) {
                int g = h / (heads / kvHeads);
                for (int t = 0; t < length; t++) {
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int i = 0; i < d; i++) {
                            dot += q[t][h * d + i] * k[s][g * d + i];
                        }
                        scores[s] = dot / Math.sqrt(d);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < d; i++) {
                            attention[t][h * d + i] += scores[s] / sum * v[s][g * d + i];
                        }
                    }
                }
            }
            for (int t = 0; t < length; t++) {
                double[] o = linear(attention[t], w(p + "self_attn.o_proj.weight"), null);
                double[] mid = add(x[t], o);
                double[] h = rmsNorm(mid, w(p + "post_attention_layernorm.weight"));
                double[] gate = linear(h, w(p + "mlp.gate_proj.weight"), null);
                double[] up = linear(h, w(p + "mlp.up_proj.weight"), null);
                double[] act = new double[gate.length];
                for (int i = 0; i < act.length; i++) {
                    act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                x[t] = add(mid, linear(act, w(p + "mlp.down_proj.weight"), null));
            }
        }
        double[] logProbs = new double[length - 1];
        double[] entropy = new double[length - 1];
        double[] meanLogProbs = new double[length - 1];
        double[] values = weights.containsKey("value_head.weight") ? new double[length] : null;
        double[] scores = weights.containsKey("score.weight") ? new double[length] : null;
        for (int t = 0; t < length; t++) {
            double[] hidden = rmsNorm(x[t], w("model.norm.weight"));
            if (values != null) {
                values[t] = linear(hidden, w("value_head.weight"), w("value_head.bias"))[0];
            }
            if (scores != null) {
                scores[t] = linear(hidden, w("score.weight"), bias("score.bias"))[0];
            }
            if (t < length - 1) {
                double[] logits = linear(hidden, w("lm_head.weight"), null);
                double max = Double.NEGATIVE_INFINITY;
                for (double z : logits) {
                    max = Math.max(max, z / temperature);
                }
                double sum = 0;
                for (double z : logits) {
                    sum += Math.exp(z / temperature - max);
                }
                double lse = max + Math.log(sum);
                double h = 0;
                double sumLogP = 0;
                for (double z : logits) {
                    double logP = z / temperature - lse;
                    h -= Math.exp(logP) * logP;
                    sumLogP += logP;
                }
                logProbs[t] = logits[tokens[t + 1]] / temperature - lse;
                entropy[t] = h;
                meanLogProbs[t] = sumLogP / logits.length;
            }
        }
        return new Outputs(logProbs, entropy, values, scores, meanLogProbs);
    }

    /** Σ over sequences of gLogProbs·logProbs + gEntropy·entropy + gValues·values + gScores·scores. */
    double loss(List<int[]> sequences, double temperature, float[][] gLogProbs, float[][] gEntropy,
                float[][] gValues, float[][] gScores) {
        double loss = 0;
        for (int b = 0; b < sequences.size(); b++) {
            Outputs out = forward(sequences.get(b), temperature);
            for (int t = 0; t < out.logProbs().length; t++) {
                loss += (gLogProbs == null ? 0 : gLogProbs[b][t]) * out.logProbs()[t]
                        + (gEntropy == null ? 0 : gEntropy[b][t]) * out.entropy()[t];
            }
            if (gValues != null) {
                for (int t = 0; t < out.values().length; t++) {
                    loss += gValues[b][t] * out.values()[t];
                }
            }
            if (gScores != null) {
                for (int t = 0; t < out.scores().length; t++) {
                    loss += gScores[b][t] * out.scores()[t];
                }
            }
        }
        return loss;
    }

    private double[] bias(String name) {
        return weights.get(name);
    }

    double[] rmsNorm(double[] x, double[] weight) {
        double meanSquare = 0;
        for (double value : x) {
            meanSquare += value * value;
        }
        meanSquare /= x.length;
        double rstd = 1 / Math.sqrt(meanSquare + config.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * rstd * weight[i];
        }
        return out;
    }

    private double[] perHeadNorm(double[] x, double[] weight, int heads) {
        int d = config.headDim();
        double[] out = new double[x.length];
        for (int h = 0; h < heads; h++) {
            double[] normed = rmsNorm(slice(x, h * d, d), weight);
            System.arraycopy(normed, 0, out, h * d, d);
        }
        return out;
    }

    /** HF rotate_half: x·cos + rotate_half(x)·sin with rotate_half(x) = [−x2, x1]. */
    private void rope(double[] x, int heads, int position, double[] invFreq) {
        int d = config.headDim();
        int half = d / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                double angle = position * invFreq[i];
                double x1 = x[h * d + i];
                double x2 = x[h * d + i + half];
                x[h * d + i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
                x[h * d + i + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
            }
        }
    }

    /** HF _compute_default_rope_parameters and _compute_llama3_parameters, in float64. */
    static double[] inverseFrequencies(ModelConfig config) {
        int d = config.headDim();
        double[] invFreq = new double[d / 2];
        for (int i = 0; i < d / 2; i++) {
            invFreq[i] = 1.0 / Math.pow(config.ropeTheta(), (double) (2 * i) / d);
        }
        ModelConfig.Llama3RopeScaling s = config.ropeScaling();
        if (s == null) {
            return invFreq;
        }
        double lowFreqWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highFreqWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < invFreq.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen < highFreqWavelen) {
                continue;                                   // high frequency: unchanged
            }
            if (wavelen > lowFreqWavelen) {
                invFreq[i] /= s.factor();                   // low frequency: scaled down
            } else {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                invFreq[i] = (1 - smooth) * invFreq[i] / s.factor() + smooth * invFreq[i];
            }
        }
        return invFreq;
    }

    static double[] linear(double[] x, double[] weight, double[] bias) {
        int out = weight.length / x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) {
                sum += weight[o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    static double[] slice(double[] values, int offset, int length) {
        double[] out = new double[length];
        System.arraycopy(values, offset, out, 0, length);
        return out;
    }
}
