package dev.reason4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.algo.KlEstimators;
import dev.reason4j.algo.PolicyLosses;
import dev.reason4j.env.Tasks;
import dev.reason4j.reward.RewardFunctions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryTest {
    @Test
    void aDuplicateNameIsRefusedAndAnUnknownOneGetsTheNearest() {
        Registry<String> registry = new Registry<>("colour");
        registry.register("red", "#f00");
        registry.register("green", "#0f0");
        assertEquals("colour 'red' is already registered",
                assertThrows(IllegalArgumentException.class, () -> registry.register("red", "#e00")).getMessage());
        assertEquals("#f00", registry.get("red"));
        assertEquals("unknown colour 'gren' — did you mean green? (registered: green, red)",
                assertThrows(IllegalArgumentException.class, () -> registry.get("gren")).getMessage());
        registry.replace("red", "#e00");
        assertEquals("#e00", registry.get("red"));
        assertEquals(List.of("green", "red"), List.copyOf(registry.names()));
    }

    @Test
    void everyRegistryOfTheProjectRefusesADuplicateAndSuggests() {
        List<Runnable> duplicates = List.of(
                () -> AdvantageEstimators.register("grpo", AdvantageEstimators::grpo),
                () -> PolicyLosses.register("vanilla", PolicyLosses::vanilla),
                () -> KlEstimators.register("k3", KlEstimators.K3),
                () -> RewardFunctions.register("format", input -> null),
                () -> Tasks.register("countdown", options -> null));
        for (Runnable duplicate : duplicates) {
            assertThrows(IllegalArgumentException.class, duplicate::run);
        }
        assertEquals("unknown advantage estimator 'rlo' — did you mean rloo? (registered: "
                        + String.join(", ", AdvantageEstimators.names()) + ")",
                assertThrows(IllegalArgumentException.class, () -> AdvantageEstimators.get("rlo")).getMessage());
        assertEquals("unknown task 'countdwn' — did you mean countdown? (registered: "
                        + String.join(", ", Tasks.names()) + ")",
                assertThrows(IllegalArgumentException.class, () -> Tasks.create("countdwn", Map.of())).getMessage());
    }
}
