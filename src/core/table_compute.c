/* The figures of a paper table as one long table: for pair metrics the
 * estimates of saydo_score_table() and the intervals of saydo_score_ci_add()
 * per grouping (the body and the margins) and a test of each cell against
 * its baseline cell; for compare, ValueActionLens and stated-vs-revealed
 * figures the tables of those analyses, reduced to the rows and columns the
 * spec asks for. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "core/table_internal.h"
#include "saydo/ci.h"
#include "saydo/stats.h"
#include "util/try.h"

enum { NV = 5 };   /* numeric slots per metric: est, lo, hi, p, p_adj */
enum { V_EST, V_LO, V_HI, V_P, V_PADJ };

/* The figures as they grow: one row per group of every grouping. */
typedef struct {
    int nf, nm;                /* fields, metrics */
    size_t n, cap;
    char **field;              /* [row * nf + f] */
    double *v;                 /* [(row * nm + m) * NV + slot] */
    double *n_kept, *n_pairs;  /* per row */
} figs_t;

/* What the computation needs to know about each cell metric. */
typedef struct {
    const tmetric_t *m;
    saydo_ttest test;          /* resolved: NONE, MCNEMAR, ZTEST, WILCOXON, SIGNFLIP */
    int has_ci;
} cmetric_t;

/* A pair's identity with the baseline field masked: pairs of a cell and of its
 * baseline cell with equal keys are the same probe under the two values. */
typedef struct {
    int32_t k[5];    /* model, condition, item, trial, variant */
    double x;
} keyed_t;

typedef struct {
    const saydo_data_t *d;
    const saydo_pairs_t *p;
    const saydo_tspec_t *s;
    cmetric_t cm[SAYDO_TSPEC_MAX_CELLS];
    int nm;
    const char *all_fields[2 * SAYDO_TSPEC_MAX_FIELDS];
    int nf;
    int mask_slot;             /* which key slot the baseline field masks (-1: none) */
    gsl_rng *rng;
    /* scratch, sized once */
    size_t *order, *start;     /* pairs by group */
    keyed_t *kb, *ka;
    double *dif, *work;
    figs_t f;
} ctx_t;

static void figs_free(figs_t *f)
{
    for (size_t i = 0; i < f->n * (size_t)f->nf; i++) free(f->field[i]);
    free(f->field);
    free(f->v);
    free(f->n_kept);
    free(f->n_pairs);
}

static saydo_status figs_add(figs_t *f, size_t *row)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        char **field = realloc(f->field, cap * (size_t)f->nf * sizeof *field + 1);
        if (!field) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        f->field = field;
        double *v = realloc(f->v, cap * (size_t)f->nm * NV * sizeof *v + 1);
        if (!v) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        f->v = v;
        double *a = realloc(f->n_kept, cap * sizeof *a), *b = a ? realloc(f->n_pairs, cap * sizeof *b) : NULL;
        if (a) f->n_kept = a;
        if (!a || !b) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        f->n_pairs = b;
        f->cap = cap;
    }
    *row = f->n++;
    for (int i = 0; i < f->nf; i++) f->field[*row * (size_t)f->nf + (size_t)i] = NULL;
    for (size_t i = 0; i < (size_t)f->nm * NV; i++) f->v[*row * (size_t)f->nm * NV + i] = NAN;
    return SAYDO_OK;
}

static double *slot(figs_t *f, size_t row, int m, int v) { return &f->v[(row * (size_t)f->nm + (size_t)m) * NV + (size_t)v]; }

/* The pair's value of metric m, NaN when it does not count (dropped pair, no
 * distribution logged). */
static double pair_value(const ctx_t *c, const tmetric_t *m, size_t i)
{
    if (!c->p->kept[i]) return NAN;
    if (m->kind == TKIND_PROP) return c->p->match[i] ? 1.0 : 0.0;
    return (*(double *const *)((const char *)c->p + m->offset))[i];
}

/* ---- tests ---------------------------------------------------------------------- */

static int cmp_key(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    for (int i = 0; i < 5; i++)
        if (x->k[i] != y->k[i]) return x->k[i] < y->k[i] ? -1 : 1;
    return 0;
}

