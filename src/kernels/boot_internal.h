/* Internals of the bootstrap engine (saydo/boot.h), shared by boot*.c and
 * tests/unit/test_boot*.c: the generators, the weight drawing kernels, the
 * weighted-sum kernels and the interval arithmetic. Every SIMD kernel has a
 * scalar twin that gives bit-identical results. */
#ifndef SAYDO_BOOT_INTERNAL_H
#define SAYDO_BOOT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/boot.h"

#define SAYDO_BOOT_LANES 8   /* taus2 generators per block, one per AVX2 lane */

/* ---- generators (boot_rng.c) ---- */

/** splitmix64 (Steele, Lea, Flood 2014): advances *x, returns a mixed word. */
uint64_t saydo_boot_splitmix64(uint64_t *x);

/** A taus2 state seeded from (seed, block, stream) via splitmix64, already
 *  past GSL's six warm-up steps; st[0..2] = s1, s2, s3 (each > 1, 7, 15). */
void saydo_boot_taus2_seed(uint64_t seed, uint64_t block, uint32_t stream, uint32_t st[3]);

/** One step of L'Ecuyer's maximally equidistributed combined Tausworthe
 *  generator, the recurrence of gsl_rng_taus2 (taus_get in GSL's taus.c). */
static inline uint32_t saydo_boot_taus2_next(uint32_t *s1, uint32_t *s2, uint32_t *s3)
{
    *s1 = ((*s1 & 4294967294u) << 12) ^ (((*s1 << 13) ^ *s1) >> 19);
    *s2 = ((*s2 & 4294967288u) << 4) ^ (((*s2 << 2) ^ *s2) >> 25);
    *s3 = ((*s3 & 4294967280u) << 17) ^ (((*s3 << 3) ^ *s3) >> 11);
    return *s1 ^ *s2 ^ *s3;
}

/** Eight taus2 generators, lane l seeded from (seed, block, l). */
typedef struct saydo_boot_rng8 {
    uint32_t s1[SAYDO_BOOT_LANES] __attribute__((aligned(32)));
    uint32_t s2[SAYDO_BOOT_LANES] __attribute__((aligned(32)));
    uint32_t s3[SAYDO_BOOT_LANES] __attribute__((aligned(32)));
} saydo_boot_rng8_t;

void saydo_boot_rng8_seed(saydo_boot_rng8_t *g, uint64_t seed, uint64_t block);

/** A run of clusters resampled together: positions off .. off+len-1. */
typedef struct saydo_boot_span {
    size_t off, len;
} saydo_boot_span_t;

/**
 * Adds one resample's multinomial counts: inside each stratum h, len_h
 * cluster indices uniform on [0, len_h) (Lemire's unbiased multiply-shift with
 * rejection), each adding 1 to cnt[off_h + idx], or, with a map, to
 * cnt[map[off_h + idx]] (map: position -> type, to count types directly).
 * Draws come in rounds of eight, draw i of a round from lane i; a last partial
 * round steps the unused lanes too and discards their output. The scalar and
 * AVX2 versions are bit-identical, with or without a map.
 */
void saydo_boot_draw_counts_scalar(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                                   size_t n_strata, const uint32_t *map, uint32_t *cnt);
void saydo_boot_draw_counts_avx2(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                                 size_t n_strata, const uint32_t *map, uint32_t *cnt);
void saydo_boot_draw_counts(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                            size_t n_strata, const uint32_t *map, uint32_t *cnt);

/** 1 when the AVX2+FMA kernels run on this CPU. */
int saydo_boot_have_avx2(void);

/* ---- weighted sums (boot_sum.c) ---- */

/** Rows per fused weighted-sum call. */
#define SAYDO_BOOT_SUB 4

/**
 * T[r*K + k] = sum_c w[r*C + c] * V[k*C + c] for r < 4: four count rows
 * against K value columns (V column-major, K x C). Each (r, k) sum runs in
 * four interleaved fma accumulators (c mod 4) added as ((a0+a1)+a2)+a3, then
 * the C mod 4 tail; scalar and AVX2 versions are bit-identical.
 */
void saydo_boot_wsum4_scalar(const uint32_t *w, size_t C, const double *V, size_t K, double *T);
void saydo_boot_wsum4_avx2(const uint32_t *w, size_t C, const double *V, size_t K, double *T);
void saydo_boot_wsum4(const uint32_t *w, size_t C, const double *V, size_t K, double *T);

/** Plain reference: T[r*K + k] = sum_c W[r*C + c] * V[k*C + c], R rows. */
void saydo_boot_wsum_ref(const double *W, size_t R, size_t C, const double *V, size_t K,
                         double *T);

/** The same product through OpenBLAS dgemm, tiled over C so that each call
 *  stays below OpenBLAS's threading threshold (no BLAS threads inside our
 *  OpenMP region). */
void saydo_boot_wsum_blas(const double *W, size_t R, size_t C, const double *V, size_t K,
                          double *T);

/* ---- the engine (boot.c) ---- */

/** saydo_boot_run() with the general path's counting unit chosen: by_type 1
 *  counts the cluster draws per type, 0 per cluster, -1 lets the run decide.
 *  The draws are the same either way; only the summation differs. */
saydo_status saydo_boot_run_ex(saydo_boot_ws_t *ws, const saydo_boot_data_t *d,
                               const saydo_boot_opts_t *opts, saydo_boot_result_t *res,
                               size_t res_cap, int by_type);

/* ---- intervals (boot_ci.c) ---- */

/** numpy.percentile(x, pct) with the default 'linear' method (numpy 1.24),
 *  including its lerp rounding; reorders x (quickselect). x has no NaN. */
double saydo_boot_percentile(double *x, size_t n, double pct);

/** scipy's BCa percentile levels: alpha_1, alpha_2 from z0, a and alpha. */
void saydo_boot_bca_levels(double z0, double a, double alpha, double *a1, double *a2);

/** Fills res (estimate already set) from the B replicates th[0..B-1]: se,
 *  bias, z0 (if BCa) and the requested intervals. accel is res->accel.
 *  scratch holds B doubles. */
void saydo_boot_summarize(const double *th, size_t B, double level, unsigned methods,
                          double *scratch, saydo_boot_result_t *res);

#endif
