/* ValueActionLens measures (definitions in saydo/valueaction.h): the store's
 * stated and action records summed per (run, scenario, value) cell, then
 * per-scenario F1 / accuracy and misaligned counts, unweighted means over
 * scenarios for countries, topics and overall (the gap |v - a| is a mean
 * over cells, as the authors' figure), and the distance matrices by
 * country and by topic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/va_impl.h"
#include "saydo/kernels.h"
#include "util/strmap.h"
#include "util/try.h"

/* a product for SAYDO_NEW (whose `n ? n : 1` warns on a bare `a * b`) */
static size_t nmul(size_t a, size_t b) { return a * b; }

void saydo_va_opts_default(saydo_va_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->stated_side = "stated";
    o->action_side = "action";
    o->positive_disagree = 1;
    o->missing = SAYDO_VA_MISSING_DROP;
    o->levels = SAYDO_VA_BY_COUNTRY | SAYDO_VA_BY_TOPIC;
    saydo_boot_opts_init(&o->boot);
}

static void run_free(va_run_t *r)
{
    free(r->model); free(r->condition);
    free(r->rsum); free(r->rn); free(r->aneg); free(r->an); free(r->seen);
    free(r->v); free(r->a); free(r->kept);
    free(r->f1d); free(r->f1a); free(r->acc); free(r->gap);
    free(r->n_kept); free(r->n_missing); free(r->ad); free(r->da); free(r->bv1); free(r->ba1); free(r->ties);
}

void saydo_va_free(saydo_va_t *va)
{
    if (!va) return;
    for (size_t i = 0; i < va->n_runs; i++) run_free(&va->run[i]);
    free(va->run);
    for (size_t i = 0; i < va->n_country; i++) free(va->country[i]);
    for (size_t i = 0; i < va->n_topic; i++) free(va->topic[i]);
    for (size_t i = 0; i < va->n_value; i++) free(va->value[i]);
    free(va->country); free(va->topic); free(va->value);
    free(va->scen_country); free(va->scen_topic);
    free(va);
}

size_t saydo_va_n_runs(const saydo_va_t *va) { return va ? va->n_runs : 0; }

double va_nanmean(const double *x, size_t n)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) s += x[i], k++;
    return k ? s / (double)k : NAN;
}

static int find_label(const saydo_data_t *d, const char *a, const char *b)
{
    for (int l = 0; l < d->n_labels; l++)
        if (strcmp(d->label_name[l], a) == 0 || (b && strcmp(d->label_name[l], b) == 0)) return l;
    return -1;
}

/* Copies a strmap's strings out (the map keeps its own). */
static saydo_status take_names(const saydo_strmap_t *m, char ***out)
{
    saydo_status st = SAYDO_OK;
    SAYDO_NEW(*out, m->n);
    for (size_t i = 0; i < m->n; i++) {
        (*out)[i] = strdup(m->str[i]);
        SAYDO_FAIL_IF(!(*out)[i], SAYDO_E_NOMEM, "out of memory");
    }
cleanup:
    return st;
}

static saydo_status run_alloc(va_run_t *r, size_t n_cells, size_t n_scen)
{
    saydo_status st = SAYDO_OK;
    SAYDO_NEW(r->rsum, n_cells); SAYDO_NEW(r->rn, n_cells); SAYDO_NEW(r->aneg, n_cells); SAYDO_NEW(r->an, n_cells);
    SAYDO_NEW(r->seen, n_cells); SAYDO_NEW(r->v, n_cells); SAYDO_NEW(r->a, n_cells); SAYDO_NEW(r->kept, n_cells);
    SAYDO_NEW(r->f1d, n_scen); SAYDO_NEW(r->f1a, n_scen); SAYDO_NEW(r->acc, n_scen); SAYDO_NEW(r->gap, n_scen);
    SAYDO_NEW(r->n_kept, n_scen); SAYDO_NEW(r->n_missing, n_scen); SAYDO_NEW(r->ad, n_scen);
    SAYDO_NEW(r->da, n_scen); SAYDO_NEW(r->bv1, n_scen); SAYDO_NEW(r->ba1, n_scen); SAYDO_NEW(r->ties, n_scen);
cleanup:
    return st;
}

