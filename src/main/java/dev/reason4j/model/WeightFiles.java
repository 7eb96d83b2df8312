package dev.reason4j.model;

import dev.reason4j.io.AtomicFiles;
import dev.reason4j.safetensors.DType;
import dev.reason4j.safetensors.SafetensorsCheckpoint;
import dev.reason4j.safetensors.SafetensorsWriter;
import dev.reason4j.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Transformer}'s weights as an HF checkpoint: config.json plus safetensors (single file or shards, through
 * {@link SafetensorsCheckpoint}). Missing tensors, wrong shapes and unknown tensors are errors naming the tensor and
 * the directory.
 */
final class WeightFiles {
    private WeightFiles() {}

    /** Shard size above which save() writes several files (HF's default max_shard_size is 5 GB). */
    static long shardBytes = 5_000_000_000L;

    static void read(Path dir, Transformer model, Precision precision) throws IOException {
        // Errors name the checkpoint file (the single file, or the index of the shards), as transformers does.
        Path source = Files.exists(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE))
                ? dir.resolve(SafetensorsCheckpoint.SINGLE_FILE) : dir.resolve(SafetensorsCheckpoint.INDEX_FILE);
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir)) {
            if (checkpoint.contains("value_head.weight")) {
                model.addValueHead(0);
            }
            if (checkpoint.contains("score.weight")) {
                // HF's ...ForSequenceClassification / ...ForTokenClassification: the trunk and a score head, no LM head.
                model.lmHead = null;
                model.addScoreHead(0, checkpoint.contains("score.bias"));
            }
            List<Weight> weights = model.weights();
            for (String name : checkpoint.names()) {
                boolean known = weights.stream().anyMatch(w -> w.name.equals(name))
                        || name.endsWith("rotary_emb.inv_freq")   // a buffer old checkpoints saved; recomputed here
                        || (name.equals("lm_head.weight") && model.config.tieWordEmbeddings() && model.hasLmHead());
                if (!known) {
                    throw new IOException(source + ": unexpected tensor '" + name + "' (not part of a "
                            + model.config.architecture().hfClass + " with this config.json)");
                }
            }
            for (Weight w : weights) {
                if (!checkpoint.contains(w.name)) {
                    throw new IOException(source + ": missing tensor '" + w.name + "'");
                }
                TensorInfo info = checkpoint.info(w.name);
                if (!Arrays.equals(info.intShape(), w.shape)) {
                    throw new IOException(source + ": tensor '" + w.name + "' has shape "
                            + Arrays.toString(info.intShape()) + ", config.json implies " + Arrays.toString(w.shape));
                }
                boolean holdBf16 = precision == Precision.BF16 && w.shape.length == 2;
                if (holdBf16 && info.dtype() == DType.BF16) {
                    w.holdBf16(checkpoint.bfloat16Bits(w.name));
                } else {
                    w.data = checkpoint.floats(w.name);
                    if (holdBf16) {
                        w.convertToBf16();
                    }
                }
            }
        }
    }

    /** Writes config.json and the weights (F32, or BF16 for weights held in bf16), each file atomically. */
    static void write(Path dir, Transformer model) throws IOException {
        Files.createDirectories(dir);
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (Weight w : model.weights()) {
            entries.add(SafetensorsWriter.Entry.of(w.name, w.isBf16() ? DType.BF16 : DType.F32, w.shape, w.toFloat()));
        }
        SafetensorsCheckpoint.write(dir, entries, shardBytes);
        AtomicFiles.writeString(dir.resolve("config.json"), model.hasLmHead() ? model.config.toJson()
                : model.config.toScoreModelJson(model.scoreBias != null));
    }
}
