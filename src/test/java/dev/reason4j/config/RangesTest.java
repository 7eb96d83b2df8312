package dev.reason4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.algo.KlEstimators;
import dev.reason4j.algo.LossAggregation;
import dev.reason4j.algo.PolicyLosses;
import dev.reason4j.algo.RolloutCorrectionConfig;
import dev.reason4j.env.Tasks;
import dev.reason4j.optim.LearningRateSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Declared ranges of numeric keys, and the comments of defaults.yaml that ./reason4j config prints. */
class RangesTest {
    @Test
    void outOfRangeValuesFailAtLoadNamingTheKey() {
        assertEquals("override 'data.train_batch_size=0': data.train_batch_size must be ≥ 1, got 0",
                assertThrows(ConfigException.class, () -> Config.defaults().override("data.train_batch_size=0"))
                        .getMessage());
        assertEquals("override 'actor.lr=-1': actor.lr must be ≥ 0, got -1.0",
                assertThrows(ConfigException.class, () -> Config.defaults().override("actor.lr=-1")).getMessage());
        assertEquals("override 'data.max_response_length=-4': data.max_response_length must be ≥ 1, got -4",
                assertThrows(ConfigException.class,
                        () -> Config.defaults().override("data.max_response_length=-4")).getMessage());
        assertEquals("override 'actor.betas=[0.9, 1.0]': actor.betas must be in [0, 1), got 1.0",
                assertThrows(ConfigException.class,
                        () -> Config.defaults().override("actor.betas=[0.9, 1.0]")).getMessage());
        assertEquals("override 'rollout.top_p=0': rollout.top_p must be in (0, 1], got 0.0",
                assertThrows(ConfigException.class, () -> Config.defaults().override("rollout.top_p=0"))
                        .getMessage());
        assertEquals("override 'actor.lr=.nan': actor.lr must be ≥ 0, got NaN",
                assertThrows(ConfigException.class, () -> Config.defaults().override("actor.lr=.nan")).getMessage());
        // In range is fine, at the bounds too.
        Config ok = Config.defaults().override(List.of("data.train_batch_size=1", "actor.lr=0", "rollout.top_k=0",
                "rollout.top_p=1", "trainer.eval.k=[1, 4]"));
        assertEquals(1, ok.getInt("data.train_batch_size"));
    }

