package dev.reason4j.plugin;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Loads {@link Plugin}s with Java's {@link ServiceLoader}: those on the class path and those in the jars a config
 * names ({@code trainer.plugins}). Each plugin class registers once per JVM, however many runs load it.
 */
public final class Plugins {
    private static final Set<String> REGISTERED = new HashSet<>();

    private Plugins() {
    }

    /** Registers every plugin on the class path and in {@code jars}; returns the class names newly registered. */
    public static synchronized List<String> load(List<Path> jars) {
        List<URL> urls = new ArrayList<>(jars.size());
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("trainer.plugins: " + jar + " is not a file");
            }
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("trainer.plugins: " + jar + ": " + e.getMessage());
            }
        }
        ClassLoader parent = Plugins.class.getClassLoader();
        // Never closed: the plugins' classes stay in use for the rest of the JVM.
        ClassLoader loader = urls.isEmpty() ? parent : new URLClassLoader(urls.toArray(URL[]::new), parent);
        List<String> registered = new ArrayList<>();
        try {
            for (Plugin plugin : ServiceLoader.load(Plugin.class, loader)) {
                String name = plugin.getClass().getName();
                if (REGISTERED.add(name)) {
                    try {
                        plugin.register();
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException("plugin " + name + ": " + e.getMessage(), e);
                    }
                    registered.add(name);
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("trainer.plugins " + jars + ": " + e.getMessage(), e);
        }
        return registered;
    }
}
