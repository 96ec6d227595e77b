/* saydo/ci.h: confidence intervals for grouped consistency figures.
 *
 * Every figure saydo reports per group is a ratio of sums over pairs (CS =
 * matches / kept pairs, PCS = sum of 1 - JSD / pairs with a PCS, a change
 * rate = changed / compared), and pairs are not independent: the trials of
 * one item, and its word and deed answers, move together. The resampling
 * unit is therefore the ITEM CLUSTER, the pairs sharing (model, condition,
 * item, variant) inside one output group: cluster c contributes a count
 * n_j[c] and a sum s_j[c] to statistic j, and statistic j is
 *
 *     theta_j = sum_c s_j[c] / sum_c n_j[c]
 *
 * (or, paired, the difference of such ratios between two conditions on the
 * same clusters; saydo/boot.h).
 *
 * Methods:
 *  - percentile, basic, bca: saydo_boot_run() over the clusters (optionally
 *    stratified, e.g. by domain); statistics whose count vectors agree share
 *    one call, so with every PCS logged the whole group is one call.
 *  - wilson, clopper: analytic intervals for proportions (statistics flagged
 *    binary) from the pooled counts; they treat pairs as independent, which
 *    understates the width when items have several trials. Means (PCS, KL,
 *    ...) get the clustered interval below instead.
 *  - cluster: the cluster-robust normal interval of Miller (2024), "Adding
 *    Error Bars to Evals", through saydo_stats_cluster_mean() with the
 *    G/(G-1) small-sample factor (statsmodels' cluster covariance).
 *
 * Seeds: a caller running many groups gives group row k the seed
 * (seed + k), so one group can be reproduced alone (e.g. with --where and
 * --seed seed+k) and results never depend on the number of threads (the
 * engine is deterministic per call).
 *
 * Ownership: options hold borrowed strings. A context comes from
 * saydo_ci_ctx_create() and is freed by saydo_ci_ctx_free() (NULL is a
 * no-op); cluster arrays passed to saydo_ci_ratios() are borrowed for the
 * call. Tables passed to saydo_score_ci_add() are replaced: the old one is
 * freed and the caller owns the new one.
 */
#ifndef SAYDO_CI_H
#define SAYDO_CI_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/score.h"
#include "saydo/stats.h"
#include "saydo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum saydo_ci_method {
    SAYDO_CI_NONE = 0,
    SAYDO_CI_PERCENTILE,   /* bootstrap over item clusters */
    SAYDO_CI_BASIC,
    SAYDO_CI_BCA,
    SAYDO_CI_WILSON,       /* proportions; means fall back to SAYDO_CI_CLUSTER */
    SAYDO_CI_CLOPPER,      /* Clopper-Pearson; means as for wilson */
    SAYDO_CI_CLUSTER,      /* Miller (2024) clustered normal interval */
} saydo_ci_method;

typedef struct saydo_ci_opts {
    saydo_ci_method method;   /* default SAYDO_CI_BCA */
    size_t n_resamples;       /* default SAYDO_BOOT_DEFAULT_B (9999) */
    uint64_t seed;            /* base seed; group row k uses seed + k (default 0) */
    double level;             /* in (0, 1); default 0.95 */
    const char *strata;       /* NULL, or a grouping field that is constant inside an item
                                 cluster (domain, a label, model, variant ...): bootstrap
                                 resamples within each of its values */
} saydo_ci_opts_t;

/** Sets the defaults listed in saydo_ci_opts_t. */
void saydo_ci_opts_default(saydo_ci_opts_t *o);

/** "percentile", "basic", "bca", "wilson", "clopper" (also "beta") or "cluster".
 *  @return SAYDO_E_INVAL (with the list) for anything else */
saydo_status saydo_ci_method_parse(const char *name, saydo_ci_method *m) SAYDO_MUST_CHECK;

/** The method's name as parsed ("none" for SAYDO_CI_NONE). */
const char *saydo_ci_method_name(saydo_ci_method m);

