/* Pairing: a hash join of side-1 and side-2 records on (model, condition,
 * item, trial, variant), or on (model, condition, item, variant) with trials
 * pooled per item; then the per-pair metrics through the kernels.
 *
 * Threads: the per-trial pairing and the per-pair figures run in OpenMP
 * loops over fixed blocks whose results do not depend on which thread did
 * them (each block writes its own rows), so the pairs are byte-identical for
 * any thread count. PCS and JSD come from the row kernels (saydo_pcs_rows,
 * saydo_jsd_rows) for every unit and k.
 *
 * pair_scan() (score_impl.h) gives the same pairs and figures block by block
 * without keeping them, for saydo_score_table_direct(). */
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/kernels.h"
#include "saydo/score.h"
#include "core/score_impl.h"
#include "util/bigmem.h"
#include "util/keyset.h"
#include "util/try.h"

void saydo_pair_opts_default(saydo_pair_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->kl_eps = SAYDO_KL_EPS_DEFAULT;
    o->log_base = 2.0;
}

/* key -> slot index table (open addressing over saydo_key_t) */
typedef struct {
    saydo_key_t *key;
    int64_t *val;
    size_t n_slots;
} jtab_t;

static size_t jhash(saydo_key_t k) { return (size_t)saydo_key_hash(k); }

/* Slot for key: val < 0 means empty (then the caller fills it). */
static int64_t *jslot(jtab_t *t, saydo_key_t k, int *fresh)
{
    size_t m = t->n_slots - 1, i = jhash(k) & m;
    while (t->val[i] >= 0 && !(t->key[i].hi == k.hi && t->key[i].lo == k.lo)) i = (i + 1) & m;
    *fresh = t->val[i] < 0;
    t->key[i] = k;
    return &t->val[i];
}

static const char *const side1_names[] = {"word", "stated", "value", "speak", NULL};
static const char *const side2_names[] = {"deed", "revealed", "action", "act", NULL};

static int find_side(const saydo_data_t *d, const char *want, const char *const *defaults)
{
    for (size_t i = 0; i < d->sides.n; i++) {
        if (want && strcmp(d->sides.s[i], want) == 0) return (int)i;
        for (int k = 0; !want && defaults[k]; k++)
            if (strcmp(d->sides.s[i], defaults[k]) == 0) return (int)i;
    }
    return -1;
}

void saydo_pairs_free(saydo_pairs_t *p)
{
    if (!p) return;
    free(p->r1); free(p->r2); free(p->kept); free(p->match); free(p->c1); free(p->c2); free(p->n_trials);
    free(p->pcs); free(p->jsd); free(p->kl12); free(p->kl21); free(p->h1); free(p->h2); free(p->tvd);
    free(p);
}

/* Per-pair arrays for n pairs. Every element is written by the builder, so
 * nothing is zeroed here; the figures skip_extra and skip_jsd leave out get
 * no array at all (NULL): on the benchmark VM every fresh page costs about
 * 13 us of kernel time, so an all-NaN array of 1.2M pairs cost ~30 ms. r1
 * and r2 may already be set. */
static saydo_status pairs_alloc(saydo_pairs_t *p, size_t n, const saydo_pair_opts_t *o)
{
    saydo_status st = SAYDO_OK;
    p->n = n;
#define BIG(ptr) do { if (!(ptr)) { (ptr) = saydo_big_array(n ? n : 1, sizeof *(ptr)); \
                      SAYDO_FAIL_IF(!(ptr), SAYDO_E_NOMEM, "out of memory"); } } while (0)
    BIG(p->r1); BIG(p->r2); BIG(p->kept); BIG(p->match); BIG(p->c1); BIG(p->c2); BIG(p->n_trials);
    BIG(p->pcs);
    if (!o->skip_jsd) BIG(p->jsd);
    if (!o->skip_extra) {
        BIG(p->kl12); BIG(p->kl21); BIG(p->h1); BIG(p->h2); BIG(p->tvd);
    }
#undef BIG
cleanup:
    return st;
}

/* Leading logged columns of a logp row (NaN ends them). */
static int logged_cols(const float *row, int K)
{
    int k = 0;
    while (k < K && !isnan(row[k])) k++;
    return k;
}

/* Side-1 and side-2 option distributions of one unit, in side-1 letters. */
typedef struct {
    double p1[SAYDO_MAX_OPTIONS], q[SAYDO_MAX_OPTIONS];
    int k;   /* 0: no distributions */
} dists_t;

