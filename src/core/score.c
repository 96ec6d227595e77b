/* saydo score: per-group CS, PCS and divergence figures over the pairs, from
 * the per-pair arrays (saydo_score_table_ex) or straight from the records
 * (saydo_score_table_direct); both add the same values in the same order. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/kernels.h"
#include "saydo/score.h"
#include "core/score_impl.h"
#include "util/try.h"

saydo_status saydo_metrics_parse(const char *list, unsigned *flags)
{
    static const struct { const char *name; unsigned flag; } names[] = {
        {"cs", SAYDO_M_CS}, {"pcs", SAYDO_M_PCS}, {"kl", SAYDO_M_KL}, {"jsd", SAYDO_M_JSD},
        {"entropy", SAYDO_M_ENTROPY}, {"tvd", SAYDO_M_TVD}, {"quantiles", SAYDO_M_QUANTILES},
        {"all", 0x7F}};
    *flags = 0;
    const char *s = list;
    while (s && *s) {
        size_t n = strcspn(s, ",");
        int found = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strlen(names[k].name) == n && strncmp(names[k].name, s, n) == 0) {
                *flags |= names[k].flag;
                found = 1;
            }
        if (!found)
            return saydo_set_error(SAYDO_E_INVAL, "unknown metric '%.*s' (known: cs, pcs, kl, jsd, entropy, tvd, "
                                                  "quantiles, all)", (int)n, s);
        s += n + (s[n] == ',');
    }
    return SAYDO_OK;
}

static const double quantile_levels[] = {0.05, 0.25, 0.5, 0.75, 0.95};
static const char *const quantile_names[] = {"p05", "p25", "p50", "p75", "p95"};
enum { NQ = 5 };

typedef struct {
    const char *name;
    unsigned flag;
    size_t offset;   /* which per-pair array of saydo_pairs_t */
} pair_metric_t;

static const pair_metric_t mean_metrics[] = {
    {"pcs", SAYDO_M_PCS, offsetof(saydo_pairs_t, pcs)},
    {"kl_12", SAYDO_M_KL, offsetof(saydo_pairs_t, kl12)},
    {"kl_21", SAYDO_M_KL, offsetof(saydo_pairs_t, kl21)},
    {"jsd", SAYDO_M_JSD, offsetof(saydo_pairs_t, jsd)},
    {"entropy_1", SAYDO_M_ENTROPY, offsetof(saydo_pairs_t, h1)},
    {"entropy_2", SAYDO_M_ENTROPY, offsetof(saydo_pairs_t, h2)},
    {"tvd", SAYDO_M_TVD, offsetof(saydo_pairs_t, tvd)},
};
enum { NMEAN = sizeof mean_metrics / sizeof mean_metrics[0] };

/* One Neumaier step and the final sum, exactly as saydo_group_sum() does them
 * (src/kernels/describe.c), so the means keep their bits. */
static inline void neumaier_add(double *s, double *c, double v)
{
    double t = *s + v;
    if (fabs(*s) >= fabs(v)) *c += (*s - t) + v;
    else *c += (v - t) + *s;
    *s = t;
}

static inline double neumaier_result(double s, double c) { return isfinite(s) ? s + c : s; }

static const double *metric_array(const saydo_pairs_t *p, size_t offset)
{
    return *(double *const *)((const char *)p + offset);
}

/* Counts and compensated sums per output row: the one pass of both paths.
 * Row `all` (the last) is the overall row; it gets its sums in the same pass
 * (all pairs as one group), its counts as the sum of the groups'. */
typedef struct {
    size_t nrows, all;
    int nm, mi[NMEAN];
    int64_t *cnt, *n_kept, *n_match, *mcnt;   /* mcnt, sum, comp: [j * nrows + row] */
    double *sum, *comp;
} acc_t;

static void acc_free(acc_t *a)
{
    free(a->cnt);
    free(a->n_kept);
    free(a->n_match);
    free(a->mcnt);
    free(a->sum);
    free(a->comp);
}

