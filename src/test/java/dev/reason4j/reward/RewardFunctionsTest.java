package dev.reason4j.reward;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardFunctionsTest {
    private static RewardInput from(String dataSource) {
        return new RewardInput("Q", "A", "A", dataSource, 1, Map.of());
    }

    @Test
    void registersAndFindsByName() {
        RewardFunction exact = in -> RewardResult.of(in.response().equals(in.groundTruth()) ? 1 : 0);
        RewardFunctions.register("test_exact", exact);
        assertSame(exact, RewardFunctions.get("test_exact"));
        assertTrue(RewardFunctions.names().contains("format"));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> RewardFunctions.get("no_such_reward"));
        assertTrue(error.getMessage().contains("no_such_reward") && error.getMessage().contains("format"),
                error.getMessage());
    }

    @Test
    void routesByDataSource() {
        assertSame(RewardFunctions.get("code"), RewardFunctions.forDataSource("codecontests"));
        assertSame(RewardFunctions.get("math"), RewardFunctions.forDataSource("openai/gsm8k"));
        assertSame(RewardFunctions.get("math"), RewardFunctions.forDataSource("aime_2024"));
        RewardFunction half = in -> RewardResult.of(0.5);
        RewardFunctions.register("test_half", half);
        RewardFunctions.route(source -> source.startsWith("test_family/"), "test_half");
        assertSame(half, RewardFunctions.forDataSource("test_family/easy"));
        assertEquals(0.5, RewardFunctions.byDataSource().score(from("test_family/hard")).reward());
        // A function registered under the data source's own name wins over routes.
        RewardFunction own = in -> RewardResult.of(1.0);
        RewardFunctions.register("test_family/own", own);
        assertSame(own, RewardFunctions.forDataSource("test_family/own"));
    }

    @Test
    void unknownDataSourceIsAClearError() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> RewardFunctions.forDataSource("test_unrouted"));
        assertTrue(error.getMessage().contains("test_unrouted"), error.getMessage());
        RewardFunctions.route("test_routed_nowhere", "test_missing_reward");
        error = assertThrows(IllegalArgumentException.class,
                () -> RewardFunctions.forDataSource("test_routed_nowhere"));
        assertTrue(error.getMessage().contains("test_missing_reward"), error.getMessage());
    }
}
