package dev.reason4j.trainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * TensorBoard scalars ({@code trainer.logger} includes {@code tensorboard}): an {@code events.out.tfevents.*} file
 * in the run directory, one Event per metrics row with a simple_value for each number in it. The format is
 * TensorFlow's TFRecord framing (length, masked CRC32C of the length, data, masked CRC32C of the data) around
 * Event protobufs, encoded here by hand (tensorflow/core/util/event.proto, summary.proto) so no TensorFlow
 * library is needed. Each run (and each resume) starts a new file, as TensorFlow's writers do.
 */
public final class TensorBoardLog implements AutoCloseable {
    private final OutputStream out;
    private final Path file;

    /** Creates {@code events.out.tfevents.SECONDS.reason4j.PID} in {@code directory} and writes its version record. */
    public TensorBoardLog(Path directory) {
        long seconds = System.currentTimeMillis() / 1000;
        file = directory.resolve("events.out.tfevents." + seconds + ".reason4j." + ProcessHandle.current().pid());
        try {
            Files.createDirectories(directory);
            out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create TensorBoard event file " + file, e);
        }
        // The first event names the file format: Event{wall_time, file_version = "brain.Event:2"}.
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        putDouble(event, 1, System.currentTimeMillis() / 1000.0);
        putBytes(event, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8));
        record(event.toByteArray());
    }

    public Path file() {
        return file;
    }

    /** Event{wall_time, step, summary{value{tag, simple_value} ...}} for the numbers of one metrics row. */
    public void write(Map<String, ?> metrics) {
        if (!(metrics.get("step") instanceof Number step)) {
            return;
        }
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        for (Map.Entry<String, ?> metric : metrics.entrySet()) {
            if (metric.getKey().equals("step") || !(metric.getValue() instanceof Number number)) {
                continue;
            }
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            putBytes(value, 1, metric.getKey().getBytes(StandardCharsets.UTF_8));   // Summary.Value.tag
            putFloat(value, 2, number.floatValue());                                // Summary.Value.simple_value
            putBytes(summary, 1, value.toByteArray());                              // Summary.value (repeated)
        }
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        putDouble(event, 1, System.currentTimeMillis() / 1000.0);   // Event.wall_time
        putVarint(event, (2 << 3));                                 // Event.step (int64, varint)
        putVarint(event, step.longValue());
        putBytes(event, 5, summary.toByteArray());                  // Event.summary
        record(event.toByteArray());
    }

    /** One TFRecord: uint64 length, uint32 masked CRC of it, the data, uint32 masked CRC of the data (little-endian). */
    private void record(byte[] data) {
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(maskedCrc(header.array(), 0, 8));
        ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(maskedCrc(data, 0, data.length));
        try {
            out.write(header.array());
            out.write(data);
            out.write(footer.array());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** TFRecord's masked CRC32C: rotate right by 15 bits and add a constant (tensorflow/core/lib/hash/crc32c.h). */
    static int maskedCrc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + 0xa282ead8;
    }

    private static void putVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** A length-delimited field (wire type 2): a string, bytes or an embedded message. */
    private static void putBytes(ByteArrayOutputStream out, int field, byte[] bytes) {
        putVarint(out, (field << 3) | 2);
        putVarint(out, bytes.length);
        out.writeBytes(bytes);
    }

    /** A double field (wire type 1, 8 bytes little-endian). */
    private static void putDouble(ByteArrayOutputStream out, int field, double value) {
        putVarint(out, (field << 3) | 1);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array());
    }

    /** A float field (wire type 5, 4 bytes little-endian). */
    private static void putFloat(ByteArrayOutputStream out, int field, float value) {
        putVarint(out, (field << 3) | 5);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
