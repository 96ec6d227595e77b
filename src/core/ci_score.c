/* saydo score --ci: interval columns for the per-group figures of
 * saydo_score_table(), one saydo_ci_ratios() call per group row over that
 * group's item clusters. */
#include <inttypes.h>
#include <math.h>
#include <omp.h>
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

/* What every row's intervals need, and one worker's buffers. */
typedef struct {
    const saydo_pairs_t *p;
    const saydo_groups_t *sg;   /* strata, or NULL */
    const ci_layout_t *lay;     /* [0] the groups, [1] the overall row */
    size_t ng, nrows, m;
    const int *which;
    const uint8_t *binary;
    uint64_t seed;
    double *lo, *hi;            /* [j * nrows + r] */
} rows_job_t;

typedef struct {
    saydo_ci_ctx_t *ctx;
    double *cn, *cs;            /* m x cap */
    int32_t *strata;            /* cap */
    saydo_stats_ci_t *res;      /* m */
    size_t cap;
} row_buf_t;

static void row_buf_free(row_buf_t *b)
{
    saydo_ci_ctx_free(b->ctx);
    free(b->cn);
    free(b->cs);
    free(b->strata);
    free(b->res);
    memset(b, 0, sizeof *b);
}

static saydo_status row_buf_init(row_buf_t *b, const saydo_ci_opts_t *o, size_t m, size_t cap)
{
    saydo_status st = SAYDO_OK;
    memset(b, 0, sizeof *b);
    b->cap = cap;
    SAYDO_TRY(saydo_ci_ctx_create(o, &b->ctx));
    const size_t mc = m * cap;
    SAYDO_NEW(b->cn, mc);
    SAYDO_NEW(b->cs, mc);
    SAYDO_NEW(b->strata, cap);
    SAYDO_NEW(b->res, m + 1);
cleanup:
    if (st < 0) row_buf_free(b);
    return st;
}

static size_t row_clusters(const rows_job_t *x, size_t r)
{
    const ci_layout_t *L = r < x->ng ? &x->lay[0] : &x->lay[1];
    const size_t rr = r < x->ng ? r : 0;
    return L->row_start[rr + 1] - L->row_start[rr];
}

/* Row r's intervals: its clusters' counts and sums, then saydo_ci_ratios()
 * with the row's own seed. */
static saydo_status ci_row(const rows_job_t *x, size_t r, row_buf_t *b)
{
    const saydo_pairs_t *p = x->p;
    const ci_layout_t *L = r < x->ng ? &x->lay[0] : &x->lay[1];
    const size_t rr = r < x->ng ? r : 0, c0 = L->row_start[rr], C = L->row_start[rr + 1] - c0, m = x->m;
    double *cn = b->cn, *cs = b->cs;
    for (size_t c = 0; c < C; c++) {
        size_t u0 = L->start[c0 + c], u1 = L->start[c0 + c + 1];
        if (x->sg) b->strata[c] = x->sg->gid[L->order[u0]];
        for (size_t j = 0; j < m; j++) {
            const ci_metric_t *mt = &ci_metrics[x->which[j]];
            const double *v = mt->offset == NO_ARRAY ? NULL : values_of(p, mt->offset);
            double n = 0, s = 0;
            for (size_t u = u0; u < u1; u++) {
                int64_t i = L->order[u];
                if (!p->kept[i]) continue;
                if (mt->offset == NO_ARRAY) {
                    n += 1;
                    s += p->match[i];
                } else if (v && !isnan(v[i])) {   /* a figure the pairing skipped: no array, no data */
                    n += 1;
                    s += v[i];
                }
            }
            cn[j * C + c] = n;
            cs[j * C + c] = s;
        }
    }
    saydo_ci_clusters_t cl = {C, m, cn, cs, NULL, NULL, x->sg ? b->strata : NULL, x->binary};
    saydo_status st = saydo_ci_ratios(b->ctx, &cl, x->seed + (uint64_t)r, b->res);
    if (st < 0) return st;
    for (size_t j = 0; j < m; j++) {
        x->lo[j * x->nrows + r] = b->res[j].lo;
        x->hi[j * x->nrows + r] = b->res[j].hi;
    }
    return SAYDO_OK;
}

