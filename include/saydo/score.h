/* saydo/score.h: pairing the two sides of every probe, and the metrics.
 *
 * A pair is (side-1 record, side-2 record) with the same model, condition,
 * item, trial and variant. The option map of the presentation (per record,
 * see record.h) says which side-2 option matches each side-1 option. */
#ifndef SAYDO_SCORE_H
#define SAYDO_SCORE_H

#include <stdint.h>
#include "saydo/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum saydo_missing_policy {
    SAYDO_MISSING_DROP = 0,      /* drop pairs with a missing/refused/unparsed answer (the WDCT rule) */
    SAYDO_MISSING_INCONSISTENT,  /* keep them, counted as inconsistent */
    SAYDO_MISSING_OPTION,        /* a refusal is an option of its own: two refusals match */
} saydo_missing_policy;

typedef enum saydo_pair_unit {
    SAYDO_UNIT_TRIAL = 0,        /* one pair per trial (default) */
    SAYDO_UNIT_ITEM,             /* trials pooled per item: majority choice, empirical distributions */
} saydo_pair_unit;

typedef struct saydo_pair_opts {
    const char *side1, *side2;   /* NULL: word/stated/value and deed/revealed/action */
    saydo_missing_policy missing;
    saydo_pair_unit unit;
    double kl_eps;               /* additive smoothing for KL (default SAYDO_KL_EPS_DEFAULT) */
    double log_base;             /* for KL, JSD and entropy; PCS is always base 2 (default 2) */
    int skip_extra;              /* 1: compute only match, PCS and JSD per pair (kl12, kl21, h1, h2 and
                                    tvd are NULL) */
    int skip_jsd;                /* 1: no JSD per pair either (jsd is NULL) */
} saydo_pair_opts_t;

void saydo_pair_opts_default(saydo_pair_opts_t *o);

/** Paired records and their per-pair metrics (NaN where a figure does not
 *  apply; a figure the options skip has no array: NULL). */
typedef struct saydo_pairs {
    size_t n;
    int side1, side2;            /* codes into the store's sides */
    int64_t *r1, *r2;            /* record rows of each side (unit item: the first trial's row) */
    int8_t *kept;                /* 1 = counts toward CS */
    int8_t *match;               /* 1 = consistent (after the option map) */
    int8_t *c1, *c2;             /* the choices (unit item: majority), side-2 choice in its own letters */
    int32_t *n_trials;           /* unit item: trials pooled; else 1 */
    double *pcs, *jsd, *kl12, *kl21, *h1, *h2, *tvd;
    int64_t unpaired1, unpaired2;
} saydo_pairs_t;

saydo_status saydo_pairs_build(const saydo_data_t *d, const saydo_pair_opts_t *o, saydo_pairs_t **out) SAYDO_MUST_CHECK;
void saydo_pairs_free(saydo_pairs_t *p);

/** Grouping fields for --by: model, condition, domain, variant, method, round, trained_side, item,
 *  or a label name (culture, topic, ...). */
typedef struct saydo_groups {
    size_t n_groups;
    int32_t *gid;                /* per pair */
    int n_fields;
    char **field;                /* field names */
    char ***value;               /* [field][group] the group's value as text */
} saydo_groups_t;

saydo_status saydo_groups_build(const saydo_data_t *d, const saydo_pairs_t *p, const char *const *fields,
                                int n_fields, saydo_groups_t **out) SAYDO_MUST_CHECK;
void saydo_groups_free(saydo_groups_t *g);

/** Metric flags for saydo_score_table. */
enum {
    SAYDO_M_CS = 1 << 0, SAYDO_M_PCS = 1 << 1, SAYDO_M_KL = 1 << 2, SAYDO_M_JSD = 1 << 3,
    SAYDO_M_ENTROPY = 1 << 4, SAYDO_M_TVD = 1 << 5, SAYDO_M_QUANTILES = 1 << 6,
};
/** Parses "cs,pcs,kl,jsd,entropy,tvd,quantiles" (or "all"). */
saydo_status saydo_metrics_parse(const char *list, unsigned *flags) SAYDO_MUST_CHECK;

/** One row per group plus an overall row (group fields "(all)"): n_pairs, n, n_dropped, cs, pcs, n_pcs,
 *  kl_12, kl_21, jsd, entropy_1, entropy_2, tvd, and per-pair quantiles (jsd_p05 ... pcs_p95). */
saydo_status saydo_score_table(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                               unsigned metrics, saydo_table_t **out) SAYDO_MUST_CHECK;
/** saydo_score_table() with the overall row optional: overall = 0 gives the
 *  group rows alone (the same values as with it). saydo_score_ci_add() takes
 *  either table and gives group row k seed S + k in both. */
saydo_status saydo_score_table_ex(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                                  unsigned metrics, int overall, saydo_table_t **out) SAYDO_MUST_CHECK;

/**
 * The table of saydo_score_table_ex() (same bits) straight from the records,
 * without per-pair arrays in memory: pairing, figures, grouping and the sums
 * in one pass over blocks of records (pairing and figures in parallel, the
 * sums in record order). It covers one pair per trial whose side-1 records
 * all have their partner next to them (as logs write them), metrics among
 * cs, pcs and jsd (o->skip_extra set), and --by fields with fewer codes than
 * records + 65,536; otherwise *out is NULL and the result is SAYDO_OK: then
 * use saydo_pairs_build(), saydo_groups_build() and saydo_score_table_ex().
 * @param info  out: side1, side2, n, unpaired1, unpaired2 as saydo_pairs_build()
 *              gives them; no arrays (nothing to free)
 * @return SAYDO_OK, SAYDO_E_INVAL (unknown side or field), SAYDO_E_NOMEM
 * Ownership: the caller frees *out with saydo_table_free().
 */
saydo_status saydo_score_table_direct(const saydo_data_t *d, const saydo_pair_opts_t *o, const char *const *fields,
                                      int n_fields, unsigned metrics, int overall, saydo_table_t **out,
                                      saydo_pairs_t *info) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
