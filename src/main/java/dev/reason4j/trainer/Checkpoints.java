package dev.reason4j.trainer;

import dev.reason4j.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoint directories under {@code RUN/checkpoints/}, each written whole or not at all: the contents go into
 * a hidden {@code .step-N.partial} directory, which is renamed to {@code step-N} only when complete; then the
 * {@code latest} file is replaced atomically. A run killed at any moment leaves the previous checkpoint intact.
 */
public final class Checkpoints {
    /** Writes a checkpoint's files into the (empty) directory it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(Path directory) throws IOException;
    }

    private final Path root;
    private final int keep;

    /** @param keep how many most recent checkpoints to keep (older ones are deleted after a save), ≥ 1 */
    public Checkpoints(Path runDirectory, int keep) {
        this.root = runDirectory.resolve("checkpoints");
        this.keep = Math.max(1, keep);
    }

    public Path save(int step, Writer writer) {
        String name = String.format("step-%06d", step);
        Path partial = root.resolve("." + name + ".partial");
        Path finalDirectory = root.resolve(name);
        try {
            deleteRecursively(partial);
            Files.createDirectories(partial);
            writer.write(partial);
            deleteRecursively(finalDirectory);
            Files.move(partial, finalDirectory, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.writeString(root.resolve("latest"), name + "\n");
            pruneOld();
            return finalDirectory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + finalDirectory, e);
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest() {
        Path pointer = root.resolve("latest");
        if (!Files.isRegularFile(pointer)) {
            return Optional.empty();
        }
        try {
            Path directory = root.resolve(Files.readString(pointer, StandardCharsets.UTF_8).strip());
            if (!Files.isDirectory(directory)) {
                throw new IllegalArgumentException("checkpoint pointer " + pointer + " names missing " + directory);
            }
            return Optional.of(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pointer, e);
        }
    }

    /** Loads one checkpoint into the live run and returns its step; throws when one of its files is broken. */
    @FunctionalInterface
    public interface Loader {
        int load(Path directory) throws Exception;
    }

    /** Reads one file of a checkpoint; any failure becomes one line naming the file and the problem. */
    @FunctionalInterface
    public interface FileReader<T> {
        T read() throws Exception;
    }

    public static <T> T readFile(Path file, FileReader<T> reader) {
        try {
            return reader.read();
        } catch (Exception e) {
            String problem = e instanceof java.nio.file.NoSuchFileException ? "missing"
                    : e instanceof com.fasterxml.jackson.core.JsonProcessingException json
                    ? "invalid JSON (" + json.getOriginalMessage() + ")"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new IllegalArgumentException(file + ": " + problem, e);
        }
    }

    /**
     * Resumes as {@code trainer.resume} says and returns the step loaded (0: none, start at step 1).
     * {@code auto}: the latest checkpoint, and a broken one is an error that points to {@code latest_intact};
     * {@code latest_intact}: the newest checkpoint that loads, skipping (and naming) broken ones;
     * {@code disable}: none; anything else: the checkpoint directory at that path.
     */
    public int resume(String mode, Loader loader, PrintStream console) {
        switch (mode) {
            case "disable" -> {
                return 0;
            }
            case "auto" -> {
                Optional<Path> latest;
                try {
                    latest = latest();
                } catch (IllegalArgumentException broken) {
                    throw new IllegalArgumentException(broken.getMessage() + "; " + OTHER_CHECKPOINT);
                }
                if (latest.isEmpty()) {
                    return 0;
                }
                try {
                    return loader.load(latest.get());
                } catch (Exception e) {
                    throw new IllegalArgumentException("broken checkpoint " + latest.get() + ": " + problem(e)
                            + "; " + OTHER_CHECKPOINT, e);
                }
            }
            case "latest_intact" -> {
                List<Path> all = complete().reversed();
                for (Path directory : all) {
                    try {
                        return loader.load(directory);
                    } catch (Exception e) {
                        console.println("skipping broken checkpoint " + directory + ": " + problem(e));
                    }
                }
                if (!all.isEmpty()) {
                    throw new IllegalArgumentException("no intact checkpoint in " + root + "; start fresh with "
                            + "--out NEW_DIR or --overwrite");
                }
                return 0;
            }
            default -> {
                Path directory = Path.of(mode);
                if (!Files.isDirectory(directory)) {
                    throw new IllegalArgumentException("trainer.resume: checkpoint directory does not exist: " + mode);
                }
                try {
                    return loader.load(directory);
                } catch (Exception e) {
                    throw new IllegalArgumentException("broken checkpoint " + directory + ": " + problem(e), e);
                }
            }
        }
    }

    private static final String OTHER_CHECKPOINT = "resume from the newest intact checkpoint with "
            + "trainer.resume=latest_intact, or from another with trainer.resume=PATH";

    private static String problem(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The complete checkpoint directories, oldest first. */
    List<Path> complete() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(Path::getFileName)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private void pruneOld() throws IOException {
        List<Path> complete = complete();
        for (int i = 0; i < complete.size() - keep; i++) {
            deleteRecursively(complete.get(i));
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Overwrites {@code target}'s parameters with those of the model directory {@code dir}, matched by name. */
    static void loadWeights(Path dir, dev.reason4j.model.Transformer target) {
        dev.reason4j.model.Transformer source = readFile(dir, () -> dev.reason4j.model.Transformer.load(dir));
        java.util.Map<String, float[]> byName = new java.util.LinkedHashMap<>();
        source.parameters().forEach(p -> byName.put(p.name(), p.data()));
        for (var parameter : target.parameters()) {
            float[] data = byName.get(parameter.name());
            if (data == null || data.length != parameter.data().length) {
                throw new IllegalArgumentException(dir + ": the checkpoint lacks parameter " + parameter.name()
                        + " of size " + parameter.data().length);
            }
            System.arraycopy(data, 0, parameter.data(), 0, data.length);
        }
    }

    /** Loads an optimizer's state from a checkpoint file; a broken file is named in the error. */
    static void loadOptimizer(ModelOptimizer optimizer, Path file) {
        readFile(file, () -> {
            optimizer.load(file);
            return null;
        });
    }
}