/* The keyed values of metric m over the pairs idx[0..len). */
static size_t keyed(const ctx_t *c, const tmetric_t *m, const size_t *idx, size_t len, keyed_t *out)
{
    size_t q = 0;
    for (size_t j = 0; j < len; j++) {
        size_t i = idx[j];
        double x = pair_value(c, m, i);
        if (isnan(x)) continue;
        int64_t r = c->p->r1[i];
        keyed_t *e = &out[q++];
        e->k[0] = c->d->model[r];
        e->k[1] = c->d->condition[r];
        e->k[2] = c->d->item[r];
        e->k[3] = c->s->unit == SAYDO_UNIT_ITEM ? -1 : c->d->trial[r];
        e->k[4] = c->d->variant[r];
        if (c->mask_slot >= 0) e->k[c->mask_slot] = -1;
        e->x = x;
    }
    return q;
}

/* p-value of cell idx against baseline cell bidx for metric cm. */
static double cell_test(ctx_t *c, const cmetric_t *cm, const size_t *idx, size_t len, const size_t *bidx,
                        size_t blen)
{
    if (cm->test == SAYDO_TTEST_ZTEST) {
        double k1 = 0, n1 = 0, k2 = 0, n2 = 0;
        for (size_t j = 0; j < len; j++) {
            double x = pair_value(c, cm->m, idx[j]);
            if (!isnan(x)) k1 += x, n1 += 1;
        }
        for (size_t j = 0; j < blen; j++) {
            double x = pair_value(c, cm->m, bidx[j]);
            if (!isnan(x)) k2 += x, n2 += 1;
        }
        return saydo_stats_two_prop_ztest((size_t)k1, (size_t)n1, (size_t)k2, (size_t)n2).p;
    }
    size_t nb = keyed(c, cm->m, bidx, blen, c->kb), na = keyed(c, cm->m, idx, len, c->ka);
    qsort(c->kb, nb, sizeof *c->kb, cmp_key);
    size_t nd = 0, b10 = 0, b01 = 0;
    for (size_t j = 0; j < na; j++) {
        const keyed_t *hit = bsearch(&c->ka[j], c->kb, nb, sizeof *c->kb, cmp_key);
        if (!hit) continue;
        double x = c->ka[j].x, y = hit->x;
        /* a difference at rounding level is no difference: the same
         * distributions reached through a different order of operations
         * (a swapped option map) must count as zeros for Wilcoxon */
        c->dif[nd++] = fabs(x - y) <= 1e-12 * (fabs(x) + fabs(y)) ? 0.0 : x - y;
        b10 += x > y;
        b01 += x < y;
    }
    if (nd == 0) return NAN;
    switch (cm->test) {
    case SAYDO_TTEST_MCNEMAR: return saydo_stats_mcnemar(b10, b01, 0).p_exact;
    case SAYDO_TTEST_WILCOXON: return saydo_stats_wilcoxon_test(c->dif, nd, c->work).p;
    case SAYDO_TTEST_SIGNFLIP:
        gsl_rng_set(c->rng, (unsigned long)c->s->seed);   /* every test from the stated seed */
        return saydo_stats_signflip_test(c->dif, nd, c->s->resamples, c->rng).p;
    default: return NAN;
    }
}

/* ---- one grouping --------------------------------------------------------------- */

/* Groups by the fields in mask (bit f = all_fields[f]) and adds a figures row
 * per group. */
