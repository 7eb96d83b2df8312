package dev.reason4j.model;

/**
 * One trainable tensor: its HF name, shape, float32 values and the float32 gradient that {@code backward}
 * accumulates into. The arrays are the model's own (an optimizer updates {@code data} in place).
 */
public record Parameter(String name, int[] shape, float[] data, float[] grad) {
    public int size() {
        return data.length;
    }
}
