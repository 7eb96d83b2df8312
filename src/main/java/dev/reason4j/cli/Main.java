package dev.reason4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point of {@code ./reason4j}: dispatches to a subcommand by name. */
public final class Main {
    /** Every subcommand, in the order {@code --help} lists them. Add yours here. */
    static final List<Command> COMMANDS = List.of(
            new DemoCommand(),
            new SftCommand(),
            new TrainCommand(),
            new TrainRmCommand(),
            new DpoCommand(),
            new RftCommand(),
            new DistillCommand(),
            new EvalCommand(),
            new GenerateCommand(),
            new ScoreCommand(),
            new ServeCommand(),
            new DashboardCommand(),
            new TokenizeCommand(),
            new RenderChatCommand(),
            new VerifyMathCommand(),
            new VerifyCodeCommand(),
            new ConfigCommand(),
            new BenchCommand(),
            new InitModelCommand(),
            new TaskCommand(),
            new TrainTokenizerCommand()
    );

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static int run(String[] argv) {
        List<String> words = new ArrayList<>(Arrays.asList(argv));
        boolean debug = words.remove("--debug") || "1".equals(System.getenv("REASON4J_DEBUG"));
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command command : COMMANDS) {
            byName.put(command.name(), command);
        }
        if (words.isEmpty() || words.getFirst().equals("--help") || words.getFirst().equals("-h")
                || words.getFirst().equals("help")) {
            printUsage(byName);
            return words.isEmpty() ? 2 : 0;
        }
        if (words.getFirst().equals("--version")) {
            System.out.println("reason4j " + version());
            return 0;
        }
        Command command = byName.get(words.getFirst());
        if (command == null) {
            System.err.println("reason4j: unknown command '" + words.getFirst() + "'");
            printUsage(byName);
            return 2;
        }
        List<String> rest = words.subList(1, words.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            System.out.println(command.help());
            return 0;
        }
        try {
            return command.run(new Args(rest.toArray(String[]::new)));
        } catch (Throwable e) {
            UserError error = UserError.of(e);
            System.err.println("reason4j " + command.name() + ": " + error.message());
            if (debug) {
                e.printStackTrace();
            } else if (!error.expected()) {
                System.err.println("reason4j: (run with --debug or REASON4J_DEBUG=1 for the stack trace)");
            }
            return error.exitCode();
        }
    }

    /** The project version, from the jar's manifest (or "dev" when run from classes). */
    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev (not from a built jar)";
    }

    private static void printUsage(Map<String, Command> byName) {
        System.out.println("Reason4j: reinforcement learning for reasoning language models, in one JVM.");
        System.out.println();
        System.out.println("usage: ./reason4j [--debug] COMMAND [options]   (./reason4j COMMAND --help for each;"
                + " --version)");
        System.out.println();
        for (Command command : byName.values()) {
            System.out.printf("  %-16s %s%n", command.name(), command.summary());
        }
    }
}
