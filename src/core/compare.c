/* saydo compare: couples of (condition pair, baseline pair) per unit, then
 * per (group, condition) row the levels, deltas, change rates, transition
 * table and tests (saydo/compare.h). */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ci_impl.h"
#include "core/compare_impl.h"
#include "saydo/compare.h"
#include "saydo/par.h"
#include "util/keyset.h"
#include "util/try.h"

void saydo_compare_opts_default(saydo_compare_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->baseline = "base";
    saydo_ci_opts_default(&o->delta_ci);
    o->rate_ci = SAYDO_CI_WILSON;
    o->correction = SAYDO_STATS_HOLM;
    o->rounds = -1;
}

/* ---- matching ------------------------------------------------------------ */

typedef struct {
    saydo_key_t key;
    int64_t pair;
} bkey_t;

static int cmp_bkey(const void *a, const void *b)
{
    const bkey_t *x = a, *y = b;
    if (x->key.hi != y->key.hi) return x->key.hi < y->key.hi ? -1 : 1;
    if (x->key.lo != y->key.lo) return x->key.lo < y->key.lo ? -1 : 1;
    return x->pair < y->pair ? -1 : x->pair > y->pair;
}

/* The unit of a pair: (model, item, trial, variant), trial left out when
 * trials are pooled. The condition is what differs inside a couple. */
static saydo_status unit_key(const saydo_data_t *d, int64_t r, int with_trial, saydo_key_t *k)
{
    return saydo_key_pack(d->model[r], 0, d->item[r], 0, with_trial ? d->trial[r] : 0, d->variant[r], k);
}

static int find_condition(const saydo_data_t *d, const char *name)
{
    for (size_t c = 0; c < d->conditions.n; c++)
        if (strcmp(d->conditions.s[c], name) == 0) return (int)c;
    return -1;
}

static void couples_free(cmp_couples_t *c)
{
    free(c->pc);
    free(c->pb);
    free(c->a);
    free(c->row);
    memset(c, 0, sizeof *c);
}

/* acode[a] = condition code of compared condition a; cond_a[code] = a or -1. */
static saydo_status match_couples(const saydo_data_t *d, const saydo_pairs_t *p, int base, const int32_t *cond_a,
                                  int with_trial, cmp_couples_t *cp)
{
    saydo_status st = SAYDO_OK;
    bkey_t *bk = NULL;
    size_t nb = 0, nc = 0;
    for (size_t i = 0; i < p->n; i++) {
        int c = d->condition[p->r1[i]];
        nb += c == base;
        nc += cond_a[c] >= 0;
    }
    SAYDO_NEW(bk, nb);
    nb = 0;
    for (size_t i = 0; i < p->n; i++)
        if (d->condition[p->r1[i]] == base) {
            bk[nb].pair = (int64_t)i;
            SAYDO_TRY(unit_key(d, p->r1[i], with_trial, &bk[nb++].key));
        }
    qsort(bk, nb, sizeof *bk, cmp_bkey);
    SAYDO_NEW(cp->pc, nc);
    SAYDO_NEW(cp->pb, nc);
    SAYDO_NEW(cp->a, nc);
    SAYDO_NEW(cp->row, nc);
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        int32_t a = cond_a[d->condition[p->r1[i]]];
        if (a < 0) continue;
        bkey_t want = {{0, 0}, -1};
        SAYDO_TRY(unit_key(d, p->r1[i], with_trial, &want.key));
        size_t lo = 0, hi = nb;   /* first baseline entry with key >= want */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cmp_bkey(&bk[mid], &want) < 0) lo = mid + 1;
            else hi = mid;
        }
        if (lo == nb || bk[lo].key.hi != want.key.hi || bk[lo].key.lo != want.key.lo) continue;
        cp->pc[k] = (int64_t)i;
        cp->pb[k] = bk[lo].pair;
        cp->a[k] = a;
        cp->row[k] = -1;
        k++;
    }
    cp->n = k;
cleanup:
    free(bk);
    return st;
}

/* A side-2 answer in side-1 letters: the side-1 option its record's map
 * sends there (maps are per record, so runs may differ). An answer outside
 * the map keeps a letter of its own (26 + c), equal only to itself. */
