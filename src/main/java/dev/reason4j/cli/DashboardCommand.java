package dev.reason4j.cli;

import dev.reason4j.dashboard.DashboardServer;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code ./reason4j dashboard}: the web dashboard over the runs under a directory. */
final class DashboardCommand implements Command {
    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 8265;

    @Override
    public String name() {
        return "dashboard";
    }

    @Override
    public String summary() {
        return "a web page over the runs under a directory: live curves, run comparison, rollout inspector";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j dashboard [--runs DIR] [--host 127.0.0.1] [--port 8265]

                Serves a web page over every run under DIR (default: runs), i.e. every directory below it that
                holds a metrics.jsonl (a demo's sft/ and rl/ are two runs, demo/sft and demo/rl): curves that
                update while a run trains (reward and its parts, accuracy, held-out pass@k, response length,
                entropy, KL, clip fractions, grad norm, learning rate, tokens/s, time per phase, tool calls),
                with smoothing, log scale and zoom; several runs overlaid, their config differences in a table;
                and the rollout inspector over each run's samples.jsonl (trainer.samples.*): a step's responses,
                filtered by correct / wrong / truncated / reward, one response's tokens coloured by log-prob,
                entropy or advantage, with masked (tool-response) tokens marked. The JSON API behind the page
                (/api/runs, /api/runs/ID/metrics?since=STEP, /api/runs/ID/samples?step=STEP,
                /api/runs/ID/config) is described in docs/dashboard.md. Read-only; binds 127.0.0.1 unless --host
                says otherwise (there is no authentication). train and demo take --dashboard to start it beside
                the run.""";
    }

    @Override
    public int run(Args args) throws Exception {
        Path runs = Path.of(args.string("runs", "runs"));
        String host = args.string("host", DEFAULT_HOST);
        int port = args.integer("port", DEFAULT_PORT);
        args.rejectUnknown();
        if (!Files.isDirectory(runs)) {
            throw new IllegalArgumentException("--runs: " + runs + " is not a directory");
        }
        DashboardServer server = start(runs, host, port);
        System.err.println("reason4j dashboard: the runs under " + runs + " at " + server.url());
        ServeCommand.serveUntilStopped(server);
        return 0;
    }

    /** Starts the dashboard; a port already taken is a one-line error naming it. */
    static DashboardServer start(Path runs, String host, int port) throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        }
        try {
            return DashboardServer.start(runs, host, port);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot serve the dashboard on " + host + ":" + port + " ("
                    + e.getMessage() + "); give another --port", e);
        }
    }

    /**
     * {@code --dashboard} of train and demo: the dashboard over the run directory's parent while the run trains,
     * on 127.0.0.1:{@code port}.
     */
    static DashboardServer beside(Path runDirectory, int port) throws Exception {
        Path runs = runDirectory.toAbsolutePath().normalize().getParent();
        Files.createDirectories(runs);
        DashboardServer server = start(runs, DEFAULT_HOST, port);
        System.out.println("dashboard: " + server.url() + " (the runs under " + runs + "; it stops with this run:"
                + " ./reason4j dashboard --runs " + runs + " keeps it)");
        return server;
    }
}
