package dev.reason4j.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's weights as HF lays them out: one {@code model.safetensors}, or shards
 * {@code model-00001-of-0000N.safetensors} listed in {@code model.safetensors.index.json}
 * ({@code {"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}}). Reads either (the single file
 * wins when both exist, as in transformers); writes shards when the tensors exceed a maximum shard size.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> fileOf) {
        this.files = files;
        this.fileOf = fileOf;
    }

    /** Opens a directory (single file or index + shards) or one {@code .safetensors} file. */
    public static SafetensorsCheckpoint open(Path directoryOrFile) throws IOException {
        if (Files.isRegularFile(directoryOrFile)) {
            return directoryOrFile.getFileName().toString().endsWith(".json") ? openIndex(directoryOrFile)
                    : ofFiles(List.of(SafetensorsFile.open(directoryOrFile)));
        }
        Path single = directoryOrFile.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return ofFiles(List.of(SafetensorsFile.open(single)));
        }
        Path index = directoryOrFile.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndex(index);
        }
        throw new SafetensorsException(directoryOrFile + ": no " + SINGLE_FILE + " or " + INDEX_FILE);
    }

    private static SafetensorsCheckpoint ofFiles(List<SafetensorsFile> files) throws SafetensorsException {
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (SafetensorsFile file : files) {
            for (String name : file.tensors().keySet()) {
                SafetensorsFile previous = fileOf.put(name, file);
                if (previous != null) {
                    closeAll(files);
                    throw new SafetensorsException("tensor '" + name + "' is in both " + previous.path() + " and "
                            + file.path());
                }
            }
        }
        return new SafetensorsCheckpoint(List.copyOf(files), Collections.unmodifiableMap(fileOf));
    }

    private static SafetensorsCheckpoint openIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsException(index + ": no \"weight_map\" object");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String shard = entry.getValue().asText();
            if (!entry.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                    || shard.equals("..")) {
                throw new SafetensorsException(index + ": weight_map[\"" + entry.getKey() + "\"] = "
                        + entry.getValue() + " is not a file name beside the index");
            }
            shardOf.put(entry.getKey(), shard);
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> entry : shardOf.entrySet()) {
                String shard = entry.getValue();
                if (opened.containsKey(shard)) {
                    continue;
                }
                Path shardPath = index.resolveSibling(shard);
                if (!Files.isRegularFile(shardPath)) {
                    throw new SafetensorsException(index + ": shard " + shard + " (weight_map of tensor '"
                            + entry.getKey() + "') is missing: no file " + shardPath);
                }
                opened.put(shard, SafetensorsFile.open(shardPath));
            }
            for (Map.Entry<String, String> entry : shardOf.entrySet()) {
                if (!opened.get(entry.getValue()).contains(entry.getKey())) {
                    throw new SafetensorsException(index + ": weight_map puts tensor '" + entry.getKey() + "' in "
                            + entry.getValue() + ", which does not hold it");
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(opened.values());
            throw e;
        }
        return ofFiles(new ArrayList<>(opened.values()));
    }

    /** Every tensor name, in file order (shard by shard). */
    public List<String> names() {
        return List.copyOf(fileOf.keySet());
    }

    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    public TensorInfo info(String name) throws SafetensorsException {
        return file(name).info(name);
    }

    /** The tensor as floats (F32, BF16 or F16 on disk). */
    public float[] floats(String name) throws SafetensorsException {
        return file(name).floats(name);
    }

    /** A BF16 tensor's raw bits. */
    public short[] bfloat16Bits(String name) throws SafetensorsException {
        return file(name).bfloat16Bits(name);
    }

    /** {@code __metadata__} of the first file. */
    public Map<String, String> metadata() {
        return files.isEmpty() ? Map.of() : files.getFirst().metadata();
    }

    private SafetensorsFile file(String name) throws SafetensorsException {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw new SafetensorsException("no tensor '" + name + "' in "
                    + files.stream().map(f -> f.path().toString()).toList());
        }
        return file;
    }

    @Override
    public void close() {
        closeAll(files);
    }

    private static void closeAll(Iterable<SafetensorsFile> files) {
        for (SafetensorsFile file : files) {
            file.close();
        }
    }

    /**
     * Writes {@code tensors} into {@code directory} with {@code __metadata__ {"format":"pt"}}: one
     * {@code model.safetensors} when their data fits in {@code maxShardBytes}, else shards plus the index, split as
     * huggingface_hub's {@code split_torch_state_dict_into_shards} does: tensors fill shards in the given order, a
     * new shard starts when the next tensor would overflow, and a tensor bigger than the limit gets a shard of its
     * own, placed before the shard being filled. Files of an earlier save that the new layout does not use are
     * removed, so the directory always holds exactly one consistent checkpoint. Each file is written atomically;
     * the index (or single file) last.
     */
    public static void write(Path directory, List<SafetensorsWriter.Entry> tensors, long maxShardBytes)
            throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long currentBytes = 0;
        long totalBytes = 0;
        for (SafetensorsWriter.Entry entry : tensors) {
            totalBytes += entry.byteSize();
            if (entry.byteSize() > maxShardBytes) {  // own shard, placed before the one being filled
                shards.add(List.of(entry));
                continue;
            }
            if (currentBytes + entry.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(entry);
            currentBytes += entry.byteSize();
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        Files.createDirectories(directory);
        if (shards.size() == 1) {
            SafetensorsWriter.write(directory.resolve(SINGLE_FILE), shards.getFirst(),
                    SafetensorsWriter.PYTORCH_METADATA);
            Files.deleteIfExists(directory.resolve(INDEX_FILE));
            deleteShardsExcept(directory, List.of());
            return;
        }
        Map<String, String> weightMap = new TreeMap<>();
        List<String> shardNames = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            String shardName = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            shardNames.add(shardName);
            SafetensorsWriter.write(directory.resolve(shardName), shards.get(s), SafetensorsWriter.PYTORCH_METADATA);
            for (SafetensorsWriter.Entry entry : shards.get(s)) {
                weightMap.put(entry.name(), shardName);
            }
        }
        byte[] index = indexJson(totalBytes, weightMap).getBytes(StandardCharsets.UTF_8);
        SafetensorsWriter.writeAtomically(directory.resolve(INDEX_FILE),
                channel -> channel.write(java.nio.ByteBuffer.wrap(index)));
        Files.deleteIfExists(directory.resolve(SINGLE_FILE));
        deleteShardsExcept(directory, shardNames);
    }

    /** The index as transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n". */
    static String indexJson(long totalBytes, Map<String, String> sortedWeightMap) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(totalBytes)
                .append("\n  },\n  \"weight_map\": {\n");
        int i = 0;
        for (Map.Entry<String, String> entry : sortedWeightMap.entrySet()) {
            try {
                out.append("    ").append(json.writeValueAsString(entry.getKey())).append(": ")
                        .append(json.writeValueAsString(entry.getValue()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            out.append(++i < sortedWeightMap.size() ? ",\n" : "\n");
        }
        return out.append("  }\n}\n").toString();
    }

    private static void deleteShardsExcept(Path directory, List<String> keep) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (SHARD_NAME.matcher(name).matches() && !keep.contains(name)) {
                    Files.delete(file);
                }
            }
        }
    }
}