static int deed_in_word_letters(const saydo_data_t *d, const saydo_pairs_t *p, int64_t i)
{
    int c2 = p->c2[i];
    if (c2 < 0) return c2;
    int64_t r1 = p->r1[i], r2 = p->r2[i];
    int16_t m = d->omap[r2] >= 0 ? d->omap[r2] : d->omap[r1];   /* as pairing reads it */
    if (m < 0) return c2;
    const int8_t *map = d->maps + (size_t)m * SAYDO_MAX_OPTIONS;
    for (int k = 0; k < SAYDO_MAX_OPTIONS; k++)
        if (map[k] == c2) return k;
    return SAYDO_MAX_OPTIONS + c2;
}

/* ---- one row ------------------------------------------------------------- */

typedef struct {
    size_t group;
    int32_t a;
    int direct;   /* 0: side 1 trained, 1: side 2, -1 unknown */
    double n_pairs, n_kept_b, n_kept, n_paired;
    saydo_stats_ci_t cs_b, cs, dcs, pcs_b, pcs, dpcs, wch, dch, dir, ind, h, odds;
    double n_wc, n_wx, n_dc, n_dx, n_cc, n_ci, n_ic, n_ii, to_c, away;
    double p_exact, p_mid, p_chi2, p_adj, q, q_df, q_p, q_n;
} row_t;

/* per-cluster sums of one row */
enum { L_CS, L_PCS, L_CS_B, L_PCS_B, L_WORD, L_DEED, N_LEVEL };

typedef struct {
    size_t cap;
    double *ln, *ls;               /* N_LEVEL columns */
    double *dn, *ds, *dnb, *dsb;   /* 2 columns: cs, pcs */
    int32_t *strata;
} row_bufs_t;

static saydo_status bufs_grow(row_bufs_t *b, size_t C)
{
    saydo_status st = SAYDO_OK;
    if (C <= b->cap && b->ln) return st;
    size_t c = C + 16, c6 = c * N_LEVEL, c2 = c * 2;
    free(b->ln); free(b->ls); free(b->dn); free(b->ds); free(b->dnb); free(b->dsb); free(b->strata);
    memset(b, 0, sizeof *b);
    SAYDO_NEW(b->ln, c6); SAYDO_NEW(b->ls, c6);
    SAYDO_NEW(b->dn, c2); SAYDO_NEW(b->ds, c2); SAYDO_NEW(b->dnb, c2); SAYDO_NEW(b->dsb, c2);
    SAYDO_NEW(b->strata, c);
    b->cap = c;
cleanup:
    return st;
}

static void bufs_free(row_bufs_t *b)
{
    free(b->ln); free(b->ls); free(b->dn); free(b->ds); free(b->dnb); free(b->dsb); free(b->strata);
}

