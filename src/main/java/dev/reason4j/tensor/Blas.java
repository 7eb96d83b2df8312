package dev.reason4j.tensor;

/**
 * General matrix multiply on row-major {@code float[]} with offsets and leading dimensions, BLAS semantics:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where op(X) is X or X^T, op(A) is m×k, op(B) is k×n, C is m×n.
 * {@code beta = 0} overwrites C (whatever it held, NaN included).
 *
 * <p>The backward pass's products go through here (the forward's go through {@link BatchInvariantMatmul}, whose
 * per-element order never depends on the shape; a BLAS promises no such thing). Backend: OpenBLAS's {@code cblas_sgemm} through FFM
 * when the library is found, else the pure-Java Vector API kernel ({@link JavaGemm}). Choose with system property
 * {@code reason4j.blas} or env {@code REASON4J_BLAS} = {@code openblas | java} (OpenBLAS's path:
 * {@code reason4j.blas.library}); {@link #backend()} says which is active.
 *
 * <p>Threads: a product big enough to pay for it is split into {@link Parallel#threads()} blocks of rows of C
 * (or of columns, when C has few rows, as in decoding) which run on the {@link Parallel} pool, each a
 * single-threaded backend call. Called from inside a parallel loop, it runs whole on the calling thread.
 */
public final class Blas {
    /** Products below this many flops (2mnk) run on one thread: a fork/join costs ~10-50 µs. */
    private static final long PARALLEL_MIN_FLOPS = 1L << 18;
    /** A split by rows needs this many rows per block to amortise packing the whole of B in every block. */
    private static final int ROWS_PER_BLOCK_MIN = 64;

    private static final GemmBackend BACKEND = selectBackend();
    /**
     * Products of one to three rows go to the Java kernel whatever the backend: it streams B once without packing
     * it, several times faster than OpenBLAS's sgemm on such shapes.
     */
    private static final GemmBackend FEW_ROWS = new JavaGemm();

    private Blas() {}

    /** The active backend's name: "openblas" or "java". */
    public static String backend() {
        return BACKEND.name();
    }

    /** The active backend, with OpenBLAS's build configuration and path when that is the one. */
    public static String describe() {
        return BACKEND instanceof OpenBlasGemm openBlas ? openBlas.description()
                : "java (Vector API, " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)";
    }

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        sgemm(BACKEND, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** {@link #sgemm} on a given backend (tests and benchmarks compare them). */
    static void sgemm(GemmBackend backend, boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        // Checked here, not left to the native code: an out-of-bounds index there corrupts the heap silently.
        checkMatrix("A", a, aOffset, lda, transA ? k : m, transA ? m : k);
        checkMatrix("B", b, bOffset, ldb, transB ? n : k, transB ? k : n);
        checkMatrix("C", c, cOffset, ldc, m, n);
        if (m == 0 || n == 0) {
            return;
        }
        GemmBackend chosen = m < JavaGemm.SMALL_M ? FEW_ROWS : backend;
        int threads = Parallel.threads();
        if (threads == 1 || 2L * m * n * k < PARALLEL_MIN_FLOPS || Parallel.inParallelLoop()) {
            chosen.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        // Rows when each block still has many (each block packs all of B), else columns (each packs its share of B).
        if (m >= threads * ROWS_PER_BLOCK_MIN) {
            int rowsPerBlock = roundUp(ceilDiv(m, threads), JavaGemm.MR);
            Parallel.forRange(0, ceilDiv(m, rowsPerBlock), block -> {
                int row = block * rowsPerBlock;
                int rows = Math.min(rowsPerBlock, m - row);
                chosen.sgemm(transA, transB, rows, n, k, alpha, a, aOffset + (transA ? row : row * lda), lda,
                        b, bOffset, ldb, beta, c, cOffset + row * ldc, ldc);
            });
        } else {
            int colsPerBlock = roundUp(ceilDiv(n, threads), JavaGemm.NR);
            Parallel.forRange(0, ceilDiv(n, colsPerBlock), block -> {
                int col = block * colsPerBlock;
                int cols = Math.min(colsPerBlock, n - col);
                chosen.sgemm(transA, transB, m, cols, k, alpha, a, aOffset, lda,
                        b, bOffset + (transB ? col * ldb : col), ldb, beta, c, cOffset + col, ldc);
            });
        }
    }

    private static void checkMatrix(String name, float[] array, int offset, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: leading dimension of " + name + " is " + ld
                    + ", less than its " + cols + " columns");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("sgemm: negative offset " + offset + " of " + name);
        }
        if (rows > 0 && cols > 0) {
            long last = offset + (long) (rows - 1) * ld + cols - 1;
            if (last >= array.length) {
                throw new IllegalArgumentException("sgemm: " + name + " (" + rows + "×" + cols + ", offset " + offset
                        + ", ld " + ld + ") needs index " + last + " but the array has length " + array.length);
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }

    private static GemmBackend selectBackend() {
        String choice = System.getProperty("reason4j.blas", System.getenv("REASON4J_BLAS"));
        String library = System.getProperty("reason4j.blas.library", System.getenv("REASON4J_BLAS_LIBRARY"));
        if (choice == null || choice.isBlank()) {
            try {
                return OpenBlasGemm.load(library);
            } catch (IllegalStateException | UnsatisfiedLinkError e) {
                return new JavaGemm();
            }
        }
        return switch (choice.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "openblas" -> OpenBlasGemm.load(library);  // asked for by name: fail loudly when absent
            case "java" -> new JavaGemm();
            default -> throw new IllegalArgumentException("reason4j.blas / REASON4J_BLAS must be openblas or java, got '"
                    + choice + "'");
        };
    }

    /** The OpenBLAS backend, or null when it cannot be loaded (tests use it to cover both backends). */
    static GemmBackend openBlasOrNull() {
        try {
            return BACKEND instanceof OpenBlasGemm ? BACKEND : OpenBlasGemm.load(null);
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            return null;
        }
    }
}