static saydo_status acc_init(acc_t *a, size_t nrows, unsigned metrics)
{
    saydo_status st = SAYDO_OK;
    memset(a, 0, sizeof *a);
    a->nrows = nrows;
    a->all = nrows - 1;
    for (int m = 0; m < NMEAN; m++)
        if (metrics & mean_metrics[m].flag) a->mi[a->nm++] = m;
    SAYDO_NEW(a->cnt, nrows);
    SAYDO_NEW(a->n_kept, nrows);
    SAYDO_NEW(a->n_match, nrows);
    SAYDO_NEW(a->sum, (size_t)a->nm * nrows + 1);
    SAYDO_NEW(a->comp, (size_t)a->nm * nrows + 1);
    SAYDO_NEW(a->mcnt, (size_t)a->nm * nrows + 1);
cleanup:
    if (st < 0) acc_free(a);
    return st;
}

/* Pairs [0, n) of p (mv: the arrays of a->mi, NULL = skipped) into rows
 * row_of[i] (NULL: row[i] is code[i]); in pair order, as saydo_group_sum()
 * over x = kept ? v : NaN would sum them, without building x. */
static void acc_add(acc_t *a, const saydo_pairs_t *p, size_t n, const int32_t *row, const uint32_t *code,
                    const double *const *mv)
{
    const size_t nrows = a->nrows, all = a->all;
    for (size_t i = 0; i < n; i++) {
        const size_t k = row ? (size_t)row[i] : (size_t)code[i];
        a->cnt[k]++;
        if (!p->kept[i]) continue;
        a->n_kept[k]++;
        a->n_match[k] += p->match[i] != 0;
        for (int j = 0; j < a->nm; j++) {
            if (!mv[j]) continue;
            const double v = mv[j][i];
            if (isnan(v)) continue;
            double *sj = a->sum + (size_t)j * nrows, *cj = a->comp + (size_t)j * nrows;
            int64_t *nj = a->mcnt + (size_t)j * nrows;
            neumaier_add(&sj[k], &cj[k], v);
            nj[k]++;
            neumaier_add(&sj[all], &cj[all], v);   /* the overall row: all pairs as one group */
            nj[all]++;
        }
    }
}

/* The table's field, count, cs and mean columns from the sums of ng groups
 * (rows 0..ng-1, the overall row ng); extra columns are left for the
 * caller, from *col on. */
static saydo_status acc_emit(const acc_t *a, const saydo_groups_t *g, unsigned metrics, int overall, int extra_cols,
                             saydo_table_t **out, int *col_out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    const size_t ng = g->n_groups, nrows = a->nrows, tr = overall ? ng + 1 : ng;
    int ncols = g->n_fields + 3 + extra_cols;   /* n_pairs, n, n_dropped */
    if (metrics & SAYDO_M_CS) ncols += 1;
    for (int j = 0; j < a->nm; j++) ncols += 1 + (a->mi[j] == 0);   /* pcs also gets n_pcs */
    SAYDO_TRY(saydo_table_create(tr, ncols, &t));
    int col = 0;
    for (int f = 0; f < g->n_fields; f++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, g->field[f], 1));
        for (size_t k = 0; k < ng; k++) SAYDO_TRY(saydo_table_set_str(t, col, k, g->value[f][k]));
        if (overall) SAYDO_TRY(saydo_table_set_str(t, col, ng, "(all)"));
    }
    static const char *count_names[] = {"n_pairs", "n", "n_dropped"};
    for (int c = 0; c < 3; c++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, count_names[c], 0));
        for (size_t k = 0; k < tr; k++)
            saydo_table_set_num(t, col, k, c == 0 ? (double)a->cnt[k] : c == 1 ? (double)a->n_kept[k]
                                                                             : (double)(a->cnt[k] - a->n_kept[k]));
    }
    if (metrics & SAYDO_M_CS) {
        SAYDO_TRY(saydo_table_set_col(t, col, "cs", 0));
        for (size_t k = 0; k < tr; k++)
            saydo_table_set_num(t, col, k, a->n_kept[k] ? (double)a->n_match[k] / (double)a->n_kept[k] : NAN);
        col++;
    }
    for (int j = 0; j < a->nm; j++) {
        const double *sj = a->sum + (size_t)j * nrows, *cj = a->comp + (size_t)j * nrows;
        const int64_t *nj = a->mcnt + (size_t)j * nrows;
        SAYDO_TRY(saydo_table_set_col(t, col, mean_metrics[a->mi[j]].name, 0));
        for (size_t k = 0; k < tr; k++)
            saydo_table_set_num(t, col, k, nj[k] ? neumaier_result(sj[k], cj[k]) / (double)nj[k] : NAN);
        col++;
        if (a->mi[j] == 0) {
            SAYDO_TRY(saydo_table_set_col(t, col, "n_pcs", 0));
            for (size_t k = 0; k < tr; k++) saydo_table_set_num(t, col, k, (double)nj[k]);
            col++;
        }
    }
    *col_out = col;
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    return st;
}