static saydo_status grouping(ctx_t *c, unsigned mask, unsigned metric_flags)
{
    saydo_status st = SAYDO_OK;
    saydo_groups_t *g = NULL;
    saydo_table_t *t = NULL;
    const char *fields[2 * SAYDO_TSPEC_MAX_FIELDS];
    int gf_of[2 * SAYDO_TSPEC_MAX_FIELDS], nf = 0, base_gf = -1;   /* all_fields index -> group field */
    for (int f = 0; f < c->nf; f++) {
        gf_of[f] = -1;
        if (!(mask & (1u << f))) continue;
        if (c->s->baseline_field && strcmp(c->all_fields[f], c->s->baseline_field) == 0) base_gf = nf;
        gf_of[f] = nf;
        fields[nf++] = c->all_fields[f];
    }
    SAYDO_TRY(saydo_groups_build(c->d, c->p, fields, nf, &g));
    /* the group rows only: the margins are groupings of their own, so score's
     * overall row (and its bootstrap over every cluster) would go unused */
    SAYDO_TRY(saydo_score_table_ex(c->d, c->p, g, metric_flags, 0, &t));
    int any_ci = 0;
    for (int m = 0; m < c->nm; m++) any_ci |= c->cm[m].has_ci;
    if (any_ci) {
        static const saydo_ci_method method[] = {
            [SAYDO_TCI_NONE] = SAYDO_CI_NONE,     [SAYDO_TCI_PERCENTILE] = SAYDO_CI_PERCENTILE,
            [SAYDO_TCI_BASIC] = SAYDO_CI_BASIC,   [SAYDO_TCI_BCA] = SAYDO_CI_BCA,
            [SAYDO_TCI_WILSON] = SAYDO_CI_WILSON, [SAYDO_TCI_EXACT] = SAYDO_CI_CLOPPER,
            [SAYDO_TCI_CLUSTER] = SAYDO_CI_CLUSTER};
        saydo_ci_opts_t o;
        saydo_ci_opts_default(&o);
        o.method = method[c->s->ci];
        o.n_resamples = c->s->resamples;
        o.seed = c->s->seed;
        o.level = c->s->level;
        o.strata = c->s->strata;
        SAYDO_TRY(saydo_score_ci_add(c->d, c->p, g, &o, &t));
    }
    const size_t ng = g->n_groups, n = c->p->n;

    /* pairs by group: a counting sort */
    memset(c->start, 0, (ng + 1) * sizeof *c->start);
    for (size_t i = 0; i < n; i++) c->start[g->gid[i] + 1]++;
    for (size_t k = 0; k < ng; k++) c->start[k + 1] += c->start[k];
    for (size_t i = 0; i < n; i++) c->order[c->start[g->gid[i]]++] = i;   /* start[k] becomes group k's end */
    for (size_t k = ng; k > 0; k--) c->start[k] = c->start[k - 1];
    c->start[0] = 0;

    int col_n = saydo_table_find_col(t, "n"), col_np = saydo_table_find_col(t, "n_pairs");
    size_t row0 = c->f.n;
    for (size_t k = 0; k < ng; k++) {
        size_t row = 0;
        SAYDO_TRY(figs_add(&c->f, &row));
        for (int f = 0; f < c->nf; f++) {
            const char *v = gf_of[f] >= 0 ? g->value[gf_of[f]][k] : SAYDO_TALL;
            c->f.field[row * (size_t)c->nf + (size_t)f] = strdup(v);
            SAYDO_FAIL_IF(!c->f.field[row * (size_t)c->nf + (size_t)f], SAYDO_E_NOMEM, "out of memory");
        }
        c->f.n_kept[row] = t->num_col[col_n][k];
        c->f.n_pairs[row] = t->num_col[col_np][k];
        for (int m = 0; m < c->nm; m++) {
            char name[64];
            int tc = saydo_table_find_col(t, c->cm[m].m->col);
            SAYDO_FAIL_IF(tc < 0, SAYDO_E_INVAL, "score gave no column '%s'", c->cm[m].m->col);
            *slot(&c->f, row, m, V_EST) = t->num_col[tc][k];
            if (!c->cm[m].has_ci) continue;
            snprintf(name, sizeof name, "%s_lo", c->cm[m].m->col);
            int lc = saydo_table_find_col(t, name);
            snprintf(name, sizeof name, "%s_hi", c->cm[m].m->col);
            int hc = saydo_table_find_col(t, name);
            SAYDO_FAIL_IF(lc < 0 || hc < 0, SAYDO_E_INVAL, "the intervals gave no column '%s'", name);
            *slot(&c->f, row, m, V_LO) = t->num_col[lc][k];
            *slot(&c->f, row, m, V_HI) = t->num_col[hc][k];
        }
    }
    /* tests: the baseline group has the same values but the baseline field's */
    if (base_gf < 0) goto cleanup;
    for (size_t k = 0; k < ng; k++) {
        if (strcmp(g->value[base_gf][k], c->s->baseline_value) == 0) continue;
        size_t kb = ng;
        for (size_t j = 0; j < ng && kb == ng; j++) {
            int same = strcmp(g->value[base_gf][j], c->s->baseline_value) == 0;
            for (int f = 0; f < nf && same; f++)
                if (f != base_gf) same = strcmp(g->value[f][j], g->value[f][k]) == 0;
            if (same) kb = j;
        }
        if (kb == ng) continue;   /* no baseline cell here: untested */
        for (int m = 0; m < c->nm; m++) {
            if (c->cm[m].test == SAYDO_TTEST_NONE) continue;
            *slot(&c->f, row0 + k, m, V_P) = cell_test(c, &c->cm[m], c->order + c->start[k], c->start[k + 1] - c->start[k],
                                                       c->order + c->start[kb], c->start[kb + 1] - c->start[kb]);
        }
    }
cleanup:
    saydo_table_free(t);
    saydo_groups_free(g);
    return st;
}