    @Test
    void aYamlFileNamesItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "data:\n  seed: 3\n  train_batch_size: 0\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(file, List.of()));
        assertEquals(file + ":3: data.train_batch_size must be ≥ 1, got 0", e.getMessage());
    }

    /** Every numeric key of the defaults has a range, every range a key, and every default is in its range. */
    @Test
    void everyNumericKeyHasARangeThatItsDefaultSatisfies() {
        Config defaults = Config.defaults();
        Set<String> numeric = new TreeSet<>();
        for (String path : Config.knownPaths(defaults.toMap(), "")) {
            if (path.startsWith("data.task_options") || path.startsWith("reward.functions")) {
                continue;   // open maps: their values belong to the task or reward that reads them
            }
            Object value = defaults.get(path);
            boolean isNumber = value instanceof Number
                    || value instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Number;
            if (isNumber) {
                numeric.add(path);
                Ranges.check(path, value, "defaults.yaml: ");
            }
        }
        // Keys whose default is null (off) have a range for the numbers a user sets.
        Set<String> ranged = new TreeSet<>(Ranges.BY_KEY.keySet());
        ranged.removeIf(path -> defaults.get(path) == null && Config.knownPaths(defaults.toMap(), "").contains(path));
        assertEquals(numeric, ranged);
    }

    @Test
    void configPrintsEachKeyWithItsComment() {
        String printed = Config.defaults().override("data.train_batch_size=4").toCommentedYaml();
        assertTrue(printed.startsWith("data:\n  train_files: []"), printed);
        assertTrue(printed.matches("(?s).*\n  train_batch_size: 4 +# prompts per step \\(≥ 1\\)\n.*"), printed);
        assertTrue(printed.matches("(?s).*\n  lr: 1\\.0e-6 +# \\(≥ 0\\)\n.*"), printed);
        assertTrue(printed.matches("(?s).*\n  kl_ctrl:\n    type: fixed +# fixed \\| adaptive\n.*"), printed);
    }

    /**
     * An option list in a comment ({@code a | b | c}, each option's first word) names exactly what the code
     * accepts: the registries' names (tests that register their own unregister them), or the fixed sets the code
     * switches on.
     */
    @Test
    void optionListsInCommentsAreTheRegisteredNames() throws Exception {
        Set<String> kl = KlEstimators.names();
        Set<String> aggregation = Arrays.stream(LossAggregation.values()).map(LossAggregation::verlName)
                .collect(Collectors.toSet());
        Set<String> schedules = Set.copyOf(LearningRateSchedule.NAMES);
        Map<String, Set<String>> expected = Map.ofEntries(
                Map.entry("data.task", Tasks.names()),
                Map.entry("agent.tools", dev.reason4j.agent.Tools.names()),
                Map.entry("agent.environment", dev.reason4j.env.Environments.names()),
                Map.entry("rollout.backend", Set.of("local", "remote")),
                Map.entry("rollout.api", Set.of("openai", "sglang")),
                Map.entry("rollout.weight_sync", Set.of("none", "reason4j", "sglang", "command", "url")),
                Map.entry("actor.policy_loss", PolicyLosses.names()),
                Map.entry("algorithm.adv_estimator", AdvantageEstimators.names()),
                Map.entry("actor.kl_loss_type", kl),
                Map.entry("algorithm.kl_penalty", kl),
                Map.entry("actor.loss_agg_mode", aggregation),
                Map.entry("critic.loss_agg_mode", aggregation),
                Map.entry("actor.lr_schedule", schedules),
                Map.entry("critic.lr_schedule", schedules),
                Map.entry("sft.lr_schedule", schedules),
                Map.entry("distill.lr_schedule", schedules),
                Map.entry("distill.mode", Set.of("on_policy", "traces")),
                Map.entry("distill.loss_agg_mode", aggregation),
                Map.entry("dpo.lr_schedule", schedules),
                Map.entry("dpo.loss_type", dev.reason4j.algo.PreferenceLosses.names()),
                Map.entry("rm.lr_schedule", schedules),
                Map.entry("rm.type", Set.of("orm", "prm")),
                Map.entry("reward.reward_model.type", Set.of("orm", "prm")),
                Map.entry("reward.reward_model.aggregate", Arrays.stream(
                        dev.reason4j.reward.model.ProcessRewardModel.Aggregate.values())
                        .map(dev.reason4j.reward.model.ProcessRewardModel.Aggregate::configName)
                        .collect(Collectors.toSet())),
                Map.entry("algorithm.kl_ctrl.type", Set.of("fixed", "adaptive")),
                Map.entry("algorithm.rollout_correction.rollout_is",
                        Set.copyOf(RolloutCorrectionConfig.names(RolloutCorrectionConfig.IS_LEVELS))),
                Map.entry("algorithm.rollout_correction.rollout_rs",
                        Set.copyOf(RolloutCorrectionConfig.names(RolloutCorrectionConfig.RS_LEVELS))),
                Map.entry("reward.code.reward", Set.of("all_pass", "fraction")),
                Map.entry("reward.normalize", Set.of("none", "batch", "running")),
                Map.entry("reward.check", Set.of("auto", "verifier", "none")),
                Map.entry("trainer.resume", Set.of("auto", "latest_intact", "disable", "PATH")),
                Map.entry("trainer.logger", dev.reason4j.trainer.MetricsLog.LOGGERS));
        Set<String> withLists = new TreeSet<>();
        for (String path : Config.knownPaths(Config.defaults().toMap(), "")) {
            String comment = Config.comment(path);
            if (comment == null || !comment.contains(" | ")) {
                continue;
            }
            withLists.add(path);
            Set<String> listed = new LinkedHashSet<>();
            for (String option : comment.split("\\s+\\|\\s+")) {
                listed.add(option.strip().split("[\\s(]")[0]);
            }
            assertEquals(new TreeSet<>(expected.get(path)), new TreeSet<>(listed), "options listed for " + path);
        }
        assertEquals(new TreeSet<>(expected.keySet()), withLists, "keys whose comments list options");
    }
}
