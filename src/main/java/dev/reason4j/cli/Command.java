package dev.reason4j.cli;

/** One subcommand of {@code ./reason4j}. Registered by name in {@link Main#COMMANDS}. */
public interface Command {
    /** The word typed after {@code ./reason4j}. */
    String name();

    /** One line for {@code ./reason4j --help}. */
    String summary();

    /** Full help text printed for {@code ./reason4j NAME --help}. */
    String help();

    /** Runs the command; returns the process exit code. */
    int run(Args args) throws Exception;
}