/* ---- the correction and the output table --------------------------------------- */

static saydo_status adjust(ctx_t *c)
{
    saydo_status st = SAYDO_OK;
    double *p = NULL;
    size_t *work = NULL, np = 0, total = c->f.n * (size_t)c->nm;
    SAYDO_NEW(p, total);
    SAYDO_NEW(work, total);
    for (size_t r = 0; r < c->f.n; r++)
        for (int m = 0; m < c->nm; m++)
            if (!isnan(*slot(&c->f, r, m, V_P))) p[np++] = *slot(&c->f, r, m, V_P);
    static const saydo_stats_padjust_t how[] = {SAYDO_STATS_BONFERRONI, SAYDO_STATS_BONFERRONI, SAYDO_STATS_HOLM,
                                                SAYDO_STATS_BH};
    if (c->s->correction != SAYDO_TADJ_NONE && np) saydo_stats_p_adjust(p, np, how[c->s->correction], p, work);
    np = 0;
    for (size_t r = 0; r < c->f.n; r++)
        for (int m = 0; m < c->nm; m++)
            if (!isnan(*slot(&c->f, r, m, V_P))) *slot(&c->f, r, m, V_PADJ) = p[np++];
cleanup:
    free(p);
    free(work);
    return st;
}

static saydo_status output(ctx_t *c, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    static const char *suffix[] = {"", "_lo", "_hi", "_p", "_p_adj"};
    int ncols = c->nf + 2, has_n = 0, has_np = 0;
    for (int m = 0; m < c->nm; m++) {
        ncols += 1 + 2 * c->cm[m].has_ci + 3 * (c->cm[m].test != SAYDO_TTEST_NONE);
        has_n |= strcmp(c->cm[m].m->name, "n") == 0;
        has_np |= strcmp(c->cm[m].m->name, "n_pairs") == 0;
    }
    ncols -= has_n + has_np;
    SAYDO_TRY(saydo_table_create(c->f.n, ncols, &t));
    int col = 0;
    for (int f = 0; f < c->nf; f++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, c->all_fields[f], 1));
        for (size_t r = 0; r < c->f.n; r++) SAYDO_TRY(saydo_table_set_str(t, col, r, c->f.field[r * (size_t)c->nf + (size_t)f]));
    }
    for (int m = 0; m < c->nm; m++) {
        const cmetric_t *cm = &c->cm[m];
        for (int v = 0; v < NV; v++) {
            if ((v == V_LO || v == V_HI) && !cm->has_ci) continue;
            if ((v == V_P || v == V_PADJ) && cm->test == SAYDO_TTEST_NONE) continue;
            char name[64];
            snprintf(name, sizeof name, "%s%s", cm->m->name, suffix[v]);
            SAYDO_TRY(saydo_table_set_col(t, col, name, 0));
            for (size_t r = 0; r < c->f.n; r++) saydo_table_set_num(t, col, r, *slot(&c->f, r, m, v));
            col++;
        }
        if (cm->test != SAYDO_TTEST_NONE) {
            char name[64];
            snprintf(name, sizeof name, "%s_test", cm->m->name);
            SAYDO_TRY(saydo_table_set_col(t, col, name, 1));
            for (size_t r = 0; r < c->f.n; r++)
                SAYDO_TRY(saydo_table_set_str(t, col, r, isnan(*slot(&c->f, r, m, V_P)) ? "" : saydo_ttest_name(cm->test)));
            col++;
        }
    }
    if (!has_n) {
        SAYDO_TRY(saydo_table_set_col(t, col, "n", 0));
        for (size_t r = 0; r < c->f.n; r++) saydo_table_set_num(t, col, r, c->f.n_kept[r]);
        col++;
    }
    if (!has_np) {
        SAYDO_TRY(saydo_table_set_col(t, col, "n_pairs", 0));
        for (size_t r = 0; r < c->f.n; r++) saydo_table_set_num(t, col, r, c->f.n_pairs[r]);
        col++;
    }
    if (c->s->title) {
        t->title = strdup(c->s->title);
        SAYDO_FAIL_IF(!t->title, SAYDO_E_NOMEM, "out of memory");
    }
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    return st;
}

