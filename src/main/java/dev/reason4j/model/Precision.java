package dev.reason4j.model;

/** How weight matrices are held: FP32 (trainable) or BF16 (half the memory, inference only). */
public enum Precision {
    FP32, BF16
}