static saydo_status row_figures(const saydo_data_t *d, const saydo_pairs_t *p, const cmp_couples_t *cp,
                                const ci_layout_t *L, size_t r, const int32_t *sgid, saydo_ci_ctx_t *dctx,
                                saydo_ci_ctx_t *rctx, const saydo_compare_opts_t *o, row_bufs_t *b, row_t *w)
{
    saydo_status st = SAYDO_OK;
    const size_t c0 = L->row_start[r], C = L->row_start[r + 1] - c0;
    SAYDO_TRY(bufs_grow(b, C));
    memset(b->ln, 0, C * N_LEVEL * sizeof *b->ln);
    memset(b->ls, 0, C * N_LEVEL * sizeof *b->ls);
    double n_match = 0, n_match_b = 0;
    for (size_t c = 0; c < C; c++) {
        size_t u0 = L->start[c0 + c], u1 = L->start[c0 + c + 1];
        if (sgid) b->strata[c] = sgid[L->order[u0]];
        for (size_t u = u0; u < u1; u++) {
            size_t k = (size_t)L->order[u];
            int64_t i = cp->pc[k], j = cp->pb[k];
            w->n_pairs++;
            /* levels: each condition over its own kept pairs */
            const int64_t side_pair[2] = {i, j};
            for (int s = 0; s < 2; s++) {
                int64_t x = side_pair[s];
                if (!p->kept[x]) continue;
                b->ln[(s ? L_CS_B : L_CS) * C + c] += 1;
                b->ls[(s ? L_CS_B : L_CS) * C + c] += p->match[x];
                if (!isnan(p->pcs[x])) {
                    b->ln[(s ? L_PCS_B : L_PCS) * C + c] += 1;
                    b->ls[(s ? L_PCS_B : L_PCS) * C + c] += p->pcs[x];
                }
            }
            if (p->kept[i] && p->kept[j]) {
                w->n_paired++;
                int from = p->match[j], to = p->match[i];
                if (from && to) w->n_cc++;
                else if (from) w->n_ci++;
                else if (to) w->n_ic++;
                else w->n_ii++;
            }
            /* change of each side's answer, in side-1 letters */
            if (p->c1[i] >= 0 && p->c1[j] >= 0) {
                b->ln[L_WORD * C + c] += 1;
                b->ls[L_WORD * C + c] += p->c1[i] != p->c1[j];
            }
            int di = deed_in_word_letters(d, p, i), dj = deed_in_word_letters(d, p, j);
            if (di >= 0 && dj >= 0) {
                b->ln[L_DEED * C + c] += 1;
                b->ls[L_DEED * C + c] += di != dj;
            }
        }
        w->n_kept += b->ln[L_CS * C + c];
        w->n_kept_b += b->ln[L_CS_B * C + c];
        n_match += b->ls[L_CS * C + c];
        n_match_b += b->ls[L_CS_B * C + c];
        w->n_wc += b->ln[L_WORD * C + c];
        w->n_wx += b->ls[L_WORD * C + c];
        w->n_dc += b->ln[L_DEED * C + c];
        w->n_dx += b->ls[L_DEED * C + c];
    }
    const uint64_t seed = o->delta_ci.seed + (uint64_t)r;
    const int32_t *strata = sgid ? b->strata : NULL;

    /* levels and rates */
    static const uint8_t binary[N_LEVEL] = {1, 0, 1, 0, 1, 1};
    saydo_stats_ci_t lv[N_LEVEL];
    saydo_ci_clusters_t lc = {C, N_LEVEL, b->ln, b->ls, NULL, NULL, strata, binary};
    SAYDO_TRY(saydo_ci_ratios(rctx, &lc, seed, lv));
    w->cs = lv[L_CS];
    w->pcs = lv[L_PCS];
    w->cs_b = lv[L_CS_B];
    w->pcs_b = lv[L_PCS_B];
    w->wch = lv[L_WORD];
    w->dch = lv[L_DEED];
    const saydo_stats_ci_t none = {NAN, NAN, NAN};
    w->dir = w->direct == 0 ? w->wch : w->direct == 1 ? w->dch : none;
    w->ind = w->direct == 0 ? w->dch : w->direct == 1 ? w->wch : none;

    /* deltas: condition (A) minus baseline (B) on the same resampled items */
    for (int s = 0; s < 2; s++) {
        int la = s ? L_PCS : L_CS, lb = s ? L_PCS_B : L_CS_B;
        memcpy(b->dn + (size_t)s * C, b->ln + (size_t)la * C, C * sizeof *b->dn);
        memcpy(b->ds + (size_t)s * C, b->ls + (size_t)la * C, C * sizeof *b->ds);
        memcpy(b->dnb + (size_t)s * C, b->ln + (size_t)lb * C, C * sizeof *b->dnb);
        memcpy(b->dsb + (size_t)s * C, b->ls + (size_t)lb * C, C * sizeof *b->dsb);
    }
    saydo_stats_ci_t dv[2];
    saydo_ci_clusters_t dc = {C, 2, b->dn, b->ds, b->dnb, b->dsb, strata, NULL};
    SAYDO_TRY(saydo_ci_ratios(dctx, &dc, seed, dv));
    w->dcs = dv[0];
    w->dpcs = dv[1];

    /* transitions and McNemar on (consistent -> inconsistent, inconsistent -> consistent) */
    w->to_c = w->n_ic + w->n_ii > 0 ? w->n_ic / (w->n_ic + w->n_ii) : NAN;
    w->away = w->n_cc + w->n_ci > 0 ? w->n_ci / (w->n_cc + w->n_ci) : NAN;
    if (w->n_paired > 0) {
        saydo_stats_mcnemar_t mc = saydo_stats_mcnemar((size_t)w->n_ci, (size_t)w->n_ic, 1);
        w->p_exact = mc.p_exact;
        w->p_mid = mc.p_midp;
        w->p_chi2 = mc.p_chi2;
    } else {
        w->p_exact = w->p_mid = w->p_chi2 = NAN;
    }
    w->p_adj = NAN;
    /* the paired (conditional) odds ratio n_ic / n_ci of becoming consistent,
     * with the exact interval of McNemar's binomial: n_ic ~ Bin(n_ic + n_ci,
     * OR / (1 + OR)), Clopper-Pearson on that share, mapped p -> p / (1 - p) */
    {
        saydo_stats_ci_t sh = saydo_stats_clopper_pearson_ci((size_t)w->n_ic, (size_t)(w->n_ic + w->n_ci),
                                                             o->delta_ci.level);
        w->odds.est = w->n_ci > 0 ? w->n_ic / w->n_ci : w->n_ic > 0 ? INFINITY : NAN;
        w->odds.lo = sh.lo / (1 - sh.lo);
        w->odds.hi = sh.hi < 1 ? sh.hi / (1 - sh.hi) : INFINITY;
        if (isnan(sh.lo)) w->odds.lo = w->odds.hi = NAN;
    }
    w->h = saydo_stats_cohens_h_ci((size_t)n_match, (size_t)w->n_kept, (size_t)n_match_b, (size_t)w->n_kept_b,
                                   o->delta_ci.level);
cleanup:
    return st;
}

