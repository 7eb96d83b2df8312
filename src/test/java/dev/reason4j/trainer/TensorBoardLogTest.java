package dev.reason4j.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.config.Config;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event file parses back as TensorBoard reads it: TFRecord frames whose two masked CRC32Cs check, around
 * Event protobufs (decoded here independently of the writer) with the logged scalars.
 */
class TensorBoardLogTest {
    /** CRC-32C (Castagnoli), bit by bit from its reflected polynomial 0x82F63B78: the reference, not the JDK's. */
    static int crc32c(byte[] bytes, int offset, int length) {
        int crc = ~0;
        for (int i = offset; i < offset + length; i++) {
            crc ^= bytes[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc >>> 1) ^ (0x82F63B78 & -(crc & 1));
            }
        }
        return ~crc;
    }

    /** TFRecord's mask (tensorflow/core/lib/hash/crc32c.h): ((crc >> 15) | (crc << 17)) + 0xa282ead8. */
    static int masked(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    @Test
    void referenceCrcMatchesTheStandardCheckValue() {
        // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, crc32c(check, 0, check.length));
        assertEquals(masked(0xE3069283), TensorBoardLog.maskedCrc(check, 0, check.length));
    }

    record Event(double wallTime, long step, String fileVersion, Map<String, Float> scalars) {
    }

    /** Reads every record, checking both CRCs, and decodes its Event. */
    static List<Event> readEvents(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (in.hasRemaining()) {
            int start = in.position();
            long length = in.getLong();
            assertEquals(masked(crc32c(bytes, start, 8)), in.getInt(), "length CRC of the record at " + start);
            int dataStart = in.position();
            in.position(dataStart + (int) length);
            assertEquals(masked(crc32c(bytes, dataStart, (int) length)), in.getInt(),
                    "data CRC of the record at " + start);
            events.add(event(ByteBuffer.wrap(bytes, dataStart, (int) length).slice().order(ByteOrder.LITTLE_ENDIAN)));
        }
        return events;
    }

    static long varint(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
    }

    static ByteBuffer delimited(ByteBuffer in) {
        int length = (int) varint(in);
        ByteBuffer field = in.slice(in.position(), length).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + length);
        return field;
    }

    /** event.proto: 1 wall_time double, 2 step int64, 3 file_version string, 5 summary Summary. */
    static Event event(ByteBuffer in) {
        double wallTime = 0;
        long step = 0;
        String fileVersion = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        while (in.hasRemaining()) {
            long key = varint(in);
            switch ((int) key) {
                case (1 << 3) | 1 -> wallTime = in.getDouble();
                case (2 << 3) -> step = varint(in);
                case (3 << 3) | 2 -> fileVersion = StandardCharsets.UTF_8.decode(delimited(in)).toString();
                case (5 << 3) | 2 -> {
                    ByteBuffer summary = delimited(in);
                    while (summary.hasRemaining()) {
                        assertEquals((1 << 3) | 2, varint(summary), "Summary.value");
                        ByteBuffer value = delimited(summary);
                        String tag = null;
                        Float simple = null;
                        while (value.hasRemaining()) {
                            long valueKey = varint(value);
                            if (valueKey == ((1 << 3) | 2)) {
                                tag = StandardCharsets.UTF_8.decode(delimited(value)).toString();
                            } else if (valueKey == ((2 << 3) | 5)) {
                                simple = value.getFloat();
                            } else {
                                throw new AssertionError("unexpected Summary.Value field key " + valueKey);
                            }
                        }
                        scalars.put(tag, simple);
                    }
                }
                default -> throw new AssertionError("unexpected Event field key " + key);
            }
        }
        return new Event(wallTime, step, fileVersion, scalars);
    }

    @Test
    void eventFileHoldsTheScalarsOfEachRow(@TempDir Path dir) throws Exception {
        long before = System.currentTimeMillis() / 1000;
        try (MetricsLog log = MetricsLog.open(dir, Config.defaults().override("trainer.logger=[jsonl, tensorboard]"))) {
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("step", 1);
            first.put("phase", "rl");                    // not a number: no scalar
            first.put("reward/mean", 0.25);
            first.put("actor/lr", 1e-6);
            log.write(first);
            log.write(Map.of("step", 300, "val/pass@1", 0.75));
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
        }
        assertEquals(1, files.size());
        List<Event> events = readEvents(files.getFirst());
        assertEquals(3, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertTrue(events.get(0).wallTime() >= before);
        assertEquals(1, events.get(1).step());
        assertEquals(Map.of("reward/mean", 0.25f, "actor/lr", 1e-6f), events.get(1).scalars());
        assertEquals(300, events.get(2).step(), "a step past 127 takes a two-byte varint");
        assertEquals(Map.of("val/pass@1", 0.75f), events.get(2).scalars());
        assertEquals(2, MetricsLog.read(dir.resolve("metrics.jsonl")).size(), "metrics.jsonl is written as before");
    }

    @Test
    void loggersAreCheckedByName(@TempDir Path dir) throws Exception {
        try (MetricsLog log = MetricsLog.open(dir, Config.defaults())) {
            log.write(Map.of("step", 1, "reward/mean", 0.5));
        }
        try (Stream<Path> list = Files.list(dir)) {
            assertFalse(list.anyMatch(p -> p.getFileName().toString().startsWith("events.")), "off by default");
        }
        assertEquals("trainer.logger: unknown logger 'wandb' (loggers: jsonl, tensorboard)",
                assertThrows(IllegalArgumentException.class, () -> MetricsLog.open(dir,
                        Config.defaults().override("trainer.logger=[jsonl, wandb]"))).getMessage());
        assertEquals("trainer.logger must include jsonl (resuming and the dashboard read metrics.jsonl), got "
                + "[tensorboard]", assertThrows(IllegalArgumentException.class, () -> MetricsLog.open(dir,
                        Config.defaults().override("trainer.logger=[tensorboard]"))).getMessage());
    }
}