/* ---- driver ----------------------------------------------------------------------- */

static saydo_ttest resolve_test(const saydo_tspec_t *s, const tmetric_t *m)
{
    if (!s->baseline_field || s->test == SAYDO_TTEST_NONE || m->kind == TKIND_COUNT) return SAYDO_TTEST_NONE;
    if (s->test != SAYDO_TTEST_AUTO) return s->test;
    if (m->kind == TKIND_PROP) return saydo_tfield_pairable(s->baseline_field) ? SAYDO_TTEST_MCNEMAR : SAYDO_TTEST_ZTEST;
    return SAYDO_TTEST_WILCOXON;
}

saydo_status saydo_table_compute(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_tspec_t *s,
                                 saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    ctx_t c = {.d = d, .p = p, .s = s, .mask_slot = -1};
    *out = NULL;
    SAYDO_TRY(saydo_tspec_check(s));
    SAYDO_FAIL_IF(s->from, SAYDO_E_INVAL, "the spec reads /results/%s: lay that table out instead of computing",
                  s->from);
    if (saydo_tspec_source(s) != TSRC_SCORE) {
        st = saydo_table_study(d, p, s, out);
        goto cleanup;
    }
    SAYDO_FAIL_IF(!p, SAYDO_E_INVAL, "pair metrics need the store's pairs");
    unsigned flags = 0;
    c.nm = s->n_cells;
    for (int m = 0; m < c.nm; m++) {
        c.cm[m].m = saydo_tmetric_find(s->cells[m]);
        c.cm[m].test = resolve_test(s, c.cm[m].m);
        c.cm[m].has_ci = s->ci != SAYDO_TCI_NONE && c.cm[m].m->kind != TKIND_COUNT;
        flags |= c.cm[m].m->flag;
    }
    for (int f = 0; f < s->n_rows; f++) c.all_fields[c.nf++] = s->rows[f];
    for (int f = 0; f < s->n_cols; f++) c.all_fields[c.nf++] = s->cols[f];
    if (s->baseline_field) {
        static const char *slot_field[] = {"model", "condition", NULL, NULL, "variant"};
        for (int k = 0; k < 5; k++)
            if (slot_field[k] && strcmp(slot_field[k], s->baseline_field) == 0) c.mask_slot = k;
    }
    c.f.nf = c.nf;
    c.f.nm = c.nm;
    c.rng = gsl_rng_alloc(gsl_rng_taus2);
    SAYDO_FAIL_IF(!c.rng, SAYDO_E_NOMEM, "out of memory");
    SAYDO_NEW(c.order, p->n);
    SAYDO_NEW(c.start, p->n + 2);
    SAYDO_NEW(c.kb, p->n);
    SAYDO_NEW(c.ka, p->n);
    SAYDO_NEW(c.dif, p->n);
    SAYDO_NEW(c.work, p->n);

    /* the body, then the margins: pooled over the column fields (an "All"
     * column), over the row fields (an "All" row), and the corner */
    unsigned rows_mask = (1u << s->n_rows) - 1, all_mask = (1u << c.nf) - 1, cols_mask = all_mask & ~rows_mask;
    SAYDO_TRY(grouping(&c, all_mask, flags));
    if ((s->margins & SAYDO_TMARGIN_COL) && s->n_cols) SAYDO_TRY(grouping(&c, rows_mask, flags));
    if ((s->margins & SAYDO_TMARGIN_ROW) && s->n_rows) SAYDO_TRY(grouping(&c, cols_mask, flags));
    if ((s->margins & SAYDO_TMARGIN_COL) && (s->margins & SAYDO_TMARGIN_ROW) && s->n_rows && s->n_cols)
        SAYDO_TRY(grouping(&c, 0, flags));
    SAYDO_TRY(adjust(&c));
    SAYDO_TRY(output(&c, out));
cleanup:
    figs_free(&c.f);
    if (c.rng) gsl_rng_free(c.rng);
    free(c.order);
    free(c.start);
    free(c.kb);
    free(c.ka);
    free(c.dif);
    free(c.work);
    return st;
}
