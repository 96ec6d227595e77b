/* Interval arithmetic of the bootstrap, written to reproduce
 * scipy.stats.bootstrap (scipy 1.10, scipy/stats/_resampling.py) on the same
 * bootstrap distribution: numpy's 'linear' percentile, the 'mean' percentile
 * of score for z0, and Efron & Tibshirani (1993) eq. 14.10 for the BCa levels. */
#include <gsl/gsl_cdf.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "boot_internal.h"

static inline void swap(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Moves the k-th smallest of x[0..n-1] to x[k], smaller-or-equal values before
 * it and greater-or-equal after (Hoare partition, median-of-three pivot). The
 * value found does not depend on the input order, so results are
 * deterministic whatever order the replicates arrive in. */
static void select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] < x[lo]) swap(&x[mid], &x[lo]);
        if (x[hi] < x[lo]) swap(&x[hi], &x[lo]);
        if (x[hi] < x[mid]) swap(&x[hi], &x[mid]);
        const double pivot = x[mid];
        size_t i = lo, j = hi;
        for (;;) {
            while (x[i] < pivot) i++;
            while (pivot < x[j]) j--;
            if (i >= j) break;
            swap(&x[i], &x[j]);
            i++;
            j--;
        }
        /* now x[lo..j] <= pivot <= x[j+1..hi] */
        if (k <= j) hi = j;
        else lo = j + 1;
    }
}

double saydo_boot_percentile(double *x, size_t n, double pct)
{
    if (n == 0 || isnan(pct)) return NAN;
    const double q = pct / 100.0;                 /* numpy: np.true_divide(q, 100) */
    const double vi = (double)(n - 1) * q;        /* 'linear': (n - 1) * q */
    if (vi >= (double)(n - 1)) {                  /* above the last index: the maximum */
        double mx = x[0];
        for (size_t i = 1; i < n; i++) if (x[i] > mx) mx = x[i];
        return mx;
    }
    if (vi < 0) {
        double mn = x[0];
        for (size_t i = 1; i < n; i++) if (x[i] < mn) mn = x[i];
        return mn;
    }
    const double prev = floor(vi);
    const size_t k = (size_t)prev;
    const double g = vi - prev;
    select_kth(x, n, k);
    const double a = x[k];
    double b = x[k + 1];                          /* smallest value above position k */
    for (size_t i = k + 2; i < n; i++) if (x[i] < b) b = x[i];
    /* numpy's _lerp: a + (b-a) t, or b - (b-a)(1-t) when t >= 0.5 */
    const double d = b - a;
    return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

void saydo_boot_bca_levels(double z0, double a, double alpha, double *a1, double *a2)
{
    const double za = gsl_cdf_ugaussian_Pinv(alpha), z1a = -za;
    const double num1 = z0 + za, num2 = z0 + z1a;
    *a1 = gsl_cdf_ugaussian_P(z0 + num1 / (1.0 - a * num1));
    *a2 = gsl_cdf_ugaussian_P(z0 + num2 / (1.0 - a * num2));
}

void saydo_boot_summarize(const double *th, size_t B, double level, unsigned methods,
                          double *scratch, saydo_boot_result_t *res)
{
    const double est = res->estimate;
    for (int i = 0; i < SAYDO_BOOT_N_METHODS; i++) res->lo[i] = res->hi[i] = NAN;
    res->z0 = NAN;
    res->se = res->bias = NAN;
    res->n_nan = 0;
    if (B == 0 || isnan(est)) return;

    size_t n_nan = 0;
    double sum = 0.0, mn = INFINITY, mx = -INFINITY;
    for (size_t b = 0; b < B; b++) {
        if (isnan(th[b])) {
            n_nan++;
            continue;
        }
        sum += th[b];
        if (th[b] < mn) mn = th[b];
        if (th[b] > mx) mx = th[b];
    }
    res->n_nan = n_nan;
    if (n_nan) return;   /* numpy's percentile and std are NaN then, and so are ours */
    /* a point mass has se 0 exactly, which sum / B need not reproduce */
    const double mean = mn == mx ? mn : sum / (double)B;
    double ss = 0.0;
    for (size_t b = 0; b < B; b++) ss += (th[b] - mean) * (th[b] - mean);
    res->se = B > 1 ? sqrt(ss / (double)(B - 1)) : NAN;   /* np.std(ddof=1) */
    res->bias = mean - est;

    const double alpha = (1.0 - level) / 2.0;
    memcpy(scratch, th, B * sizeof *th);
    if (methods & (SAYDO_BOOT_PERCENTILE | SAYDO_BOOT_BASIC)) {
        const double pl = saydo_boot_percentile(scratch, B, alpha * 100.0);
        const double ph = saydo_boot_percentile(scratch, B, (1.0 - alpha) * 100.0);
        if (methods & SAYDO_BOOT_PERCENTILE) {
            res->lo[SAYDO_BOOT_I_PERCENTILE] = pl;
            res->hi[SAYDO_BOOT_I_PERCENTILE] = ph;
        }
        if (methods & SAYDO_BOOT_BASIC) {   /* scipy: 2 theta - upper, 2 theta - lower */
            res->lo[SAYDO_BOOT_I_BASIC] = 2.0 * est - ph;
            res->hi[SAYDO_BOOT_I_BASIC] = 2.0 * est - pl;
        }
    }
    if (methods & SAYDO_BOOT_BCA) {
        size_t below = 0, at_or_below = 0;
        for (size_t b = 0; b < B; b++) {
            below += th[b] < est;
            at_or_below += th[b] <= est;
        }
        double z0 = gsl_cdf_ugaussian_Pinv((double)(below + at_or_below) / (2.0 * (double)B));
        /* A point mass that rounding in the weighted sums spread over a few
         * ulps, all on one side of the estimate, would give z0 = +-inf and
         * NaN levels (scipy's answer); every level picks the point instead. */
        if (mx - mn <= 64 * DBL_EPSILON * fmax(fabs(mn), fabs(mx))) z0 = 0.0;
        res->z0 = z0;
        double a1, a2;
        saydo_boot_bca_levels(z0, res->accel, alpha, &a1, &a2);
        res->lo[SAYDO_BOOT_I_BCA] = saydo_boot_percentile(scratch, B, a1 * 100.0);
        res->hi[SAYDO_BOOT_I_BCA] = saydo_boot_percentile(scratch, B, a2 * 100.0);
    }
}
