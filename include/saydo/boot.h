/* saydo/boot.h: the clustered bootstrap engine.
 *
 * Every statistic saydo bootstraps is a ratio of sums over pairs, or a
 * difference of two such ratios, and items are the resampling unit (an
 * item's trials move together). The engine therefore works on CLUSTERS:
 * cluster c has a pair count n[c] and m value sums s[c][j] (sum of match
 * indicators, sum of PCS, ...). A resample draws cluster weights w (the
 * multinomial counts of C draws with replacement, or of n_h draws inside each
 * stratum h) and statistic j of that resample is
 *
 *     theta_j(w) = sum_c w_c s[c][j] / sum_c w_c n[c]
 *
 * or, with a paired second condition B on the same clusters,
 *
 *     theta_j(w) = (A ratio) - (B ratio), both under the same weights.
 *
 * A plain mean of x[0..n-1] is the special case n[c] = 1, s[c][0] = x[c]
 * (saydo_boot_mean()).
 *
 * Two exact resampling paths draw from the same distribution:
 *  - COUNT path: clusters identical in (n, s, n_b, s_b) and stratum form a
 *    type; C draws over clusters are one multinomial draw over the types
 *    (gsl_ran_multinomial), O(types) per resample. Binary statistics with one
 *    trial per item have two types.
 *  - GENERAL path: per resample, C uniform cluster indices (eight taus2
 *    streams in AVX2 lanes, Lemire's unbiased range reduction) are counted
 *    into a weight row, per cluster or, when types are few, per type, and all
 *    statistics come out of one weighted-sum kernel (a fused AVX2 kernel for
 *    up to 8 value columns, OpenBLAS dgemm beyond), about 1.2 ns per cluster
 *    and resample on one core.
 * SAYDO_BOOT_PATH_AUTO takes the count path when types <= C / 96 (a binomial
 * costs ~100 cluster draws), else the general path.
 *
 * Determinism: resamples are cut into blocks of SAYDO_BOOT_BLOCK; block b
 * draws from its own taus2 generators (GSL's gsl_rng_taus2 recurrence) seeded
 * from (seed, b) through splitmix64. Blocks run in parallel under OpenMP and
 * each writes its own rows, so results are bit-identical for any thread count.
 *
 * Intervals follow scipy.stats.bootstrap (scipy 1.10): percentile and basic
 * use numpy's 'linear' percentile of the bootstrap distribution; BCa uses
 * z0 = ndtri((#{theta* < theta} + #{theta* <= theta}) / 2B) and the
 * acceleration of the leave-one-CLUSTER-out jackknife,
 * a = sum U^3 / (6 (sum U^2)^{3/2}), U_c = (n_h - 1)(mean_h theta_(-c) - theta_(-c))
 * (h the stratum of c; without strata this is scipy's formula exactly).
 *
 * Edge cases (all return SAYDO_OK):
 *  - C = 0: every field NaN.
 *  - C = 1, or every cluster identical: every resample equals the estimate,
 *    se = 0 and every interval is [estimate, estimate].
 *  - A bootstrap distribution narrower than 64 ulps (rounding noise around a
 *    point mass, e.g. identical clusters forced onto the general path) gets
 *    z0 = 0 where scipy's z0 could be +-inf and its BCa NaN.
 *  - Jackknife values that do not vary (C = 1, all-equal values, strata of one
 *    cluster): a = 0. scipy returns NaN for BCa here (0/0 in a); saydo's
 *    BCa then reduces to the bias-corrected percentile interval, which for a
 *    point-mass bootstrap distribution is the point itself.
 *  - A resample whose denominator is 0 (only clusters with n = 0 drawn) has
 *    theta* = NaN; n_nan counts them and, as in numpy, se and every interval
 *    of that statistic are NaN.
 *
 * Ownership: the caller owns the cluster arrays (borrowed for the call only)
 * and the result array; the workspace is created by saydo_boot_ws_create()
 * and freed by saydo_boot_ws_free(). Use one workspace per calling thread.
 */
#ifndef SAYDO_BOOT_H
#define SAYDO_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default number of resamples (scipy's default). */
#define SAYDO_BOOT_DEFAULT_B 9999
/** Resamples per RNG block: the unit of parallel work and of seeding. */
#define SAYDO_BOOT_BLOCK 256

/** Interval methods, combined as flags in saydo_boot_opts_t.methods. */
enum saydo_boot_method {
    SAYDO_BOOT_PERCENTILE = 1u << 0,
    SAYDO_BOOT_BASIC = 1u << 1,
    SAYDO_BOOT_BCA = 1u << 2,
};

/** Indexes into saydo_boot_result_t.lo / .hi. */
enum saydo_boot_method_index {
    SAYDO_BOOT_I_PERCENTILE = 0,
    SAYDO_BOOT_I_BASIC = 1,
    SAYDO_BOOT_I_BCA = 2,
    SAYDO_BOOT_N_METHODS = 3,
};