/* ---- the table ----------------------------------------------------------- */

typedef struct {
    const char *name;
    size_t off;
    int is_ci;   /* a saydo_stats_ci_t: name, name_lo, name_hi */
} col_spec_t;

#define NUM(name, f) {name, offsetof(row_t, f), 0}
#define CI(name, f) {name, offsetof(row_t, f), 1}
static const col_spec_t head_cols[] = {
    NUM("n_pairs", n_pairs), NUM("n_kept_baseline", n_kept_b), NUM("n_kept", n_kept), NUM("n_paired", n_paired),
    CI("cs_baseline", cs_b), CI("cs", cs), CI("delta_cs", dcs),
    CI("pcs_baseline", pcs_b), CI("pcs", pcs), CI("delta_pcs", dpcs),
    CI("word_change_rate", wch), NUM("n_word_compared", n_wc), NUM("n_word_changed", n_wx),
    CI("deed_change_rate", dch), NUM("n_deed_compared", n_dc), NUM("n_deed_changed", n_dx),
    CI("direct_change_rate", dir), CI("indirect_change_rate", ind),
    NUM("n_cc", n_cc), NUM("n_ci", n_ci), NUM("n_ic", n_ic), NUM("n_ii", n_ii),
    NUM("to_consistent_rate", to_c), NUM("away_rate", away),
    NUM("mcnemar_p", p_exact), NUM("mcnemar_midp", p_mid), NUM("mcnemar_chi2_p", p_chi2), NUM("p_adjusted", p_adj),
    CI("cohens_h", h), CI("odds_ratio", odds),
};
static const col_spec_t q_cols[] = {
    NUM("cochran_q", q), NUM("cochran_df", q_df), NUM("cochran_p", q_p), NUM("n_cochran", q_n),
};
enum { N_HEAD = sizeof head_cols / sizeof head_cols[0], N_Q = sizeof q_cols / sizeof q_cols[0] };

static int width_of(const col_spec_t *c, int n)
{
    int w = 0;
    for (int i = 0; i < n; i++) w += c[i].is_ci ? 3 : 1;
    return w;
}

static saydo_status put_cols(saydo_table_t *t, int *col, const col_spec_t *spec, int n, const row_t *rows)
{
    saydo_status st = SAYDO_OK;
    char name[96];
    for (int i = 0; i < n; i++) {
        int parts = spec[i].is_ci ? 3 : 1;
        for (int k = 0; k < parts; k++) {
            snprintf(name, sizeof name, "%s%s", spec[i].name, k == 0 ? "" : k == 1 ? "_lo" : "_hi");
            SAYDO_TRY(saydo_table_set_col(t, *col, name, 0));
            for (size_t r = 0; r < t->n_rows; r++) {
                const char *base = (const char *)&rows[r] + spec[i].off;
                double v;
                if (spec[i].is_ci) {
                    const saydo_stats_ci_t *ci = (const saydo_stats_ci_t *)(const void *)base;
                    v = k == 0 ? ci->est : k == 1 ? ci->lo : ci->hi;
                } else {
                    v = *(const double *)(const void *)base;
                }
                saydo_table_set_num(t, *col, r, v);
            }
            (*col)++;
        }
    }
cleanup:
    return st;
}