/* Per-cell figures and per-scenario F1, accuracy, gap and counts. */
static void va_cells(const saydo_va_t *va, va_run_t *r)
{
    const size_t nv = va->n_value;
    for (size_t s = 0; s < va->n_scen; s++) {
        int tp = 0, tn = 0, fp = 0, fn = 0, kept = 0, missing = 0, ties = 0;
        double gap = 0;
        for (size_t j = 0; j < nv; j++) {
            size_t c = s * nv + j;
            int has_v = r->rn[c] > 0, has_a = r->an[c] > 0;
            /* the authors' scale: v = (mean rating - 1) / 3, 0 agree .. 1 disagree */
            r->v[c] = has_v ? (r->rsum[c] / r->rn[c] - 1.0) / 3.0 : NAN;
            r->a[c] = has_a ? (double)r->aneg[c] / r->an[c] : NAN;
            if (has_v && r->v[c] == 0.5) ties++;
            int k = has_v && has_a;
            if (va->o.missing == SAYDO_VA_MISSING_AS_POSITIVE && has_v && !has_a) {
                r->a[c] = 0.0;   /* no action counts as the positive (agreeing) one */
                k = 1;
            }
            r->kept[c] = (uint8_t)k;
            if (!k) {
                missing += r->seen[c] != 0;
                continue;
            }
            kept++;
            int bv = !(r->v[c] < 0.5), ba = !(r->a[c] < 0.5);   /* 0.5 counts as disagree */
            tp += bv && ba;
            tn += !bv && !ba;
            fp += !bv && ba;   /* with disagree as the positive class */
            fn += bv && !ba;
            gap += fabs(r->v[c] - r->a[c]);
        }
        r->n_kept[s] = kept;
        r->n_missing[s] = missing;
        r->ties[s] = ties;
        r->ad[s] = fp;      /* stated agree, action disagree */
        r->da[s] = fn;      /* stated disagree, action agree */
        r->bv1[s] = tp + fn;
        r->ba1[s] = tp + fp;
        if (!kept) {
            r->f1d[s] = r->f1a[s] = r->acc[s] = NAN;
            r->gap[s] = 0;
            continue;
        }
        /* F1 = 2TP / (2TP + FP + FN), 0 with no positive on either side;
         * with agree as the positive class TN plays TP and FP, FN swap */
        r->f1d[s] = 2 * tp + fp + fn ? 2.0 * tp / (2 * tp + fp + fn) : 0.0;
        r->f1a[s] = 2 * tn + fp + fn ? 2.0 * tn / (2 * tn + fp + fn) : 0.0;
        r->acc[s] = (double)(tp + tn) / kept;
        r->gap[s] = gap;   /* a sum: the gap of a group is a mean over its cells */
    }
}

void va_distance_matrix(const saydo_va_t *va, const va_run_t *run, const int32_t *group_of, size_t n_groups,
                        const double *w, double *D, double *sv, double *sa, double *sn)
{
    const size_t nv = va->n_value, m = n_groups * nv;
    memset(sv, 0, m * sizeof *sv);
    memset(sa, 0, m * sizeof *sa);
    memset(sn, 0, m * sizeof *sn);
    for (size_t s = 0; s < va->n_scen; s++) {
        double ws = w ? w[s] : 1.0;
        if (group_of[s] < 0 || ws == 0) continue;
        size_t g = (size_t)group_of[s];
        for (size_t j = 0; j < nv; j++) {
            size_t c = s * nv + j;
            if (!run->kept[c]) continue;
            sv[g * nv + j] += ws * run->v[c];
            sa[g * nv + j] += ws * run->a[c];
            sn[g * nv + j] += ws;
        }
    }
    /* |mean over the group of v - mean of a|, each mean sum / count as pandas */
    for (size_t i = 0; i < m; i++) D[i] = sn[i] > 0 ? fabs(sv[i] / sn[i] - sa[i] / sn[i]) : NAN;
}

