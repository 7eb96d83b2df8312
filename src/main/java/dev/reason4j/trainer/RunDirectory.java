package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import dev.reason4j.config.Config;
import dev.reason4j.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A run directory belongs to one run: the resolved config is saved in it as {@code config.yaml}, and a later run
 * may use the directory only with the same config (so it resumes that run) — never mixing a new run into the old
 * one's metrics and checkpoints. Starting fresh takes a new directory or {@link #clear} ({@code --overwrite}).
 */
public final class RunDirectory {
    static final String CONFIG_FILE = "config.yaml";
    static final String METRICS_FILE = "metrics.jsonl";
    static final String FRESH = "start fresh with --out NEW_DIR or --overwrite";
    /** Keys that say how a run is saved or resumed, not what it computes: they may change between resumes. */
    private static final Set<String> BOOKKEEPING = Set.of("trainer.resume", "trainer.out_dir",
            "trainer.max_checkpoints", "trainer.save_freq", "sft.save_freq", "distill.save_freq",
            "distill.teacher_api_key", "distill.teacher_timeout_s", "dpo.save_freq");

    private RunDirectory() {
    }

    /**
     * Takes {@code directory} for the run of {@code config}: refuses one that holds another run (a different
     * config.yaml, or run files without one), then saves the config there.
     */
    public static void claim(Path directory, Config config) throws IOException {
        Path saved = directory.resolve(CONFIG_FILE);
        if (Files.isRegularFile(saved)) {
            String difference;
            try {
                difference = firstDifference(Config.defaults().merge(saved), config);
            } catch (ConfigException unreadable) {
                difference = "its config.yaml does not load (" + unreadable.getMessage() + ")";
            }
            if (difference != null) {
                throw new IllegalArgumentException(directory + " holds another run: " + difference
                        + ". Resume it with the same settings, or " + FRESH);
            }
        } else if (Files.exists(directory.resolve(METRICS_FILE)) || Files.exists(directory.resolve("checkpoints"))) {
            throw new IllegalArgumentException(directory + " holds run files but no config.yaml; " + FRESH);
        }
        AtomicFiles.writeString(saved, config.toYaml());
    }

    /**
     * Deletes what a run directory holds ({@code --overwrite}). Only a run directory (one with config.yaml) or an
     * empty or missing one is touched; any other directory is refused, so a mistyped {@code --out} deletes nothing.
     */
    public static void clear(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(directory)) {
            entries = list.toList();
        }
        if (!entries.isEmpty() && !Files.isRegularFile(directory.resolve(CONFIG_FILE))) {
            throw new IllegalArgumentException("--overwrite: " + directory
                    + " is not a run directory (no config.yaml); not deleting it");
        }
        for (Path entry : entries) {
            Checkpoints.deleteRecursively(entry);
        }
    }

    /**
     * Where a run in {@code directory} starts: after the checkpoint {@code trainer.resume} picks (loaded by
     * {@code loader}), else at step 1. Metrics rows logged after that checkpoint (by a run killed later) are
     * dropped, as the resumed run logs those steps again; a run killed before its first checkpoint starts over.
     * Returns the step loaded (0 for none).
     */
    static int resume(Path directory, Config config, Checkpoints checkpoints, Checkpoints.Loader loader,
                      int totalSteps, PrintStream console) throws IOException {
        Path metricsFile = directory.resolve(METRICS_FILE);
        String mode = config.getString("trainer.resume");
        if (mode.equals("disable") && Files.exists(metricsFile)) {
            throw new IllegalArgumentException("trainer.resume=disable, but " + directory + " already holds this run's"
                    + " metrics and checkpoints; " + FRESH);
        }
        int restored = checkpoints.resume(mode, loader, console);
        if (restored == 0) {
            Files.deleteIfExists(metricsFile);
            return 0;
        }
        MetricsLog.truncateAfter(metricsFile, restored);
        console.println(restored >= totalSteps ? directory + ": the run is complete (step " + restored + ")"
                : "resumed " + directory + " from step " + restored + ", continuing at step " + (restored + 1));
        return restored;
    }

    /** "config.yaml differs at actor.lr (saved 1.0E-6, now 1.0E-5)", or null when the runs are the same. */
    static String firstDifference(Config saved, Config current) {
        List<String> differing = new ArrayList<>();
        for (String path : leafPaths(current)) {
            if (!BOOKKEEPING.contains(path) && !Objects.equals(saved.get(path), current.get(path))) {
                differing.add(path);
            }
        }
        if (differing.isEmpty()) {
            return null;
        }
        String first = differing.getFirst();
        return "its config.yaml differs at " + first + " (saved " + saved.get(first) + ", now " + current.get(first)
                + ")" + (differing.size() > 1 ? " and " + (differing.size() - 1) + " more key(s)" : "");
    }

    /** Dotted paths of the leaves (open maps such as data.task_options count as one value). */
    private static List<String> leafPaths(Config config) {
        List<String> leaves = new ArrayList<>();
        collect(config.toMap(), "", Config.defaults().toMap(), leaves);
        return leaves;
    }

    @SuppressWarnings("unchecked")
    private static void collect(java.util.Map<String, Object> tree, String path, java.util.Map<String, Object> schema,
                                List<String> leaves) {
        for (var entry : tree.entrySet()) {
            String keyPath = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            Object schemaValue = schema.get(entry.getKey());
            if (entry.getValue() instanceof java.util.Map<?, ?> child && schemaValue instanceof java.util.Map<?, ?> keys
                    && !keys.isEmpty()) {
                collect((java.util.Map<String, Object>) child, keyPath, (java.util.Map<String, Object>) keys, leaves);
            } else {
                leaves.add(keyPath);
            }
        }
    }
}
