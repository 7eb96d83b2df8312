package dev.reason4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix W [n, k] (nn.Linear's [out, in] layout) as {@link BatchInvariantMatmul} reads it: panels of
 * {@link #PANEL} consecutive rows of W, each stored k-major ({@code panel[p·PANEL + j] = W[panel·PANEL + j][p]},
 * zero-padded past row n), so a micro-kernel loads PANEL outputs' weights for one p with whole-vector loads.
 *
 * <p>Three sources give the same panels, hence the same products: a packed float32 copy (made once, read in place:
 * decoding reads each weight once per step), packed bfloat16 (half the bytes, widened exactly to float32 panel by
 * panel; how a bf16 model holds its matrices), or a view of the plain [n, k] array packed panel by panel on use
 * (training's forward, whose many rows amortise the packing, and whose weights change every step so a copy would go
 * stale). Views may also be strided (one head's columns of wider rows) or transposed (W = Bᵀ for a row-major B: the
 * backward's products), packed the same way.
 */
public final class PackedMatrix {
    /** Rows of W per panel: three vectors of outputs, the micro-kernel's width. */
    public static final int PANEL = 3 * FloatVector.SPECIES_PREFERRED.length();

    final int n;
    final int k;
    private final float[] packed;      // packed float32 panels, or null
    private final short[] packedBf16;  // packed bf16 panels, or null
    private final float[] plain;       // W [n, k] itself (view), or Wᵀ [k, n] (transposed view), or null
    private final int plainOffset;     // where the view's first row starts in plain
    private final int plainStride;     // the view's row stride
    private final boolean transposed;  // plain holds Wᵀ

    private PackedMatrix(int n, int k, float[] packed, short[] packedBf16, float[] plain) {
        this(n, k, packed, packedBf16, plain, 0, k, false);
    }

    private PackedMatrix(int n, int k, float[] packed, short[] packedBf16, float[] plain, int plainOffset,
                         int plainStride, boolean transposed) {
        if (n < 0 || k < 0) {
            throw new IllegalArgumentException("matrix shape [" + n + ", " + k + "] is negative");
        }
        this.n = n;
        this.k = k;
        this.packed = packed;
        this.packedBf16 = packedBf16;
        this.plain = plain;
        this.plainOffset = plainOffset;
        this.plainStride = plainStride;
        this.transposed = transposed;
    }

    /** A view of W [n, k] (no copy; packed panel by panel when multiplied). */
    public static PackedMatrix view(float[] w, int n, int k) {
        requireSize(w.length, n, k);
        return new PackedMatrix(n, k, null, null, w);
    }

    /** A view of W [n, k] whose row j starts at {@code w[off + j·stride]} (a head's slice of q, k or v rows). */
    public static PackedMatrix view(float[] w, int off, int stride, int n, int k) {
        requireFits(w.length, off, stride, n, k);
        return new PackedMatrix(n, k, null, null, w, off, stride, false);
    }

    /**
     * W [n, k] as the transpose of a row-major [k, n] matrix whose row p starts at {@code b[off + p·stride]} (no
     * copy): the backward's products multiply by a weight's transpose and by activations, both held that way. Its
     * panels are slices of b's rows.
     */
    public static PackedMatrix transposedView(float[] b, int off, int stride, int k, int n) {
        requireFits(b.length, off, stride, k, n);
        return new PackedMatrix(n, k, null, null, b, off, stride, true);
    }

    private static void requireFits(int length, int off, int stride, int rows, int cols) {
        long last = off + (long) (rows - 1) * stride + cols - 1;
        if (off < 0 || stride < cols || (rows > 0 && cols > 0 && last >= length)) {
            throw new IllegalArgumentException("matrix [" + rows + ", " + cols + "] from offset " + off
                    + " with row stride " + stride + " needs index " + last + ", the array has " + length);
        }
    }

    /** A packed float32 copy of W [n, k]: for repeated products with few rows (decoding). */
    public static PackedMatrix pack(float[] w, int n, int k) {
        requireSize(w.length, n, k);
        float[] packed = new float[panels(n) * PANEL * k];
        Parallel.forRange(0, panels(n), panel -> packPanel(w, null, n, k, panel, packed, null, panel * PANEL * k));
        return new PackedMatrix(n, k, packed, null, null);
    }

    /** A packed bfloat16 copy of W [n, k] (bits as held, no rounding). */
    public static PackedMatrix pack(short[] w, int n, int k) {
        requireSize(w.length, n, k);
        short[] packed = new short[panels(n) * PANEL * k];
        Parallel.forRange(0, panels(n), panel -> packPanel(null, w, n, k, panel, null, packed, panel * PANEL * k));
        return new PackedMatrix(n, k, null, packed, null);
    }

    private static void requireSize(int length, int n, int k) {
        if ((long) n * k != length) {
            throw new IllegalArgumentException("matrix [" + n + ", " + k + "] needs " + (long) n * k
                    + " values, the array has " + length);
        }
    }

    static int panels(int n) {
        return (n + PANEL - 1) / PANEL;
    }

    /** W[row][col] as float32 (bf16 widened), in whichever layout the values are held. */
    public float get(int row, int col) {
        if (plain != null) {
            return transposed ? plain[plainOffset + col * plainStride + row]
                    : plain[plainOffset + row * plainStride + col];
        }
        int index = (row / PANEL) * PANEL * k + col * PANEL + row % PANEL;
        return packed != null ? packed[index] : Float.intBitsToFloat(packedBf16[index] << 16);
    }

    /** out[off .. off + k) = W[row] as float32 (an embedding lookup into the matrix). */
    public void row(int row, float[] out, int off) {
        for (int col = 0; col < k; col++) {
            out[off + col] = get(row, col);
        }
    }

    /** The whole matrix as row-major float32 [n, k] (for saving a bf16-held model). */
    public float[] toFloats() {
        float[] values = new float[n * k];
        for (int row = 0; row < n; row++) {
            row(row, values, row * k);
        }
        return values;
    }

    /** Bytes held by this matrix's own arrays (a view holds none). */
    public long bytes() {
        return packed != null ? 4L * packed.length : packedBf16 != null ? 2L * packedBf16.length : 0;
    }

    /**
     * The float32 panel {@code panel}: either the packed array itself (returns its offset) or {@code scratch}
     * (filled, returns 0). Read the returned array with {@link #panelArray}.
     */
    int panel(int panel, float[] scratch) {
        if (packed != null) {
            return panel * PANEL * k;
        }
        if (packedBf16 != null) {
            widen(packedBf16, panel * PANEL * k, scratch, PANEL * k);
            return 0;
        }
        if (transposed) {
            // Panel p-row = a slice of row p of Wᵀ, zero-padded past column n.
            int col0 = panel * PANEL;
            int cols = Math.min(PANEL, n - col0);
            for (int p = 0; p < k; p++) {
                System.arraycopy(plain, plainOffset + p * plainStride + col0, scratch, p * PANEL, cols);
                java.util.Arrays.fill(scratch, p * PANEL + cols, (p + 1) * PANEL, 0f);
            }
            return 0;
        }
        int row0 = panel * PANEL;
        for (int j = 0; j < PANEL; j++) {
            int from = plainOffset + (row0 + j) * plainStride;
            for (int p = 0; p < k; p++) {
                scratch[p * PANEL + j] = row0 + j >= n ? 0f : plain[from + p];
            }
        }
        return 0;
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** out[0..size) = bits[from..] as float32 (exact: bf16 is the upper half of a float32). size is a multiple of L. */
    private static void widen(short[] bits, int from, float[] out, int size) {
        for (int i = 0; i < size; i += F.length()) {
            ((IntVector) ShortVector.fromArray(HALF, bits, from + i).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(out, i);
        }
    }

    /** The array {@link #panel} wrote to or pointed into. */
    float[] panelArray(float[] scratch) {
        return packed != null ? packed : scratch;
    }

    /** Packs panel {@code panel} of W: float32 {@code w} into {@code out}, or bf16 {@code wBf16} into {@code outBf16}. */
    private static void packPanel(float[] w, short[] wBf16, int n, int k, int panel, float[] out, short[] outBf16,
                                  int outOff) {
        int row0 = panel * PANEL;
        for (int j = 0; j < PANEL; j++) {
            int row = row0 + j;
            for (int p = 0; p < k; p++) {
                int index = outOff + p * PANEL + j;
                if (out != null) {
                    out[index] = row >= n ? 0f : w[row * k + p];
                } else {
                    outBf16[index] = row >= n ? 0 : wBf16[row * k + p];
                }
            }
        }
    }
}
