package dev.reason4j.safetensors;

/**
 * Element types of the safetensors format, in the format's order of increasing alignment (the writer sorts tensors
 * by this order, descending, as the reference implementation does). Names are as they appear in headers.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8),
    I64(8), U64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the types {@link SafetensorsWriter} stores float values as: F32, BF16, F16. */
    public boolean writtenFromFloat() {
        return this == F32 || this == BF16 || this == F16;
    }

    /** float → bfloat16 bits, round to nearest even, NaN → 0x7FC0: as PyTorch's {@code .to(torch.bfloat16)}. */
    public static short toBfloat16(float value) {
        if (Float.isNaN(value)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(value);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bfloat16 bits → float (exact). */
    public static float fromBfloat16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