saydo_status saydo_score_ci_add(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_groups_t *g,
                                const saydo_ci_opts_t *o, saydo_table_t **tp)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *src = *tp, *t = NULL;
    saydo_groups_t *sg = NULL;
    ci_layout_t lay[2] = {{0}};
    int32_t *zero = NULL;
    double *lo = NULL, *hi = NULL;
    double *row_cost = NULL;
    uint8_t *row_mine = NULL, *big = NULL;
    saydo_status *row_st = NULL;
    row_buf_t main_buf = {0};
    uint8_t binary[N_CI_METRICS];
    int which[N_CI_METRICS];   /* indexes into ci_metrics of the figures present */
    /* the table's rows: the groups, then the overall row unless it was left out */
    const size_t ng = g->n_groups;
    SAYDO_FAIL_IF(!src || (src->n_rows != ng && src->n_rows != ng + 1), SAYDO_E_INVAL,
                  "score --ci: the table does not match the groups");
    const int overall = src->n_rows == ng + 1;
    const size_t nrows = src->n_rows;
    size_t m = 0;
    for (int k = 0; k < N_CI_METRICS; k++)
        if (saydo_table_find_col(src, ci_metrics[k].name) >= 0) {
            binary[m] = ci_metrics[k].offset == NO_ARRAY;
            which[m++] = k;
        }
    {   /* the options are checked even when there is no figure to bound */
        saydo_ci_ctx_t *chk = NULL;
        SAYDO_TRY(saydo_ci_ctx_create(o, &chk));
        saydo_ci_ctx_free(chk);
    }
    const size_t mrows = m * nrows + 1;
    SAYDO_NEW(lo, mrows);
    SAYDO_NEW(hi, mrows);
    if (m) {
        /* layouts: the groups, and every pair in one overall row */
        SAYDO_TRY(ci_layout_build(d, p->r1, g->gid, p->n, ng, &lay[0]));
        if (overall) {
            SAYDO_NEW(zero, p->n);
            SAYDO_TRY(ci_layout_build(d, p->r1, zero, p->n, 1, &lay[1]));
        }
        if (o->strata) {
            const char *f[1] = {o->strata};
            SAYDO_TRY(saydo_groups_build(d, p, f, 1, &sg));
        }
    }
    const rows_job_t x = {p, sg, lay, ng, nrows, m, which, binary, o->seed, lo, hi};
    /* MPI build: each rank computes its share of the rows (saydo/par.h), by clusters */
    if (m) {
        SAYDO_NEW(row_cost, nrows);
        for (size_t r = 0; r < nrows; r++) row_cost[r] = (double)row_clusters(&x, r);
        SAYDO_TRY(saydo_par_split_rows(row_cost, nrows, &row_mine));
    }
    /* Threads: a row with a large share of the work (the overall row) is
     * bootstrapped alone, its replicate blocks spread over the threads; the
     * many small rows (the groups) go one row per thread at a time, so the
     * serial part of each row (sums, cluster types, jackknife, intervals)
     * runs in parallel too and no thread waits at a row's end. A row comes
     * out the same either way (the engine gives the same bits on any number
     * of threads), so the table does not depend on the split. */
    const int nt = omp_get_max_threads();
    double total = 0;
    size_t cap_big = 1, cap_small = 1, n_small = 0;
    for (size_t r = 0; m && r < nrows; r++) total += row_mine[r] ? row_cost[r] : 0;
    SAYDO_NEW(big, nrows + 1);
    for (size_t r = 0; m && r < nrows; r++) {
        if (!row_mine[r]) continue;   /* another rank's row */
        const size_t C = row_clusters(&x, r);
        big[r] = nt == 1 || (double)C * 2.0 * nt > total;
        if (big[r] && C + 1 > cap_big) cap_big = C + 1;
        if (!big[r] && C + 1 > cap_small) cap_small = C + 1;
        n_small += !big[r];
    }
    if (m) {
        SAYDO_TRY(row_buf_init(&main_buf, o, m, cap_big));
        for (size_t r = 0; r < nrows; r++)
            if (row_mine[r] && big[r]) SAYDO_TRY(ci_row(&x, r, &main_buf));
    }
    if (m && n_small) {
        const int nw = (size_t)nt < n_small ? nt : (int)n_small;
        SAYDO_NEW(row_st, nrows);
        #pragma omp parallel num_threads(nw)
        {
            row_buf_t b;
            saydo_status bst = row_buf_init(&b, o, m, cap_small);
            #pragma omp for schedule(dynamic, 1)
            for (size_t r = 0; r < nrows; r++) {
                if (!row_mine[r] || big[r]) continue;
                row_st[r] = bst < 0 ? bst : ci_row(&x, r, &b);
            }
            if (bst >= 0) row_buf_free(&b);
        }
        for (size_t r = 0; r < nrows; r++) SAYDO_TRY(row_st[r]);
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
    char ng_text[32];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, o->seed);
    snprintf(ng_text, sizeof ng_text, " + %zu", ng);
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
                 "(group row k uses seed %s + k%s%s%s)",
                 100 * o->level, saydo_ci_method_name(o->method), o->strata ? ", stratified by " : "",
                 o->strata ? o->strata : "", o->n_resamples, seed_text, seed_text,
                 overall ? "; the overall row " : "", overall ? seed_text : "", overall ? ng_text : "");
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
    row_buf_free(&main_buf);
    saydo_groups_free(sg);
    ci_layout_free(&lay[0]);
    ci_layout_free(&lay[1]);
    free(zero);
    free(lo);
    free(hi);
    free(row_cost);
    free(row_mine);
    free(big);
    free(row_st);
    return st;
}