static void pair_metrics(saydo_pairs_t *p, size_t i, const dists_t *dd, const saydo_pair_opts_t *o)
{
    if (dd->k < 1) {
        p->pcs[i] = NAN;
        if (!o->skip_jsd) p->jsd[i] = NAN;
        if (!o->skip_extra) p->kl12[i] = p->kl21[i] = p->h1[i] = p->h2[i] = p->tvd[i] = NAN;
        return;
    }
    size_t k = (size_t)dd->k;
    /* the row kernels, as for the blocks of build_trials: one formula for every pair */
    saydo_pcs_rows(dd->p1, dd->q, 1, k, &p->pcs[i]);
    if (!o->skip_jsd) saydo_jsd_rows(dd->p1, dd->q, 1, k, o->log_base, &p->jsd[i]);
    /* the rest only when asked for: they cost more than pairing itself */
    if (o->skip_extra) return;   /* those arrays do not exist */
    p->kl12[i] = saydo_kl(dd->p1, dd->q, k, o->kl_eps, o->log_base);
    p->kl21[i] = saydo_kl(dd->q, dd->p1, k, o->kl_eps, o->log_base);
    p->h1[i] = saydo_entropy(dd->p1, k, o->log_base);
    p->h2[i] = saydo_entropy(dd->q, k, o->log_base);
    p->tvd[i] = saydo_tvd(dd->p1, dd->q, k);
}

static const int8_t identity_map[SAYDO_MAX_OPTIONS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                                       13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};

/* The presentation's option map: side 2's record, else side 1's, else identity. */
static const int8_t *map_of(const saydo_data_t *d, int64_t r1, int64_t r2)
{
    int16_t m = d->omap[r2] >= 0 ? d->omap[r2] : d->omap[r1];
    return m >= 0 ? d->maps + (size_t)m * SAYDO_MAX_OPTIONS : identity_map;
}

/* Consistency of two choices under map, with the missing-answer policy. */
static void judge(int c1, int c2, const int8_t *map, saydo_missing_policy pol, int8_t *kept, int8_t *match)
{
    if (c1 >= 0 && c2 >= 0) {
        *kept = 1;
        *match = map[c1] == c2;
        return;
    }
    *kept = pol != SAYDO_MISSING_DROP;
    *match = pol == SAYDO_MISSING_OPTION && c1 == SAYDO_CHOICE_REFUSED && c2 == SAYDO_CHOICE_REFUSED;
}

/* Per-trial distributions from the logged logits of two records. */
static void trial_dists(const saydo_data_t *d, int64_t r1, int64_t r2, const int8_t *map, dists_t *dd)
{
    dd->k = 0;
    if (!d->K) return;
    const float *a = d->logp + (size_t)r1 * (size_t)d->K, *b = d->logp + (size_t)r2 * (size_t)d->K;
    int k = logged_cols(a, d->K), k2 = logged_cols(b, d->K);
    if (k < 1 || k != k2) return;
    double x[SAYDO_MAX_OPTIONS], p2[SAYDO_MAX_OPTIONS];
    for (int i = 0; i < k; i++) x[i] = a[i];
    saydo_softmax(x, (size_t)k, dd->p1);
    for (int i = 0; i < k; i++) x[i] = b[i];
    saydo_softmax(x, (size_t)k, p2);
    for (int i = 0; i < k; i++) {
        if (map[i] >= k) return;   /* the map leaves the logged options: no comparable distribution */
        dd->q[i] = p2[map[i]];
    }
    dd->k = k;
}

static int same_probe(const saydo_data_t *d, size_t a, size_t b)
{
    return d->item[a] == d->item[b] && d->trial[a] == d->trial[b] && d->model[a] == d->model[b] &&
           d->condition[a] == d->condition[b] && d->variant[a] == d->variant[b];
}

/* The neighbour partner of side-1 record i, or -1. Logs nearly always write
 * the two sides of a probe next to each other. The rule: the next record
 * when it is the same probe's side 2, else the previous one unless record
 * i - 2 (a side-1 record) took it as ITS next record. That is what a
 * sequential scan marking taken records gives, but it needs only the
 * records around i, so blocks of records can be paired independently. (The
 * i - 2 clause only matters for two side-1 records with one key, which a
 * store never holds; it keeps the rule of the sequential scan exactly.) */