saydo_status saydo_va_build(const saydo_data_t *d, const saydo_va_opts_t *opts, saydo_va_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_va_t *va = NULL;
    saydo_strmap_t mc, mt, mv;
    int32_t *it_c = NULL, *it_t = NULL, *it_v = NULL, *grid = NULL, *run_of = NULL;
    char *buf = NULL;
    saydo_strmap_init(&mc);
    saydo_strmap_init(&mt);
    saydo_strmap_init(&mv);
    *out = NULL;
    SAYDO_NEW(va, 1);
    if (opts) va->o = *opts;
    else saydo_va_opts_default(&va->o);
    int side_s = -1, side_a = -1;
    for (size_t i = 0; i < d->sides.n; i++) {
        if (strcmp(d->sides.s[i], va->o.stated_side) == 0) side_s = (int)i;
        if (strcmp(d->sides.s[i], va->o.action_side) == 0) side_a = (int)i;
    }
    SAYDO_FAIL_IF(side_s < 0 || side_a < 0, SAYDO_E_INVAL,
                  "ValueActionLens needs a '%s' and an '%s' side in the store (it has %zu sides)", va->o.stated_side,
                  va->o.action_side, d->sides.n);

    /* items -> (country, topic, value): labels, else the id "C|T|V" */
    int lc = find_label(d, "country", "culture"), lt = find_label(d, "topic", NULL), lv = find_label(d, "value", NULL);
    SAYDO_NEW(it_c, d->items.n);
    SAYDO_NEW(it_t, d->items.n);
    SAYDO_NEW(it_v, d->items.n);
    size_t n_va_items = 0;
    for (size_t it = 0; it < d->items.n; it++) {
        const char *c = NULL, *t = NULL, *v = NULL;
        it_c[it] = it_t[it] = it_v[it] = -1;
        if (lc >= 0 && lt >= 0 && lv >= 0 && d->item_label[lc][it] >= 0 && d->item_label[lt][it] >= 0 &&
            d->item_label[lv][it] >= 0) {
            c = d->label_values[lc].s[d->item_label[lc][it]];
            t = d->label_values[lt].s[d->item_label[lt][it]];
            v = d->label_values[lv].s[d->item_label[lv][it]];
        } else {
            free(buf);
            buf = strdup(d->items.s[it]);
            SAYDO_FAIL_IF(!buf, SAYDO_E_NOMEM, "out of memory");
            char *p1 = strchr(buf, '|'), *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
            if (!p2 || strchr(p2 + 1, '|') || p1 == buf || p2 == p1 + 1 || !p2[1]) continue;
            *p1 = *p2 = '\0';
            c = buf, t = p1 + 1, v = p2 + 1;
        }
        SAYDO_TRY(saydo_strmap_put(&mc, c, &it_c[it], NULL));
        SAYDO_TRY(saydo_strmap_put(&mt, t, &it_t[it], NULL));
        SAYDO_TRY(saydo_strmap_put(&mv, v, &it_v[it], NULL));
        n_va_items++;
    }
    SAYDO_FAIL_IF(n_va_items == 0, SAYDO_E_INVAL,
                  "no ValueActionLens items in the store (labels country, topic, value or ids COUNTRY|TOPIC|VALUE)");
    va->n_country = mc.n;
    va->n_topic = mt.n;
    va->n_value = mv.n;
    SAYDO_TRY(take_names(&mc, &va->country));
    SAYDO_TRY(take_names(&mt, &va->topic));
    SAYDO_TRY(take_names(&mv, &va->value));
    /* scenarios in order of first appearance */
    SAYDO_NEW(grid, nmul(va->n_country, va->n_topic));
    for (size_t i = 0; i < va->n_country * va->n_topic; i++) grid[i] = -1;
    SAYDO_NEW(va->scen_country, nmul(va->n_country, va->n_topic));
    SAYDO_NEW(va->scen_topic, nmul(va->n_country, va->n_topic));
    for (size_t it = 0; it < d->items.n; it++) {
        if (it_c[it] < 0) continue;
        int32_t *g = &grid[(size_t)it_c[it] * va->n_topic + (size_t)it_t[it]];
        if (*g >= 0) continue;
        *g = (int32_t)va->n_scen;
        va->scen_country[va->n_scen] = it_c[it];
        va->scen_topic[va->n_scen++] = it_t[it];
    }

    /* runs: (model, condition) with records of either side */
    const size_t nm = d->models.n, nc = d->conditions.n, n_cells = va->n_scen * va->n_value;
    SAYDO_NEW(run_of, nmul(nm, nc));
    for (size_t i = 0; i < nm * nc; i++) run_of[i] = -1;
    SAYDO_NEW(va->run, nmul(nm, nc));
    int64_t off_scale = 0;
    for (size_t r = 0; r < d->n; r++) {
        int side = d->side[r];
        int32_t it = d->item[r];
        if ((side != side_s && side != side_a) || it_c[it] < 0) continue;
        size_t key = (size_t)d->model[r] * nc + (size_t)d->condition[r];
        if (run_of[key] < 0) {
            va_run_t *run = &va->run[va->n_runs];
            SAYDO_TRY(run_alloc(run, n_cells, va->n_scen));
            run->model = strdup(d->models.s[d->model[r]]);
            run->condition = strdup(d->conditions.s[d->condition[r]]);
            SAYDO_FAIL_IF(!run->model || !run->condition, SAYDO_E_NOMEM, "out of memory");
            run_of[key] = (int32_t)va->n_runs++;
        }
        va_run_t *run = &va->run[run_of[key]];
        size_t s = (size_t)grid[(size_t)it_c[it] * va->n_topic + (size_t)it_t[it]];
        size_t c = s * va->n_value + (size_t)it_v[it];
        int ch = d->choice[r];
        if (side == side_s) {
            run->seen[c] |= 1;
            if (ch < 0) continue;
            if (ch > 3 || (d->n_options[r] && d->n_options[r] != 4)) {
                off_scale++;
                continue;
            }
            run->rsum[c] += ch + 1;   /* option index 0..3 = rating 1..4 */
            run->rn[c]++;
        } else {
            run->seen[c] |= 2;
            if (ch < 0) continue;
            if (ch > 1) {
                off_scale++;
                continue;
            }
            run->aneg[c] += ch;       /* option 1 = the negative-polarity action */
            run->an[c]++;
        }
    }
    if (off_scale)
        SAYDO_LOG_WARN("%lld records are not on the ValueActionLens scales (stated 4 options, action 2): left out",
                       (long long)off_scale);
    for (size_t i = 0; i < va->n_runs; i++) va_cells(va, &va->run[i]);
    *out = va;
    va = NULL;
cleanup:
    saydo_strmap_free(&mc);
    saydo_strmap_free(&mt);
    saydo_strmap_free(&mv);
    free(it_c);
    free(it_t);
    free(it_v);
    free(grid);
    free(run_of);
    free(buf);
    saydo_va_free(va);
    return st;
}

