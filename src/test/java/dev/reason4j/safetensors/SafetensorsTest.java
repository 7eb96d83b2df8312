package dev.reason4j.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    /** The reference implementation's own serialization test vectors (safetensors/src/tensor.rs). */
    @Test
    void writerIsByteExactWithTheReference() throws IOException {
        Path file = dir.resolve("a.safetensors");
        SafetensorsWriter.write(file, List.of(SafetensorsWriter.Entry.of("attn.0", DType.F32, new int[] {1, 2, 3},
                new float[] {0, 1, 2, 3, 4, 5})), Map.of());
        assertArrayEquals(bytes(64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64), Files.readAllBytes(file));

        SafetensorsWriter.write(file, List.of(SafetensorsWriter.Entry.of("attn0", DType.F32, new int[] {1, 1, 2, 3},
                new float[] {0, 1, 2, 3, 4, 5})), Map.of());
        assertArrayEquals(bytes(72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                160, 64), Files.readAllBytes(file));

        SafetensorsWriter.write(file, List.of(), Map.of());
        assertArrayEquals(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32), Files.readAllBytes(file));

        SafetensorsWriter.write(file, List.of(), Map.of("framework", "pt"));
        assertArrayEquals(bytes(40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32), Files.readAllBytes(file));
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(Map.of("framework", "pt"), read.metadata());
            assertTrue(read.tensors().isEmpty());
        }
    }

    @Test
    void headerOrdersByDtypeThenNameWithMetadataFirst() {
        var entries = new java.util.ArrayList<>(List.of(
                SafetensorsWriter.Entry.of("z.norm", DType.BF16, new int[] {2}, new float[] {1, 2}),
                SafetensorsWriter.Entry.of("b", DType.F32, new int[] {1}, new float[] {1}),
                SafetensorsWriter.Entry.of("a", DType.F16, new int[] {}, new float[] {1}),
                SafetensorsWriter.Entry.of("a.weight", DType.F32, new int[] {2, 1}, new float[] {1, 2})));
        entries.sort(java.util.Comparator.comparing(SafetensorsWriter.Entry::dtype, java.util.Comparator.reverseOrder())
                .thenComparing(SafetensorsWriter.Entry::name));
        String header = new String(SafetensorsWriter.header(entries, Map.of("format", "pt")), StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"z.norm\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[16,18]}}", header.stripTrailing());
        assertEquals(0, header.length() % 8);
        assertTrue(header.length() - header.stripTrailing().length() < 8);
    }

    @Test
    void roundTripsEveryFloatTypeAndKeepsBf16Bits() throws IOException {
        Path file = dir.resolve("m.safetensors");
        float[] values = {0f, -1.5f, 3.14159f, 1e-3f, 65504f, Float.NEGATIVE_INFINITY, 1.00390625f, 1.01171875f};
        SafetensorsWriter.write(file, List.of(
                SafetensorsWriter.Entry.of("f32", DType.F32, new int[] {2, 4}, values),
                SafetensorsWriter.Entry.of("bf16", DType.BF16, new int[] {8}, values),
                SafetensorsWriter.Entry.of("f16", DType.F16, new int[] {4, 2}, values)), SafetensorsWriter.PYTORCH_METADATA);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of("f32", "bf16", "f16"), List.copyOf(read.tensors().keySet()));
            assertArrayEquals(new long[] {2, 4}, read.info("f32").shape());
            assertArrayEquals(values, read.floats("f32"));
            float[] bf16 = read.floats("bf16");
            float[] f16 = read.floats("f16");
            for (int i = 0; i < values.length; i++) {
                assertEquals(DType.fromBfloat16(DType.toBfloat16(values[i])), bf16[i]);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), f16[i]);
            }
            // Round to nearest even: halfway 1 + 2^-8 goes down to 1, 1 + 3·2^-8 up to 1 + 2^-6.
            assertEquals(1f, bf16[6]);
            assertEquals(1.015625f, bf16[7]);
            assertEquals(3.140625f, bf16[2]);
            short[] bits = read.bfloat16Bits("bf16");
            assertEquals((short) 0xBFC0, bits[1]);
            assertEquals(Map.of("format", "pt"), read.metadata());
            var error = assertThrows(SafetensorsException.class, () -> read.bfloat16Bits("f32"));
            assertTrue(error.getMessage().contains("f32"));
            assertThrows(SafetensorsException.class, () -> read.floats("missing"));
        }
        assertEquals((short) 0x7FC0, DType.toBfloat16(Float.NaN));
    }

    /** A file assembled by hand, byte by byte, with an out-of-order header (readers must sort by offset). */
    @Test
    void readsHandBuiltFile() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
                + "\"__metadata__\":{\"format\":\"pt\"},\"v\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}";
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x0000).putShort((short) 0x3F00);
        data.putShort((short) 0x3C00).putShort((short) 0xC400);  // F16 1.0, -4.0
        Path file = writeRaw("hand.safetensors", header, data.array());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of("v", "w"), List.copyOf(read.tensors().keySet()));
            assertArrayEquals(new float[] {1f, -2f, 0f, 0.5f}, read.floats("v"));
            assertArrayEquals(new float[] {1f, -4f}, read.floats("w"));
        }
    }

    /** F64 is read as transformers loads it into a float32 model: each value rounded to the nearest float. */
    @Test
    void readsF64RoundedToNearestFloat() throws IOException {
        double[] values = {0.1, 1 + 0x1p-30, -3.0, 1e300, 0x1p-149 / 4};
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double value : values) {
            data.putDouble(value);
        }
        Path file = writeRaw("f64.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[5],\"data_offsets\":[0,40]}}",
                data.array());
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {0.1f, 1f, -3f, Float.POSITIVE_INFINITY, 0f}, read.floats("d"));
        }
    }

    private Path writeRaw(String name, String header, byte[] data) throws IOException {
        return writeRaw(name, header.getBytes(StandardCharsets.UTF_8), data, -1);
    }

    private Path writeRaw(String name, byte[] header, byte[] data, long declaredLength) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(declaredLength >= 0 ? declaredLength : header.length).array());
        out.writeBytes(header);
        out.writeBytes(data);
        Path file = dir.resolve(name);
        Files.write(file, out.toByteArray());
        return file;
    }

    private void assertRejected(Path file, String... fragments) {
        var error = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        for (String fragment : fragments) {
            assertTrue(error.getMessage().contains(fragment), error.getMessage());
        }
    }

    @Test
    void rejectsTruncatedAndCorruptFiles() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, List.of(
                SafetensorsWriter.Entry.of("embed", DType.F32, new int[] {4}, new float[] {1, 2, 3, 4}),
                SafetensorsWriter.Entry.of("head", DType.F32, new int[] {2}, new float[] {5, 6})), Map.of());
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1));
        assertRejected(truncated, "head", "truncated");
        Path headerCut = dir.resolve("cut.safetensors");
        Files.write(headerCut, Arrays.copyOf(bytes, 20));
        assertRejected(headerCut, "past the end");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, bytes(1, 2, 3));
        assertRejected(tiny, "too short");
        Path trailing = dir.resolve("trailing.safetensors");
        Files.write(trailing, Arrays.copyOf(bytes, bytes.length + 4));
        assertRejected(trailing, "after the last tensor");

        assertRejected(writeRaw("huge.safetensors", "{}".getBytes(StandardCharsets.UTF_8), new byte[0],
                Long.MAX_VALUE), "header length");
        assertRejected(writeRaw("json.safetensors", "{\"a\":{\"dtype\":", new byte[0]), "not valid JSON");
        assertRejected(writeRaw("start.safetensors", "[]", new byte[0]), "'{'");
        assertRejected(writeRaw("utf8.safetensors", bytes('{', 0xC3, 0x28, '}'), new byte[0], -1), "UTF-8");
        assertRejected(writeRaw("size.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "'x'", "needs 12");
        assertRejected(writeRaw("gap.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "'x'", "start at 0");
        assertRejected(writeRaw("dtype.safetensors",
                "{\"x\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "'x'", "F33");
        assertRejected(writeRaw("dup.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "x");
        assertRejected(writeRaw("shape.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "'x'", "shape");
        assertRejected(writeRaw("overflow.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                + "\"data_offsets\":[0,4]}}", new byte[4]), "'x'", "overflow");
    }

    @Test
    void shardsPastMaxSizeAndReadsThemBack() throws IOException {
        List<SafetensorsWriter.Entry> tensors = List.of(
                SafetensorsWriter.Entry.of("model.embed_tokens.weight", DType.F32, new int[] {4, 2},
                        new float[] {1, 2, 3, 4, 5, 6, 7, 8}),                                                 // 32 bytes
                SafetensorsWriter.Entry.of("model.norm.weight", DType.BF16, new int[] {2}, new float[] {1, 2}), // 4
                SafetensorsWriter.Entry.of("lm_head.weight", DType.F32, new int[] {10}, new float[10]),        // 40 > max
                SafetensorsWriter.Entry.of("tiny", DType.F32, new int[] {1}, new float[] {9}));                  // 4
        SafetensorsCheckpoint.write(dir, tensors, 36);
        assertEquals("""
                {
                  "metadata": {
                    "total_size": 80
                  },
                  "weight_map": {
                    "lm_head.weight": "model-00001-of-00003.safetensors",
                    "model.embed_tokens.weight": "model-00002-of-00003.safetensors",
                    "model.norm.weight": "model-00002-of-00003.safetensors",
                    "tiny": "model-00003-of-00003.safetensors"
                  }
                }
                """, Files.readString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE)));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertEquals(4, checkpoint.names().size());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, checkpoint.floats("model.embed_tokens.weight"));
            assertArrayEquals(new float[] {1, 2}, checkpoint.floats("model.norm.weight"));
            assertArrayEquals(new float[] {9}, checkpoint.floats("tiny"));
            assertEquals(Map.of("format", "pt"), checkpoint.metadata());
        }
        // Saving again in one file removes the shards and index of the previous save.
        SafetensorsCheckpoint.write(dir, tensors, 1 << 20);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(SafetensorsCheckpoint.SINGLE_FILE),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            assertArrayEquals(new float[10], checkpoint.floats("lm_head.weight"));
        }
    }

    @Test
    void rejectsBadIndex() throws IOException {
        SafetensorsCheckpoint.write(dir, List.of(
                SafetensorsWriter.Entry.of("a", DType.F32, new int[] {1}, new float[] {1}),
                SafetensorsWriter.Entry.of("b", DType.F32, new int[] {1}, new float[] {2})), 4);
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": {\"a\": \"model-00002-of-00002.safetensors\"}}");
        var error = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(error.getMessage().contains("'a'"), error.getMessage());
        Files.writeString(index, "{\"weight_map\": {\"a\": \"../x.safetensors\"}}");
        assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
        Files.writeString(index, "{\"weight_map\": {\"a\": \"missing.safetensors\"}}");
        error = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
        assertEquals(index + ": shard missing.safetensors (weight_map of tensor 'a') is missing: no file "
                + dir.resolve("missing.safetensors"), error.getMessage());
        Files.delete(index);
        error = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(error.getMessage().contains(SafetensorsCheckpoint.INDEX_FILE));
        assertFalse(Files.exists(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE)));
    }
}
