package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import dev.reason4j.env.Example;
import dev.reason4j.model.Transformer;
import dev.reason4j.reward.AsyncRewardScorer;
import dev.reason4j.rollout.RolloutBackend;
import dev.reason4j.rollout.SamplingParams;
import dev.reason4j.tokenizer.BpeTrainer;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code reason4j serve} processes on loopback as the rollout fleet: GRPO steps with weight sync after each
 * update; one server is killed with SIGKILL in the middle of a step's rollouts. The step completes, every prompt's
 * n samples arrive exactly once, the retries show in the metrics, and the servers' log-probs (Reason4j's engine
 * at the synced weights) are the training forward's bit for bit.
 */
class FleetProcessesTest {
    private static final Pattern SERVING = Pattern.compile("serving '.*' on http://127\\.0\\.0\\.1:(\\d+)/v1");

    /** Starts {@code reason4j serve} in a child JVM; returns it once it says which port it listens on. */
    private static Process serve(Path model, Path weightsRoot, CompletableFuture<Integer> port) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.reason4j.cli.Main", "serve",
                "--model", model.toString(), "--dtype", "f32", "--served-model-name", "policy", "--port", "0",
                "--api-key", "fleet-key",
                "--weights-root", weightsRoot.toString()).redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().start(() -> {    // blocks on the child's pipe: not a virtual thread
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Matcher serving = SERVING.matcher(line);
                    if (serving.find()) {
                        port.complete(Integer.parseInt(serving.group(1)));
                    }
                }
                port.completeExceptionally(new AssertionError("reason4j serve exited before listening"));
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        });
        return child;
    }

    @Test
    void grpoOnThreeServeProcessesSurvivesOneKilledMidRollout(@TempDir Path temp) throws Exception {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            corpus.add("What is " + i + " + " + (i * 7 % 100) + "? " + (i + i * 7 % 100));
        }
        Path tokenizerDirectory = temp.resolve("tokenizer");
        Tokenizer tokenizer = BpeTrainer.chatml(300).trainAndSave(corpus, tokenizerDirectory);
        List<String> settings = new ArrayList<>(List.of("model.tokenizer=" + tokenizerDirectory,
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64", "data.task=arithmetic",
                "data.train_batch_size=8", "data.max_response_length=24", "rollout.n=4", "actor.lr=1e-2",
                "actor.ppo_mini_batch_size=8", "actor.ppo_micro_batch_size=16"));
        Transformer policy = Setup.policy(Config.load(null, settings), tokenizer);
        Path model = temp.resolve("model");
        Setup.saveModel(policy, tokenizerDirectory, model);

        List<Process> servers = new ArrayList<>();
        try {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CompletableFuture<Integer> port = new CompletableFuture<>();
                servers.add(serve(model, temp, port));
                urls.add("http://127.0.0.1:" + port.get(60, TimeUnit.SECONDS));
            }
            settings.addAll(List.of("rollout.backend=remote", "rollout.endpoints=[" + String.join(", ", urls) + "]",
                    "rollout.api_key=fleet-key", "rollout.model=policy", "rollout.weights_dir=" + temp.resolve("weights"),
                    "rollout.weight_sync=reason4j", "rollout.request_timeout_s=60", "rollout.max_attempts=6"));
            Config config = Config.load(null, settings);
            try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
                RolloutWorker remote = Setup.rolloutWorker(config, tokenizer, Setup.chatFormatter(tokenizer),
                        scorer);
                List<List<Rollout>> byStep = new ArrayList<>();
                RolloutWorker recording = new RolloutWorker() {
                    @Override
                    public Tokenizer tokenizer() {
                        return tokenizer;
                    }

                    @Override
                    public RolloutBackend backend() {
                        return remote.backend();
                    }

                    @Override
                    public List<Rollout> rollout(Transformer sampler, List<Example> examples, SamplingParams params,
                                                 int firstGroup) {
                        List<Rollout> rollouts = remote.rollout(sampler, examples, params, firstGroup);
                        byStep.add(rollouts);
                        return rollouts;
                    }
                };
                RlTrainer trainer = new RlTrainer(config, policy, recording, PromptSource.ofTask(Setup.task(config),
                        1));
                for (int step = 1; step <= 3; step++) {
                    if (step == 2) {
                        // Kill the first server as soon as a request of this step has been sent to it: that request
                        // is in flight there (generating takes far longer than the poll), so it must be retried.
                        long before = remote.backend().counters().get("endpoint0/requests");
                        Thread.ofPlatform().daemon().start(() -> {
                            try {
                                while (remote.backend().counters().get("endpoint0/requests") == before) {
                                    Thread.sleep(0, 100_000);
                                }
                            } catch (InterruptedException e) {
                                return;
                            }
                            servers.get(0).destroyForcibly();   // SIGKILL
                        });
                    }
                    Map<String, Object> metrics = trainer.step(step);
                    assertEquals(0.0, metrics.get("training/rollout_probs_diff_max"), "step " + step);
                    List<Rollout> rollouts = byStep.get(step - 1);
                    Map<Integer, Integer> samplesPerPrompt = new TreeMap<>();
                    for (Rollout rollout : rollouts) {
                        samplesPerPrompt.merge(rollout.group(), 1, Integer::sum);
                    }
                    assertEquals(8, samplesPerPrompt.size(), "step " + step);
                    samplesPerPrompt.values().forEach(n -> assertEquals(4, n, "per prompt: " + samplesPerPrompt));
                    if (step >= 2) {
                        assertTrue(!servers.get(0).isAlive(), "the first server was killed");
                        assertTrue((Long) metrics.get("rollout/remote_retries") > 0, metrics.toString());
                        assertTrue((Long) metrics.get("rollout/remote_endpoint0/failures") > 0, metrics.toString());
                        // Dead at the weight sync: out of the fleet, so it cannot sample from stale weights later.
                        assertEquals(1L, metrics.get("rollout/remote_excluded"), metrics.toString());
                    }
                }
                remote.backend().close();
            }
        } finally {
            for (Process server : servers) {
                server.destroyForcibly().waitFor();
            }
        }
    }
}