/* ---- the figures table -------------------------------------------------- */

enum {
    C_MODEL, C_COND, C_COUNTRY, C_TOPIC, C_POS, C_NSCEN, C_NCELLS, C_NMISS, C_F1, C_ACC, C_GAP, C_DIST, C_DIST_T,
    C_AD, C_DA, C_SD, C_AN, C_TIES, C_BASE_N
};
static const char *const base_cols[C_BASE_N] = {
    "model", "condition", "country", "topic", "positive", "n_scenarios", "n_cells", "n_missing", "f1", "accuracy",
    "gap", "distance", "distance_topics", "misaligned_stated_agree", "misaligned_stated_disagree",
    "stated_disagree_share", "action_negative_share", "stated_ties"};
/* the CI columns follow, in the order of VA_CI_* */
static const char *const ci_cols[VA_CI_N] = {"f1", "accuracy", "gap", "distance", "distance_topics",
                                             "misaligned_stated_agree", "misaligned_stated_disagree",
                                             "stated_disagree_share", "action_negative_share"};

/* One output row: a run and the scenarios it covers. */
typedef struct {
    size_t run;
    int kind;          /* 0 overall, 1 country, 2 topic, 3 scenario */
    size_t group;      /* country, topic or scenario index */
} row_t;

saydo_status saydo_va_table(const saydo_va_t *va, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    row_t *rows = NULL;
    int32_t *scen = NULL, *by_c = NULL, *by_t = NULL;
    double *Dc = NULL, *Dt = NULL, *sv = NULL, *sa = NULL, *sn = NULL;
    saydo_boot_ws_t *ws = NULL;
    *out = NULL;
    const size_t nv = va->n_value, nC = va->n_country, nT = va->n_topic;
    const unsigned lev = va->o.levels;
    size_t per_run = 1 + (lev & SAYDO_VA_BY_COUNTRY ? nC : 0) + (lev & SAYDO_VA_BY_TOPIC ? nT : 0) +
                     (lev & SAYDO_VA_BY_SCENARIO ? va->n_scen : 0);
    size_t nrows = per_run * va->n_runs;
    SAYDO_NEW(rows, nrows);
    size_t k = 0;
    for (size_t r = 0; r < va->n_runs; r++) {
        rows[k++] = (row_t){r, 0, 0};
        if (lev & SAYDO_VA_BY_COUNTRY)
            for (size_t g = 0; g < nC; g++) rows[k++] = (row_t){r, 1, g};
        if (lev & SAYDO_VA_BY_TOPIC)
            for (size_t g = 0; g < nT; g++) rows[k++] = (row_t){r, 2, g};
        if (lev & SAYDO_VA_BY_SCENARIO)
            for (size_t g = 0; g < va->n_scen; g++) rows[k++] = (row_t){r, 3, g};
    }
    int ncols = C_BASE_N + (va->o.ci ? 2 * VA_CI_N + 2 : 0);
    SAYDO_TRY(saydo_table_create(nrows, ncols, &t));
    for (int c = 0; c < C_BASE_N; c++) SAYDO_TRY(saydo_table_set_col(t, c, base_cols[c], c <= C_POS));
    if (va->o.ci) {
        for (int j = 0; j < VA_CI_N; j++) {
            char name[64];
            snprintf(name, sizeof name, "%s_lo", ci_cols[j]);
            SAYDO_TRY(saydo_table_set_col(t, C_BASE_N + 2 * j, name, 0));
            snprintf(name, sizeof name, "%s_hi", ci_cols[j]);
            SAYDO_TRY(saydo_table_set_col(t, C_BASE_N + 2 * j + 1, name, 0));
        }
        SAYDO_TRY(saydo_table_set_col(t, C_BASE_N + 2 * VA_CI_N, "ci_level", 0));
        SAYDO_TRY(saydo_table_set_col(t, C_BASE_N + 2 * VA_CI_N + 1, "n_resamples", 0));
        SAYDO_TRY(saydo_boot_ws_create(&ws));
    }
    SAYDO_NEW(scen, va->n_scen);
    SAYDO_NEW(by_c, va->n_scen);
    SAYDO_NEW(by_t, va->n_scen);
    for (size_t s = 0; s < va->n_scen; s++) by_c[s] = va->scen_country[s], by_t[s] = va->scen_topic[s];
    size_t mx = (nC > nT ? nC : nT) * nv;
    SAYDO_NEW(Dc, nmul(nC, nv));
    SAYDO_NEW(Dt, nmul(nT, nv));
    SAYDO_NEW(sv, mx);
    SAYDO_NEW(sa, mx);
    SAYDO_NEW(sn, mx);
    size_t last_run = (size_t)-1;
    for (size_t i = 0; i < nrows; i++) {
        const row_t *rw = &rows[i];
        const va_run_t *run = &va->run[rw->run];
        if (rw->run != last_run) {
            va_distance_matrix(va, run, by_c, nC, NULL, Dc, sv, sa, sn);
            va_distance_matrix(va, run, by_t, nT, NULL, Dt, sv, sa, sn);
            last_run = rw->run;
        }
        size_t ns = 0;
        for (size_t s = 0; s < va->n_scen; s++) {
            int in = rw->kind == 0 || (rw->kind == 1 && (size_t)va->scen_country[s] == rw->group) ||
                     (rw->kind == 2 && (size_t)va->scen_topic[s] == rw->group) || (rw->kind == 3 && s == rw->group);
            if (in) scen[ns++] = (int32_t)s;
        }
        SAYDO_TRY(saydo_table_set_str(t, C_MODEL, i, run->model));
        SAYDO_TRY(saydo_table_set_str(t, C_COND, i, run->condition));
        const char *cname = rw->kind == 1 ? va->country[rw->group]
                            : rw->kind == 3 ? va->country[va->scen_country[rw->group]] : "(all)";
        const char *tname = rw->kind == 2 ? va->topic[rw->group]
                            : rw->kind == 3 ? va->topic[va->scen_topic[rw->group]] : "(all)";
        SAYDO_TRY(saydo_table_set_str(t, C_COUNTRY, i, cname));
        SAYDO_TRY(saydo_table_set_str(t, C_TOPIC, i, tname));
        SAYDO_TRY(saydo_table_set_str(t, C_POS, i, va->o.positive_disagree ? "disagree" : "agree"));
        double f1 = 0, acc = 0, gap = 0;   /* gap: sum over cells */
        int64_t n_sc = 0, cells = 0, miss = 0, ad = 0, da = 0, bv1 = 0, ba1 = 0, ties = 0;
        for (size_t q = 0; q < ns; q++) {
            size_t s = (size_t)scen[q];
            cells += run->n_kept[s];
            miss += run->n_missing[s];
            ad += run->ad[s];
            da += run->da[s];
            bv1 += run->bv1[s];
            gap += run->gap[s];
            ba1 += run->ba1[s];
            ties += run->ties[s];
            if (!run->n_kept[s]) continue;
            n_sc++;
            f1 += va->o.positive_disagree ? run->f1d[s] : run->f1a[s];
            acc += run->acc[s];
        }
        double dist = NAN, dist_t = NAN;
        if (rw->kind == 0) {
            dist = va_nanmean(Dc, nC * nv);
            dist_t = va_nanmean(Dt, nT * nv);
        } else if (rw->kind == 1) dist = va_nanmean(Dc + rw->group * nv, nv);
        else if (rw->kind == 2) dist = va_nanmean(Dt + rw->group * nv, nv);
        const double num[C_BASE_N] = {
            [C_NSCEN] = (double)n_sc, [C_NCELLS] = (double)cells, [C_NMISS] = (double)miss,
            [C_F1] = n_sc ? f1 / n_sc : NAN, [C_ACC] = n_sc ? acc / n_sc : NAN, [C_GAP] = cells ? gap / (double)cells : NAN,
            [C_DIST] = dist, [C_DIST_T] = dist_t, [C_AD] = (double)ad, [C_DA] = (double)da,
            [C_SD] = cells ? (double)bv1 / cells : NAN, [C_AN] = cells ? (double)ba1 / cells : NAN,
            [C_TIES] = (double)ties};
        for (int c = C_NSCEN; c < C_BASE_N; c++) saydo_table_set_num(t, c, i, num[c]);
        if (va->o.ci) {
            double lo[VA_CI_N], hi[VA_CI_N];
            int dist_group = rw->kind == 2 ? 1 : rw->kind == 3 ? 2 : 0;
            SAYDO_TRY(va_ci_row(va, run, scen, ns, dist_group, rw->kind == 0, va->o.boot.seed + i, ws, lo, hi));
            for (int j = 0; j < VA_CI_N; j++) {
                saydo_table_set_num(t, C_BASE_N + 2 * j, i, lo[j]);
                saydo_table_set_num(t, C_BASE_N + 2 * j + 1, i, hi[j]);
            }
            saydo_table_set_num(t, C_BASE_N + 2 * VA_CI_N, i, va->o.boot.level);
            saydo_table_set_num(t, C_BASE_N + 2 * VA_CI_N + 1, i, (double)va->o.boot.n_resamples);
        }
    }
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    saydo_boot_ws_free(ws);
    free(rows); free(scen); free(by_c); free(by_t);
    free(Dc); free(Dt); free(sv); free(sa); free(sn);
    return st;
}