/** 1 for percentile, basic and bca (the bootstrap methods). */
int saydo_ci_is_boot(saydo_ci_method m);

/** The clusters of one group, borrowed for one call. Arrays of statistic j
 *  are column j: n[j * C + c] and s[j * C + c]. */
typedef struct saydo_ci_clusters {
    size_t n_clusters;        /* C (0: every result NaN) */
    size_t n_stats;           /* m >= 1 */
    const double *n;          /* [m * C] counts (>= 0, finite) */
    const double *s;          /* [m * C] sums; a non-finite sum makes that statistic NaN */
    const double *n_b;        /* NULL, or [m * C]: a paired second condition B ... */
    const double *s_b;        /* ... and its sums: statistic j is then ratio(A) - ratio(B) */
    const int32_t *strata;    /* NULL, or [C] stratum ids (bootstrap methods only) */
    const uint8_t *binary;    /* NULL, or [m]: 1 where statistic j is a proportion of
                                 integer counts (wilson and clopper apply) */
} saydo_ci_clusters_t;

/** Reusable state of saydo_ci_ratios(): a bootstrap workspace and buffers. */
typedef struct saydo_ci_ctx saydo_ci_ctx_t;

/**
 * Creates a context for the method and its options.
 * @param o    options (copied; o->strata is not used here)
 * @param out  receives the context; free it with saydo_ci_ctx_free()
 * @return SAYDO_OK, SAYDO_E_INVAL (no method, bad level, B = 0), SAYDO_E_NOMEM
 */
saydo_status saydo_ci_ctx_create(const saydo_ci_opts_t *o, saydo_ci_ctx_t **out) SAYDO_MUST_CHECK;

/** Frees a context; NULL is a no-op. */
void saydo_ci_ctx_free(saydo_ci_ctx_t *ctx);

/**
 * Point estimates and intervals of the m ratio statistics of one group.
 * Bootstrap: statistics with identical count columns (and B columns) share
 * one saydo_boot_run() call seeded with `seed`; clusters whose counts are 0
 * for a call (in both conditions) are left out of it, so they do not dilute
 * the resampled sample size.
 * @param ctx   context from saydo_ci_ctx_create()
 * @param cl    the clusters
 * @param seed  the seed of this group (callers use base seed + group row)
 * @param out   caller array of cl->n_stats: est, lo, hi (NaN where undefined:
 *              no counts, a non-finite sum, or a paired statistic with an
 *              analytic method, which has no paired form)
 * @return SAYDO_OK, SAYDO_E_INVAL (bad arrays), SAYDO_E_NOMEM
 */
saydo_status saydo_ci_ratios(saydo_ci_ctx_t *ctx, const saydo_ci_clusters_t *cl, uint64_t seed,
                             saydo_stats_ci_t *out) SAYDO_MUST_CHECK;

/**
 * Adds interval columns to a table made by saydo_score_table() or
 * saydo_score_table_ex() (with or without the overall row) from the same
 * pairs and groups: `X_lo`, `X_hi` right after each of cs, pcs, kl_12,
 * kl_21, jsd, entropy_1, entropy_2 and tvd present, then `ci_method`,
 * `ci_level`, `n_resamples` (NaN for analytic methods) and `seed` (the base
 * seed as text; row k used seed + k, the overall row seed + n_groups), plus
 * `ci_strata` when stratified, and a title saying the same for text output.
 * Clusters are (model, condition, item, variant) inside each group; the
 * overall row resamples all clusters together. Leaving the overall row out
 * changes no other row's interval.
 * @param d  the store's data
 * @param p  the pairs the table was made from
 * @param g  the groups the table was made from
 * @param o  options (method must not be SAYDO_CI_NONE)
 * @param t  in: the score table; out: a new table with the CI columns (the
 *           old one is freed on success and left alone on failure)
 * @return SAYDO_OK, SAYDO_E_INVAL (unknown strata field, table not from
 *         saydo_score_table()), SAYDO_E_NOMEM
 */
saydo_status saydo_score_ci_add(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                                const saydo_ci_opts_t *o, saydo_table_t **t) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
