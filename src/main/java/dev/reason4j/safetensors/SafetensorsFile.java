package dev.reason4j.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped (https://huggingface.co/docs/safetensors): 8 bytes little-endian header
 * length N, N bytes of UTF-8 JSON header (tensor name → dtype, shape, data_offsets; optional string map
 * {@code __metadata__}), then the data section. Opening validates the whole header as the reference implementation
 * does: offsets contiguous from 0, each range exactly shape × dtype size, and the data section ending at the end of
 * the file — so a truncated or padded file is rejected up front, naming the file and the tensor.
 *
 * <p>Tensor data is read lazily from the mapping; {@link #close()} unmaps it.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit (100 MB), which also bounds what a corrupt length can make us read. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}. */
    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (size < 8) {
                throw new SafetensorsException(path + ": " + size + " bytes, too short for a safetensors file "
                        + "(it starts with an 8-byte header length)");
            }
            long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " is not in [2, " + MAX_HEADER_BYTES + "]: not a safetensors file, or corrupt");
            }
            if (8 + headerLength > size) {
                throw new SafetensorsException(path + ": header length " + headerLength + " runs past the end of the "
                        + size + "-byte file (truncated?)");
            }
            byte[] headerBytes = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, headerBytes, metadata);
            MemorySegment data = file.asSlice(8 + headerLength);
            validateLayout(path, tensors, data.byteSize());
            return new SafetensorsFile(path, arena, data, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses the header; tensors come back in data-offset order. */
    private static Map<String, TensorInfo> parseHeader(Path path, byte[] headerBytes, Map<String, String> metadata)
            throws SafetensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path + ": header is not valid UTF-8", e);
        }
        if (!text.startsWith("{")) {
            throw new SafetensorsException(path + ": header does not start with '{' (not a safetensors file?)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SafetensorsException(path + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path + ": header is not a JSON object");
        }
        List<TensorInfo> infos = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw new SafetensorsException(path + ": __metadata__ must be an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = m.next();
                    if (!entry.getValue().isTextual()) {
                        throw new SafetensorsException(path + ": __metadata__." + entry.getKey() + " is not a string");
                    }
                    metadata.put(entry.getKey(), entry.getValue().asText());
                }
                continue;
            }
            infos.add(parseTensor(path, name, node));
        }
        infos.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo info : infos) {
            tensors.put(info.name(), info);
        }
        return tensors;
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node) throws SafetensorsException {
        String where = path + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsException(where + ": entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw new SafetensorsException(where + ": needs dtype, shape and data_offsets");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeNode.asText());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(where + ": unknown dtype " + dtypeNode);
        }
        if (!shapeNode.isArray()) {
            throw new SafetensorsException(where + ": shape is not an array");
        }
        long[] shape = new long[shapeNode.size()];
        for (int d = 0; d < shape.length; d++) {
            JsonNode dimension = shapeNode.get(d);
            if (!dimension.isIntegralNumber() || !dimension.canConvertToLong() || dimension.asLong() < 0) {
                throw new SafetensorsException(where + ": shape " + shapeNode + " has a bad dimension");
            }
            shape[d] = dimension.asLong();
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2 || !offsetsNode.get(0).canConvertToLong()
                || !offsetsNode.get(1).canConvertToLong() || !offsetsNode.get(0).isIntegralNumber()
                || !offsetsNode.get(1).isIntegralNumber()) {
            throw new SafetensorsException(where + ": data_offsets " + offsetsNode + " is not [begin, end]");
        }
        return new TensorInfo(name, dtype, shape, offsetsNode.get(0).asLong(), offsetsNode.get(1).asLong());
    }

    /** Offsets contiguous from 0, sizes = shape × dtype, last offset = data section size. */
    private static void validateLayout(Path path, Map<String, TensorInfo> tensors, long dataBytes)
            throws SafetensorsException {
        long expectedBegin = 0;
        for (TensorInfo info : tensors.values()) {
            String where = path + ": tensor '" + info.name() + "'";
            if (info.begin() != expectedBegin || info.end() < info.begin()) {
                throw new SafetensorsException(where + ": data_offsets [" + info.begin() + ", " + info.end()
                        + "] should start at " + expectedBegin + " (tensors must tile the data section in order)");
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(info.elementCount(), info.dtype().bytes());
            } catch (ArithmeticException e) {
                throw new SafetensorsException(where + ": shape " + java.util.Arrays.toString(info.shape())
                        + " overflows");
            }
            if (info.end() - info.begin() != bytes) {
                throw new SafetensorsException(where + ": data_offsets span " + (info.end() - info.begin())
                        + " bytes but shape " + java.util.Arrays.toString(info.shape()) + " × " + info.dtype()
                        + " needs " + bytes);
            }
            if (info.end() > dataBytes) {
                throw new SafetensorsException(where + ": data ends at byte " + info.end() + " of the data section but "
                        + "the file holds only " + dataBytes + " data bytes (truncated?)");
            }
            expectedBegin = info.end();
        }
        if (expectedBegin != dataBytes) {
            throw new SafetensorsException(path + ": " + (dataBytes - expectedBegin) + " bytes after the last tensor "
                    + "(the data section must end at the end of the file)");
        }
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(path + ": no tensor '" + name + "'");
        }
        return info;
    }

    /** The tensor's raw little-endian bytes (a view of the mapping, valid until {@link #close()}). */
    public MemorySegment bytes(String name) throws SafetensorsException {
        TensorInfo info = info(name);
        return data.asSlice(info.begin(), info.end() - info.begin());
    }

    /**
     * The tensor as floats, converting F32, BF16, F16 or F64. F64 is rounded to the nearest float, as transformers
     * casts a checkpoint's tensors to the model's dtype on load ({@code param.copy_(tensor)}).
     */
    public float[] floats(String name) throws SafetensorsException {
        TensorInfo info = info(name);
        int count = arrayLength(info);
        MemorySegment bytes = bytes(name);
        float[] out = new float[count];
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(bytes, F32_LE, 0, out, 0, count);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) bytes.getAtIndex(F64_LE, i);
                }
            }
            case BF16, F16 -> {
                short[] bits = new short[count];
                MemorySegment.copy(bytes, I16_LE, 0, bits, 0, count);
                boolean bf16 = info.dtype() == DType.BF16;
                for (int i = 0; i < count; i++) {
                    out[i] = bf16 ? DType.fromBfloat16(bits[i]) : Float.float16ToFloat(bits[i]);
                }
            }
            default -> throw new SafetensorsException(path + ": tensor '" + name + "' is " + info.dtype()
                    + ", not a float type (F32, BF16, F16, F64)");
        }
        return out;
    }

    /** A BF16 tensor's raw bits, kept as bfloat16 (half the memory of floats) for low-memory inference. */
    public short[] bfloat16Bits(String name) throws SafetensorsException {
        TensorInfo info = info(name);
        if (info.dtype() != DType.BF16) {
            throw new SafetensorsException(path + ": tensor '" + name + "' is " + info.dtype() + ", not BF16");
        }
        short[] bits = new short[arrayLength(info)];
        MemorySegment.copy(bytes(name), I16_LE, 0, bits, 0, bits.length);
        return bits;
    }

    private int arrayLength(TensorInfo info) throws SafetensorsException {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(path + ": tensor '" + info.name() + "' has " + count
                    + " elements, more than a Java array holds");
        }
        return (int) count;
    }

    @Override
    public void close() {
        arena.close();
    }
}
