package dev.reason4j.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weighted sum of reward functions: {@code reward = Σ weight_i · r_i}. Each component's unweighted reward is
 * reported in the metrics under its name, and its own metrics under {@code name/key}, so every part of a shaped
 * reward (correctness, format, overlong, …) can be followed separately. Dense step rewards are weighted alike.
 */
public final class WeightedReward implements RewardFunction {
    public record Component(String name, double weight, RewardFunction function) {
        public Component {
            if (name == null || name.isBlank() || function == null) {
                throw new IllegalArgumentException("a reward component needs a name and a function");
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("reward component '" + name + "' has weight " + weight);
            }
        }
    }

    private final List<Component> components;

    public WeightedReward(List<Component> components) {
        if (components.isEmpty()) {
            throw new IllegalArgumentException("a weighted reward needs at least one component");
        }
        this.components = List.copyOf(components);
    }

    public List<Component> components() {
        return components;
    }

    @Override
    public RewardResult score(RewardInput input) {
        double total = 0;
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<RewardResult.StepReward> steps = new ArrayList<>();
        for (Component component : components) {
            RewardResult part = component.function().score(input);
            total += component.weight() * part.reward();
            for (RewardResult.StepReward step : part.steps()) {
                steps.add(new RewardResult.StepReward(step.end(), component.weight() * step.reward()));
            }
            metrics.put(component.name(), part.reward());
            part.metrics().forEach((key, value) -> metrics.put(component.name() + "/" + key, value));
        }
        return new RewardResult(total, metrics, null, steps);
    }
}