static int64_t neighbour(const saydo_data_t *d, size_t i, int s1, int s2)
{
    if (i + 1 < d->n && d->side[i + 1] == s2 && same_probe(d, i, i + 1)) return (int64_t)i + 1;
    if (i > 0 && d->side[i - 1] == s2 && same_probe(d, i, i - 1) &&
        !(i > 1 && d->side[i - 2] == s1 && same_probe(d, i - 2, i - 1)))
        return (int64_t)i - 1;
    return -1;
}

/* softmax of two logits, the same bits as saydo_softmax() (one exp: the
 * larger logit's term is exp(0) = 1 exactly). The smaller term is
 * exp(-|a - b|): a - b and b - a are exact negatives of each other, so that
 * is exp(a - b) when b > a and exp(b - a) otherwise, bit for bit, and the
 * indexed stores below replace a branch that real logits mispredict half the
 * time. */
static void softmax2(const float *x, double *p)
{
    double a = x[0], b = x[1];
    if (!isfinite(a) || !isfinite(b)) {
        double xs[2] = {a, b};
        saydo_softmax(xs, 2, p);
        return;
    }
    const double t = exp(-fabs(a - b)), inv = 1.0 / (t + 1.0);   /* t + 1 = 1 + t exactly */
    const int b_larger = b > a;
    p[!b_larger] = t * inv;   /* the smaller logit's share */
    p[b_larger] = inv;        /* = 1.0 * inv */
}

/* The distributions of a pair of records for the k == 2 fast path: 1 when
 * both rows log exactly two options and the map stays inside them. */
static int dists2(const saydo_data_t *d, int64_t r1, int64_t r2, const int8_t *map, double *p1, double *q)
{
    const float *a = d->logp + (size_t)r1 * (size_t)d->K, *b = d->logp + (size_t)r2 * (size_t)d->K;
    if (isnan(a[0]) || isnan(a[1]) || isnan(b[0]) || isnan(b[1]) ||
        (d->K > 2 && (!isnan(a[2]) || !isnan(b[2]))) || map[0] >= 2 || map[1] >= 2)
        return 0;
    double p2[2];
    softmax2(a, p1);
    softmax2(b, p2);
    q[0] = p2[map[0]];
    q[1] = p2[map[1]];
    return 1;
}

enum {
    REC_BLOCK = 1 << 16,   /* records per block of the pairing passes */
    PAIR_BLOCK = 512,      /* pairs per block of the figures (row-kernel batches) */
};

/* Per-pair choices, judgement and figures of pairs [i0, i1) (r1, r2 set).
 * Pairs whose rows log two options go through the row kernels in one batch;
 * the others one by one through pair_metrics() (the same kernels, n = 1). */
static void trial_block(const saydo_data_t *d, const saydo_pair_opts_t *o, saydo_pairs_t *p, size_t i0, size_t i1)
{
    double P[2 * PAIR_BLOCK], Q[2 * PAIR_BLOCK], out[PAIR_BLOCK];
    uint32_t idx[PAIR_BLOCK];
    size_t m = 0;
    for (size_t i = i0; i < i1; i++) {
        int64_t r1 = p->r1[i], r2 = p->r2[i];
        const int8_t *map = map_of(d, r1, r2);
        p->c1[i] = d->choice[r1];
        p->c2[i] = d->choice[r2];
        p->n_trials[i] = 1;
        judge(d->choice[r1], d->choice[r2], map, o->missing, &p->kept[i], &p->match[i]);
        if (!d->K) {   /* no distributions logged (or logp not read): the figures are NaN */
            p->pcs[i] = NAN;
            if (!o->skip_jsd) p->jsd[i] = NAN;
            if (!o->skip_extra) p->kl12[i] = p->kl21[i] = p->h1[i] = p->h2[i] = p->tvd[i] = NAN;
            continue;
        }
        if (o->skip_extra && d->K >= 2 && dists2(d, r1, r2, map, &P[2 * m], &Q[2 * m])) {
            idx[m++] = (uint32_t)(i - i0);
            continue;
        }
        dists_t dd;
        trial_dists(d, r1, r2, map, &dd);
        pair_metrics(p, i, &dd, o);
    }
    if (!m) return;
    /* every pair on the row-kernel path (the usual case): straight into place */
    const int all = m == i1 - i0;
    saydo_pcs_rows(P, Q, m, 2, all ? p->pcs + i0 : out);
    for (size_t j = 0; !all && j < m; j++) p->pcs[i0 + idx[j]] = out[j];
    if (o->skip_jsd) return;
    saydo_jsd_rows(P, Q, m, 2, o->log_base, all ? p->jsd + i0 : out);
    for (size_t j = 0; !all && j < m; j++) p->jsd[i0 + idx[j]] = out[j];
}

