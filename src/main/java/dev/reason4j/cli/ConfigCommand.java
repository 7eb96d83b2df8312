package dev.reason4j.cli;

import dev.reason4j.config.Config;

import java.nio.file.Path;

/** {@code ./reason4j config}: prints the resolved configuration (defaults, then a YAML file, then overrides). */
final class ConfigCommand implements Command {
    @Override
    public String name() {
        return "config";
    }

    @Override
    public String summary() {
        return "print the resolved configuration (defaults + --config FILE + key=value overrides)";
    }

    @Override
    public String help() {
        return """
                usage: ./reason4j config [--config FILE] [section.key=value ...]

                Prints the configuration a run would use: the defaults, then FILE merged on top, then each
                override (e.g. actor.clip_ratio_high=0.28 data.train_files=[a.jsonl,b.jsonl]). Unknown keys
                and wrongly typed or out-of-range values are errors naming the key. With no arguments it prints
                every key with its default and what it means (the comments of defaults.yaml); the output loads
                back as a config file.""";
    }

    @Override
    public int run(Args args) {
        String file = args.string("config", null);
        args.rejectUnknown();
        Config config = Config.load(file == null ? null : Path.of(file), args.positional());
        System.out.print(config.toCommentedYaml());
        return 0;
    }
}
