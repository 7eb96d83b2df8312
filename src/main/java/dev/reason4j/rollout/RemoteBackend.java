package dev.reason4j.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.model.Transformer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Rollouts on a fleet of servers ({@link RemoteEngine}) kept at the policy's weights: after each update the policy
 * is written to {@code weightsDirectory/step-N} (a path the servers can read) and each server is told to load it,
 * the way its kind takes weights:
 * <ul>
 *   <li>{@code reason4j}: {@code POST /admin/load_weights {"path": DIR}} ({@code reason4j serve});</li>
 *   <li>{@code sglang}: {@code POST /update_weights_from_disk {"model_path": DIR}} (SGLang's documented route);</li>
 *   <li>{@code command}: a command of the user's, run with {@code {path}} replaced by DIR (copy the files, call
 *       vLLM's or any server's own reload);</li>
 *   <li>{@code url}: {@code POST {"path": DIR, "step": N}} to a URL of the user's (a hook that reloads the fleet);</li>
 *   <li>{@code none}: the servers keep their weights (evaluation, or a frozen sampler on purpose).</li>
 * </ul>
 */
public final class RemoteBackend implements RolloutBackend {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the fleet takes new weights. */
    public enum WeightSync { NONE, REASON4J, SGLANG, COMMAND, URL }

    private final RemoteEngine engine;
    private final RemoteEngine.Options options;
    private final WeightSync sync;
    private final Path weightsDirectory;
    private final String hook;   // the command (COMMAND) or the URL (URL)
    private final HttpClient client;
    private final java.util.concurrent.atomic.AtomicLong syncMisses = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean synced;   // the fleet has been sent this run's weights at least once

    /**
     * @param weightsDirectory where the policy is written for the servers (a shared path); null with {@code NONE}
     * @param hook             the {@code COMMAND} sync's shell command, with {@code {path}}, or the {@code URL}
     *                         sync's URL; null otherwise
     */
    public RemoteBackend(RemoteEngine.Options options, WeightSync sync, Path weightsDirectory, String hook) {
        if (sync != WeightSync.NONE && weightsDirectory == null) {
            throw new IllegalArgumentException("rollout.weight_sync=" + sync.name().toLowerCase()
                    + " needs rollout.weights_dir, a directory the servers can read");
        }
        if (sync == WeightSync.COMMAND && (hook == null || !hook.contains("{path}"))) {
            throw new IllegalArgumentException("rollout.weight_sync=command needs rollout.weight_sync_hook, a "
                    + "command with {path} where the weights directory goes");
        }
        if (sync == WeightSync.URL && (hook == null || !hook.matches("https?://.+"))) {
            throw new IllegalArgumentException("rollout.weight_sync=url needs rollout.weight_sync_hook, an "
                    + "http:// or https:// URL, got " + hook);
        }
        this.options = options;
        this.engine = new RemoteEngine(options);
        this.sync = sync;
        this.weightsDirectory = weightsDirectory;
        this.hook = hook;
        this.client = HttpClient.newBuilder().connectTimeout(options.requestTimeout()).build();
    }

    /**
     * The fleet. Its first use sends it the policy's weights: servers may hold anything when a run starts (another
     * run's last update, a different checkpoint), and sampling from them unawares would mislead.
     */
    @Override
    public RolloutEngine engine(Transformer policy) {
        if (!synced && sync != WeightSync.NONE) {
            synchronized (this) {
                if (!synced) {
                    try {
                        weightsUpdated(policy, 0);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("the first weight sync: " + e.getMessage(), e);
                    }
                }
            }
        }
        return engine;
    }

    @Override
    public void weightsUpdated(Transformer policy, int step) throws IOException {
        if (sync == WeightSync.NONE) {
            return;
        }
        Path directory = weightsDirectory.resolve(String.format("step-%06d", step));
        policy.save(directory);
        switch (sync) {
            case REASON4J -> post("/admin/load_weights", Map.of("path", directory.toString()));
            case SGLANG -> post("/update_weights_from_disk", Map.of("model_path", directory.toString()));
            case COMMAND -> run(hook.replace("{path}", directory.toString()));
            case URL -> hook(directory, step);
            case NONE -> { }
        }
        deleteOlderThan(step);
        synced = true;
    }

    /**
     * Tells every server. One that cannot be reached (down, or too slow) leaves the fleet until a later update
     * reaches it, since it would sample from stale weights; one that answers with an error stops the run, as does
     * a fleet that no server of which took the update.
     */
    private void post(String path, Map<String, String> body) throws IOException {
        int reached = 0;
        String lastProblem = null;
        List<URI> all = options.endpoints();
        for (int i = 0; i < all.size(); i++) {
            String base = all.get(i).toString().replaceAll("/+$", "");
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(options.requestTimeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (options.apiKey() != null) {
                request.header("Authorization", "Bearer " + options.apiKey());
            }
            HttpResponse<String> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException unreachable) {
                engine.setExcluded(i, true);
                syncMisses.incrementAndGet();
                lastProblem = base + path + ": " + unreachable;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("weight sync interrupted", e);
            }
            if (response.statusCode() / 100 != 2) {
                throw new IOException("weight sync: " + base + path + " answered HTTP " + response.statusCode()
                        + ": " + response.body().lines().findFirst().orElse(""));
            }
            engine.setExcluded(i, false);
            reached++;
        }
        if (reached == 0) {
            throw new IOException("weight sync: no server took the new weights; the last: " + lastProblem);
        }
    }

    /** The user's URL hook: it must answer 2xx once the fleet has the weights. */
    private void hook(Path directory, int step) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(hook)).timeout(options.requestTimeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("path", directory.toString(), "step", step))));
        if (options.apiKey() != null) {
            request.header("Authorization", "Bearer " + options.apiKey());
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("weight sync hook " + hook + " answered HTTP " + response.statusCode() + ": "
                        + response.body().lines().findFirst().orElse(""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("weight sync interrupted", e);
        }
    }

    private void run(String line) throws IOException {
        Process process = new ProcessBuilder("bash", "-c", line).inheritIO().start();
        try {
            if (!process.waitFor(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException("weight sync command timed out after " + options.requestTimeout().toSeconds()
                        + " s: " + line);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("weight sync interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("weight sync command exited with " + process.exitValue() + ": " + line);
        }
    }

    /** Keeps the latest two weight directories (the servers may still be loading the one before). */
    private void deleteOlderThan(int step) throws IOException {
        try (var children = Files.list(weightsDirectory)) {
            for (Path old : children.filter(p -> p.getFileName().toString().matches("step-\\d{6}"))
                    .filter(p -> Integer.parseInt(p.getFileName().toString().substring(5)) < step - 1).toList()) {
                try (var files = Files.walk(old)) {
                    for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        }
    }

    @Override
    public boolean exactLogProbs() {
        return false;
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> counters = new java.util.LinkedHashMap<>(engine.counters());
        counters.put("weight_sync_misses", syncMisses.get());
        return counters;
    }

    @Override
    public void close() {
        engine.close();
        client.close();
    }

    /** The sync named by {@code rollout.weight_sync}. */
    public static WeightSync weightSync(String name) {
        for (WeightSync sync : WeightSync.values()) {
            if (sync.name().equalsIgnoreCase(name)) {
                return sync;
            }
        }
        throw new IllegalArgumentException("rollout.weight_sync: unknown '" + name + "' (none, reason4j, sglang, "
                + "command, url)");
    }
}
