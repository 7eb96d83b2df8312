package dev.reason4j.cli;

import dev.reason4j.config.Config;
import dev.reason4j.env.Problem;
import dev.reason4j.env.Split;
import dev.reason4j.env.Task;
import dev.reason4j.env.Tasks;

import java.nio.file.Path;

/** {@code ./reason4j task}: shows problems of a built-in task with their worked solutions. */
final class TaskCommand implements Command {
    @Override
    public String name() {
        return "task";
    }

    @Override
    public String summary() {
        return "show problems and worked solutions of a built-in task (" + String.join(", ", Tasks.names()) + ")";
    }

    @Override
    public String help() {
        return ("""
                usage: ./reason4j task [--config FILE] [--count N] [--split train|test] [--seed S] [key=value ...]

                Prints N problems of the task that config key data.task names, with options data.task_options,
                as the trainer would draw them: the prompt, then the worked solution used for SFT. Examples:
                  ./reason4j task data.task=arithmetic data.task_options.digits=3
                  ./reason4j task data.task=countdown 'data.task_options={numbers: 4, max_target: 50}' --count 3
                Tasks: %s (see docs/env.md for their options).""").formatted(String.join(", ", Tasks.names()));
    }

    @Override
    public int run(Args args) {
        String file = args.string("config", null);
        int count = args.integer("count", 5);
        String splitName = args.string("split", "train");
        Split split = switch (splitName) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            default -> throw new IllegalArgumentException("--split expects train or test, got '" + splitName + "'");
        };
        long seed = args.integer("seed", 1);
        args.rejectUnknown();
        Config config = Config.load(file == null ? null : Path.of(file), args.positional());
        Task task = Tasks.fromConfig(config);
        for (Problem problem : task.distinct(split, count, seed)) {
            System.out.println("# " + problem.prompt());
            System.out.println(problem.solution());
            System.out.println();
        }
        return 0;
    }
}
