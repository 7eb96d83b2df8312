package dev.reason4j.trainer;

import dev.reason4j.config.Config;
import dev.reason4j.model.Parameter;
import dev.reason4j.model.Transformer;
import dev.reason4j.optim.AdamW;
import dev.reason4j.optim.GradientClipping;
import dev.reason4j.optim.LearningRateSchedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One model's optimizer step: global-norm clipping, then AdamW at the scheduled learning rate, then zeroed grads.
 * Built from a config section with verl's keys ({@code lr, weight_decay, betas, grad_clip, warmup_steps,
 * lr_schedule, min_lr_ratio}).
 */
public final class ModelOptimizer {
    private final Transformer model;
    private final AdamW adamW;
    private final LearningRateSchedule schedule;
    private final double gradClip;

    public ModelOptimizer(Transformer model, Config section, long totalSteps) {
        this.model = model;
        List<Double> betas = section.getDoubleList("betas");
        this.adamW = new AdamW(betas.get(0), betas.get(1), 1e-8, section.getDouble("weight_decay"),
                AdamW.exceptNormsAndBiases());
        this.schedule = LearningRateSchedule.create(section.getString("lr_schedule"), section.getDouble("lr"),
                section.getInt("warmup_steps"), totalSteps, section.getDouble("min_lr_ratio"));
        this.gradClip = section.getDouble("grad_clip");
    }

    /** Optimizer steps taken (restored with the optimizer's state): the model's version. */
    public long steps() {
        return adamW.step();
    }

    /** The learning rate of the next {@link #step()}. */
    public double learningRate() {
        return schedule.at(adamW.step());
    }

    /** Clips, updates every parameter, zeroes the grads; returns the gradient norm before clipping. */
    public double step() {
        List<Parameter> parameters = model.parameters();
        List<float[]> grads = parameters.stream().map(Parameter::grad).toList();
        double norm = gradClip > 0 ? GradientClipping.clipByGlobalNorm(grads, gradClip)
                : GradientClipping.globalNorm(grads);
        double lr = learningRate();
        adamW.beginStep();
        if (Double.isFinite(norm)) {
            for (Parameter parameter : parameters) {
                adamW.update(parameter.name(), parameter.data(), parameter.grad(), lr);
            }
        }
        model.zeroGrad();
        return norm;
    }

    public void save(Path file) throws IOException {
        adamW.save(file);
    }

    public void load(Path file) throws IOException {
        adamW.load(file);
    }
}
