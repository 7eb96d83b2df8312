package dev.reason4j.reward.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * A learned reward's model, frozen or refreshed: with {@code refreshEvery} &gt; 0, every that many scored responses
 * it reloads the directory when its weights file changed since the last load (a reward model trained alongside, or
 * swapped in by hand), so a reload happens only when there is something new to load. Thread-safe.
 */
final class ModelSource<M> {
    interface Loader<M> {
        M load(Path directory) throws IOException;
    }

    private final Path directory;
    private final Loader<M> loader;
    private final long refreshEvery;
    private M model;
    private FileTime loadedVersion;
    private long scored;

    ModelSource(Path directory, Loader<M> loader, long refreshEvery) {
        this.directory = directory;
        this.loader = loader;
        this.refreshEvery = refreshEvery;
        this.loadedVersion = version();
        this.model = load();
    }

    /** The model to score the next response with (reloaded first when it is time and the weights changed). */
    synchronized M next() {
        scored++;
        if (refreshEvery > 0 && scored % refreshEvery == 0) {
            FileTime version = version();
            if (!version.equals(loadedVersion)) {
                model = load();
                loadedVersion = version;
            }
        }
        return model;
    }

    private M load() {
        try {
            return loader.load(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The weights file's modification time (a sharded checkpoint's index). */
    private FileTime version() {
        try {
            Path weights = directory.resolve("model.safetensors");
            return Files.getLastModifiedTime(Files.exists(weights) ? weights
                    : directory.resolve("model.safetensors.index.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(directory + ": no model.safetensors to load the reward model from", e);
        }
    }
}
