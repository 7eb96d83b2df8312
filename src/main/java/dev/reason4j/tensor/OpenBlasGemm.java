package dev.reason4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cblas_sgemm} from OpenBLAS, called through FFM. The downcall is {@link Linker.Option#critical critical}
 * with heap access, so the Java {@code float[]} are passed in place: no copy, no off-heap staging.
 *
 * <p>Threads: OpenBLAS's own pool is pinned to one thread. Parallelism comes from {@link Blas}, which splits
 * large products over {@link Parallel} — so one pool serves both the engine's loops and its matmuls, and a matmul
 * called from inside a parallel loop never oversubscribes the cores.
 */
final class OpenBlasGemm implements GemmBackend {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    /** Where Debian (libopenblas0-pthread, libopenblas0-openmp) and other distributions put the library. */
    private static final List<String> CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
            "/usr/lib/libopenblas.so.0",
            "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
            "/usr/local/opt/openblas/lib/libopenblas.dylib");

    private final MethodHandle cblasSgemm;
    private final String description;

    private OpenBlasGemm(MethodHandle cblasSgemm, String description) {
        this.cblasSgemm = cblasSgemm;
        this.description = description;
    }

    /**
     * Loads OpenBLAS from {@code explicitPath} (when non-null) or the usual locations.
     *
     * @throws IllegalStateException naming the paths tried, when none loads
     */
    static OpenBlasGemm load(String explicitPath) {
        List<String> tried = new ArrayList<>();
        List<String> paths = explicitPath != null ? List.of(explicitPath) : CANDIDATES;
        for (String path : paths) {
            tried.add(path);
            if (!Files.isReadable(Path.of(path))) {
                continue;
            }
            try {
                return bind(SymbolLookup.libraryLookup(Path.of(path), Arena.global()), path);
            } catch (RuntimeException e) {
                tried.set(tried.size() - 1, path + " (" + e.getMessage() + ")");
            }
        }
        throw new IllegalStateException("OpenBLAS not found; tried " + tried
                + ". Install it (Debian: apt-get install libopenblas0-pthread) or set reason4j.blas.library");
    }

    private static OpenBlasGemm bind(SymbolLookup lookup, String path) {
        Linker linker = Linker.nativeLinker();
        var i32 = ValueLayout.JAVA_INT;
        var f32 = ValueLayout.JAVA_FLOAT;
        var ptr = ValueLayout.ADDRESS;
        MethodHandle sgemm = linker.downcallHandle(
                lookup.find("cblas_sgemm").orElseThrow(() -> new IllegalStateException("no cblas_sgemm")),
                FunctionDescriptor.ofVoid(i32, i32, i32, i32, i32, i32, f32, ptr, i32, ptr, i32, f32, ptr, i32),
                Linker.Option.critical(true));
        // Pin OpenBLAS to one thread: Blas parallelises over the engine's own pool (see class comment).
        lookup.find("openblas_set_num_threads").ifPresent(symbol -> {
            try {
                linker.downcallHandle(symbol, FunctionDescriptor.ofVoid(i32)).invokeExact(1);
            } catch (Throwable t) {
                throw new IllegalStateException("openblas_set_num_threads failed", t);
            }
        });
        String config = lookup.find("openblas_get_config").map(symbol -> {
            try {
                MemorySegment text = (MemorySegment) linker.downcallHandle(symbol, FunctionDescriptor.of(ptr))
                        .invokeExact();
                return text.reinterpret(256).getString(0);
            } catch (Throwable t) {
                return "?";
            }
        }).orElse("?");
        return new OpenBlasGemm(sgemm, "openblas (" + config.trim() + ", " + path + ")");
    }

    @Override
    public String name() {
        return "openblas";
    }

    String description() {
        return description;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        try {
            cblasSgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    MemorySegment.ofArray(a).asSlice(aOffset * 4L), lda,
                    MemorySegment.ofArray(b).asSlice(bOffset * 4L), ldb, beta,
                    MemorySegment.ofArray(c).asSlice(cOffset * 4L), ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
