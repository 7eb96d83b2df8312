package dev.reason4j.dashboard;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The runs under a directory: every directory below it that holds a {@code metrics.jsonl} is a run, named by its
 * path from the directory with {@code /} between names ({@code demo/rl}). A name resolves only to a run inside the
 * directory: {@code .} and {@code ..} segments, absolute paths and symbolic links that lead out of it are refused.
 */
final class Runs {
    static final String METRICS_FILE = "metrics.jsonl";
    /** How deep below the root runs are looked for (a demo's sub-runs are at depth 2). */
    private static final int MAX_DEPTH = 4;

    private final Path root;

    /** {@code directory} must exist; it is resolved to its real path once, and every run must stay under it. */
    Runs(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--runs: " + directory + " is not a directory");
        }
        this.root = directory.toRealPath();
    }

    Path root() {
        return root;
    }

    /** The names of the runs, sorted; symbolic links are not followed while looking. */
    List<String> ids() throws IOException {
        List<String> ids = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root, MAX_DEPTH, new FileVisitOption[0])) {
            for (Path directory : (Iterable<Path>) walk::iterator) {
                if (!directory.equals(root) && Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)
                        && Files.isRegularFile(directory.resolve(METRICS_FILE), LinkOption.NOFOLLOW_LINKS)) {
                    ids.add(id(directory));
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    private String id(Path directory) {
        List<String> names = new ArrayList<>();
        for (Path name : root.relativize(directory)) {
            names.add(name.toString());
        }
        return String.join("/", names);
    }

    /**
     * The directory of run {@code id}, or null when there is no such run under the root (a bad name, a path that
     * leaves the root, a link out of it, or a directory without metrics.jsonl).
     */
    Path resolve(String id) throws IOException {
        if (id.isEmpty() || id.startsWith("/") || id.contains("\\") || id.indexOf('\0') >= 0) {
            return null;
        }
        for (String name : id.split("/", -1)) {
            if (Set.of("", ".", "..").contains(name)) {
                return null;
            }
        }
        Path directory = root.resolve(id).normalize();
        if (!directory.startsWith(root) || !Files.isDirectory(directory)) {
            return null;
        }
        Path real = directory.toRealPath();
        Path metrics = directory.resolve(METRICS_FILE);
        if (!real.startsWith(root) || !Files.isRegularFile(metrics)
                || !metrics.toRealPath().startsWith(root)) {
            return null;
        }
        return real;
    }
}