saydo_status saydo_score_table(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                               unsigned metrics, saydo_table_t **out)
{
    return saydo_score_table_ex(d, p, g, metrics, 1, out);
}

saydo_status saydo_score_table_ex(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                                  unsigned metrics, int overall, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    acc_t a = {0};
    double *buf = NULL;
    int64_t *start = NULL, *fill = NULL;
    (void)d;
    *out = NULL;
    /* sums over ng + 1 rows (the last: overall) */
    const size_t ng = g->n_groups, nrows = ng + 1, n = p->n;
    const int nqm = (metrics & SAYDO_M_QUANTILES) ? 3 : 0;   /* jsd, pcs, kl_12 */
    SAYDO_TRY(acc_init(&a, nrows, metrics));
    const double *mv[NMEAN];
    for (int j = 0; j < a.nm; j++) mv[j] = metric_array(p, mean_metrics[a.mi[j]].offset);
    acc_add(&a, p, n, g->gid, NULL, mv);
    for (size_t k = 0; k < ng; k++) {
        a.cnt[ng] += a.cnt[k];
        a.n_kept[ng] += a.n_kept[k];
        a.n_match[ng] += a.n_match[k];
    }
    int col = 0;
    SAYDO_TRY(acc_emit(&a, g, metrics, overall, nqm * NQ, &t, &col));

    /* quantiles of the per-pair figures: bucket by group, sort each bucket */
    if (nqm) {
        static const size_t qoff[] = {offsetof(saydo_pairs_t, jsd), offsetof(saydo_pairs_t, pcs),
                                      offsetof(saydo_pairs_t, kl12)};
        static const char *qname[] = {"jsd", "pcs", "kl_12"};
        SAYDO_NEW(buf, n);
        SAYDO_NEW(start, nrows + 1);
        SAYDO_NEW(fill, nrows);
        for (int m = 0; m < nqm; m++) {
            const double *v = metric_array(p, qoff[m]);
            memset(start, 0, (nrows + 1) * sizeof *start);
            for (size_t i = 0; v && i < n; i++)
                if (p->kept[i] && !isnan(v[i])) start[g->gid[i] + 1]++;
            for (size_t k = 0; k < ng; k++) start[k + 1] += start[k];
            memcpy(fill, start, ng * sizeof *fill);
            for (size_t i = 0; v && i < n; i++)
                if (p->kept[i] && !isnan(v[i])) buf[fill[g->gid[i]]++] = v[i];
            int c0 = col;
            for (int q = 0; q < NQ; q++) {
                char name[32];
                snprintf(name, sizeof name, "%s_%s", qname[m], quantile_names[q]);
                SAYDO_TRY(saydo_table_set_col(t, col++, name, 0));
            }
            for (size_t k = 0; k < ng; k++) {
                size_t len = (size_t)(start[k + 1] - start[k]);
                saydo_sort_doubles(buf + start[k], len);
                for (int q = 0; q < NQ; q++)
                    saydo_table_set_num(t, c0 + q, k, len ? saydo_quantile_sorted(buf + start[k], len,
                                                                                  quantile_levels[q]) : NAN);
            }
            size_t all = (size_t)start[ng];
            if (!overall) continue;
            saydo_sort_doubles(buf, all);
            for (int q = 0; q < NQ; q++)
                saydo_table_set_num(t, c0 + q, ng, all ? saydo_quantile_sorted(buf, all, quantile_levels[q]) : NAN);
        }
    }
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    acc_free(&a);
    free(buf);
    free(start);
    free(fill);
    return st;
}

/* ---- the direct path ------------------------------------------------------
 * `saydo score` without intervals or --where needs only per-group counts and
 * sums, so it need not keep 1.2M pairs in memory: pair_scan() (pair.c) hands
 * over the pairs of each block of records, in record order, and the sink
 * adds them to per-code sums at once. The pairs, their figures (the same
 * trial_block() code) and the order of every sum are those of
 * saydo_pairs_build() + saydo_groups_build() + saydo_score_table_ex(), so
 * the table is the same bits; what is saved is memory: on the benchmark VM
 * every fresh 4 KB page costs ~13 us, and the per-pair arrays were 43 MB. */
