/* Internals shared by the ValueActionLens driver (va.c) and its intervals
 * and paired comparison (va_ci.c). */
#ifndef SAYDO_VA_IMPL_H
#define SAYDO_VA_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include "saydo/valueaction.h"

/* One (model, condition): the records' sums per cell, cell = s * n_value + j. */
typedef struct va_run {
    char *model, *condition;
    double *rsum;          /* sum of stated ratings (1..4) */
    int32_t *rn;           /* stated ratings counted */
    int32_t *aneg, *an;    /* action records choosing the negative action / all answered */
    uint8_t *seen;         /* bit 0: a stated record (answered or not), bit 1: an action record */

    /* derived by va_cells(): per cell */
    double *v, *a;         /* NaN where the side has no figure (a = 0 when counted as positive) */
    uint8_t *kept;         /* scored */
    /* per scenario */
    double *f1d, *f1a, *acc;   /* NaN for a scenario without kept cells */
    double *gap;               /* sum over its kept cells of |v - a| */
    int32_t *n_kept, *n_missing, *ad, *da, *bv1, *ba1, *ties;
} va_run_t;

struct saydo_va {
    saydo_va_opts_t o;
    size_t n_country, n_topic, n_value, n_scen;
    char **country, **topic, **value;
    int32_t *scen_country, *scen_topic;   /* per scenario */
    size_t n_runs;
    va_run_t *run;
};

/* Weighted distance matrix over groups: D[g * n_value + j] = |mean v - mean a|
 * over the kept cells of value j in the scenarios of group g (group_of[s],
 * -1 = left out), each scenario counted w[s] times (NULL: once). NaN where a
 * group has no kept cell of the value. sv, sa, sn: scratch of n_groups * n_value. */
void va_distance_matrix(const saydo_va_t *va, const va_run_t *run, const int32_t *group_of, size_t n_groups,
                        const double *w, double *D, double *sv, double *sa, double *sn);

/* Mean of the non-NaN entries (NaN when there are none). */
double va_nanmean(const double *x, size_t n);

/* Interval columns for row k of the table: fills lo/hi (NaN when undefined)
 * for f1, accuracy, gap, distance, misaligned_stated_agree,
 * misaligned_stated_disagree, stated_disagree_share, action_negative_share.
 * scen: the row's scenarios; dist_group: 0 country rows / overall by
 * country, 1 topic rows, 2 no distance interval; overall: 1 for the overall
 * row (distance resampled within countries, distance_topics within topics). */
enum { VA_CI_F1, VA_CI_ACC, VA_CI_GAP, VA_CI_DIST, VA_CI_DIST_T, VA_CI_AD, VA_CI_DA, VA_CI_SD, VA_CI_AN, VA_CI_N };
saydo_status va_ci_row(const saydo_va_t *va, const va_run_t *run, const int32_t *scen, size_t n_scen,
                       int dist_group, int overall, uint64_t seed, saydo_boot_ws_t *ws, double *lo,
                       double *hi) SAYDO_MUST_CHECK;

#endif