/* Pairs per trial: neighbours in parallel blocks (see neighbour()), then a
 * hash join for the side-1 records left (whose random probes into a table of
 * tens of MB would otherwise dominate the run). Pairs come in the order of
 * their side-1 records. */
static saydo_status build_trials(const saydo_data_t *d, int s1, int s2, const saydo_pair_opts_t *o, saydo_pairs_t *p)
{
    saydo_status st = SAYDO_OK;
    jtab_t t = {0};
    size_t *off = NULL;
    uint8_t *taken = NULL;
    const size_t n = d->n, nb = (n + REC_BLOCK - 1) / REC_BLOCK;
    size_t n1 = 0, n2 = 0, n_rest = 0;
    SAYDO_NEW(off, nb + 1);
    /* pass 1: side-1 records per block, so pass 2 knows where each block writes */
    #pragma omp parallel for schedule(static) reduction(+ : n2)
    for (size_t b = 0; b < nb; b++) {
        size_t c1 = 0, c2 = 0, e = (b + 1) * REC_BLOCK < n ? (b + 1) * REC_BLOCK : n;
        for (size_t i = b * REC_BLOCK; i < e; i++) {
            c1 += d->side[i] == s1;
            c2 += d->side[i] == s2;
        }
        off[b + 1] = c1;
        n2 += c2;
    }
    for (size_t b = 0; b < nb; b++) off[b + 1] += off[b];
    n1 = off[nb];
    p->r1 = saydo_big_array(n1 ? n1 : 1, sizeof *p->r1);
    p->r2 = saydo_big_array(n1 ? n1 : 1, sizeof *p->r2);
    SAYDO_FAIL_IF(!p->r1 || !p->r2, SAYDO_E_NOMEM, "out of memory");
    /* pass 2: every side-1 record and its neighbour partner (-1: none) */
    #pragma omp parallel for schedule(static) reduction(+ : n_rest)
    for (size_t b = 0; b < nb; b++) {
        size_t q = off[b], e = (b + 1) * REC_BLOCK < n ? (b + 1) * REC_BLOCK : n;
        for (size_t i = b * REC_BLOCK; i < e; i++) {
            if (d->side[i] != s1) continue;
            int64_t r2 = neighbour(d, i, s1, s2);
            p->r1[q] = (int64_t)i;
            p->r2[q++] = r2;
            n_rest += r2 < 0;
        }
    }
    if (n_rest) {
        /* the hash join: side-1 records without a neighbour, and the side-2
         * records no neighbour took */
        SAYDO_NEW(taken, n);
        for (size_t j = 0; j < n1; j++)
            if (p->r2[j] >= 0) taken[p->r2[j]] = 1;
        t.n_slots = 16;
        while (t.n_slots < 2 * n_rest + 16) t.n_slots *= 2;
        SAYDO_NEW(t.key, t.n_slots);
        SAYDO_NEW(t.val, t.n_slots);
        memset(t.val, 0xFF, t.n_slots * sizeof *t.val);
        for (size_t j = 0; j < n1; j++) {
            if (p->r2[j] >= 0) continue;
            size_t i = (size_t)p->r1[j];
            saydo_key_t k;
            int fresh;
            SAYDO_TRY(saydo_key_pack(d->model[i], d->condition[i], d->item[i], 0, d->trial[i], d->variant[i], &k));
            *jslot(&t, k, &fresh) = (int64_t)j;
        }
        for (size_t i = 0; i < n; i++) {
            if (d->side[i] != s2 || taken[i]) continue;
            saydo_key_t k;
            int fresh;
            SAYDO_TRY(saydo_key_pack(d->model[i], d->condition[i], d->item[i], 0, d->trial[i], d->variant[i], &k));
            int64_t *v = jslot(&t, k, &fresh);
            if (fresh) *v = -1;   /* leave the slot empty again */
            else p->r2[*v] = (int64_t)i;
        }
    }
    /* keep the paired side-1 records, in order */
    size_t np = 0;
    for (size_t j = 0; j < n1; j++) {
        if (p->r2[j] < 0) continue;
        p->r1[np] = p->r1[j];
        p->r2[np++] = p->r2[j];
    }
    p->unpaired1 = (int64_t)(n1 - np);
    p->unpaired2 = (int64_t)(n2 - np);   /* each side-2 record is in at most one pair */
    SAYDO_TRY(pairs_alloc(p, np, o));
    /* per-pair figures: independent, so threads split them with no effect on the numbers */
    #pragma omp parallel for schedule(static)
    for (size_t i0 = 0; i0 < np; i0 += PAIR_BLOCK) trial_block(d, o, p, i0, i0 + PAIR_BLOCK < np ? i0 + PAIR_BLOCK : np);
cleanup:
    free(t.key);
    free(t.val);
    free(off);
    free(taken);
    return st;
}

