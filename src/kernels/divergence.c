/* Softmax and divergences between distributions over k options.
 *
 * Two implementations of the JSD/KL sums live here:
 *   - scalar ones (saydo_jsd, saydo_kl, and the *_ref row loops) with libm
 *     logs and plain branches: the reference;
 *   - row kernels (saydo_pcs_rows, saydo_jsd_rows, saydo_kl_rows) built on the
 *     branch-free saydo__vlog of kernels_internal.h so GCC can vectorise.
 * test_kernels.c checks the second against the first on random inputs.
 *
 * Vectorisation (GCC 12, -O3 -fopenmp, baseline x86-64 = SSE2, 2 lanes;
 * confirm with cmake -DSAYDO_VEC_REPORT=ON, i.e. -fopt-info-vec-optimized):
 *   - jsd_rows_k2 (the k == 2 path of saydo_pcs_rows and saydo_jsd_rows):
 *     the loop over rows vectorises, the interleaved p[2i], p[2i+1] loads
 *     becoming shuffles;
 *   - jsd_rows_general and saydo_kl_rows: the inner loop over options
 *     vectorises (an `omp simd` reduction, because without -ffast-math GCC
 *     will not reorder a floating-point sum on its own);
 *   - softmax: the fill and scaling loops vectorise; the exp() loop stays
 *     scalar (no vector exp without -ffast-math), which is fine for k <= 26;
 *   - the scalar references never vectorise (libm calls), by design.
 * All of this needs the no-trapping-math pragma below.
 */

/* GCC will not if-convert a select whose arms hold floating-point arithmetic
 * while it must preserve FP exception flags (-ftrapping-math, the default),
 * and without if-conversion none of the row loops vectorise. saydo never
 * reads the FP exception flags, and the option changes no result (NaN and
 * inf come out the same), so it is switched off for this file only. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
/* No fused multiply-adds anywhere in this file: the AVX-512 copy of the k = 2
 * loop below may use them (GCC's -mavx512f implies FMA), and a fused a*b+c
 * rounds once where the SSE2 build rounds twice; with contraction off every
 * copy does the same IEEE operations and gives the same bits. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "saydo/kernels.h"

#include <math.h>

#include "kernels/kernels_internal.h"

/* 1 / log(base), NaN for a base that is no base. log(SAYDO_BASE_E) is 1.0
 * exactly, so nats are not rescaled. */
static double inv_log_base(double base)
{
    if (!(base > 0.0) || base == 1.0 || isinf(base)) return NAN;
    return 1.0 / log(base);
}

/* ------------------------------------------------------------------ */
/* softmax                                                              */
/* ------------------------------------------------------------------ */

/* Shared scan: returns 1 if x holds NaN; else sets the max and how many
 * entries are +inf. */
static int softmax_scan(const double *x, size_t k, double *mx, size_t *n_inf)
{
    double m = -INFINITY;
    size_t ni = 0;
    for (size_t i = 0; i < k; i++) {
        if (isnan(x[i])) return 1;
        if (x[i] > m) m = x[i];
        ni += (x[i] == INFINITY);
    }
    *mx = m;
    *n_inf = ni;
    return 0;
}

static void fill(double *p, size_t k, double v)
{
    for (size_t i = 0; i < k; i++) p[i] = v;
}

void saydo_softmax(const double *x, size_t k, double *p)
{
    double m;
    size_t ni;
    if (k == 0) return;
    if (softmax_scan(x, k, &m, &ni) || m == -INFINITY) {
        fill(p, k, NAN);
        return;
    }
    if (ni > 0) {
        /* the limit of softmax as those logits grow together */
        double share = 1.0 / (double)ni;
        for (size_t i = 0; i < k; i++) p[i] = (x[i] == INFINITY) ? share : 0.0;
        return;
    }
    /* exp(x - max) <= 1 cannot overflow, and the max term is exactly 1 so
     * the sum is >= 1 and cannot underflow */
    double s = 0.0;
    for (size_t i = 0; i < k; i++) {
        p[i] = exp(x[i] - m);
        s += p[i];
    }
    double inv = 1.0 / s;
    for (size_t i = 0; i < k; i++) p[i] *= inv;
}

void saydo_log_softmax(const double *x, size_t k, double *lp)
{
    double m;
    size_t ni;
    if (k == 0) return;
    if (softmax_scan(x, k, &m, &ni) || m == -INFINITY) {
        fill(lp, k, NAN);
        return;
    }
    if (ni > 0) {
        double l = -log((double)ni);
        for (size_t i = 0; i < k; i++) lp[i] = (x[i] == INFINITY) ? l : -INFINITY;
        return;
    }
    /* log sum exp(x - m) = log1p(rest): the max term contributes exactly 1,
     * and log1p keeps the small rest accurate where log(1 + rest) would not */
    size_t am = 0;
    while (x[am] != m) am++;
    double rest = 0.0;
    for (size_t i = 0; i < k; i++)
        if (i != am) rest += exp(x[i] - m);
    double lse = log1p(rest);
    for (size_t i = 0; i < k; i++) lp[i] = (x[i] - m) - lse;
}