static const char *const cond_fields[] = {"method", "round", "trained_side", NULL};

static int is_cond_field(const char *f)
{
    for (int k = 0; cond_fields[k]; k++)
        if (strcmp(f, cond_fields[k]) == 0) return 1;
    return 0;
}

saydo_status saydo_compare_table(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_compare_opts_t *o,
                                 saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    int32_t *acode = NULL, *cond_a = NULL, *method_of = NULL, *rowkey_row = NULL, *row_group = NULL,
            *row_a = NULL;
    const char **qfields = NULL;
    int64_t *rec = NULL;
    size_t *rowkey_n = NULL;
    cmp_couples_t cp = {0};
    saydo_groups_t *g = NULL, *sg = NULL, *qg = NULL;
    ci_layout_t L = {0};
    double *row_cost = NULL;
    uint8_t *row_mine = NULL;
    saydo_ci_ctx_t *dctx = NULL, *rctx = NULL;
    row_bufs_t bufs = {0};
    row_t *rows = NULL;
    saydo_table_t *t = NULL;
    double *pv = NULL, *qv[4] = {NULL, NULL, NULL, NULL};
    size_t *work = NULL;
    *out = NULL;

    int base = find_condition(d, o->baseline ? o->baseline : "base");
    SAYDO_FAIL_IF(base < 0, SAYDO_E_INVAL, "no condition '%s' in the store (see saydo info)",
                  o->baseline ? o->baseline : "base");
    SAYDO_FAIL_IF(!saydo_ci_is_boot(o->delta_ci.method), SAYDO_E_INVAL,
                  "deltas take a bootstrap interval (percentile, basic or bca), not %s",
                  saydo_ci_method_name(o->delta_ci.method));
    for (int f = 0; f < o->n_by; f++)
        SAYDO_FAIL_IF(strcmp(o->by[f], "condition") == 0, SAYDO_E_INVAL,
                      "compare rows are per condition already: leave 'condition' out of --by");

    /* the compared conditions */
    const size_t ncond = d->conditions.n;
    SAYDO_NEW(cond_a, ncond);
    SAYDO_NEW(acode, ncond);
    for (size_t c = 0; c < ncond; c++) cond_a[c] = -1;
    int n_a = 0;
    if (o->n_against > 0) {
        for (int k = 0; k < o->n_against; k++) {
            int c = find_condition(d, o->against[k]);
            SAYDO_FAIL_IF(c < 0, SAYDO_E_INVAL, "no condition '%s' in the store (see saydo info)", o->against[k]);
            SAYDO_FAIL_IF(c == base, SAYDO_E_INVAL, "'%s' is the baseline", o->against[k]);
            if (cond_a[c] >= 0) continue;   /* listed twice */
            cond_a[c] = n_a;
            acode[n_a++] = c;
        }
    } else {
        for (size_t c = 0; c < ncond; c++)
            if ((int)c != base) cond_a[c] = n_a, acode[n_a++] = (int32_t)c;
    }
    SAYDO_FAIL_IF(n_a == 0, SAYDO_E_INVAL, "nothing to compare with '%s'", d->conditions.s[base]);
    SAYDO_TRY(match_couples(d, p, base, cond_a, o->unit != SAYDO_UNIT_ITEM, &cp));

    /* groups of the couples, by the compared condition's pair */
    SAYDO_NEW(rec, cp.n);
    for (size_t k = 0; k < cp.n; k++) rec[k] = p->r1[cp.pc[k]];
    saydo_pairs_t view = *p;
    view.n = cp.n;
    view.r1 = rec;
    SAYDO_TRY(saydo_groups_build(d, &view, o->by, o->n_by, &g));

    /* rows: (group, condition) with couples, group-major */
    const size_t nkeys = g->n_groups * (size_t)n_a;
    SAYDO_NEW(rowkey_n, nkeys);
    SAYDO_NEW(rowkey_row, nkeys);
    for (size_t k = 0; k < cp.n; k++) rowkey_n[(size_t)g->gid[k] * (size_t)n_a + (size_t)cp.a[k]]++;
    size_t n_rows = 0;
    for (size_t key = 0; key < nkeys; key++) rowkey_row[key] = rowkey_n[key] ? (int32_t)n_rows++ : -1;
    SAYDO_NEW(row_group, n_rows);
    SAYDO_NEW(row_a, n_rows);
    for (size_t key = 0; key < nkeys; key++)
        if (rowkey_row[key] >= 0) {
            row_group[rowkey_row[key]] = (int32_t)(key / (size_t)n_a);
            row_a[rowkey_row[key]] = (int32_t)(key % (size_t)n_a);
        }
    for (size_t k = 0; k < cp.n; k++) cp.row[k] = rowkey_row[(size_t)g->gid[k] * (size_t)n_a + (size_t)cp.a[k]];
    SAYDO_TRY(ci_layout_build(d, rec, cp.row, cp.n, n_rows, &L));
    if (o->delta_ci.strata) {
        const char *f[1] = {o->delta_ci.strata};
        SAYDO_TRY(saydo_groups_build(d, &view, f, 1, &sg));
    }

    /* the figures of each row */
    saydo_ci_opts_t ro = o->delta_ci;
    ro.method = o->rate_ci;
    SAYDO_TRY(saydo_ci_ctx_create(&o->delta_ci, &dctx));
    SAYDO_TRY(saydo_ci_ctx_create(&ro, &rctx));
    SAYDO_NEW(rows, n_rows);
    /* MPI build: each rank computes its share of the rows, by clusters (saydo/par.h) */
    SAYDO_NEW(row_cost, n_rows);
    for (size_t r = 0; r < n_rows; r++) row_cost[r] = (double)(L.row_start[r + 1] - L.row_start[r]);
    SAYDO_TRY(saydo_par_split_rows(row_cost, n_rows, &row_mine));
    for (size_t r = 0; r < n_rows; r++) {
        row_t *w = &rows[r];
        w->group = (size_t)row_group[r];
        w->a = row_a[r];
        int ts = d->cond_trained_side[acode[w->a]];
        w->direct = ts >= 0 && ts == p->side1 ? 0 : ts >= 0 && ts == p->side2 ? 1 : -1;
        if (row_mine[r]) SAYDO_TRY(row_figures(d, p, &cp, &L, r, sg ? sg->gid : NULL, dctx, rctx, o, &bufs, w));
    }
    SAYDO_TRY(saydo_par_merge_bytes(rows, n_rows, sizeof *rows, row_mine));   /* all rows to rank 0 */

    /* multiplicity: the family is every row with a McNemar p */
    SAYDO_NEW(pv, n_rows);
    SAYDO_NEW(work, n_rows);
    size_t nf = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (!isnan(rows[r].p_exact)) pv[nf++] = rows[r].p_exact;
    saydo_stats_p_adjust(pv, nf, o->correction, pv, work);
    nf = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (!isnan(rows[r].p_exact)) rows[r].p_adj = pv[nf++];

    /* Cochran's Q across rounds */
    int rounds = o->rounds;
    if (rounds < 0) {
        rounds = 0;
        for (int a = 0; a < n_a; a++) rounds |= d->cond_round[acode[a]] >= 0;
    }
    if (rounds) {
        int nq = 0;
        SAYDO_NEW(qfields, (size_t)o->n_by + 1);
        for (int f = 0; f < o->n_by; f++)
            if (!is_cond_field(o->by[f])) qfields[nq++] = o->by[f];
        SAYDO_TRY(saydo_groups_build(d, &view, qfields, nq, &qg));
        SAYDO_NEW(method_of, (size_t)n_a);
        for (int a = 0; a < n_a; a++) method_of[a] = d->cond_method[acode[a]];
        for (int k = 0; k < 4; k++) SAYDO_NEW(qv[k], n_rows);
        SAYDO_TRY(cmp_cochran(p, &cp, qg->gid, method_of, n_rows, qv[0], qv[1], qv[2], qv[3]));
        for (size_t r = 0; r < n_rows; r++) {
            rows[r].q = qv[0][r];
            rows[r].q_df = qv[1][r];
            rows[r].q_p = qv[2][r];
            rows[r].q_n = qv[3][r];
        }
    }

    /* the table */
    const int boot_rate = saydo_ci_is_boot(o->rate_ci);
    int ncols = g->n_fields + 3 + width_of(head_cols, N_HEAD) + (rounds ? width_of(q_cols, N_Q) : 0) + 6;
    SAYDO_TRY(saydo_table_create(n_rows, ncols, &t));
    int col = 0;
    for (int f = 0; f < g->n_fields; f++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, g->field[f], 1));
        for (size_t r = 0; r < n_rows; r++) SAYDO_TRY(saydo_table_set_str(t, col, r, g->value[f][rows[r].group]));
    }
    SAYDO_TRY(saydo_table_set_col(t, col, "condition", 1));
    SAYDO_TRY(saydo_table_set_col(t, col + 1, "baseline", 1));
    SAYDO_TRY(saydo_table_set_col(t, col + 2, "trained_side", 1));
    for (size_t r = 0; r < n_rows; r++) {
        int ca = acode[rows[r].a], ts = d->cond_trained_side[ca];
        SAYDO_TRY(saydo_table_set_str(t, col, r, d->conditions.s[ca]));
        SAYDO_TRY(saydo_table_set_str(t, col + 1, r, d->conditions.s[base]));
        SAYDO_TRY(saydo_table_set_str(t, col + 2, r, ts >= 0 ? d->sides.s[ts] : ""));
    }
    col += 3;
    SAYDO_TRY(put_cols(t, &col, head_cols, N_HEAD, rows));
    if (rounds) SAYDO_TRY(put_cols(t, &col, q_cols, N_Q, rows));
    static const char *const corr_name[] = {"bonferroni", "holm", "bh"};
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, o->delta_ci.seed);
    const char *texts[4][2] = {{"ci_delta", saydo_ci_method_name(o->delta_ci.method)},
                               {"ci_rate", saydo_ci_method_name(o->rate_ci)},
                               {"seed", seed_text},
                               {"correction", corr_name[o->correction]}};
    for (int k = 0; k < 4; k++, col++) {
        SAYDO_TRY(saydo_table_set_col(t, col, texts[k][0], 1));
        for (size_t r = 0; r < n_rows; r++) SAYDO_TRY(saydo_table_set_str(t, col, r, texts[k][1]));
    }
    SAYDO_TRY(saydo_table_set_col(t, col, "ci_level", 0));
    SAYDO_TRY(saydo_table_set_col(t, col + 1, "n_resamples", 0));
    for (size_t r = 0; r < n_rows; r++) {
        saydo_table_set_num(t, col, r, o->delta_ci.level);
        saydo_table_set_num(t, col + 1, r, (double)o->delta_ci.n_resamples);
    }
    col += 2;
    char title[400];
    snprintf(title, sizeof title,
             "compare against %s: deltas %g%% %s bootstrap over item clusters (%zu resamples, seed %s + row%s%s), "
             "rates %s%s; McNemar p adjusted by %s over %zu rows",
             d->conditions.s[base], 100 * o->delta_ci.level, saydo_ci_method_name(o->delta_ci.method),
             o->delta_ci.n_resamples, seed_text, o->delta_ci.strata ? ", strata " : "",
             o->delta_ci.strata ? o->delta_ci.strata : "", saydo_ci_method_name(o->rate_ci),
             boot_rate ? " bootstrap" : "", corr_name[o->correction], nf);
    t->title = strdup(title);
    SAYDO_FAIL_IF(!t->title, SAYDO_E_NOMEM, "out of memory");
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    free(acode);
    free(cond_a);
    free(method_of);
    free(rowkey_row);
    free(rowkey_n);
    free(row_group);
    free(row_a);
    free(qfields);
    free(rec);
    couples_free(&cp);
    saydo_groups_free(g);
    saydo_groups_free(sg);
    saydo_groups_free(qg);
    ci_layout_free(&L);
    saydo_ci_ctx_free(dctx);
    saydo_ci_ctx_free(rctx);
    bufs_free(&bufs);
    free(rows);
    free(row_cost);
    free(row_mine);
    free(pv);
    free(work);
    for (int k = 0; k < 4; k++) free(qv[k]);
    return st;
}
