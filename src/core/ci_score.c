/* saydo score --ci: interval columns for the per-group figures of
 * saydo_score_table(), one saydo_ci_ratios() call per group row over that
 * group's item clusters. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ci_impl.h"
#include "saydo/ci.h"
#include "saydo/par.h"
#include "util/try.h"

/* The figures that get intervals: name in the score table and the per-pair
 * values (offset into saydo_pairs_t; cs uses the match flags). */
typedef struct {
    const char *name;
    size_t offset;
} ci_metric_t;

#define NO_ARRAY ((size_t)-1)
static const ci_metric_t ci_metrics[] = {
    {"cs", NO_ARRAY},
    {"pcs", offsetof(saydo_pairs_t, pcs)},
    {"kl_12", offsetof(saydo_pairs_t, kl12)},
    {"kl_21", offsetof(saydo_pairs_t, kl21)},
    {"jsd", offsetof(saydo_pairs_t, jsd)},
    {"entropy_1", offsetof(saydo_pairs_t, h1)},
    {"entropy_2", offsetof(saydo_pairs_t, h2)},
    {"tvd", offsetof(saydo_pairs_t, tvd)},
};
enum { N_CI_METRICS = sizeof ci_metrics / sizeof ci_metrics[0] };

static const double *values_of(const saydo_pairs_t *p, size_t offset)
{
    return *(double *const *)((const char *)p + offset);
}

static saydo_status copy_col(saydo_table_t *dst, int dc, const saydo_table_t *src, int sc)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_table_set_col(dst, dc, src->col_name[sc], src->col_is_str[sc]));
    for (size_t r = 0; r < src->n_rows; r++) {
        if (src->col_is_str[sc]) SAYDO_TRY(saydo_table_set_str(dst, dc, r, src->str_col[sc][r]));
        else saydo_table_set_num(dst, dc, r, src->num_col[sc][r]);
    }
cleanup:
    return st;
}

static saydo_status num_col(saydo_table_t *t, int col, const char *name, const double *v)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_table_set_col(t, col, name, 0));
    for (size_t r = 0; r < t->n_rows; r++) saydo_table_set_num(t, col, r, v ? v[r] : NAN);
cleanup:
    return st;
}

static saydo_status str_col(saydo_table_t *t, int col, const char *name, const char *v)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_table_set_col(t, col, name, 1));
    for (size_t r = 0; r < t->n_rows; r++) SAYDO_TRY(saydo_table_set_str(t, col, r, v));
cleanup:
    return st;
}