/** Resampling path; AUTO chooses, the others force one (for tests). */
typedef enum saydo_boot_path {
    SAYDO_BOOT_PATH_AUTO = 0,
    SAYDO_BOOT_PATH_COUNT = 1,    /* multinomial over cluster types */
    SAYDO_BOOT_PATH_GENERAL = 2,  /* per-cluster weights, weighted-sum kernel */
} saydo_boot_path;

/** The clusters, borrowed for one call. Arrays are contiguous. */
typedef struct saydo_boot_data {
    size_t n_clusters;       /* C; 0 is allowed (results are NaN) */
    size_t n_stats;          /* m >= 1 statistics */
    const double *n;         /* [C] pairs per cluster, finite, >= 0 */
    const double *s;         /* [C * m] row-major value sums, s[c * m + j] */
    const double *n_b;       /* NULL, or [C] pairs per cluster in condition B */
    const double *s_b;       /* NULL, or [C * m]; set with n_b for A - B */
    const int32_t *strata;   /* NULL, or [C] stratum id per cluster */
} saydo_boot_data_t;

/** Run options; saydo_boot_opts_init() sets the defaults. */
typedef struct saydo_boot_opts {
    size_t n_resamples;      /* B >= 1; default SAYDO_BOOT_DEFAULT_B */
    double level;            /* confidence level in (0, 1); default 0.95 */
    uint64_t seed;           /* default 0 */
    unsigned methods;        /* enum saydo_boot_method flags; default all three */
    saydo_boot_path path;    /* default SAYDO_BOOT_PATH_AUTO */
} saydo_boot_opts_t;

/** One statistic's bootstrap summary. */
typedef struct saydo_boot_result {
    double estimate;                   /* theta on the full data */
    double se;                         /* sd of the B replicates (ddof = 1) */
    double bias;                       /* mean of replicates - estimate */
    double lo[SAYDO_BOOT_N_METHODS];   /* NaN for methods not requested */
    double hi[SAYDO_BOOT_N_METHODS];
    double z0;                         /* BCa bias correction (NaN if BCa off) */
    double accel;                      /* BCa acceleration (NaN if BCa off) */
    size_t n_nan;                      /* replicates with a zero denominator */
} saydo_boot_result_t;

/** Reusable state: buffers, per-thread generators and the last replicates. */
typedef struct saydo_boot_ws saydo_boot_ws_t;

/** Sets the defaults: B = 9999, level 0.95, seed 0, all methods, AUTO path. */
void saydo_boot_opts_init(saydo_boot_opts_t *opts);

/**
 * Creates a workspace. Buffers grow on demand and are kept between runs.
 * @param out  receives the workspace; free it with saydo_boot_ws_free()
 * @return SAYDO_OK or SAYDO_E_NOMEM
 */
SAYDO_MUST_CHECK saydo_status saydo_boot_ws_create(saydo_boot_ws_t **out);

/** Frees a workspace; NULL is a no-op. */
void saydo_boot_ws_free(saydo_boot_ws_t *ws);

/**
 * Clustered (optionally stratified, optionally paired) bootstrap of m ratio
 * statistics at once.
 * @param ws       workspace (not shared between concurrent calls)
 * @param data     the clusters
 * @param opts     options (NULL: defaults)
 * @param res      caller array of res_cap >= data->n_stats results
 * @param res_cap  capacity of res
 * @return SAYDO_OK; SAYDO_E_INVAL for a bad argument (NULL arrays, m = 0,
 *         level outside (0,1), B = 0, no methods, negative or non-finite
 *         values, n = 0 with non-zero sums, res_cap < m); SAYDO_E_NOMEM.
 */
SAYDO_MUST_CHECK saydo_status saydo_boot_run(saydo_boot_ws_t *ws, const saydo_boot_data_t *data,
                                             const saydo_boot_opts_t *opts,
                                             saydo_boot_result_t *res, size_t res_cap);

/**
 * Bootstrap of the plain mean of x[0..n-1] (every value its own cluster), the
 * statistic scipy.stats.bootstrap(np.mean) computes.
 * @return as saydo_boot_run(); n = 0 gives NaN results.
 */
SAYDO_MUST_CHECK saydo_status saydo_boot_mean(saydo_boot_ws_t *ws, const double *x, size_t n,
                                              const saydo_boot_opts_t *opts,
                                              saydo_boot_result_t *res);

/**
 * The replicates of statistic j from the last successful run, in resample
 * order (replicate r came from block r / SAYDO_BOOT_BLOCK).
 * @param n  receives the count B (0 if there is no such run or statistic)
 * @return a pointer borrowed from ws, valid until its next run or free; NULL
 *         when there are none.
 */
const double *saydo_boot_ws_replicates(const saydo_boot_ws_t *ws, size_t j, size_t *n);

/** The path the last run took (AUTO before any run) and its number of types
 *  (clusters distinct in values and stratum). */
saydo_boot_path saydo_boot_ws_last_path(const saydo_boot_ws_t *ws);
size_t saydo_boot_ws_last_types(const saydo_boot_ws_t *ws);

#ifdef __cplusplus
}
#endif
#endif
