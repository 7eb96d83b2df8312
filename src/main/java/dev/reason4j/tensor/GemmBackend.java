package dev.reason4j.tensor;

/** One implementation of {@link Blas#sgemm}: same arguments, same row-major BLAS semantics. */
interface GemmBackend {
    /** Short name reported to users, e.g. "openblas" or "java". */
    String name();

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
               float beta, float[] c, int cOffset, int ldc);
}
