package dev.reason4j.reward;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weighted sum of reward functions: {@code reward = Σ weight_i · r_i}. Each component's unweighted reward is
 * reported in the metrics under its name, and its own metrics under {@code name/key} (a key that already starts
 * with {@code name/}, as the judge's {@code judge/parse_failure}, as it is), so every part of a shaped reward
 * (correctness, format, overlong, …) can be followed separately. Dense step rewards are weighted alike.
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
        return scoreGroup(List.of(input)).getFirst();
    }

    /** Each component scores the whole group (a groupwise one sees all of it), then the parts are summed. */
    @Override
    public List<RewardResult> scoreGroup(List<RewardInput> group) {
        double[] totals = new double[group.size()];
        List<Map<String, Double>> metrics = new ArrayList<>(group.size());
        List<String> errors = new ArrayList<>(Collections.nCopies(group.size(), null));
        List<List<RewardResult.StepReward>> steps = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            metrics.add(new LinkedHashMap<>());
            steps.add(new ArrayList<>());
        }
        for (Component component : components) {
            List<RewardResult> parts = component.function().scoreGroup(group);
            for (int i = 0; i < group.size(); i++) {
                RewardResult part = parts.get(i);
                totals[i] += component.weight() * part.reward();
                for (RewardResult.StepReward step : part.steps()) {
                    steps.get(i).add(new RewardResult.StepReward(step.end(), component.weight() * step.reward()));
                }
                Map<String, Double> sampleMetrics = metrics.get(i);
                sampleMetrics.put(component.name(), part.reward());
                part.metrics().forEach((key, value) -> sampleMetrics.put(
                        key.startsWith(component.name() + "/") ? key : component.name() + "/" + key, value));
                if (part.error() != null && errors.get(i) == null) {
                    errors.set(i, component.name() + ": " + part.error());
                }
            }
        }
        List<RewardResult> results = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            results.add(new RewardResult(totals[i], metrics.get(i), errors.get(i), steps.get(i)));
        }
        return results;
    }

    @Override
    public boolean groupwise() {
        return components.stream().anyMatch(component -> component.function().groupwise());
    }
}