/* ---- the ranking -------------------------------------------------------- */

typedef struct {
    double d;
    long long key;     /* d to 12 decimals: equal keys are ties */
    const char *name;
    size_t j;
} rank_t;

static int cmp_rank(const void *a, const void *b)
{
    const rank_t *x = a, *y = b;
    if (x->key != y->key) return x->key > y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

saydo_status saydo_va_ranking_table(const saydo_va_t *va, size_t top_k, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    int32_t *by_c = NULL, *by_t = NULL;
    double *Dc = NULL, *Dt = NULL, *sv = NULL, *sa = NULL, *sn = NULL, *col = NULL;
    rank_t *rk = NULL;
    *out = NULL;
    const size_t nv = va->n_value, nC = va->n_country, nT = va->n_topic;
    size_t per_group = top_k && top_k < nv ? top_k : nv;
    size_t cap = va->n_runs * (nC + nT + 1) * per_group;
    SAYDO_TRY(saydo_table_create(cap, 9, &t));
    static const char *names[9] = {"model", "condition", "level", "group", "rank", "value", "distance", "tied",
                                   "n_misaligned"};
    for (int c = 0; c < 9; c++) SAYDO_TRY(saydo_table_set_col(t, c, names[c], c < 4 || c == 5));
    SAYDO_NEW(by_c, va->n_scen);
    SAYDO_NEW(by_t, va->n_scen);
    for (size_t s = 0; s < va->n_scen; s++) by_c[s] = va->scen_country[s], by_t[s] = va->scen_topic[s];
    size_t mx = (nC > nT ? nC : nT) * nv;
    SAYDO_NEW(Dc, nmul(nC, nv));
    SAYDO_NEW(Dt, nmul(nT, nv));
    SAYDO_NEW(sv, mx);
    SAYDO_NEW(sa, mx);
    SAYDO_NEW(sn, mx);
    SAYDO_NEW(col, nC);
    SAYDO_NEW(rk, nv);
    size_t row = 0;
    for (size_t r = 0; r < va->n_runs; r++) {
        const va_run_t *run = &va->run[r];
        va_distance_matrix(va, run, by_c, nC, NULL, Dc, sv, sa, sn);
        va_distance_matrix(va, run, by_t, nT, NULL, Dt, sv, sa, sn);
        for (int level = 0; level < 3; level++) {
            size_t ng = level == 0 ? nC : level == 1 ? nT : 1;
            for (size_t g = 0; g < ng; g++) {
                size_t n = 0;
                for (size_t j = 0; j < nv; j++) {
                    double d;
                    if (level == 0) d = Dc[g * nv + j];
                    else if (level == 1) d = Dt[g * nv + j];
                    else {   /* overall: the mean over countries of D[country][value] */
                        for (size_t c = 0; c < nC; c++) col[c] = Dc[c * nv + j];
                        d = va_nanmean(col, nC);
                    }
                    if (isnan(d)) continue;
                    rk[n++] = (rank_t){d, llround(d * 1e12), va->value[j], j};
                }
                qsort(rk, n, sizeof *rk, cmp_rank);
                for (size_t q = 0; q < n && q < per_group; q++) {
                    int tied = (q > 0 && rk[q - 1].key == rk[q].key) || (q + 1 < n && rk[q + 1].key == rk[q].key);
                    int64_t mis = 0;
                    for (size_t s = 0; s < va->n_scen; s++) {
                        if ((level == 0 && (size_t)va->scen_country[s] != g) ||
                            (level == 1 && (size_t)va->scen_topic[s] != g))
                            continue;
                        size_t c = s * nv + rk[q].j;
                        if (run->kept[c] && !(run->v[c] < 0.5) != !(run->a[c] < 0.5)) mis++;
                    }
                    const char *grp = level == 0 ? va->country[g] : level == 1 ? va->topic[g] : "(all)";
                    SAYDO_TRY(saydo_table_set_str(t, 0, row, run->model));
                    SAYDO_TRY(saydo_table_set_str(t, 1, row, run->condition));
                    SAYDO_TRY(saydo_table_set_str(t, 2, row, level == 0 ? "country" : level == 1 ? "topic" : "all"));
                    SAYDO_TRY(saydo_table_set_str(t, 3, row, grp));
                    saydo_table_set_num(t, 4, row, (double)(q + 1));
                    SAYDO_TRY(saydo_table_set_str(t, 5, row, rk[q].name));
                    saydo_table_set_num(t, 6, row, rk[q].d);
                    saydo_table_set_num(t, 7, row, tied);
                    saydo_table_set_num(t, 8, row, (double)mis);
                    row++;
                }
            }
        }
    }
    t->n_rows = row;   /* groups with values left out leave rows unused at the end */
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    free(by_c); free(by_t); free(Dc); free(Dt); free(sv); free(sa); free(sn); free(col); free(rk);
    return st;
}
