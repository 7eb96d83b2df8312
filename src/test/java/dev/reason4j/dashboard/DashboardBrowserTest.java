package dev.reason4j.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason4j.config.Config;
import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.trainer.Experiment;
import dev.reason4j.trainer.Rollout;
import dev.reason4j.trainer.SamplesLog;
import dev.reason4j.trainer.SamplesLogTest;
import dev.reason4j.trainer.StepRollouts;
import dev.reason4j.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard as a person sees it, in a real headless Chromium (Debian's chromium and chromium-driver, which
 * ./run-tests installs): a run trains in the background while the page is open and its curves grow; the rollout
 * inspector lists, filters and opens samples and shows their tokens; two runs overlay with their config
 * differences. Name resolution is off for everything but 127.0.0.1, so the page can only work offline.
 * Screenshots go to target/dashboard-*.png.
 */
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final ObjectMapper JSON = new ObjectMapper();
    static final int TOTAL_STEPS = 4;
    static final int PER_STEP = 8;

    /**
     * The console of the background run: after each RL step's line (its metrics and samples are written by then)
     * the run waits for the test's permit to take the next, so what the page sees does not depend on speed.
     */
    static final class SteppedConsole extends PrintStream {
        final Semaphore stepsDone = new Semaphore(0);
        final Semaphore allowed = new Semaphore(0);

        SteppedConsole() {
            super(OutputStream.nullOutputStream());
        }

        @Override
        public void println(String line) {
            if (line.startsWith("rl ")) {
                stepsDone.release();
                allowed.acquireUninterruptibly();
            }
        }
    }

    static Config liveRun(Path tokenizer) {
        return Config.load(null, List.of("model.tokenizer=" + tokenizer,
                "model.tiny.hidden_size=32", "model.tiny.num_layers=2", "model.tiny.num_heads=2",
                "model.tiny.num_kv_heads=1", "model.tiny.intermediate_size=64",
                "data.task=arithmetic", "data.train_batch_size=4", "data.max_response_length=12",
                "data.val_size=4", "rollout.n=4", "actor.lr=1e-3", "actor.ppo_mini_batch_size=4",
                "reward.functions={dashboard_digits: 1.0}", "trainer.total_steps=" + TOTAL_STEPS,
                "trainer.save_freq=0", "trainer.test_freq=2", "trainer.samples.per_step=" + PER_STEP));
    }

    /** 1 for a response with a digit in it: an untrained model writes some with and some without. */
    static synchronized void registerReward() {
        if (!RewardFunctions.names().contains("dashboard_digits")) {
            RewardFunctions.register("dashboard_digits",
                    input -> RewardResult.of(input.response().chars().anyMatch(Character::isDigit) ? 1 : 0));
        }
    }

    /** A finished agent run: one step, one two-turn sample with a tool response in it (masked tokens). */
    static void agentRun(Path directory, Tokenizer tokenizer) throws Exception {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("metrics.jsonl"), "{\"step\":1,\"phase\":\"rl\",\"reward/mean\":0.5}\n");
        Files.writeString(directory.resolve("config.yaml"),
                Config.defaults().override(List.of("actor.lr=3e-4", "data.task=tool_arithmetic")).toYaml());
        Rollout episode = SamplesLogTest.episode(tokenizer, 0, 1.0);
        new SamplesLog(directory, Config.defaults(), tokenizer, 0)
                .write(new StepRollouts(1, List.of(episode), List.of(), null, null));
    }

    /** Polls {@code condition}; an element the page replaced while it was read counts as not yet. */
    static void waitFor(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();   // a hang's bound, not a speed test
        while (!holds(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static boolean holds(Supplier<Boolean> condition) {
        try {
            return condition.get();
        } catch (StaleElementReferenceException replaced) {
            return false;
        }
    }

    static JsonNode api(DashboardServer server, String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return JSON.readTree(client.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
        }
    }

    static void screenshot(WebDriver driver, String name) throws Exception {
        Path file = Path.of("target", "dashboard-" + name + ".png");
        Files.createDirectories(file.getParent());
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    static WebDriver chromium(Path profile) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("the browser tests need Debian's chromium and chromium-driver: ./run-tests "
                    + "installs them (or: apt-get install chromium chromium-driver)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** A chart's point count, read in one script (a poll may redraw the chart between two WebDriver calls). */
    static String dataPoints(WebDriver driver, String group) {
        return (String) ((JavascriptExecutor) driver).executeScript("const chart = document.querySelector("
                + "`.chart[data-group='${arguments[0]}']`); return chart ? chart.dataset.points : null;", group);
    }

    /** Picks an option of a select element, as a person's choice does (a change event). */
    static void choose(WebDriver driver, String selectId, String value) {
        WebElement select = driver.findElement(By.id(selectId));
        select.click();
        select.findElement(By.cssSelector("option[value='" + value + "']")).click();
    }

    static List<WebElement> sampleRows(WebDriver driver) {
        return driver.findElements(By.cssSelector("#sample-table tbody tr"));
    }

    @Test
    void watchAStillTrainingRunAndReadItsSamples(@TempDir Path temp) throws Exception {
        Tokenizer tokenizer = SamplesLogTest.tokenizer(temp.resolve("tokenizer"));
        registerReward();
        Path runs = temp.resolve("runs");
        agentRun(runs.resolve("agent"), tokenizer);
        SteppedConsole console = new SteppedConsole();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread training = Thread.ofPlatform().name("dashboard-test-run").start(() -> {
            try (Experiment experiment = new Experiment(liveRun(temp.resolve("tokenizer")))) {
                experiment.train(runs.resolve("live"), console);
            } catch (Throwable e) {
                failure.set(e);
                console.stepsDone.release(TOTAL_STEPS);
            }
        });
        console.stepsDone.acquire();   // step 1 is logged; the run waits for step 2's permit

        WebDriver driver = null;
        try (DashboardServer server = DashboardServer.start(runs, "127.0.0.1", 0)) {
            driver = chromium(temp.resolve("chromium-profile"));
            WebDriver page = driver;
            page.get(server.url() + "#run=live");

            // Live curves: one point per logged step, growing as the run trains.
            waitFor("the reward chart", () -> "1".equals(dataPoints(page, "Reward")));
            assertEquals("1", dataPoints(page, "Held-out pass@k"), "val/pass@1 of the evaluation at step 0");
            console.allowed.release(2);
            console.stepsDone.acquire(2);
            waitFor("steps 2 and 3 on the chart", () -> "3".equals(dataPoints(page, "Reward")));
            assertEquals("2", dataPoints(page, "Held-out pass@k"), "evaluated at steps 0 and 2");
            for (String chart : List.of("Response length", "Entropy", "Grad norm", "Learning rate", "Tokens/s",
                    "Time per phase (s)", "Clip fractions")) {
                assertTrue(dataPoints(page, chart) != null, chart + " is drawn");
            }
            // Smoothing and log scale redraw the same points.
            ((JavascriptExecutor) page).executeScript("const s = document.getElementById('smoothing');"
                    + "s.value = '0.6'; s.dispatchEvent(new Event('input'));");
            page.findElement(By.id("log-scale")).click();
            waitFor("the log-scale chart", () -> "3".equals(dataPoints(page, "Reward")));
            page.findElement(By.id("log-scale")).click();
            screenshot(page, "curves");

            // The rollout inspector: the latest step's samples, as many as trainer.samples.per_step.
            page.findElement(By.id("tab-rollouts")).click();
            waitFor("step 3's samples", () -> sampleRows(page).size() == PER_STEP
                    && page.findElement(By.id("sample-step")).getDomProperty("value").equals("3"));
            JsonNode samples = api(server, "/api/runs/live/samples?step=3").get("samples");
            int correct = 0;
            for (JsonNode sample : samples) {
                correct += sample.get("correct").asBoolean() ? 1 : 0;
            }
            page.findElement(By.cssSelector("button.filter[data-filter='correct']")).click();
            assertTrue(correct > 0 && correct < PER_STEP, "the run's reward has both kinds: " + correct);
            assertEquals(correct, sampleRows(page).size(), "correct samples listed");
            for (WebElement row : sampleRows(page)) {
                assertEquals("ok", row.findElements(By.tagName("td")).get(2).getAttribute("class"));
            }
            page.findElement(By.cssSelector("button.filter[data-filter='wrong']")).click();
            assertEquals(PER_STEP - correct, sampleRows(page).size(), "wrong samples listed");
            page.findElement(By.cssSelector("button.filter[data-filter='all']")).click();
            page.findElement(By.id("min-reward")).sendKeys("0.5");
            assertEquals(correct, sampleRows(page).size(), "reward ≥ 0.5 is correct here");
            page.findElement(By.id("min-reward")).clear();
            ((JavascriptExecutor) page).executeScript(
                    "document.getElementById('min-reward').dispatchEvent(new Event('input'));");
            assertEquals(PER_STEP, sampleRows(page).size());

            // One sample's tokens, as the trainer logged them, coloured by the chosen value.
            WebElement first = sampleRows(page).getFirst();
            int index = Integer.parseInt(first.getAttribute("data-index"));
            first.click();
            JsonNode sample = samples.get(index);
            JsonNode tokens = sample.get("tokens");
            List<WebElement> spans = page.findElements(By.cssSelector("#detail-tokens span.tok"));
            assertEquals(tokens.get("ids").size(), spans.size());
            assertTrue(page.findElement(By.id("detail-prompt")).getText().contains("What is"));
            List<String> logProbColours = new ArrayList<>();
            for (int t = 0; t < spans.size(); t++) {
                String title = spans.get(t).getAttribute("title");
                assertTrue(title.contains("id " + tokens.get("ids").get(t).asInt() + " · log-prob "
                        + String.format(java.util.Locale.ROOT, "%.3f", tokens.get("logprob").get(t).asDouble())),
                        title);
                logProbColours.add(spans.get(t).getCssValue("background-color"));
            }
            choose(page, "color-by", "entropy");
            List<WebElement> entropySpans = page.findElements(By.cssSelector("#detail-tokens span.tok"));
            List<String> entropyColours = entropySpans.stream().map(s -> s.getCssValue("background-color")).toList();
            assertNotEquals(logProbColours, entropyColours, "colours follow the chosen value");
            choose(page, "color-by", "advantage");
            ((JavascriptExecutor) page).executeScript("document.getElementById('sample-table').scrollIntoView()");
            screenshot(page, "rollouts");

            // A new step arriving leaves the open sample open.
            console.allowed.release(1);
            console.stepsDone.acquire(1);
            waitFor("step 4 in the step list", () -> page.findElements(By.cssSelector("#sample-step option"))
                    .size() == 4);
            assertTrue(page.findElement(By.id("sample-detail")).isDisplayed());

            // An agent run's sample: the tool response's tokens are marked as masked, and not coloured.
            choose(page, "sample-run", "agent");
            waitFor("the agent run's sample", () -> sampleRows(page).size() == 1
                    && sampleRows(page).getFirst().getText().contains("First tool says done"));
            sampleRows(page).getFirst().click();
            JsonNode mask = api(server, "/api/runs/agent/samples?step=1").get("samples").get(0).get("tokens")
                    .get("mask");
            List<WebElement> agentSpans = page.findElements(By.cssSelector("#detail-tokens span.tok"));
            assertEquals(mask.size(), agentSpans.size());
            int masked = 0;
            StringBuilder maskedText = new StringBuilder();
            for (int t = 0; t < mask.size(); t++) {
                boolean isMasked = agentSpans.get(t).getAttribute("class").contains("masked");
                assertEquals(mask.get(t).asInt() == 0, isMasked, "token " + t);
                if (isMasked) {
                    masked++;
                    maskedText.append(agentSpans.get(t).getText());
                    assertNull(agentSpans.get(t).getAttribute("style") == null
                            || agentSpans.get(t).getAttribute("style").isEmpty() ? null : "coloured");
                }
            }
            assertTrue(masked > 0);
            assertEquals("tool says", maskedText.toString().strip());
            screenshot(page, "masked-tokens");

            // Two runs overlaid: both on the reward chart, their config differences in a table.
            page.findElement(By.id("tab-curves")).click();
            page.findElement(By.cssSelector("#run-list li[data-run='agent'] input")).click();
            waitFor("the config differences", () -> !page.findElements(By.id("config-diff-table")).isEmpty());
            String differences = page.findElement(By.id("config-diff-table")).getText();
            assertTrue(differences.contains("actor.lr") && differences.contains("0.0003")
                    && differences.contains("data.task") && differences.contains("tool_arithmetic"), differences);
            waitFor("both runs on the reward chart", () -> "5".equals(dataPoints(page, "Reward")));
            screenshot(page, "compare");
        } finally {
            if (driver != null) {
                driver.quit();
            }
            console.allowed.release(TOTAL_STEPS);
            training.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("the background run failed", failure.get());
        }
    }
}
