package dev.reason4j.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.algo.AdvantageEstimators;
import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin built outside the project, as a user builds one: a class, a service file, a jar. */
class PluginsTest {
    @Test
    void aJarsPluginRegistersItsPartsOnce(@TempDir Path temp) throws Exception {
        Path jar = pluginJar(temp, "good", """
                AdvantageEstimators.register("plugin_gae", AdvantageEstimator.needingValues(AdvantageEstimators::gae));
                RewardFunctions.register("plugin_length", in -> RewardResult.of(in.responseTokens()));
                """);
        // The jar as a config names it.
        Config config = Config.load(null, List.of("trainer.plugins=[" + jar + "]"));
        List<Path> jars = config.getStringList("trainer.plugins").stream().map(Path::of).toList();

        assertEquals(List.of("good.UserPlugin"), Plugins.load(jars));
        assertTrue(AdvantageEstimators.get("plugin_gae").needsValues());
        assertEquals(7.0, RewardFunctions.get("plugin_length")
                .score(new RewardInput("p", "r", "t", "d", 7, null)).reward());
        assertEquals(List.of(), Plugins.load(jars), "a second run in the same JVM registers nothing twice");
        AdvantageEstimators.unregister("plugin_gae");   // other tests list the registered names
    }

    @Test
    void aPluginThatTakesABuiltInNameIsNamedInTheError(@TempDir Path temp) throws Exception {
        Path jar = pluginJar(temp, "clash", """
                AdvantageEstimators.register("grpo", AdvantageEstimators::rloo);
                """);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Plugins.load(List.of(jar)));
        assertEquals("plugin clash.UserPlugin: advantage estimator 'grpo' is already registered", error.getMessage());
        assertEquals("trainer.plugins: " + temp.resolve("missing.jar") + " is not a file",
                assertThrows(IllegalArgumentException.class,
                        () -> Plugins.load(List.of(temp.resolve("missing.jar")))).getMessage());
    }

    /** Compiles a Plugin whose register() runs {@code body}, in package {@code pkg}; jars it with its service file. */
    private static Path pluginJar(Path temp, String pkg, String body) throws IOException {
        Path sources = temp.resolve(pkg + "-src");
        Path classes = temp.resolve(pkg + "-classes");
        Files.createDirectories(sources.resolve(pkg));
        Files.createDirectories(classes);
        Path source = sources.resolve(pkg).resolve("UserPlugin.java");
        Files.writeString(source, """
                package %s;

                import dev.reason4j.algo.AdvantageEstimator;
                import dev.reason4j.algo.AdvantageEstimators;
                import dev.reason4j.reward.RewardFunctions;
                import dev.reason4j.reward.RewardResult;

                public final class UserPlugin implements dev.reason4j.plugin.Plugin {
                    @Override
                    public void register() {
                        %s
                    }
                }
                """.formatted(pkg, body));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, "-cp", System.getProperty("java.class.path"),
                "-d", classes.toString(), source.toString());
        assertEquals(0, status, "the plugin compiles");
        Path jar = temp.resolve(pkg + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("META-INF/services/dev.reason4j.plugin.Plugin"));
            out.write((pkg + ".UserPlugin\n").getBytes());
            out.putNextEntry(new JarEntry(pkg + "/UserPlugin.class"));
            out.write(Files.readAllBytes(classes.resolve(pkg).resolve("UserPlugin.class")));
        }
        return jar;
    }
}
