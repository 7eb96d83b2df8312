package dev.reason4j.cli;

import dev.reason4j.safetensors.SafetensorsException;
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
            new EvalCommand(),
            new GenerateCommand(),
            new ScoreCommand(),
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
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command command : COMMANDS) {
            byName.put(command.name(), command);
        }
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            printUsage(byName);
            return argv.length == 0 ? 2 : 0;
        }
        Command command = byName.get(argv[0]);
        if (command == null) {
            System.err.println("reason4j: unknown command '" + argv[0] + "'");
            printUsage(byName);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            System.out.println(command.help());
            return 0;
        }
        try {
            return command.run(new Args(rest));
        } catch (IllegalArgumentException | SafetensorsException e) {   // bad input: the message names the file
            System.err.println("reason4j " + command.name() + ": " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("reason4j " + command.name() + ": " + e);
            e.printStackTrace();
            return 1;
        }
    }

    private static void printUsage(Map<String, Command> byName) {
        System.out.println("Reason4j: reinforcement learning for reasoning language models, in one JVM.");
        System.out.println();
        System.out.println("usage: ./reason4j COMMAND [options]   (./reason4j COMMAND --help for each)");
        System.out.println();
        for (Command command : byName.values()) {
            System.out.printf("  %-16s %s%n", command.name(), command.summary());
        }
    }
}