/* Trials pooled per item: counts of each choice and summed distributions per side. */
typedef struct {
    int64_t r[2];                        /* first record of each side */
    int32_t trials[2];
    int32_t counts[2][SAYDO_MAX_OPTIONS + 3];  /* options, then refused, unparsed, missing */
    double psum[2][SAYDO_MAX_OPTIONS];
    int k[2], k_ok[2];
} unit_t;

static int majority(const int32_t *counts, int n_opt)
{
    /* the most frequent option; ties go to the lower letter. No option chosen at all:
     * the most frequent status (refused before unparsed before missing). */
    int best = -1;
    for (int i = 0; i < n_opt; i++)
        if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) best = i;
    if (best >= 0) return best;
    static const int status_code[3] = {SAYDO_CHOICE_REFUSED, SAYDO_CHOICE_UNPARSED, SAYDO_CHOICE_MISSING};
    int s = 0;
    for (int i = 1; i < 3; i++)
        if (counts[SAYDO_MAX_OPTIONS + i] > counts[SAYDO_MAX_OPTIONS + s]) s = i;
    return status_code[s];
}

static saydo_status build_items(const saydo_data_t *d, int s1, int s2, const saydo_pair_opts_t *o, saydo_pairs_t *p)
{
    saydo_status st = SAYDO_OK;
    jtab_t t = {0};
    unit_t *u = NULL;
    size_t nu = 0, cap = 0;
    t.n_slots = 16;
    while (t.n_slots < d->n + 16) t.n_slots *= 2;
    SAYDO_NEW(t.key, t.n_slots);
    SAYDO_NEW(t.val, t.n_slots);
    memset(t.val, 0xFF, t.n_slots * sizeof *t.val);
    for (size_t i = 0; i < d->n; i++) {
        int s = d->side[i] == s1 ? 0 : d->side[i] == s2 ? 1 : -1;
        if (s < 0) continue;
        saydo_key_t k;
        int fresh;
        SAYDO_TRY(saydo_key_pack(d->model[i], d->condition[i], d->item[i], 0, 0, d->variant[i], &k));
        int64_t *v = jslot(&t, k, &fresh);
        if (fresh) {
            if (nu == cap) {
                cap = cap ? cap * 2 : 1024;
                unit_t *nb = realloc(u, cap * sizeof *u);
                SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
                u = nb;
            }
            memset(&u[nu], 0, sizeof u[nu]);
            u[nu].r[0] = u[nu].r[1] = -1;
            *v = (int64_t)nu++;
        }
        unit_t *x = &u[*v];
        if (x->r[s] < 0) x->r[s] = (int64_t)i;
        x->trials[s]++;
        int c = d->choice[i];
        x->counts[s][c >= 0 ? c : SAYDO_MAX_OPTIONS + (c == SAYDO_CHOICE_REFUSED ? 0 : c == SAYDO_CHOICE_UNPARSED ? 1 : 2)]++;
        if (d->K) {
            const float *row = d->logp + i * (size_t)d->K;
            int k = logged_cols(row, d->K);
            if (x->trials[s] == 1) { x->k[s] = k; x->k_ok[s] = k > 0; }
            if (k != x->k[s]) x->k_ok[s] = 0;
            if (x->k_ok[s]) {
                double xs[SAYDO_MAX_OPTIONS], ps[SAYDO_MAX_OPTIONS];
                for (int j = 0; j < k; j++) xs[j] = row[j];
                saydo_softmax(xs, (size_t)k, ps);
                for (int j = 0; j < k; j++) x->psum[s][j] += ps[j];
            }
        }
    }
    size_t np = 0;
    for (size_t j = 0; j < nu; j++) {
        if (u[j].r[0] >= 0 && u[j].r[1] >= 0) np++;
        else if (u[j].r[0] >= 0) p->unpaired1 += u[j].trials[0];
        else p->unpaired2 += u[j].trials[1];
    }
    SAYDO_TRY(pairs_alloc(p, np, o));
    size_t q = 0;
    for (size_t j = 0; j < nu; j++) {
        unit_t *x = &u[j];
        if (x->r[0] < 0 || x->r[1] < 0) continue;
        int64_t r1 = x->r[0], r2 = x->r[1];
        const int8_t *map = map_of(d, r1, r2);
        int nopt = d->n_options[r1] > d->n_options[r2] ? d->n_options[r1] : d->n_options[r2];
        if (nopt < 2) nopt = 2;
        int c1 = majority(x->counts[0], nopt), c2 = majority(x->counts[1], nopt);
        p->r1[q] = r1;
        p->r2[q] = r2;
        p->c1[q] = (int8_t)c1;
        p->c2[q] = (int8_t)c2;
        p->n_trials[q] = x->trials[0] < x->trials[1] ? x->trials[0] : x->trials[1];
        judge(c1, c2, map, o->missing, &p->kept[q], &p->match[q]);
        /* distributions: mean of the logged ones, else the empirical distribution of the choices */
        dists_t dd = {.k = 0};
        double p2[SAYDO_MAX_OPTIONS];
        int k;
        if (x->k_ok[0] && x->k_ok[1] && x->k[0] == x->k[1]) {
            k = x->k[0];
            for (int i = 0; i < k; i++) {
                dd.p1[i] = x->psum[0][i] / x->trials[0];
                p2[i] = x->psum[1][i] / x->trials[1];
            }
        } else {
            k = nopt;
            int64_t t1 = 0, t2 = 0;
            for (int i = 0; i < k; i++) { t1 += x->counts[0][i]; t2 += x->counts[1][i]; }
            for (int i = 0; i < k && t1 && t2; i++) {
                dd.p1[i] = (double)x->counts[0][i] / (double)t1;
                p2[i] = (double)x->counts[1][i] / (double)t2;
            }
            if (!t1 || !t2) k = 0;
        }
        int ok = k > 0;
        for (int i = 0; ok && i < k; i++) {
            if (map[i] >= k) ok = 0;
            else dd.q[i] = p2[map[i]];
        }
        dd.k = ok ? k : 0;
        pair_metrics(p, q, &dd, o);
        q++;
    }
cleanup:
    free(t.key);
    free(t.val);
    free(u);
    return st;
}

