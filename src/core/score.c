/* saydo score: per-group CS, PCS and divergence figures over the pairs. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/kernels.h"
#include "saydo/score.h"
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

saydo_status saydo_score_table(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                               unsigned metrics, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    double *sum = NULL, *comp = NULL, *buf = NULL;
    int64_t *cnt = NULL, *start = NULL, *fill = NULL, *n_kept = NULL, *n_match = NULL, *mcnt = NULL;
    (void)d;
    *out = NULL;
    const size_t ng = g->n_groups, nrows = ng + 1, n = p->n;   /* the last row: overall */
    int ncols = g->n_fields + 3;                              /* n_pairs, n, n_dropped */
    if (metrics & SAYDO_M_CS) ncols += 1;
    for (int m = 0; m < NMEAN; m++)
        if (metrics & mean_metrics[m].flag) ncols += 1 + (m == 0);   /* pcs also gets n_pcs */
    int nqm = 0;
    if (metrics & SAYDO_M_QUANTILES) nqm = 3, ncols += 3 * NQ;        /* jsd, pcs, kl_12 */
    SAYDO_TRY(saydo_table_create(nrows, ncols, &t));
    int col = 0;
    for (int f = 0; f < g->n_fields; f++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, g->field[f], 1));
        for (size_t k = 0; k < ng; k++) SAYDO_TRY(saydo_table_set_str(t, col, k, g->value[f][k]));
        SAYDO_TRY(saydo_table_set_str(t, col, ng, "(all)"));
    }
    /* one pass: counts, and the means over kept pairs that have the figure,
     * as Neumaier-compensated sums per group in pair order: the same
     * arithmetic (and bits) as saydo_group_sum() over x = kept ? v : NaN,
     * without building x */
    const double *mv[NMEAN];
    int mi[NMEAN], nm = 0;
    for (int m = 0; m < NMEAN; m++)
        if (metrics & mean_metrics[m].flag) {
            mi[nm] = m;
            mv[nm++] = metric_array(p, mean_metrics[m].offset);
        }
    SAYDO_NEW(cnt, nrows);
    SAYDO_NEW(n_kept, nrows);
    SAYDO_NEW(n_match, nrows);
    SAYDO_NEW(sum, (size_t)nm * nrows + 1);
    SAYDO_NEW(comp, (size_t)nm * nrows + 1);
    SAYDO_NEW(mcnt, (size_t)nm * nrows + 1);
    for (size_t i = 0; i < n; i++) {
        const size_t k = (size_t)g->gid[i];
        cnt[k]++;
        if (!p->kept[i]) continue;
        n_kept[k]++;
        n_match[k] += p->match[i] != 0;
        for (int j = 0; j < nm; j++) {
            const double v = mv[j][i];
            if (isnan(v)) continue;
            double *sj = sum + (size_t)j * nrows, *cj = comp + (size_t)j * nrows;
            int64_t *nj = mcnt + (size_t)j * nrows;
            neumaier_add(&sj[k], &cj[k], v);
            nj[k]++;
            neumaier_add(&sj[ng], &cj[ng], v);   /* the overall row: all pairs as one group */
            nj[ng]++;
        }
    }
    for (size_t k = 0; k < ng; k++) {
        cnt[ng] += cnt[k];
        n_kept[ng] += n_kept[k];
        n_match[ng] += n_match[k];
    }
    static const char *count_names[] = {"n_pairs", "n", "n_dropped"};
    for (int c = 0; c < 3; c++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, count_names[c], 0));
        for (size_t k = 0; k < nrows; k++)
            saydo_table_set_num(t, col, k, c == 0 ? (double)cnt[k] : c == 1 ? (double)n_kept[k]
                                                                           : (double)(cnt[k] - n_kept[k]));
    }
    if (metrics & SAYDO_M_CS) {
        SAYDO_TRY(saydo_table_set_col(t, col, "cs", 0));
        for (size_t k = 0; k < nrows; k++)
            saydo_table_set_num(t, col, k, n_kept[k] ? (double)n_match[k] / (double)n_kept[k] : NAN);
        col++;
    }
    for (int j = 0; j < nm; j++) {
        const double *sj = sum + (size_t)j * nrows, *cj = comp + (size_t)j * nrows;
        const int64_t *nj = mcnt + (size_t)j * nrows;
        SAYDO_TRY(saydo_table_set_col(t, col, mean_metrics[mi[j]].name, 0));
        for (size_t k = 0; k < nrows; k++)
            saydo_table_set_num(t, col, k, nj[k] ? neumaier_result(sj[k], cj[k]) / (double)nj[k] : NAN);
        col++;
        if (mi[j] == 0) {
            SAYDO_TRY(saydo_table_set_col(t, col, "n_pcs", 0));
            for (size_t k = 0; k < nrows; k++) saydo_table_set_num(t, col, k, (double)nj[k]);
            col++;
        }
    }

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
            for (size_t i = 0; i < n; i++)
                if (p->kept[i] && !isnan(v[i])) start[g->gid[i] + 1]++;
            for (size_t k = 0; k < ng; k++) start[k + 1] += start[k];
            memcpy(fill, start, ng * sizeof *fill);
            for (size_t i = 0; i < n; i++)
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
            saydo_sort_doubles(buf, all);
            for (int q = 0; q < NQ; q++)
                saydo_table_set_num(t, c0 + q, ng, all ? saydo_quantile_sorted(buf, all, quantile_levels[q]) : NAN);
        }
    }
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    free(sum);
    free(cnt);
    free(buf);
    free(start);
    free(fill);
    free(comp);
    free(n_kept);
    free(n_match);
    free(mcnt);
    return st;
}
