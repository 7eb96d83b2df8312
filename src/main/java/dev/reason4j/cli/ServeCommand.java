package dev.reason4j.cli;

import dev.reason4j.model.Precision;
import dev.reason4j.server.OpenAiServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code ./reason4j serve}: an OpenAI-compatible HTTP server for a model directory. */
final class ServeCommand implements Command {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "serve a model over the OpenAI API (chat, completions, streaming, tools, token ids, metrics)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j serve --model DIR [--host 127.0.0.1] [--port 8000] [--api-key KEY]
                                        [--admin-key KEY] [--weights-root DIR] [--served-model-name NAME]
                                        [--max-requests 256] [--dtype bf16|f32]

                Serves an HF model directory (config.json, safetensors, tokenizer.json with its chat template)
                over the OpenAI API: GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health,
                GET /metrics (Prometheus text) and POST /admin/load_weights {"path": DIR}. All requests share one
                continuous-batching engine. The API key (--api-key, or the environment variable REASON4J_API_KEY)
                is required as 'Authorization: Bearer KEY' on /v1 and /admin routes; without one, anyone who can
                reach the port can use the model and replace its weights (a warning says so). The admin key
                (--admin-key, default the API key) guards weight loading, from directories under --weights-root
                (default the model directory's parent) only. --host 127.0.0.1 (default) accepts connections from
                this machine only; 0.0.0.0 from any. Beyond --max-requests generation requests in flight the
                server answers 503 at once. --served-model-name is the "model" clients send (default: the model
                directory's name). docs/serve.md has the parameters and examples.
                """;
    }

    @Override
    public int run(Args args) throws Exception {
        Path modelDir = Path.of(args.require("model"));
        String host = args.string("host", "127.0.0.1");
        int port = args.integer("port", 8000);
        String apiKey = args.string("api-key", System.getenv("REASON4J_API_KEY"));
        String adminKey = args.string("admin-key", null);
        String root = args.string("weights-root", null);
        String name = args.string("served-model-name", null);
        int maxRequests = args.integer("max-requests", 256);
        String dtype = args.string("dtype", "bf16");
        args.rejectUnknown();
        if (!dtype.equals("bf16") && !dtype.equals("f32")) {
            throw new IllegalArgumentException("--dtype must be bf16 or f32, got '" + dtype + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("--model: directory does not exist: " + modelDir);
        }
        Path absolute = modelDir.toAbsolutePath().normalize();
        Path weightsRoot = root != null ? Path.of(root) : (absolute.getParent() != null ? absolute.getParent() : absolute);
        if (!Files.isDirectory(weightsRoot)) {
            throw new IllegalArgumentException("--weights-root: directory does not exist: " + weightsRoot);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("--api-key (or REASON4J_API_KEY) is empty");
        }
        OpenAiServer.Options options = new OpenAiServer.Options(host, port, apiKey, adminKey, weightsRoot,
                maxRequests, name != null ? name : absolute.getFileName().toString());
        OpenAiServer server = OpenAiServer.start(modelDir, dtype.equals("bf16") ? Precision.BF16 : Precision.FP32,
                options);
        if (apiKey == null) {
            System.err.println("reason4j serve: WARNING: no API key (--api-key or REASON4J_API_KEY): anyone who can "
                    + "reach " + host + ":" + server.port() + " can use the model"
                    + (adminKey == null ? " and replace its weights" : ""));
        }
        System.err.println("reason4j serve: serving '" + options.modelName() + "' on http://" + host + ":"
                + server.port() + "/v1 (weights updates from under " + weightsRoot + ")");
        serveUntilStopped(server);
        return 0;
    }

    /** Blocks until the process is stopped (Ctrl-C, SIGTERM), then closes {@code server}. */
    static void serveUntilStopped(AutoCloseable server) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception ignored) {
                // shutting down anyway
            } finally {
                stopped.countDown();
            }
        }));
        stopped.await();
    }
}
