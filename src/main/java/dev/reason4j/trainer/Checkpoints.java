package dev.reason4j.trainer;

import java.io.IOException;
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

    /** @param keep how many most recent checkpoints to keep (older ones are deleted after a save) */
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
            writeAtomically(root.resolve("latest"), name + "\n");
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
                throw new IllegalStateException("checkpoint pointer " + pointer + " names missing " + directory);
            }
            return Optional.of(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pointer, e);
        }
    }

    /** Replaces {@code file} with {@code text} atomically (temp file in the same directory, then rename). */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void pruneOld() throws IOException {
        List<Path> complete;
        try (Stream<Path> entries = Files.list(root)) {
            complete = entries.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(Path::getFileName)).toList();
        }
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
}
