/* Weighted sums T = W V^T of resample weights against cluster value columns:
 * every statistic of a resample is a ratio of two such sums, so all of them
 * come out of one product.
 *
 * For a few columns (K <= 8) a fused kernel reads four uint32 count rows and
 * the K columns once per column, converting counts on the fly: the weights
 * never exist as doubles, which halves the memory traffic of dgemm on a
 * materialised double matrix (measured: 0.28 vs 0.8 ns per cluster and
 * resample at K = 3, C = 25000). For many columns dgemm's blocking wins. */
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "boot_internal.h"

void saydo_boot_wsum4_scalar(const uint32_t *w, size_t C, const double *V, size_t K, double *T)
{
    const size_t C4 = C & ~(size_t)3;
    for (size_t k = 0; k < K; k++) {
        const double *v = V + k * C;
        for (size_t r = 0; r < SAYDO_BOOT_SUB; r++) {
            const uint32_t *wr = w + r * C;
            double a[4] = {0.0, 0.0, 0.0, 0.0};
            for (size_t c = 0; c < C4; c += 4)
                for (size_t l = 0; l < 4; l++) a[l] = fma((double)wr[c + l], v[c + l], a[l]);
            double s = ((a[0] + a[1]) + a[2]) + a[3];
            for (size_t c = C4; c < C; c++) s = fma((double)wr[c], v[c], s);
            T[r * K + k] = s;
        }
    }
}

#define AVX2FMA __attribute__((target("avx2,fma")))

AVX2FMA static inline double hsum_tail(__m256d acc, const uint32_t *wr, const double *v, size_t C4,
                                       size_t C)
{
    double a[4];
    _mm256_storeu_pd(a, acc);
    double s = ((a[0] + a[1]) + a[2]) + a[3];
    for (size_t c = C4; c < C; c++) s = fma((double)wr[c], v[c], s);
    return s;
}

/* K <= 3 columns in one pass over the clusters: each block of four counts
 * per row is converted once and used for every column (the loop below
 * converts it once per column), with the 4 x K accumulators (12 at most)
 * in registers. Accumulator (r, k) sees the same fma sequence as in the
 * column-by-column loop, so the sums have the same bits; at K = 3 (a count
 * and two statistics, the usual score --ci row) it measured about a third
 * faster. */
AVX2FMA static inline __attribute__((always_inline)) void wsum4_fused(const uint32_t *w, size_t C,
                                                                       const double *V, const size_t K,
                                                                       double *T)
{
    const size_t C4 = C & ~(size_t)3;
    __m256d acc[4][3];
    for (size_t r = 0; r < 4; r++)
        for (size_t k = 0; k < K; k++) acc[r][k] = _mm256_setzero_pd();
    for (size_t c = 0; c < C4; c += 4) {
        __m256d v[3];
        for (size_t k = 0; k < K; k++) v[k] = _mm256_loadu_pd(V + k * C + c);
        for (size_t r = 0; r < 4; r++) {
            /* counts < 2^31, so the signed int32 -> double conversion is exact */
            const __m256d x = _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(w + r * C + c)));
            for (size_t k = 0; k < K; k++) acc[r][k] = _mm256_fmadd_pd(x, v[k], acc[r][k]);
        }
    }
    for (size_t k = 0; k < K; k++)
        for (size_t r = 0; r < 4; r++) T[r * K + k] = hsum_tail(acc[r][k], w + r * C, V + k * C, C4, C);
}

AVX2FMA void saydo_boot_wsum4_avx2(const uint32_t *w, size_t C, const double *V, size_t K,
                                   double *T)
{
    switch (K) {   /* constant K: the loops over k unroll */
    case 1: wsum4_fused(w, C, V, 1, T); return;
    case 2: wsum4_fused(w, C, V, 2, T); return;
    case 3: wsum4_fused(w, C, V, 3, T); return;
    default: break;
    }
    const size_t C4 = C & ~(size_t)3;
    const uint32_t *w0 = w, *w1 = w + C, *w2 = w + 2 * C, *w3 = w + 3 * C;
    for (size_t k = 0; k < K; k++) {
        const double *v = V + k * C;
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t c = 0; c < C4; c += 4) {
            const __m256d vv = _mm256_loadu_pd(v + c);
            /* counts < 2^31, so the signed int32 -> double conversion is exact */
            a0 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(w0 + c))), vv, a0);
            a1 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(w1 + c))), vv, a1);
            a2 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(w2 + c))), vv, a2);
            a3 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(w3 + c))), vv, a3);
        }
        T[0 * K + k] = hsum_tail(a0, w0, v, C4, C);
        T[1 * K + k] = hsum_tail(a1, w1, v, C4, C);
        T[2 * K + k] = hsum_tail(a2, w2, v, C4, C);
        T[3 * K + k] = hsum_tail(a3, w3, v, C4, C);
    }
}

void saydo_boot_wsum4(const uint32_t *w, size_t C, const double *V, size_t K, double *T)
{
    if (saydo_boot_have_avx2()) saydo_boot_wsum4_avx2(w, C, V, K, T);
    else saydo_boot_wsum4_scalar(w, C, V, K, T);
}

void saydo_boot_wsum_ref(const double *W, size_t R, size_t C, const double *V, size_t K,
                         double *T)
{
    for (size_t r = 0; r < R; r++)
        for (size_t k = 0; k < K; k++) {
            double s = 0.0;
            for (size_t c = 0; c < C; c++) s += W[r * C + c] * V[k * C + c];
            T[r * K + k] = s;
        }
}

/* OpenBLAS runs a gemm on one thread when m*n*k <= 65536 * 4
 * (SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD in interface/gemm.c);
 * staying below it keeps the pthreads build from starting its own threads
 * inside our OpenMP blocks. */
#define BLAS_SINGLE_THREAD_MNK 262144

void saydo_boot_wsum_blas(const double *W, size_t R, size_t C, const double *V, size_t K,
                          double *T)
{
    if (R == 0 || K == 0) return;
    if (C == 0) {
        memset(T, 0, R * K * sizeof *T);
        return;
    }
    size_t tile = BLAS_SINGLE_THREAD_MNK / (R * K);
    if (tile < 64) tile = 64;
    for (size_t c0 = 0; c0 < C; c0 += tile) {
        const size_t len = C - c0 < tile ? C - c0 : tile;
        /* T (R x K) (+)= W[:, c0:c0+len] (R x len) * V[:, c0:c0+len]^T (len x K) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)R, (int)K, (int)len, 1.0,
                    W + c0, (int)C, V + c0, (int)C, c0 ? 1.0 : 0.0, T, (int)K);
    }
}