/* The codes of the two sides the options name (or the default names). */
static saydo_status resolve_sides(const saydo_data_t *d, const saydo_pair_opts_t *o, int *s1_out, int *s2_out)
{
    saydo_status st = SAYDO_OK;
    int s1 = find_side(d, o->side1, side1_names), s2 = find_side(d, o->side2, side2_names);
    SAYDO_FAIL_IF(s1 < 0, SAYDO_E_INVAL, "no side %s in the store (it has %zu sides; name them with --sides A,B)",
                  o->side1 ? o->side1 : "word/stated/value", d->sides.n);
    SAYDO_FAIL_IF(s2 < 0, SAYDO_E_INVAL, "no side %s in the store (name them with --sides A,B)",
                  o->side2 ? o->side2 : "deed/revealed/action");
    SAYDO_FAIL_IF(s1 == s2, SAYDO_E_INVAL, "the two sides must differ");
    *s1_out = s1;
    *s2_out = s2;
cleanup:
    return st;
}

/* ---- pair_scan: pairs block by block, handed over in record order ----------
 * Threads take blocks of PAIR_SCAN_MAX records in turn (an atomic counter),
 * pair them (the neighbour rule needs only the records around each one) and
 * compute their figures into a ring slot; whoever holds the drain lock hands
 * the ready slots to the sink in block order. Nobody waits on the sink: a
 * thread that finds no free slot drains instead (or yields), so on a busy
 * machine no thread spins behind a descheduled one, as an `omp ordered`
 * loop's threads did (4x the CPU time of one thread at load 13 on 2 cores). */
