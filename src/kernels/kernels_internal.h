/* Internal to src/kernels and its unit tests: the branch-free logarithm the
 * row kernels use, the per-option JSD term, and the scalar references the
 * vectorised loops are checked against (htslib test_nibbles style). */
#ifndef SAYDO_KERNELS_INTERNAL_H
#define SAYDO_KERNELS_INTERNAL_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t saydo__bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double saydo__from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Natural log without branches or calls, so loops that use it vectorise
 * (glibc's vector log is only declared under -ffast-math, which would break
 * the NaN/inf contract). fdlibm's e_log.c algorithm: x = 2^e m with m in
 * [sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f),
 * log m = f - f^2/2 + s (f^2/2 + R(s^2)) with fdlibm's minimax R; error
 * below 1 ulp. Subnormals are scaled by 2^54 first. The exponent is turned
 * into a double through the 2^52 bit trick because SSE2 has no packed
 * int64 -> double conversion. Special values: log 0 = -inf, log inf = inf,
 * log of a negative or NaN = NaN. */
static inline double saydo__vlog(double x)
{
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    int sub = x < DBL_MIN;
    double xs = x * (sub ? 0x1p54 : 1.0);
    uint64_t ix = saydo__bits(xs);
    /* e + 1023 as an exact double: put the 11 exponent bits into the
     * mantissa of 2^52 and subtract 2^52 */
    double eb = saydo__from_bits(0x4330000000000000ULL | ((ix >> 52) & 0x7ffULL)) - 0x1p52;
    double m = saydo__from_bits((ix & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    int big = m > 1.4142135623730951;
    m *= big ? 0.5 : 1.0;
    double dk = eb - 1023.0 + (big ? 1.0 : 0.0) - (sub ? 54.0 : 0.0);
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s, w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double R = t2 + t1;
    double hfsq = 0.5 * f * f;
    double r = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
    /* specials last, as selects */
    r = (x == INFINITY) ? INFINITY : r;
    r = (x == 0.0) ? -INFINITY : r;
    r = (x < 0.0 || x != x) ? NAN : r;
    return r;
}

/* f(t) = (1+t)log(1+t) + (1-t)log(1-t) = sum_{j>=1} t^{2j} / (j(2j-1)),
 * by its series; 13 terms reach 1e-17 relative for |t| <= 1/4. */
static inline double saydo__jsd_series(double t)
{
    double u = t * t;
    double c = 1.0 / 325.0;
    c = 1.0 / 276.0 + u * c;
    c = 1.0 / 231.0 + u * c;
    c = 1.0 / 190.0 + u * c;
    c = 1.0 / 153.0 + u * c;
    c = 1.0 / 120.0 + u * c;
    c = 1.0 / 91.0 + u * c;
    c = 1.0 / 66.0 + u * c;
    c = 1.0 / 45.0 + u * c;
    c = 1.0 / 28.0 + u * c;
    c = 1.0 / 15.0 + u * c;
    c = 1.0 / 6.0 + u * c;
    c = 1.0 + u * c;
    return u * c;
}

/* Threshold between the series and the direct form of the JSD term: the
 * direct form's two logs cancel by at most a factor ~8 above it. */
#define SAYDO__JSD_T_SERIES 0.25

/* One option's share of 2 JSD in nats, branch-free:
 *   p log(2p/s) + q log(2q/s) = (s/2) f(t),  s = p + q, t = (p - q)/s.
 * NaN in p or q propagates; p = q = 0 gives 0; a zero side gives 0 for its
 * own log term (0 log 0 = 0). */
static inline double saydo__jsd_term_vec(double p, double q)
{
    double s = p + q;
    double t = (p - q) / s;
    double ser = 0.5 * s * saydo__jsd_series(t);
    double lp = saydo__vlog(2.0 * p / s), lq = saydo__vlog(2.0 * q / s);
    /* selects feed the products, so no FP operation sits in a branch arm
     * (GCC will not if-convert an arm that may trap) */
    double dir = p * (p == 0.0 ? 0.0 : lp) + q * (q == 0.0 ? 0.0 : lq);
    double r = (fabs(t) <= SAYDO__JSD_T_SERIES) ? ser : dir;
    return (s == 0.0) ? 0.0 : r;
}

/* Scalar references (libm log, branches), defined in divergence.c. */
double saydo__jsd_term_ref(double p, double q);
void saydo__pcs_rows_ref(const double *p1, const double *p2, size_t n, size_t k, double *out);
void saydo__jsd_rows_ref(const double *p, const double *q, size_t n, size_t k, double base,
                         double *out);
void saydo__kl_rows_ref(const double *p, const double *q, size_t n, size_t k, double eps,
                        double base, double *out);

/* The k = 2 row loop of saydo_jsd_rows / saydo_pcs_rows (out[i] = a + b *
 * JSD_nats(row i)) in a chosen instruction set: isa 0 = baseline (SSE2),
 * 1 = AVX2, 2 = AVX-512F, or the widest below it the CPU has; returns the
 * one used. Every copy gives the same bits. */
int saydo__jsd_rows_k2_isa(const double *p, const double *q, size_t n, double a, double b, double *out,
                           int isa);

/* Introsort of NaN-free a[0..n) with a quicksort depth budget (describe.c);
 * depth 0 is a pure heapsort. Exposed so tests reach every branch. */
void saydo__intro_sort(double *a, size_t n, int depth);

#endif