typedef struct {
    const saydo_data_t *d;
    const gplan_t *gp;
    acc_t *a;
} direct_ctx_t;

/* in parallel: the pairs' group codes */
static void direct_prep(void *ctx, const saydo_pairs_t *blk, uint32_t *code)
{
    const direct_ctx_t *x = ctx;
    for (size_t i = 0; i < blk->n; i++) code[i] = (uint32_t)gplan_code(x->gp, x->d, blk->r1[i]);
}

/* in record order: the sums */
static void direct_sink(void *ctx, const saydo_pairs_t *blk, const uint32_t *code)
{
    direct_ctx_t *x = ctx;
    const double *mv[NMEAN];
    for (int j = 0; j < x->a->nm; j++) mv[j] = metric_array(blk, mean_metrics[x->a->mi[j]].offset);
    acc_add(x->a, blk, blk->n, NULL, code, mv);
}

saydo_status saydo_score_table_direct(const saydo_data_t *d, const saydo_pair_opts_t *o, const char *const *fields,
                                      int n_fields, unsigned metrics, int overall, saydo_table_t **out,
                                      saydo_pairs_t *info)
{
    saydo_status st = SAYDO_OK;
    gplan_t gp = {0};
    acc_t a = {0}, dense = {0};
    saydo_groups_t *g = NULL;
    uint64_t *codes = NULL;
    int complete = 0;
    *out = NULL;
    memset(info, 0, sizeof *info);
    /* the cases it covers: one pair per trial, no figure beyond CS, PCS, JSD */
    if (o->unit != SAYDO_UNIT_TRIAL || !o->skip_extra || (metrics & ~(unsigned)(SAYDO_M_CS | SAYDO_M_PCS | SAYDO_M_JSD)))
        return SAYDO_OK;
    if ((metrics & SAYDO_M_JSD) && o->skip_jsd) return SAYDO_OK;
    SAYDO_TRY(gplan_build(d, fields, n_fields, &gp));
    if (!gp.small || gp.span > (double)(d->n + (1 << 16))) goto cleanup;   /* a large code space */
    const size_t span = gp.span;
    SAYDO_TRY(acc_init(&a, span + 1, metrics));
    direct_ctx_t x = {d, &gp, &a};
    SAYDO_TRY(pair_scan(d, o, direct_prep, direct_sink, &x, &complete, info));
    if (!complete) goto cleanup;   /* records without a neighbour partner: the hash join is needed */
    /* the codes present, in code order, are the groups (as saydo_groups_build numbers them) */
    size_t ng = 0;
    SAYDO_NEW(codes, span + 1);
    for (size_t c = 0; c < span; c++)
        if (a.cnt[c]) codes[ng++] = c;
    SAYDO_TRY(groups_from_codes(d, &gp, codes, ng, &g));
    SAYDO_TRY(acc_init(&dense, ng + 1, metrics));
    for (size_t k = 0; k <= ng; k++) {
        const size_t c = k < ng ? (size_t)codes[k] : span;
        dense.cnt[k] = a.cnt[c];
        dense.n_kept[k] = a.n_kept[c];
        dense.n_match[k] = a.n_match[c];
        for (int j = 0; j < a.nm; j++) {
            dense.sum[(size_t)j * (ng + 1) + k] = a.sum[(size_t)j * (span + 1) + c];
            dense.comp[(size_t)j * (ng + 1) + k] = a.comp[(size_t)j * (span + 1) + c];
            dense.mcnt[(size_t)j * (ng + 1) + k] = a.mcnt[(size_t)j * (span + 1) + c];
        }
    }
    for (size_t k = 0; k < ng; k++) {   /* the overall row's counts, as the general path adds them */
        dense.cnt[ng] += dense.cnt[k];
        dense.n_kept[ng] += dense.n_kept[k];
        dense.n_match[ng] += dense.n_match[k];
    }
    int col = 0;
    SAYDO_TRY(acc_emit(&dense, g, metrics, overall, 0, out, &col));
cleanup:
    if (st < 0 || !complete) memset(info, 0, sizeof *info);
    saydo_groups_free(g);
    gplan_free(&gp);
    acc_free(&a);
    acc_free(&dense);
    free(codes);
    return st;
}
