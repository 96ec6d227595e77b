/* saydo/compare.h: what an alignment step changed, against a baseline.
 *
 * A COUPLE is a word/deed pair of a condition (an aligned checkpoint) and the
 * pair of the baseline with the same model, item, trial and variant (trials
 * are ignored for pairs pooled per item). Per output group (--by) and
 * condition, over the couples:
 *
 *  - cs_baseline, cs: matches / kept pairs of each condition (a pair is kept
 *    when both sides answered, under the pairing's missing policy), so they
 *    equal `saydo score` on the matched pairs; pcs_baseline, pcs likewise
 *    over kept pairs with a PCS; delta_cs = cs - cs_baseline, delta_pcs.
 *  - word_change_rate: share of couples whose side-1 ("word") answer differs
 *    between baseline and condition, among couples where both answered that
 *    side; deed_change_rate the same for side 2, with each side-2 answer read
 *    back into side-1 letters through its own record's option map (a run may
 *    shuffle options differently from the baseline).
 *  - direct_change_rate / indirect_change_rate: the change rate of the side
 *    the condition was trained on (/conditions/trained_side) and of the
 *    other side; NaN when the trained side is unknown.
 *  - the transition table of consistency over couples kept in both:
 *    n_cc (consistent -> consistent), n_ci (consistent -> inconsistent),
 *    n_ic, n_ii; to_consistent_rate = n_ic / (n_ic + n_ii), away_rate =
 *    n_ci / (n_cc + n_ci); McNemar's test on (b, c) = (n_ci, n_ic): exact
 *    (mcnemar_p), mid-p and continuity-corrected chi-square (statsmodels'
 *    default); p_adjusted = mcnemar_p corrected over every row of the table.
 *  - cohens_h = 2 asin sqrt(cs) - 2 asin sqrt(cs_baseline) with the normal
 *    interval h -/+ z sqrt(1/n + 1/n_baseline) (independent-samples
 *    variance, conservative for paired data).
 *  - odds_ratio = n_ic / n_ci, the paired (conditional) odds of becoming
 *    consistent rather than inconsistent, with the exact interval from
 *    McNemar's binomial (Clopper-Pearson on n_ic / (n_ic + n_ci), mapped
 *    p -> p / (1 - p)); +inf when n_ci = 0 < n_ic, NaN when both are 0.
 *  - with rounds: cochran_q / cochran_df / cochran_p / n_cochran, Cochran's Q
 *    of consistency across the baseline and every compared condition of the
 *    row's method, on the units (model, item, trial, variant) kept in all of
 *    them, per group of the --by fields that are not properties of the
 *    condition (method, round, trained_side).
 *
 * Intervals: deltas by the bootstrap over item clusters, paired (the same
 * resampled items in both conditions; saydo/boot.h), with seed + row for
 * output row `row`; rates and levels by o->rate_ci (Wilson by default; PCS
 * levels by the clustered normal interval unless rate_ci is a bootstrap
 * method). Every figure X has X_lo and X_hi.
 *
 * Ownership: the options borrow their strings; the table returned is the
 * caller's (saydo_table_free()).
 */
#ifndef SAYDO_COMPARE_H
#define SAYDO_COMPARE_H

#include <stdint.h>
#include "saydo/ci.h"
#include "saydo/score.h"
#include "saydo/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct saydo_compare_opts {
    const char *baseline;             /* condition name (default "base") */
    const char *const *against;       /* conditions compared with it; NULL or n_against = 0:
                                         every other condition */
    int n_against;
    const char *const *by;            /* grouping fields (not "condition"); n_by = 0: one group */
    int n_by;
    saydo_pair_unit unit;             /* the unit the pairs were built with */
    saydo_ci_opts_t delta_ci;         /* deltas: percentile, basic or bca (default bca), B, seed,
                                         level (also used for every other interval), strata */
    saydo_ci_method rate_ci;          /* levels and rates: wilson (default), clopper, cluster,
                                         or a bootstrap method */
    saydo_stats_padjust_t correction; /* over the rows' McNemar p (default holm) */
    int rounds;                       /* Cochran's Q: -1 when any compared condition has a round
                                         (default), 0 never, 1 always */
} saydo_compare_opts_t;

/** Sets the defaults listed in saydo_compare_opts_t. */
void saydo_compare_opts_default(saydo_compare_opts_t *o);

/**
 * The comparison table: one row per (group, compared condition) with at
 * least one couple, groups in the order of saydo_groups_build() and
 * conditions in the order given. Columns: the --by fields, `condition`,
 * `baseline`, `trained_side`, the counts n_pairs (couples), n_kept_baseline,
 * n_kept, n_paired (kept in both), the figures above each with _lo/_hi,
 * n_word_compared, n_word_changed, n_deed_compared, n_deed_changed, the
 * transition counts and tests, and ci_delta, ci_rate, ci_level, n_resamples,
 * seed (row r used seed + r).
 * @param d    the store's data
 * @param p    pairs of d (all conditions; filtered as the caller likes)
 * @param o    options
 * @param out  receives the table; free with saydo_table_free()
 * @return SAYDO_OK; SAYDO_E_INVAL for an unknown condition or field, a
 *         baseline among the compared conditions, "condition" in by, an
 *         analytic delta method; SAYDO_E_NOMEM
 */
saydo_status saydo_compare_table(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_compare_opts_t *o,
                                 saydo_table_t **out) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
