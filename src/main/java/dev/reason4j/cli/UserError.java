package dev.reason4j.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What the user is told when a command fails: one line naming the file, key or cause. Bad input, missing or
 * unreadable files, full or read-only disks and running out of memory are expected and need no stack trace
 * ({@code --debug} prints one anyway); anything else is a bug, and the line says how to get the trace.
 *
 * @param exitCode 2 for bad input (arguments, config, data), 1 otherwise
 */
record UserError(String message, boolean expected, int exitCode) {
    /** Jackson's location suffix, "\n at [Source: REDACTED (...); line: 2, column: 1]", kept as "(line 2, column 1)". */
    private static final java.util.regex.Pattern JSON_LOCATION =
            java.util.regex.Pattern.compile("\\s*at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]");

    /** One line: a JSON parser's location folded in, any further lines dropped. */
    UserError {
        message = JSON_LOCATION.matcher(message == null ? "" : message).replaceAll(" (line $1, column $2)")
                .lines().findFirst().orElse("");
    }

    /** The line for a failure, looking through the wrappers (UncheckedIOException, ExecutionException, ...). */
    static UserError of(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof OutOfMemoryError) {
                return new UserError(outOfMemory(), true, 1);
            }
        }
        Throwable e = failure;
        while ((e instanceof UncheckedIOException || e instanceof java.util.concurrent.ExecutionException
                || e instanceof java.util.concurrent.CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String context = e == failure || failure.getMessage() == null ? "" : failure.getMessage() + ": ";
        return switch (e) {
            case IllegalArgumentException bad -> new UserError(context + bad.getMessage(), true, 2);
            case dev.reason4j.safetensors.SafetensorsException bad -> new UserError(context + bad.getMessage(), true,
                    2);   // a bad checkpoint: the message names the file and tensor
            case NoSuchFileException missing -> new UserError(context + "no such file or directory: "
                    + missing.getFile(), true, 1);
            case AccessDeniedException denied -> new UserError(context + "permission denied: " + denied.getFile(),
                    true, 1);
            case NotDirectoryException notDirectory -> new UserError(context + "not a directory: "
                    + notDirectory.getFile(), true, 1);
            case FileSystemException system -> new UserError(context + system.getMessage(), true, 1);
            case com.fasterxml.jackson.core.JsonProcessingException json -> new UserError(context
                    + "invalid JSON: " + json.getOriginalMessage(), true, 2);
            case java.io.IOException io -> new UserError(context + io.getMessage(), true, 1);
            default -> new UserError(failure.toString(), false, 1);
        };
    }

    /** Which setting to raise: the heap the launcher gives the JVM, or the work per forward pass. */
    static String outOfMemory() {
        long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
        return "out of memory (Java heap of " + maxMiB + " MiB). Give the JVM more: REASON4J_JAVA_OPTS="
                + "'-XX:MaxRAMPercentage=90' (the launcher's default is 75% of RAM) or '-Xmx<size>g'; or need less:"
                + " lower actor.ppo_micro_batch_size (sft.micro_batch_size in SFT), rollout.n, data.train_batch_size or"
                + " data.max_response_length, or set actor.recompute=true";
    }
}
