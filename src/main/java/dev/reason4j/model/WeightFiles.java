package dev.reason4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a {@link Transformer}'s weights as HF safetensors (one {@code model.safetensors}, or shards with
 * {@code model.safetensors.index.json}); F32, BF16 and F16 are read, F32 or BF16 written (as held).
 * Missing tensors, wrong shapes and unknown tensors are errors naming the tensor and file.
 */
final class WeightFiles {
    private WeightFiles() {}

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    /** Shard size above which save() writes several files (HF's default max_shard_size is 5 GB). */
    static long shardBytes = 5_000_000_000L;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One tensor's entry in a safetensors header. */
    private record Entry(Path file, String dtype, int[] shape, long begin, long end) {}

    // ------------------------------------------------------------------------------------------------ reading

    static void read(Path dir, Transformer model, Precision precision) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).get("weight_map");
            if (weightMap == null || !weightMap.isObject()) {
                throw new IOException(index + ": no 'weight_map' object");
            }
            List<String> files = new ArrayList<>();
            weightMap.properties().forEach(e -> {
                if (!files.contains(e.getValue().asText())) {
                    files.add(e.getValue().asText());
                }
            });
            for (String file : files) {
                entries.putAll(readHeader(dir.resolve(file)));
            }
        } else if (Files.exists(dir.resolve(SINGLE))) {
            entries.putAll(readHeader(dir.resolve(SINGLE)));
        } else {
            throw new IOException(dir + ": neither " + SINGLE + " nor " + INDEX + " found");
        }

        if (entries.containsKey("value_head.weight")) {
            model.addValueHead(0);
        }
        if (entries.containsKey("reward_head.weight")) {
            model.addRewardHead(0);
        }
        List<Weight> weights = model.weights();
        for (String name : entries.keySet()) {
            boolean known = weights.stream().anyMatch(w -> w.name.equals(name))
                    || name.endsWith("rotary_emb.inv_freq")   // a buffer old checkpoints saved; recomputed here
                    || (name.equals("lm_head.weight") && model.config.tieWordEmbeddings());
            if (!known) {
                throw new IOException(entries.get(name).file() + ": unexpected tensor '" + name + "' (not part of a "
                        + model.config.architecture().hfClass + " with this config)");
            }
        }
        try (Arena arena = Arena.ofShared()) {
            Map<Path, MemorySegment> mapped = new HashMap<>();
            for (Weight w : weights) {
                Entry e = entries.get(w.name);
                if (e == null) {
                    throw new IOException(dir + ": missing tensor '" + w.name + "'");
                }
                if (!Arrays.equals(e.shape(), w.shape)) {
                    throw new IOException(e.file() + ": tensor '" + w.name + "' has shape " + Arrays.toString(e.shape())
                            + ", expected " + Arrays.toString(w.shape));
                }
                MemorySegment data = mapped.computeIfAbsent(e.file(), f -> map(f, arena));
                boolean bf16 = precision == Precision.BF16 && w.shape.length == 2;
                load(w, data.asSlice(e.begin(), e.end() - e.begin()), e, bf16);
            }
        }
    }

    private static MemorySegment map(Path file, Arena arena) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(file + ": cannot map", e);
        }
    }

    private static void load(Weight w, MemorySegment bytes, Entry e, boolean holdBf16) throws IOException {
        int n = w.size();
        int elementBytes = e.dtype().equals("F32") ? 4 : 2;
        if (bytes.byteSize() != (long) n * elementBytes) {
            throw new IOException(e.file() + ": tensor '" + w.name + "' has " + bytes.byteSize() + " bytes, expected "
                    + (long) n * elementBytes + " for " + e.dtype() + Arrays.toString(w.shape));
        }
        if (holdBf16) {
            w.data = null;
            w.bf16 = new short[n];
        } else if (w.data == null || w.data.length != n) {
            w.data = new float[n];
        }
        switch (e.dtype()) {
            case "F32" -> {
                for (int i = 0; i < n; i++) {
                    float value = bytes.getAtIndex(F32, i);
                    if (holdBf16) {
                        w.bf16[i] = Bf16.fromFloat(value);
                    } else {
                        w.data[i] = value;
                    }
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    short bits = bytes.getAtIndex(I16, i);
                    if (holdBf16) {
                        w.bf16[i] = bits;
                    } else {
                        w.data[i] = Bf16.toFloat(bits);
                    }
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    float value = Float.float16ToFloat(bytes.getAtIndex(I16, i));
                    if (holdBf16) {
                        w.bf16[i] = Bf16.fromFloat(value);
                    } else {
                        w.data[i] = value;
                    }
                }
            }
            default -> throw new IOException(e.file() + ": tensor '" + w.name + "' has dtype " + e.dtype()
                    + " (supported: F32, BF16, F16)");
        }
    }

    private static Map<String, Entry> readHeader(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (lengthBytes.hasRemaining() && channel.read(lengthBytes) >= 0) { }
            if (lengthBytes.hasRemaining()) {
                throw new IOException(file + ": too short for a safetensors file");
            }
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > channel.size()) {
                throw new IOException(file + ": invalid safetensors header length " + headerLength);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining() && channel.read(header) >= 0) { }
            JsonNode root = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLength;
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (var field : root.properties()) {
                if (field.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = field.getValue();
                JsonNode shapeNode = t.get("shape");
                JsonNode offsets = t.get("data_offsets");
                if (shapeNode == null || offsets == null || !t.has("dtype") || offsets.size() != 2) {
                    throw new IOException(file + ": tensor '" + field.getKey() + "' has a malformed header entry");
                }
                int[] shape = new int[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asInt();
                }
                long begin = dataStart + offsets.get(0).asLong();
                long end = dataStart + offsets.get(1).asLong();
                if (end < begin || end > channel.size()) {
                    throw new IOException(file + ": tensor '" + field.getKey() + "' data lies outside the file");
                }
                entries.put(field.getKey(), new Entry(file, t.get("dtype").asText(), shape, begin, end));
            }
            return entries;
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    static void write(Path dir, Transformer model) throws IOException {
        Files.createDirectories(dir);
        List<Weight> weights = model.weights();
        List<List<Weight>> shards = new ArrayList<>();
        long shardSize = Long.MAX_VALUE;
        for (Weight w : weights) {
            long bytes = bytesOf(w);
            if (shards.isEmpty() || shardSize + bytes > shardBytes && shardSize > 0) {
                shards.add(new ArrayList<>());
                shardSize = 0;
            }
            shards.getLast().add(w);
            shardSize += bytes;
        }
        writeAtomically(dir.resolve("config.json"), model.config.toJson().getBytes(StandardCharsets.UTF_8));
        if (shards.size() == 1) {
            writeShard(dir.resolve(SINGLE), shards.get(0));
            Files.deleteIfExists(dir.resolve(INDEX));
            return;
        }
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode index = mapper.createObjectNode();
        long total = 0;
        ObjectNode weightMap = mapper.createObjectNode();
        for (int s = 0; s < shards.size(); s++) {
            String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            writeShard(dir.resolve(name), shards.get(s));
            for (Weight w : shards.get(s)) {
                weightMap.put(w.name, name);
                total += bytesOf(w);
            }
        }
        index.putObject("metadata").put("total_size", total);
        index.set("weight_map", weightMap);
        writeAtomically(dir.resolve(INDEX), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
        Files.deleteIfExists(dir.resolve(SINGLE));
    }

    private static long bytesOf(Weight w) {
        return (w.data != null ? 4L : 2L) * w.size();
    }

    private static void writeShard(Path file, List<Weight> weights) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Weight w : weights) {
            ObjectNode t = header.putObject(w.name);
            t.put("dtype", w.data != null ? "F32" : "BF16");
            var shape = t.putArray("shape");
            for (int d : w.shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytesOf(w));
            offset += bytesOf(w);
        }
        byte[] json = mapper.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(padded).put(headerBytes);
            for (Weight w : weights) {
                for (int i = 0; i < w.size(); i++) {
                    if (buffer.remaining() < 4) {
                        drain(buffer, channel);
                    }
                    if (w.data != null) {
                        buffer.putFloat(w.data[i]);
                    } else {
                        buffer.putShort(w.bf16[i]);
                    }
                }
            }
            drain(buffer, channel);
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void drain(ByteBuffer buffer, FileChannel channel) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