typedef struct {
    saydo_pairs_t v;   /* the block's pairs */
    uint32_t *aux;     /* what prep wrote for them */
    size_t n1, n2;     /* its side-1 and side-2 records */
    int64_t block;     /* the block held, -1: free */
    int ready;         /* 1: computed, waiting for the sink */
} scan_slot_t;

static void scan_slot_free(scan_slot_t *x)
{
    saydo_pairs_t *v = &x->v;
    free(v->r1); free(v->r2); free(v->kept); free(v->match); free(v->c1); free(v->c2); free(v->n_trials);
    free(v->pcs); free(v->jsd); free(x->aux);
}

static int scan_slot_alloc(scan_slot_t *x, const saydo_pair_opts_t *o)
{
    const size_t n = PAIR_SCAN_MAX;
    saydo_pairs_t *v = &x->v;
    memset(x, 0, sizeof *x);
    x->block = -1;
    v->r1 = malloc(n * sizeof *v->r1);
    v->r2 = malloc(n * sizeof *v->r2);
    v->kept = malloc(n);
    v->match = malloc(n);
    v->c1 = malloc(n);
    v->c2 = malloc(n);
    v->n_trials = malloc(n * sizeof *v->n_trials);
    v->pcs = malloc(n * sizeof *v->pcs);
    if (!o->skip_jsd) v->jsd = malloc(n * sizeof *v->jsd);
    x->aux = malloc(n * sizeof *x->aux);
    return v->r1 && v->r2 && v->kept && v->match && v->c1 && v->c2 && v->n_trials && v->pcs &&
           (o->skip_jsd || v->jsd) && x->aux;
}

typedef struct {
    const saydo_data_t *d;
    const saydo_pair_opts_t *o;
    int s1, s2;
    size_t nb;                 /* blocks */
    scan_slot_t *slot;
    size_t n_slots;
    size_t next_block;         /* atomic: the next block to compute */
    size_t next_sink;          /* the next block to hand over (written under the lock, read atomically) */
    int missing;               /* atomic: a side-1 record without a neighbour */
    size_t n1, n2;             /* side-1 and side-2 records handed over (under the lock) */
    omp_lock_t lock;
    pair_prep_fn prep;
    pair_sink_fn sink;
    void *ctx;
} scan_t;

