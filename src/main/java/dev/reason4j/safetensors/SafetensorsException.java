package dev.reason4j.safetensors;

import java.io.IOException;

/** A safetensors file or index that breaks the format; the message names the file and, where known, the tensor. */
public final class SafetensorsException extends IOException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