saydo_status saydo_score_ci_add(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                                const saydo_ci_opts_t *o, saydo_table_t **tp)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *src = *tp, *t = NULL;
    saydo_ci_ctx_t *ctx = NULL;
    saydo_groups_t *sg = NULL;
    ci_layout_t lay[2] = {{0}};
    int32_t *zero = NULL, *strata = NULL;
    double *cn = NULL, *cs = NULL, *lo = NULL, *hi = NULL;
    saydo_stats_ci_t *res = NULL;
    double *row_cost = NULL;
    uint8_t *row_mine = NULL;
    uint8_t binary[N_CI_METRICS];
    int which[N_CI_METRICS];   /* indexes into ci_metrics of the figures present */
    const size_t ng = g->n_groups, nrows = ng + 1;
    SAYDO_FAIL_IF(!src || src->n_rows != nrows, SAYDO_E_INVAL, "score --ci: the table does not match the groups");
    size_t m = 0;
    for (int k = 0; k < N_CI_METRICS; k++)
        if (saydo_table_find_col(src, ci_metrics[k].name) >= 0) {
            binary[m] = ci_metrics[k].offset == NO_ARRAY;
            which[m++] = k;
        }
    SAYDO_TRY(saydo_ci_ctx_create(o, &ctx));
    const size_t mrows = m * nrows + 1;
    SAYDO_NEW(lo, mrows);
    SAYDO_NEW(hi, mrows);
    SAYDO_NEW(res, m + 1);
    if (m) {
        /* layouts: the groups, and every pair in one overall row */
        SAYDO_NEW(zero, p->n);
        SAYDO_TRY(ci_layout_build(d, p->r1, g->gid, p->n, ng, &lay[0]));
        SAYDO_TRY(ci_layout_build(d, p->r1, zero, p->n, 1, &lay[1]));
        if (o->strata) {
            const char *f[1] = {o->strata};
            SAYDO_TRY(saydo_groups_build(d, p, f, 1, &sg));
        }
        size_t cap = lay[1].n_clusters + 1, mcap = m * cap;
        SAYDO_NEW(cn, mcap);
        SAYDO_NEW(cs, mcap);
        SAYDO_NEW(strata, cap);
    }
    /* MPI build: each rank computes its share of the rows (saydo/par.h), by clusters */
    if (m) {
        SAYDO_NEW(row_cost, nrows);
        for (size_t r = 0; r < nrows; r++) {
            const ci_layout_t *L = r < ng ? &lay[0] : &lay[1];
            size_t rr = r < ng ? r : 0;
            row_cost[r] = (double)(L->row_start[rr + 1] - L->row_start[rr]);
        }
        SAYDO_TRY(saydo_par_split_rows(row_cost, nrows, &row_mine));
    }
    for (size_t r = 0; m && r < nrows; r++) {
        const ci_layout_t *L = r < ng ? &lay[0] : &lay[1];
        size_t rr = r < ng ? r : 0, c0 = L->row_start[rr], C = L->row_start[rr + 1] - c0;
        if (!row_mine[r]) continue;   /* another rank's row */
        for (size_t c = 0; c < C; c++) {
            size_t u0 = L->start[c0 + c], u1 = L->start[c0 + c + 1];
            if (sg) strata[c] = sg->gid[L->order[u0]];
            for (size_t j = 0; j < m; j++) {
                const ci_metric_t *mt = &ci_metrics[which[j]];
                const double *v = mt->offset == NO_ARRAY ? NULL : values_of(p, mt->offset);
                double n = 0, s = 0;
                for (size_t u = u0; u < u1; u++) {
                    int64_t i = L->order[u];
                    if (!p->kept[i]) continue;
                    if (!v) {
                        n += 1;
                        s += p->match[i];
                    } else if (!isnan(v[i])) {
                        n += 1;
                        s += v[i];
                    }
                }
                cn[j * C + c] = n;
                cs[j * C + c] = s;
            }
        }
        saydo_ci_clusters_t cl = {C, m, cn, cs, NULL, NULL, sg ? strata : NULL, binary};
        SAYDO_TRY(saydo_ci_ratios(ctx, &cl, o->seed + (uint64_t)r, res));
        for (size_t j = 0; j < m; j++) {
            lo[j * nrows + r] = res[j].lo;
            hi[j * nrows + r] = res[j].hi;
        }
    }

    if (m) {   /* every row's interval to rank 0 (a no-op in one process) */
        SAYDO_TRY(saydo_par_merge_rows(lo, nrows, m, row_mine));
        SAYDO_TRY(saydo_par_merge_rows(hi, nrows, m, row_mine));
    }
    /* the new table: X_lo, X_hi after each figure X, then the method columns */
    int boot = saydo_ci_is_boot(o->method);
    int ncols = src->n_cols + 2 * (int)m + 4 + (o->strata != NULL);
    SAYDO_TRY(saydo_table_create(nrows, ncols, &t));
    int col = 0;
    for (int c = 0; c < src->n_cols; c++) {
        SAYDO_TRY(copy_col(t, col++, src, c));
        for (size_t j = 0; j < m; j++) {
            if (strcmp(src->col_name[c], ci_metrics[which[j]].name) != 0) continue;
            char name[64];
            snprintf(name, sizeof name, "%s_lo", ci_metrics[which[j]].name);
            SAYDO_TRY(num_col(t, col++, name, lo + j * nrows));
            snprintf(name, sizeof name, "%s_hi", ci_metrics[which[j]].name);
            SAYDO_TRY(num_col(t, col++, name, hi + j * nrows));
        }
    }
    char seed_text[32], title[320];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, o->seed);
    SAYDO_TRY(str_col(t, col++, "ci_method", saydo_ci_method_name(o->method)));
    SAYDO_TRY(num_col(t, col, "ci_level", NULL));
    for (size_t r = 0; r < nrows; r++) saydo_table_set_num(t, col, r, o->level);
    col++;
    SAYDO_TRY(num_col(t, col, "n_resamples", NULL));
    for (size_t r = 0; boot && r < nrows; r++) saydo_table_set_num(t, col, r, (double)o->n_resamples);
    col++;
    SAYDO_TRY(str_col(t, col++, "seed", boot ? seed_text : ""));
    if (o->strata) SAYDO_TRY(str_col(t, col++, "ci_strata", o->strata));
    if (boot)
        snprintf(title, sizeof title,
                 "%g%% %s bootstrap intervals over item clusters%s%s: %zu resamples, seed %s "
                 "(group row k uses seed %s + k; the overall row %s + %zu)",
                 100 * o->level, saydo_ci_method_name(o->method), o->strata ? ", stratified by " : "",
                 o->strata ? o->strata : "", o->n_resamples, seed_text, seed_text, seed_text, ng);
    else if (o->method == SAYDO_CI_CLUSTER)
        snprintf(title, sizeof title, "%g%% clustered normal intervals (Miller 2024; clusters = items)",
                 100 * o->level);
    else
        snprintf(title, sizeof title, "%g%% %s intervals for cs; clustered normal intervals (Miller 2024) for means",
                 100 * o->level, saydo_ci_method_name(o->method));
    t->title = strdup(title);
    SAYDO_FAIL_IF(!t->title, SAYDO_E_NOMEM, "out of memory");
    saydo_table_free(src);
    *tp = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    saydo_ci_ctx_free(ctx);
    saydo_groups_free(sg);
    ci_layout_free(&lay[0]);
    ci_layout_free(&lay[1]);
    free(zero);
    free(strata);
    free(cn);
    free(cs);
    free(lo);
    free(hi);
    free(res);
    free(row_cost);
    free(row_mine);
    return st;
}