/* Hands the ready slots to the sink in block order, if nobody else is. */
static void scan_drain(scan_t *x)
{
    if (!omp_test_lock(&x->lock)) return;
    for (;;) {
        if (x->next_sink >= x->nb) break;
        scan_slot_t *sl = &x->slot[x->next_sink % x->n_slots];
        if (!__atomic_load_n(&sl->ready, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(&sl->block, __ATOMIC_RELAXED) != (int64_t)x->next_sink)
            break;
        if (!__atomic_load_n(&x->missing, __ATOMIC_RELAXED)) {
            x->sink(x->ctx, &sl->v, sl->aux);
            x->n1 += sl->n1;
            x->n2 += sl->n2;
        }
        __atomic_store_n(&sl->ready, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&sl->block, -1, __ATOMIC_RELAXED);
        __atomic_store_n(&x->next_sink, x->next_sink + 1, __ATOMIC_RELEASE);   /* the slot is block + n_slots's */
    }
    omp_unset_lock(&x->lock);
}

/* Pairs block b and computes its figures into sl. */
static void scan_block(scan_t *x, size_t b, scan_slot_t *sl)
{
    const saydo_data_t *d = x->d;
    const size_t n = d->n, e = (b + 1) * PAIR_SCAN_MAX < n ? (b + 1) * PAIR_SCAN_MAX : n;
    saydo_pairs_t *v = &sl->v;
    size_t m = 0, n2 = 0;
    for (size_t i = b * PAIR_SCAN_MAX; i < e; i++) {
        n2 += d->side[i] == x->s2;
        if (d->side[i] != x->s1) continue;
        const int64_t r2 = neighbour(d, i, x->s1, x->s2);
        if (r2 < 0) {   /* the hash join's case: the caller pairs the usual way */
            __atomic_store_n(&x->missing, 1, __ATOMIC_RELAXED);
            m = 0;
            break;
        }
        v->r1[m] = (int64_t)i;
        v->r2[m++] = r2;
    }
    v->n = m;
    if (__atomic_load_n(&x->missing, __ATOMIC_RELAXED)) return;
    for (size_t i0 = 0; i0 < m; i0 += PAIR_BLOCK) trial_block(d, x->o, v, i0, i0 + PAIR_BLOCK < m ? i0 + PAIR_BLOCK : m);
    if (x->prep) x->prep(x->ctx, v, sl->aux);
    sl->n1 = m;
    sl->n2 = n2;
}

static void scan_worker(scan_t *x)
{
    for (;;) {
        const size_t b = __atomic_fetch_add(&x->next_block, 1, __ATOMIC_RELAXED);
        if (b >= x->nb) break;
        scan_slot_t *sl = &x->slot[b % x->n_slots];
        /* the slot is block b's once block b - n_slots is handed over (not
         * merely once it is free: block b + n_slots must not take it first) */
        while (__atomic_load_n(&x->next_sink, __ATOMIC_ACQUIRE) + x->n_slots <= b) {
            scan_drain(x);
            if (__atomic_load_n(&x->next_sink, __ATOMIC_ACQUIRE) + x->n_slots <= b) sched_yield();
        }
        __atomic_store_n(&sl->block, (int64_t)b, __ATOMIC_RELAXED);
        if (!__atomic_load_n(&x->missing, __ATOMIC_RELAXED)) scan_block(x, b, sl);
        else sl->v.n = sl->n1 = sl->n2 = 0;
        __atomic_store_n(&sl->ready, 1, __ATOMIC_RELEASE);
        scan_drain(x);
    }
}

saydo_status pair_scan(const saydo_data_t *d, const saydo_pair_opts_t *o, pair_prep_fn prep, pair_sink_fn sink,
                       void *ctx, int *complete, saydo_pairs_t *info)
{
    saydo_status st = SAYDO_OK;
    scan_t x = {0};
    int lock_init = 0;
    *complete = 0;
    memset(info, 0, sizeof *info);
    SAYDO_FAIL_IF(o->unit != SAYDO_UNIT_TRIAL || !o->skip_extra, SAYDO_E_INVAL, "pair_scan: one pair per trial, "
                  "and no KL, entropy or TVD");
    SAYDO_TRY(resolve_sides(d, o, &x.s1, &x.s2));
    x.d = d;
    x.o = o;
    x.prep = prep;
    x.sink = sink;
    x.ctx = ctx;
    x.nb = (d->n + PAIR_SCAN_MAX - 1) / PAIR_SCAN_MAX;
    int nt = omp_get_max_threads();
    if ((size_t)nt > x.nb) nt = x.nb ? (int)x.nb : 1;
    x.n_slots = 4 * (size_t)nt;
    SAYDO_NEW(x.slot, x.n_slots);
    for (size_t k = 0; k < x.n_slots; k++)
        SAYDO_FAIL_IF(!scan_slot_alloc(&x.slot[k], o), SAYDO_E_NOMEM, "out of memory");
    omp_init_lock(&x.lock);
    lock_init = 1;
    #pragma omp parallel num_threads(nt) if (nt > 1)
    scan_worker(&x);
    scan_drain(&x);   /* whatever the last threads left ready */
    if (x.missing) goto cleanup;
    *complete = 1;
    info->side1 = x.s1;
    info->side2 = x.s2;
    info->n = x.n1;
    info->unpaired1 = 0;
    info->unpaired2 = (int64_t)(x.n2 - x.n1);   /* each side-2 record is in at most one pair */
cleanup:
    if (lock_init) omp_destroy_lock(&x.lock);
    for (size_t k = 0; x.slot && k < x.n_slots; k++) scan_slot_free(&x.slot[k]);
    free(x.slot);
    return st;
}

saydo_status saydo_pairs_build(const saydo_data_t *d, const saydo_pair_opts_t *o, saydo_pairs_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_pairs_t *p = NULL;
    *out = NULL;
    int s1 = -1, s2 = -1;
    SAYDO_TRY(resolve_sides(d, o, &s1, &s2));
    SAYDO_NEW(p, 1);
    p->side1 = s1;
    p->side2 = s2;
    if (o->unit == SAYDO_UNIT_ITEM) SAYDO_TRY(build_items(d, s1, s2, o, p));
    else SAYDO_TRY(build_trials(d, s1, s2, o, p));
    *out = p;
    p = NULL;
cleanup:
    saydo_pairs_free(p);
    return st;
}
