package dev.reason4j.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files replaced whole or not at all: written to a temporary file beside the target, then renamed over it, so a
 * killed process leaves the old file or the new one, never half of one. The temporary file is created with the
 * user's umask (Files.createTempFile would make it 0600, and checkpoints and outputs are the user's files).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** A fresh name for a temporary file beside {@code file}, to write and then {@link #replace} it with. */
    public static Path temporarySibling(Path file) {
        Path absolute = file.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + System.nanoTime() + ".tmp");
    }

    /** Renames the finished temporary file over {@code file}, atomically. */
    public static void replace(Path temporary, Path file) throws IOException {
        Files.move(temporary, file.toAbsolutePath(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** Replaces {@code file} with {@code text} (UTF-8), creating its directory if needed. */
    public static void writeString(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temporary = temporarySibling(file);
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            replace(temporary, file);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
