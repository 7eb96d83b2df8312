package dev.reason4j.safetensors;

import dev.reason4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files byte-for-byte as HF's reference implementation ({@code safetensors.torch.save_file})
 * does: tensors sorted by dtype alignment (descending) then name, compact JSON header with {@code __metadata__}
 * first, header padded with spaces to a multiple of 8 bytes, data in header order. Each file is written to a
 * temporary file beside it and moved into place atomically.
 */
public final class SafetensorsWriter {
    /** The metadata HF transformers writes with every checkpoint. */
    public static final Map<String, String> PYTORCH_METADATA = Map.of("format", "pt");

    private SafetensorsWriter() {}

    /** A tensor to write: values in float, stored as {@code dtype} (F32, BF16 or F16). */
    public record Entry(String name, DType dtype, long[] shape, float[] values) {
        public Entry {
            if (!dtype.writtenFromFloat()) {
                throw new IllegalArgumentException("tensor '" + name + "': can write F32, BF16 or F16, not " + dtype);
            }
            long count = 1;
            for (long dimension : shape) {
                count = Math.multiplyExact(count, dimension);
            }
            if (count != values.length) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                        + count + " elements but " + values.length + " values were given");
            }
            shape = shape.clone();
        }

        public static Entry of(String name, DType dtype, int[] shape, float[] values) {
            return new Entry(name, dtype, Arrays.stream(shape).asLongStream().toArray(), values);
        }

        long byteSize() {
            return (long) values.length * dtype.bytes();
        }
    }

    /** Writes {@code tensors} to {@code file} atomically; {@code metadata} may be empty. */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata) throws IOException {
        List<Entry> ordered = new ArrayList<>(tensors);
        // The reference sorts by dtype descending, then name by bytes (Rust str order = UTF-8 byte order).
        ordered.sort(Comparator.comparing(Entry::dtype, Comparator.reverseOrder())
                .thenComparing(entry -> entry.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        for (int i = 1; i < ordered.size(); i++) {
            if (ordered.get(i).name().equals(ordered.get(i - 1).name())) {
                throw new IllegalArgumentException(file + ": tensor '" + ordered.get(i).name() + "' given twice");
            }
        }
        byte[] header = header(ordered, metadata);
        writeAtomically(file, channel -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(header.length);
            for (byte b : header) {
                if (!buffer.hasRemaining()) {
                    drain(buffer, channel);
                }
                buffer.put(b);
            }
            for (Entry entry : ordered) {
                float[] values = entry.values();
                int bytes = entry.dtype().bytes();
                for (int from = 0; from < values.length; ) {
                    if (buffer.remaining() < bytes) {
                        drain(buffer, channel);
                    }
                    int count = Math.min(values.length - from, buffer.remaining() / bytes);
                    if (entry.dtype() == DType.F32) {
                        buffer.asFloatBuffer().put(values, from, count);  // bulk, little-endian view
                        buffer.position(buffer.position() + count * 4);
                    } else {
                        boolean bf16 = entry.dtype() == DType.BF16;
                        for (int i = from; i < from + count; i++) {
                            buffer.putShort(bf16 ? DType.toBfloat16(values[i]) : Float.floatToFloat16(values[i]));
                        }
                    }
                    from += count;
                }
            }
            drain(buffer, channel);
        });
    }

    /** The padded header: {"__metadata__":{...},"name":{"dtype":..,"shape":[..],"data_offsets":[b,e]},...}. */
    static byte[] header(List<Entry> ordered, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            metadata.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
                appendString(json, entry.getKey());
                json.append(':');
                appendString(json, entry.getValue());
                json.append(',');
            });
            json.setCharAt(json.length() - 1, '}');
            json.append(',');
        }
        long offset = 0;
        for (Entry entry : ordered) {
            appendString(json, entry.name());
            json.append(":{\"dtype\":\"").append(entry.dtype()).append("\",\"shape\":[");
            for (int d = 0; d < entry.shape().length; d++) {
                json.append(d == 0 ? "" : ",").append(entry.shape()[d]);
            }
            long end = offset + entry.byteSize();
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]},");
            offset = end;
        }
        if (json.length() > 1) {
            json.setLength(json.length() - 1);
        }
        json.append('}');
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (bytes.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(bytes, padded);
        Arrays.fill(header, bytes.length, padded, (byte) ' ');
        return header;
    }

    /** A JSON string escaped as serde_json does: quote, backslash, short escapes, other controls as \\u00xx. */
    private static void appendString(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    private static void drain(ByteBuffer buffer, FileChannel channel) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Writes through {@code body} into a temporary file beside {@code file}, forces it, then moves it in place. */
    static void writeAtomically(Path file, ChannelWriter body) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        Files.createDirectories(directory);
        Path temporary = AtomicFiles.temporarySibling(absolute);   // CREATE_NEW below: the user's umask
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW)) {
                body.write(channel);
                channel.force(true);
            }
            AtomicFiles.replace(temporary, absolute);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    @FunctionalInterface
    interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }
}