void saydo_softmax_rows_f32(const float *x, size_t n, size_t stride, size_t k, double *p)
{
    for (size_t i = 0; i < n; i++) {
        double *row = p + i * k;
        /* widen into the output row, then softmax in place (allowed) */
        for (size_t j = 0; j < k; j++) row[j] = (double)x[i * stride + j];
        saydo_softmax(row, k, row);
    }
}

/* ------------------------------------------------------------------ */
/* scalar divergences (reference)                                       */
/* ------------------------------------------------------------------ */

double saydo__jsd_term_ref(double p, double q)
{
    double s = p + q;
    if (isnan(s)) return NAN;
    if (s == 0.0) return 0.0;
    double t = (p - q) / s;
    if (fabs(t) <= SAYDO__JSD_T_SERIES) return 0.5 * s * saydo__jsd_series(t);
    double r = 0.0;
    if (p > 0.0) r += p * log(2.0 * p / s);
    if (q > 0.0) r += q * log(2.0 * q / s);
    return r;
}

double saydo_jsd(const double *p, const double *q, size_t k, double base)
{
    double il = inv_log_base(base);
    if (k == 0) return NAN;
    double acc = 0.0;
    for (size_t i = 0; i < k; i++) acc += saydo__jsd_term_ref(p[i], q[i]);
    return 0.5 * acc * il;
}

/* p' = (p + eps) / (1 + k eps); returns NaN (and the caller's result) for a
 * bad eps */
static double kl_core(const double *p, const double *q, size_t k, double eps)
{
    if (!(eps >= 0.0)) return NAN;
    double inv_den = 1.0 / (1.0 + (double)k * eps);   /* as saydo_kl_rows */
    double acc = 0.0;
    for (size_t i = 0; i < k; i++) {
        double a = (p[i] + eps) * inv_den, b = (q[i] + eps) * inv_den;
        if (isnan(a) || isnan(b)) return NAN;
        if (a == 0.0) continue;            /* 0 log(0/b) = 0, even for b = 0 */
        acc += a * log(a / b);             /* b = 0 < a: log(inf) = +inf */
    }
    return acc;
}

double saydo_kl(const double *p, const double *q, size_t k, double eps, double base)
{
    double il = inv_log_base(base);
    if (k == 0) return NAN;
    return kl_core(p, q, k, eps) * il;
}

double saydo_entropy(const double *p, size_t k, double base)
{
    double il = inv_log_base(base);
    if (k == 0) return NAN;
    double acc = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (isnan(p[i])) return NAN;
        if (p[i] > 0.0) acc -= p[i] * log(p[i]);
    }
    /* -0.0 for a point mass reads oddly in output */
    return acc == 0.0 ? 0.0 : acc * il;
}

double saydo_tvd(const double *p, const double *q, size_t k)
{
    if (k == 0) return NAN;
    double acc = 0.0;
    for (size_t i = 0; i < k; i++) acc += fabs(p[i] - q[i]);   /* NaN propagates */
    return 0.5 * acc;
}

/* ------------------------------------------------------------------ */
/* scalar row references                                                */
/* ------------------------------------------------------------------ */

void saydo__jsd_rows_ref(const double *p, const double *q, size_t n, size_t k, double base,
                         double *out)
{
    for (size_t i = 0; i < n; i++) out[i] = saydo_jsd(p + i * k, q + i * k, k, base);
}

void saydo__pcs_rows_ref(const double *p1, const double *p2, size_t n, size_t k, double *out)
{
    for (size_t i = 0; i < n; i++) out[i] = 1.0 - saydo_jsd(p1 + i * k, p2 + i * k, k, 2.0);
}

void saydo__kl_rows_ref(const double *p, const double *q, size_t n, size_t k, double eps,
                        double base, double *out)
{
    for (size_t i = 0; i < n; i++) out[i] = saydo_kl(p + i * k, q + i * k, k, eps, base);
}

/* ------------------------------------------------------------------ */
/* row kernels (vectorised)                                             */
/* ------------------------------------------------------------------ */

/* out[i] = a + b * JSD_nats(row i); (a, b) = (0, 1/ln base) for JSD and
 * (1, -1/ln 2) for PCS, so both share one loop. */
