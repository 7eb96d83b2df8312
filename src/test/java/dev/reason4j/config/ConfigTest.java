package dev.reason4j.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsHaveVerlNamesAndTypes() {
        Config config = Config.defaults();
        assertEquals("grpo", config.getString("algorithm.adv_estimator"));
        assertEquals(1.0e-6, config.getDouble("actor.lr"));
        assertEquals(8, config.getInt("rollout.n"));
        assertTrue(config.getBoolean("algorithm.norm_adv_by_std_in_grpo"));
        assertEquals(List.of(0.9, 0.999), config.getDoubleList("actor.betas"));
        assertEquals(List.of(1), config.getIntList("trainer.eval.k"));
        assertEquals("fixed", config.getString("algorithm.kl_ctrl.type"));
        assertNull(config.getString("model.path"));
        assertEquals(Map.of(), config.getMap("reward.functions"));
    }

    /** A default written like {@code 1e-6} would be read by YAML as a string and make its key string-typed. */
    @Test
    void noDefaultIsANumberWrittenAsAString() {
        for (String path : Config.knownPaths(Config.defaults().toMap(), "")) {
            Object value = Config.defaults().get(path);
            if (value instanceof String s) {
                assertFalse(s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"),
                        path + " default '" + s + "' is a string; write it as 1.0e-6");
            }
        }
    }

    @Test
    void overridesAreTypedByTheDefault() {
        Config config = Config.defaults().override(List.of(
                "algorithm.adv_estimator=rloo", "actor.clip_ratio_high=0.28", "actor.lr=1e-5", "rollout.n=16",
                "actor.use_kl_loss=true", "data.train_files=[a.jsonl, b.parquet]", "trainer.eval.k=[1,4,8]",
                "trainer.out_dir=runs/1.10", "algorithm.kl_ctrl.kl_coef=2"));
        assertEquals("rloo", config.getString("algorithm.adv_estimator"));
        assertEquals(0.28, config.getDouble("actor.clip_ratio_high"));
        assertEquals(1e-5, config.getDouble("actor.lr"));
        assertEquals(16, config.getInt("rollout.n"));
        assertTrue(config.getBoolean("actor.use_kl_loss"));
        assertEquals(List.of("a.jsonl", "b.parquet"), config.getStringList("data.train_files"));
        assertEquals(List.of(1, 4, 8), config.getIntList("trainer.eval.k"));
        assertEquals("runs/1.10", config.getString("trainer.out_dir"));
        assertEquals(2.0, config.getDouble("algorithm.kl_ctrl.kl_coef"));
        assertEquals(Double.class, config.get("algorithm.kl_ctrl.kl_coef").getClass());
        // Untouched keys keep their defaults; the original is unchanged (immutable).
        assertEquals(0.2, config.getDouble("actor.clip_ratio_low"));
        assertEquals(8, Config.defaults().getInt("rollout.n"));
    }

    @Test
    void overrideTextThatIsNotYamlIsAString() {
        Config config = Config.defaults().override(List.of("data.task_options.operators=*", "trainer.out_dir=a: b"));
        assertEquals("*", config.getMap("data.task_options").get("operators"));
        assertEquals("a: b", config.getString("trainer.out_dir"));
        ConfigException e = assertThrows(ConfigException.class, () -> Config.defaults().override("data.val_files=[a"));
        assertTrue(e.getMessage().startsWith("override 'data.val_files=[a':1: invalid YAML"), e.getMessage());
        assertFalse(e.getMessage().chars().anyMatch(c -> c < 32 && c != '\n'), "printable: " + e.getMessage());
    }

    @Test
    void aSingleValueForAListKeyIsAListOfOne() {
        Config config = Config.defaults().override("data.train_files=train.parquet");
        assertEquals(List.of("train.parquet"), config.getStringList("data.train_files"));
    }

    @Test
    void unknownOverrideKeySuggestsTheNearestFullPath() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.defaults().override("actor.clip_ration_high=0.28"));
        assertEquals("override 'actor.clip_ration_high=0.28': unknown key actor.clip_ration_high"
                + " — did you mean actor.clip_ratio_high?", e.getMessage());
    }

    @Test
    void keyInTheWrongSectionSuggestsTheRightOne() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.defaults().override("actor.temperature=0.7"));
        // Several sections have a temperature: the message names each of them, the one meant among them.
        String message = e.getMessage();
        String prefix = "override 'actor.temperature=0.7': unknown key actor.temperature — did you mean ";
        assertTrue(message.startsWith(prefix) && message.endsWith("?"), message);
        List<String> named = List.of(message.substring(prefix.length(), message.length() - 1)
                .split(", | or "));
        assertTrue(named.contains("rollout.temperature"), message);
        Config defaults = Config.defaults();
        for (String key : named) {
            assertTrue(key.endsWith(".temperature") && defaults.get(key) != null, key + " in " + message);
        }
        assertTrue(named.size() > 1, message);
    }

    @Test
    void typeErrorsNameTheKeyAndSource() {
        ConfigException notInt = assertThrows(ConfigException.class,
                () -> Config.defaults().override("rollout.n=1.5"));
        assertEquals("override 'rollout.n=1.5': rollout.n expects an integer, got 1.5", notInt.getMessage());
        ConfigException notNumber = assertThrows(ConfigException.class,
                () -> Config.defaults().override("actor.lr=fast"));
        assertEquals("override 'actor.lr=fast': actor.lr expects a number, got 'fast'", notNumber.getMessage());
        ConfigException notBool = assertThrows(ConfigException.class,
                () -> Config.defaults().override("actor.use_kl_loss=1"));
        assertTrue(notBool.getMessage().contains("actor.use_kl_loss expects true or false"), notBool.getMessage());
        ConfigException section = assertThrows(ConfigException.class,
                () -> Config.defaults().override("actor=3"));
        assertTrue(section.getMessage().contains("actor is a section"), section.getMessage());
        assertThrows(ConfigException.class, () -> Config.defaults().override("actor.lr"));
        assertThrows(ConfigException.class, () -> Config.defaults().override("actor.lr.x=1"));
    }

    @Test
    void userYamlMergesOntoDefaultsAndErrorsNameFileAndLine() throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, """
                # my run
                actor:
                  lr: 3e-6
                  clip_ratio_high: 0.28
                rollout:
                  n: 4
                data:
                  task: countdown
                  task_options: {numbers: 3, max_target: 50}
                reward:
                  functions:
                    countdown: 1.0
                    format: 0.1
                """);
        Config config = Config.load(file, List.of("rollout.n=5", "data.task_options.numbers=4"));
        assertEquals(3e-6, config.getDouble("actor.lr"));
        assertEquals(0.28, config.getDouble("actor.clip_ratio_high"));
        assertEquals(0.2, config.getDouble("actor.clip_ratio_low"));
        assertEquals(5, config.getInt("rollout.n"));
        assertEquals(Map.of("numbers", 4, "max_target", 50), config.getMap("data.task_options"));
        assertEquals(Map.of("countdown", 1.0, "format", 0.1), config.getMap("reward.functions"));

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                actor:
                  lr: 1.0e-6

                  clip_ration_high: 0.3
                """);
        ConfigException unknown = assertThrows(ConfigException.class, () -> Config.load(bad, List.of()));
        assertEquals(bad + ":4: unknown key actor.clip_ration_high — did you mean actor.clip_ratio_high?",
                unknown.getMessage());

        Files.writeString(bad, "rollout:\n  n: many\n");
        ConfigException type = assertThrows(ConfigException.class, () -> Config.load(bad, List.of()));
        assertEquals(bad + ":2: rollout.n expects an integer, got 'many'", type.getMessage());

        Files.writeString(bad, "rollout:\n  n: 1\n  n: 2\n");
        ConfigException duplicate = assertThrows(ConfigException.class, () -> Config.load(bad, List.of()));
        assertEquals(bad + ":3: duplicate key rollout.n", duplicate.getMessage());

        Files.writeString(bad, "rollout: [1, 2\n");
        ConfigException syntax = assertThrows(ConfigException.class, () -> Config.load(bad, List.of()));
        assertTrue(syntax.getMessage().startsWith(bad + ":") && syntax.getMessage().contains("invalid YAML"),
                syntax.getMessage());

        ConfigException missing = assertThrows(ConfigException.class,
                () -> Config.load(dir.resolve("nope.yaml"), List.of()));
        assertTrue(missing.getMessage().contains("nope.yaml"), missing.getMessage());
    }

    @Test
    void emptyUserYamlIsTheDefaults() {
        assertEquals(Config.defaults(), Config.defaults().mergeYaml("# nothing\n", "empty.yaml"));
    }

    @Test
    void nullDefaultTakesAnyValueAndStringsAcceptNull() {
        Config config = Config.defaults().override(List.of("model.path=/models/qwen", "trainer.out_dir=null"));
        assertEquals("/models/qwen", config.getString("model.path"));
        assertNull(config.getString("trainer.out_dir"));
    }

    @Test
    void sectionViewReadsRelativeKeysAndNamesFullKeysInErrors() {
        Config actor = Config.defaults().override("actor.ppo_epochs=2").section("actor");
        assertEquals(2, actor.getInt("ppo_epochs"));
        assertEquals(3.0, actor.getDouble("clip_ratio_c"));
        assertEquals(0.1, Config.defaults().section("algorithm").section("kl_ctrl").getDouble("target_kl"));
        ConfigException e = assertThrows(ConfigException.class, () -> actor.getDouble("clip_ration_c"));
        assertEquals("no config key actor.clip_ration_c — did you mean actor.clip_ratio_c?", e.getMessage());
        assertThrows(ConfigException.class, () -> actor.getInt("loss_agg_mode"));
        assertThrows(ConfigException.class, () -> Config.defaults().section("actor.lr"));
    }

    @Test
    void toYamlAndCommentedYamlRoundTrip() throws Exception {
        Config config = Config.defaults().override(List.of("actor.lr=2.5e-7", "trainer.out_dir=true",
                "data.task_options={digits: 3, operators: '+-'}", "data.val_files=['\\n\\n', \"\\n\", 'yes', '1.0', '']"));
        Config reloaded = Config.defaults().mergeYaml(config.toYaml(), "saved");
        assertEquals(config, reloaded);
        assertEquals("true", reloaded.getString("trainer.out_dir"));
        assertEquals(List.of("\\n\\n", "\n", "yes", "1.0", ""), reloaded.getStringList("data.val_files"));

        assertEquals(config, Config.defaults().mergeYaml(config.toCommentedYaml(), "printed"));
        Path saved = dir.resolve("config.yaml");
        Files.writeString(saved, config.toYaml());
        assertEquals(config, Config.load(saved, List.of()));
    }

    @Test
    void suggestionsNeedToBeNear() {
        assertEquals("actor.lr", Suggestions.nearest("actor.lrr", List.of("actor.lr", "critic.lr")).orElseThrow());
        assertTrue(Suggestions.nearest("zzzzzzzz", List.of("actor.lr")).isEmpty());
        assertEquals(3, Suggestions.editDistance("kitten", "sitting"));
    }
}