static inline __attribute__((always_inline)) void jsd_rows_k2_body(const double *restrict p,
                                                                    const double *restrict q, size_t n,
                                                                    double a, double b,
                                                                    double *restrict out)
{
    /* vectorises across rows: 2 rows per SSE2 iteration, 4 with AVX2, 8 with AVX-512 */
    for (size_t i = 0; i < n; i++) {
        double j = saydo__jsd_term_vec(p[2 * i], q[2 * i]) +
                   saydo__jsd_term_vec(p[2 * i + 1], q[2 * i + 1]);
        out[i] = a + b * (0.5 * j);
    }
}

/* The same loop for three instruction sets. Lanes are rows and every row
 * gets the same operations in the same order (no FMA: see the top of the
 * file), so the copies give identical bits (test_kernels.c checks them
 * against each other); the wider ones do the 4 logs and 2 divisions a row
 * in 4 or 8 lanes instead of 2 (PCS was a third of `saydo score`'s stage). */
static void jsd_rows_k2_base(const double *restrict p, const double *restrict q, size_t n, double a,
                             double b, double *restrict out)
{
    jsd_rows_k2_body(p, q, n, a, b, out);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define SAYDO_K2_X86 1
__attribute__((target("avx2"))) static void jsd_rows_k2_avx2(const double *restrict p,
                                                             const double *restrict q, size_t n,
                                                             double a, double b, double *restrict out)
{
    jsd_rows_k2_body(p, q, n, a, b, out);
}

__attribute__((target("avx512f"))) static void jsd_rows_k2_avx512(const double *restrict p,
                                                                  const double *restrict q, size_t n,
                                                                  double a, double b,
                                                                  double *restrict out)
{
    jsd_rows_k2_body(p, q, n, a, b, out);
}
#endif

int saydo__jsd_rows_k2_isa(const double *p, const double *q, size_t n, double a, double b, double *out,
                           int isa)
{
#ifdef SAYDO_K2_X86
    if (isa == 2 && __builtin_cpu_supports("avx512f")) {
        jsd_rows_k2_avx512(p, q, n, a, b, out);
        return 2;
    }
    if (isa >= 1 && __builtin_cpu_supports("avx2")) {
        jsd_rows_k2_avx2(p, q, n, a, b, out);
        return 1;
    }
#endif
    jsd_rows_k2_base(p, q, n, a, b, out);
    return 0;
}

static void jsd_rows_k2(const double *p, const double *q, size_t n, double a, double b, double *out)
{
    (void)saydo__jsd_rows_k2_isa(p, q, n, a, b, out, 2);   /* the widest the CPU has */
}

static void jsd_rows_general(const double *restrict p, const double *restrict q, size_t n,
                             size_t k, double a, double b, double *restrict out)
{
    for (size_t i = 0; i < n; i++) {
        const double *pi = p + i * k, *qi = q + i * k;
        double acc = 0.0;
        /* vectorises across options */
#pragma omp simd reduction(+ : acc)
        for (size_t j = 0; j < k; j++) acc += saydo__jsd_term_vec(pi[j], qi[j]);
        out[i] = a + b * (0.5 * acc);
    }
}

__attribute__((noinline)) static void jsd_rows_dispatch(const double *p, const double *q, size_t n, size_t k,
                                                        double a, double b, double *out)
{
    if (k == 0) {
        for (size_t i = 0; i < n; i++) out[i] = NAN;
    } else if (k == 2) {
        jsd_rows_k2(p, q, n, a, b, out);
    } else {
        jsd_rows_general(p, q, n, k, a, b, out);
    }
}

void saydo_pcs_rows(const double *p1, const double *p2, size_t n, size_t k, double *out)
{
    /* same expression as 1 - saydo_jsd(.., 2.0): multiply by 1/log(2) */
    jsd_rows_dispatch(p1, p2, n, k, 1.0, -inv_log_base(2.0), out);
}

void saydo_jsd_rows(const double *p, const double *q, size_t n, size_t k, double base,
                    double *out)
{
    jsd_rows_dispatch(p, q, n, k, 0.0, inv_log_base(base), out);
}

void saydo_kl_rows(const double *p, const double *q, size_t n, size_t k, double eps,
                   double base, double *out)
{
    double il = inv_log_base(base);
    if (k == 0 || !(eps >= 0.0)) {
        for (size_t i = 0; i < n; i++) out[i] = NAN;
        return;
    }
    double inv_den = 1.0 / (1.0 + (double)k * eps);
    for (size_t i = 0; i < n; i++) {
        const double *pi = p + i * k, *qi = q + i * k;
        double acc = 0.0;
        /* vectorises across options; a NaN p survives the select because
         * NaN == 0 is false, a NaN q is caught explicitly */
#pragma omp simd reduction(+ : acc)
        for (size_t j = 0; j < k; j++) {
            double x = (pi[j] + eps) * inv_den, y = (qi[j] + eps) * inv_den;
            double l = saydo__vlog(x / y);
            acc += x * ((x == 0.0 && !isnan(y)) ? 0.0 : l);
        }
        out[i] = acc * il;
    }
}
