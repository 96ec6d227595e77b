/* Stated vs revealed preferences: per principle, the stated distribution P
 * (over paraphrases), the revealed Q (over contexts) and Q_c per context,
 * KL both ways, JSD and the pivot rate, with intervals from resampling
 * paraphrases and contexts (definitions in saydo/statedrevealed.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/kernels.h"
#include "saydo/statedrevealed.h"
#include "util/try.h"

/* a product for SAYDO_NEW (whose `n ? n : 1` warns on a bare `a * b`) */
static size_t nmul(size_t a, size_t b) { return a * b; }

void saydo_sr_opts_default(saydo_sr_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->stated_side = "stated";
    o->revealed_side = "revealed";
    o->eps = SAYDO_KL_EPS_DEFAULT;
    o->base = 2.0;
    o->use_probs = 1;
    saydo_boot_opts_init(&o->boot);
}

/* A record of either side, for sorting into principles and clusters. */
typedef struct {
    int32_t model, cond, item, side, variant;
    int32_t vrank;             /* the variant's place in name order: clusters come out sorted by name */
    int64_t r;
} rec_t;

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int cmp_rec(const void *a, const void *b)
{
    const rec_t *x = a, *y = b;
    if (x->model != y->model) return x->model < y->model ? -1 : 1;
    if (x->cond != y->cond) return x->cond < y->cond ? -1 : 1;
    if (x->item != y->item) return x->item < y->item ? -1 : 1;
    if (x->side != y->side) return x->side < y->side ? -1 : 1;
    if (x->vrank != y->vrank) return x->vrank < y->vrank ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

/* One principle of one run, with its clusters' sums. */
typedef struct {
    size_t r0, r1;             /* its records in the sorted array */
    int32_t model, cond, item;
    char category[16];
    int number;
    const char *name;          /* the principle (item) id, borrowed from the data */
    int k;                     /* revealed options */
    size_t cs, cr;             /* stated / revealed clusters (first cs of the cluster arrays are stated) */
    double *n, *s;             /* [cs + cr] counts, [(cs + cr) * k] sums */
    char **cname;              /* [cs + cr] variant names (borrowed from the data) */
    int64_t n_stated, n_revealed, n_dropped;
    double P[SAYDO_MAX_OPTIONS], Q[SAYDO_MAX_OPTIONS];
    double kl_sr, kl_rs, jsd, pivot;
    int n_pivot;
    int pref_s;                /* argmax P, -1 tie or none */
    double *rep;               /* [3 * B + B] replicates of kl_sr, kl_rs, jsd, pivot (ci only) */
    double lo[4], hi[4];
} prin_t;

static void argmax(const double *p, int k, int *best)
{
    *best = -1;
    double m = -1;
    int tie = 0;
    for (int j = 0; j < k; j++) {
        if (p[j] > m) m = p[j], *best = j, tie = 0;
        else if (p[j] == m) tie = 1;
    }
    if (tie || m <= 0) *best = -1;
}

/* The record's distribution over its own n options into dist; 0 when it has none. */
static int record_dist(const saydo_data_t *d, int64_t r, int use_probs, double *dist, int *n_opt)
{
    int n = d->n_options[r] > 0 ? d->n_options[r] : 2;
    if (d->choice[r] >= n) n = d->choice[r] + 1;
    *n_opt = n;
    if (use_probs && d->K > 0 && d->logp && n <= d->K) {
        const float *lp = d->logp + (size_t)r * (size_t)d->K;
        int logged = 1;
        for (int j = 0; j < n; j++) logged &= !isnan(lp[j]);
        if (logged) {
            double x[SAYDO_MAX_OPTIONS];
            for (int j = 0; j < n; j++) x[j] = lp[j];
            saydo_softmax(x, (size_t)n, dist);
            return 1;
        }
    }
    if (d->choice[r] < 0) return 0;
    for (int j = 0; j < n; j++) dist[j] = 0;
    dist[d->choice[r]] = 1;
    return 1;
}

static const int8_t identity[SAYDO_MAX_OPTIONS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                                   13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25};

/* The map of a stated record: the option map file's entry, else the record's own, else identity. */
static const int8_t *stated_map(const saydo_data_t *d, int64_t r, const struct saydo_sr_optmap_entry *e, int *n_map)
{
    if (e) {
        *n_map = e->n_map;
        return e->map;
    }
    *n_map = SAYDO_MAX_OPTIONS;
    if (d->omap[r] >= 0) return d->maps + (size_t)d->omap[r] * SAYDO_MAX_OPTIONS;
    return identity;
}

/* Fills the clusters and estimates of one principle. */
static saydo_status prin_build(const saydo_data_t *d, const rec_t *rec, prin_t *p, int side_s, int side_r,
                               const saydo_sr_opts_t *o)
{
    saydo_status st = SAYDO_OK;
    const char *item = d->items.s[p->item];
    const struct saydo_sr_optmap_entry *e = saydo_sr_optmap_find(o->map, item);
    /* options: the revealed questions', and at least what the map points at */
    int k = 2;
    size_t ncl = 0;
    for (size_t i = p->r0; i < p->r1; i++) {
        int64_t r = rec[i].r;
        int n = d->n_options[r] > 0 ? d->n_options[r] : 2;
        if (rec[i].side == side_r && n > k) k = n;
        if (rec[i].side == side_r && d->choice[r] >= k) k = d->choice[r] + 1;
        if (i == p->r0 || rec[i].variant != rec[i - 1].variant || rec[i].side != rec[i - 1].side) ncl++;
    }
    if (e)
        for (int j = 0; j < e->n_map; j++)
            if (e->map[j] >= k) k = e->map[j] + 1;
    if (k > SAYDO_MAX_OPTIONS) k = SAYDO_MAX_OPTIONS;
    p->k = k;
    SAYDO_NEW(p->n, ncl);
    SAYDO_NEW(p->s, nmul(ncl, (size_t)k));
    SAYDO_NEW(p->cname, ncl);
    size_t c = (size_t)-1;
    for (size_t i = p->r0; i < p->r1; i++) {
        int64_t r = rec[i].r;
        if (i == p->r0 || rec[i].variant != rec[i - 1].variant || rec[i].side != rec[i - 1].side) {
            c++;
            p->cname[c] = d->variants.s[rec[i].variant];
            if (rec[i].side == side_s) p->cs++;
            else p->cr++;
        }
        double own[SAYDO_MAX_OPTIONS], dist[SAYDO_MAX_OPTIONS] = {0};
        int n_opt;
        if (!record_dist(d, r, o->use_probs, own, &n_opt)) {
            p->n_dropped++;
            continue;
        }
        if (rec[i].side == side_s) {
            int n_map;
            const int8_t *map = stated_map(d, r, e, &n_map);
            double kept = 0;
            for (int j = 0; j < n_opt; j++) {
                int to = j < n_map ? map[j] : -1;
                if (to < 0 || to >= k || own[j] == 0) continue;
                dist[to] += own[j];
                kept += own[j];
            }
            /* mass on a stated option with no counterpart leaves; the rest is renormalised */
            if (!(kept > 0)) {
                p->n_dropped++;
                continue;
            }
            if (kept != 1.0)
                for (int j = 0; j < k; j++) dist[j] /= kept;
            p->n_stated++;
        } else {
            for (int j = 0; j < n_opt && j < k; j++) dist[j] = own[j];
            p->n_revealed++;
        }
        p->n[c] += 1;
        for (int j = 0; j < k; j++) p->s[c * (size_t)k + (size_t)j] += dist[j];
    }
    /* stated clusters come first: the records are sorted by side code */
    if (side_s > side_r && p->cs && p->cr) {
        /* rotate so stated clusters lead */
        size_t total = p->cs + p->cr;
        double *n2 = NULL, *s2 = NULL;
        char **c2 = NULL;
        SAYDO_NEW(n2, total);
        SAYDO_NEW(s2, nmul(total, (size_t)k));
        SAYDO_NEW(c2, total);
        for (size_t q = 0; q < total; q++) {
            size_t from = q < p->cs ? p->cr + q : q - p->cs;
            n2[q] = p->n[from];
            c2[q] = p->cname[from];
            memcpy(s2 + q * (size_t)k, p->s + from * (size_t)k, (size_t)k * sizeof *s2);
        }
        free(p->n);
        free(p->s);
        free(p->cname);
        p->n = n2, p->s = s2, p->cname = c2;
    }
    for (int side = 0; side < 2; side++) {
        size_t c0 = side ? p->cs : 0, c1 = side ? p->cs + p->cr : p->cs;
        double tot = 0, *out = side ? p->Q : p->P;
        for (int j = 0; j < k; j++) out[j] = 0;
        for (size_t q = c0; q < c1; q++) {
            tot += p->n[q];
            for (int j = 0; j < k; j++) out[j] += p->s[q * (size_t)k + (size_t)j];
        }
        for (int j = 0; j < k; j++) out[j] = tot > 0 ? out[j] / tot : NAN;
    }
    const int both = p->n_stated > 0 && p->n_revealed > 0;
    p->kl_sr = both ? saydo_kl(p->P, p->Q, (size_t)k, o->eps, o->base) : NAN;
    p->kl_rs = both ? saydo_kl(p->Q, p->P, (size_t)k, o->eps, o->base) : NAN;
    p->jsd = both ? saydo_jsd(p->P, p->Q, (size_t)k, o->base) : NAN;
    argmax(p->P, k, &p->pref_s);
    p->pivot = NAN;
    if (both && p->pref_s >= 0) {
        int piv = 0;
        for (size_t q = p->cs; q < p->cs + p->cr; q++) {
            if (p->n[q] <= 0) continue;
            double qc[SAYDO_MAX_OPTIONS];
            int best;
            for (int j = 0; j < k; j++) qc[j] = p->s[q * (size_t)k + (size_t)j] / p->n[q];
            argmax(qc, k, &best);
            if (best < 0) continue;   /* a tie at the top: no preferred option */
            p->n_pivot++;
            piv += best != p->pref_s;
        }
        if (p->n_pivot) p->pivot = (double)piv / p->n_pivot;
    }
cleanup:
    return st;
}

/* Percentile (or basic) interval of B replicates (sorted in place). */
static void rep_interval(double *rep, size_t B, double est, const saydo_boot_opts_t *bo, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (isnan(est)) return;
    saydo_sort_doubles(rep, B);
    double a = (1 - bo->level) / 2, q_lo = saydo_quantile_sorted(rep, B, a), q_hi = saydo_quantile_sorted(rep, B, 1 - a);
    if (bo->methods == SAYDO_BOOT_BASIC) *lo = 2 * est - q_hi, *hi = 2 * est - q_lo;
    else *lo = q_lo, *hi = q_hi;
}

/* Resamples paraphrases and contexts of one principle: replicates of the
 * four figures into p->rep (kl_sr, kl_rs, jsd, pivot blocks of B). */
static saydo_status prin_boot(prin_t *p, const saydo_sr_opts_t *o, uint64_t seed, saydo_boot_ws_t *ws)
{
    saydo_status st = SAYDO_OK;
    const size_t B = o->boot.n_resamples, k = (size_t)p->k;
    double *Ps = NULL, *Qs = NULL, *pn = NULL, *ps = NULL;
    saydo_boot_result_t *res = NULL;
    SAYDO_NEW(p->rep, nmul(4, B));
    for (int f = 0; f < 4; f++) p->lo[f] = p->hi[f] = NAN;
    if (isnan(p->kl_sr) && isnan(p->jsd)) {
        for (size_t i = 0; i < 4 * B; i++) p->rep[i] = NAN;
        goto cleanup;
    }
    SAYDO_NEW(Ps, nmul(B, k));
    SAYDO_NEW(Qs, nmul(B, k));
    SAYDO_NEW(res, k);
    saydo_boot_opts_t bo = o->boot;
    bo.methods = SAYDO_BOOT_PERCENTILE;   /* only the replicates are used here */
    for (int side = 0; side < 2; side++) {
        size_t c0 = side ? p->cs : 0, c1 = side ? p->cs + p->cr : p->cs;
        /* clusters with no counted record would only dilute the draws */
        size_t C = 0;
        free(pn);
        free(ps);
        pn = ps = NULL;
        SAYDO_NEW(pn, c1 - c0 + 1);
        SAYDO_NEW(ps, nmul((c1 - c0 + 1), k));
        for (size_t q = c0; q < c1; q++) {
            if (p->n[q] <= 0) continue;
            pn[C] = p->n[q];
            memcpy(ps + C * k, p->s + q * k, k * sizeof *ps);
            C++;
        }
        saydo_boot_data_t bd = {.n_clusters = C, .n_stats = k, .n = pn, .s = ps};
        bo.seed = seed + (uint64_t)side;
        SAYDO_TRY(saydo_boot_run(ws, &bd, &bo, res, k));
        double *dst = side ? Qs : Ps;
        for (size_t j = 0; j < k; j++) {
            size_t nb = 0;
            const double *rep = saydo_boot_ws_replicates(ws, j, &nb);
            for (size_t b = 0; b < B; b++) dst[b * k + j] = rep && nb == B ? rep[b] : NAN;
        }
    }
    for (size_t b = 0; b < B; b++) {
        p->rep[b] = saydo_kl(Ps + b * k, Qs + b * k, k, o->eps, o->base);
        p->rep[B + b] = saydo_kl(Qs + b * k, Ps + b * k, k, o->eps, o->base);
        p->rep[2 * B + b] = saydo_jsd(Ps + b * k, Qs + b * k, k, o->base);
    }
    /* the pivot rate: contexts resampled, the stated preference at its estimate */
    for (size_t b = 0; b < B; b++) p->rep[3 * B + b] = NAN;
    if (!isnan(p->pivot)) {
        size_t C = 0;
        free(pn);
        free(ps);
        pn = ps = NULL;
        SAYDO_NEW(pn, p->cr + 1);
        SAYDO_NEW(ps, p->cr + 1);
        for (size_t q = p->cs; q < p->cs + p->cr; q++) {
            if (p->n[q] <= 0) continue;
            double qc[SAYDO_MAX_OPTIONS];
            int best;
            for (size_t j = 0; j < k; j++) qc[j] = p->s[q * k + j] / p->n[q];
            argmax(qc, (int)k, &best);
            if (best < 0) continue;
            pn[C] = 1;
            ps[C++] = best != p->pref_s;
        }
        saydo_boot_data_t bd = {.n_clusters = C, .n_stats = 1, .n = pn, .s = ps};
        bo.seed = seed + 1;
        SAYDO_TRY(saydo_boot_run(ws, &bd, &bo, res, 1));
        size_t nb = 0;
        const double *rep = saydo_boot_ws_replicates(ws, 0, &nb);
        for (size_t b = 0; b < B && rep && nb == B; b++) p->rep[3 * B + b] = rep[b];
    }
    double *tmp = NULL;
    SAYDO_NEW(tmp, B);
    const double est[4] = {p->kl_sr, p->kl_rs, p->jsd, p->pivot};
    for (int f = 0; f < 4; f++) {
        memcpy(tmp, p->rep + (size_t)f * B, B * sizeof *tmp);
        rep_interval(tmp, B, est[f], &o->boot, &p->lo[f], &p->hi[f]);
    }
    free(tmp);
cleanup:
    free(Ps); free(Qs); free(pn); free(ps); free(res);
    return st;
}

static int cmp_prin(const void *a, const void *b)
{
    const prin_t *x = a, *y = b;
    if (x->model != y->model) return x->model < y->model ? -1 : 1;
    if (x->cond != y->cond) return x->cond < y->cond ? -1 : 1;
    int c = strcmp(x->category, y->category);
    if (c) return c;
    if (x->number != y->number) return x->number < y->number ? -1 : 1;
    return strcmp(x->name, y->name);
}

enum { F_KLSR, F_KLRS, F_JSD, F_PIV, N_FIG };
static const char *const fig_name[N_FIG] = {"kl_sr", "kl_rs", "jsd", "pivot_rate"};

static double fig_of(const prin_t *p, int f)
{
    return f == F_KLSR ? p->kl_sr : f == F_KLRS ? p->kl_rs : f == F_JSD ? p->jsd : p->pivot;
}

/* Mean of figure f over principles that have it (an inf makes it inf); NaN when none. */
static double mean_fig(const prin_t *p, size_t n, int f)
{
    double s = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(fig_of(&p[i], f))) s += fig_of(&p[i], f), m++;
    return m ? s / (double)m : NAN;
}

saydo_status saydo_sr_table(const saydo_data_t *d, const saydo_sr_opts_t *opts, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_sr_opts_t o;
    rec_t *rec = NULL;
    prin_t *pr = NULL;
    size_t np = 0, nrec = 0;
    saydo_table_t *t = NULL;
    saydo_boot_ws_t *ws = NULL;
    double *gather = NULL;
    const char **order = NULL;
    int32_t *vrank = NULL;
    *out = NULL;
    if (opts) o = *opts;
    else saydo_sr_opts_default(&o);
    int side_s = -1, side_r = -1;
    for (size_t i = 0; i < d->sides.n; i++) {
        if (strcmp(d->sides.s[i], o.stated_side) == 0) side_s = (int)i;
        if (strcmp(d->sides.s[i], o.revealed_side) == 0) side_r = (int)i;
    }
    SAYDO_FAIL_IF(side_s < 0 && side_r < 0, SAYDO_E_INVAL, "the store has neither a '%s' nor a '%s' side",
                  o.stated_side, o.revealed_side);
    SAYDO_FAIL_IF(!(o.base > 1) || !(o.eps >= 0), SAYDO_E_INVAL, "log base must be > 1 and eps >= 0");
    const size_t B = o.boot.n_resamples;
    SAYDO_NEW(order, d->variants.n);
    SAYDO_NEW(vrank, d->variants.n);
    for (size_t v = 0; v < d->variants.n; v++) order[v] = d->variants.s[v];
    qsort(order, d->variants.n, sizeof *order, cmp_str);
    for (size_t v = 0; v < d->variants.n; v++) {   /* the rank of each code: its string's place */
        const char **at = bsearch(&d->variants.s[v], order, d->variants.n, sizeof *order, cmp_str);
        vrank[v] = (int32_t)(at - order);
    }
    SAYDO_NEW(rec, d->n);
    for (size_t r = 0; r < d->n; r++) {
        if (d->side[r] != side_s && d->side[r] != side_r) continue;
        rec[nrec++] = (rec_t){d->model[r], d->condition[r], d->item[r], d->side[r], d->variant[r],
                              vrank[d->variant[r]], (int64_t)r};
    }
    qsort(rec, nrec, sizeof *rec, cmp_rec);
    size_t cap = 0;
    for (size_t i = 0; i < nrec;) {
        size_t j = i;
        while (j < nrec && rec[j].model == rec[i].model && rec[j].cond == rec[i].cond && rec[j].item == rec[i].item)
            j++;
        if (np == cap) {
            cap = cap ? 2 * cap : 64;
            prin_t *nprs = realloc(pr, cap * sizeof *nprs);
            SAYDO_FAIL_IF(!nprs, SAYDO_E_NOMEM, "out of memory");
            pr = nprs;
        }
        prin_t *p = &pr[np++];
        memset(p, 0, sizeof *p);
        p->r0 = i, p->r1 = j;
        p->model = rec[i].model, p->cond = rec[i].cond, p->item = rec[i].item;
        p->name = d->items.s[p->item];
        int32_t dom = d->item_domain[p->item];
        const char *rest;
        if (!saydo_sr_parse_name(d->items.s[p->item], p->category, sizeof p->category, &p->number, &rest))
            p->category[0] = '\0', p->number = 0;
        if (dom >= 0) snprintf(p->category, sizeof p->category, "%s", d->domains.s[dom]);
        i = j;
    }
    for (size_t i = 0; i < np; i++) SAYDO_TRY(prin_build(d, rec, &pr[i], side_s, side_r, &o));
    qsort(pr, np, sizeof *pr, cmp_prin);
    int kmax = 2;
    size_t n_ctx_rows = 0;
    for (size_t i = 0; i < np; i++) {
        if (pr[i].k > kmax) kmax = pr[i].k;
        n_ctx_rows += pr[i].cr;
    }
    if (o.ci) {
        SAYDO_TRY(saydo_boot_ws_create(&ws));
        for (size_t i = 0; i < np; i++) SAYDO_TRY(prin_boot(&pr[i], &o, o.boot.seed + 2 * i, ws));
        SAYDO_NEW(gather, B);
    }

    /* rows: per run, its principles (each followed by its contexts), categories, overall */
    size_t n_cat_rows = 0, n_runs = 0;
    for (size_t i = 0; i < np; i++) {
        int new_run = i == 0 || pr[i].model != pr[i - 1].model || pr[i].cond != pr[i - 1].cond;
        n_runs += new_run;
        n_cat_rows += new_run || strcmp(pr[i].category, pr[i - 1].category) != 0;
    }
    size_t nrows = np + (o.per_context ? n_ctx_rows : 0) + n_cat_rows + n_runs;
    static const char *head[] = {"model", "condition", "level", "category", "principle", "context",
                                 "n_principles", "n_paraphrases", "n_contexts", "n_stated", "n_revealed",
                                 "n_dropped", "n_options"};
    enum { NH = sizeof head / sizeof head[0] };
    const int c_dist = NH, c_fig = NH + 2 * kmax, c_npiv = c_fig + N_FIG, c_ci = c_npiv + 1;
    const int ncols = c_ci + (o.ci ? 2 * N_FIG + 2 : 0) + 2;
    SAYDO_TRY(saydo_table_create(nrows, ncols, &t));
    for (int c = 0; c < NH; c++) SAYDO_TRY(saydo_table_set_col(t, c, head[c], c < 6));
    for (int j = 0; j < kmax; j++) {
        char name[32];
        snprintf(name, sizeof name, "stated_%c", 'A' + j);
        SAYDO_TRY(saydo_table_set_col(t, c_dist + j, name, 0));
        snprintf(name, sizeof name, "revealed_%c", 'A' + j);
        SAYDO_TRY(saydo_table_set_col(t, c_dist + kmax + j, name, 0));
    }
    for (int f = 0; f < N_FIG; f++) SAYDO_TRY(saydo_table_set_col(t, c_fig + f, fig_name[f], 0));
    SAYDO_TRY(saydo_table_set_col(t, c_npiv, "n_pivot", 0));
    if (o.ci) {
        for (int f = 0; f < N_FIG; f++) {
            char name[48];
            snprintf(name, sizeof name, "%s_lo", fig_name[f]);
            SAYDO_TRY(saydo_table_set_col(t, c_ci + 2 * f, name, 0));
            snprintf(name, sizeof name, "%s_hi", fig_name[f]);
            SAYDO_TRY(saydo_table_set_col(t, c_ci + 2 * f + 1, name, 0));
        }
        SAYDO_TRY(saydo_table_set_col(t, c_ci + 2 * N_FIG, "ci_level", 0));
        SAYDO_TRY(saydo_table_set_col(t, c_ci + 2 * N_FIG + 1, "n_resamples", 0));
    }
    SAYDO_TRY(saydo_table_set_col(t, ncols - 2, "eps", 0));
    SAYDO_TRY(saydo_table_set_col(t, ncols - 1, "base", 0));

    size_t row = 0;
    for (size_t i0 = 0; i0 < np;) {
        size_t i1 = i0;
        while (i1 < np && pr[i1].model == pr[i0].model && pr[i1].cond == pr[i0].cond) i1++;
        const char *model = d->models.s[pr[i0].model], *cond = d->conditions.s[pr[i0].cond];
        /* principle rows, then the groups over [g0, g1): categories and the run */
        for (int pass = 0; pass < 3; pass++) {
            size_t g0 = i0;
            while (g0 < i1) {
                size_t g1 = g0 + 1;
                if (pass == 1)
                    while (g1 < i1 && strcmp(pr[g1].category, pr[g0].category) == 0) g1++;
                if (pass == 2) g1 = i1;
                const prin_t *p = &pr[g0];
                size_t rows_here = pass ? 1 : 1 + (o.per_context ? p->cr : 0);
                for (size_t x = 0; x < rows_here; x++, row++) {
                    int ctx = pass == 0 && x > 0;
                    size_t q = ctx ? p->cs + x - 1 : 0;
                    SAYDO_TRY(saydo_table_set_str(t, 0, row, model));
                    SAYDO_TRY(saydo_table_set_str(t, 1, row, cond));
                    SAYDO_TRY(saydo_table_set_str(t, 2, row, pass == 2 ? "all" : pass == 1 ? "category"
                                                              : ctx ? "context" : "principle"));
                    SAYDO_TRY(saydo_table_set_str(t, 3, row, pass == 2 ? "(all)" : p->category));
                    SAYDO_TRY(saydo_table_set_str(t, 4, row, pass ? "(all)" : d->items.s[p->item]));
                    SAYDO_TRY(saydo_table_set_str(t, 5, row, ctx ? p->cname[q] : "(all)"));
                    saydo_table_set_num(t, ncols - 2, row, o.eps);
                    saydo_table_set_num(t, ncols - 1, row, o.base);
                    if (o.ci) {
                        saydo_table_set_num(t, c_ci + 2 * N_FIG, row, o.boot.level);
                        saydo_table_set_num(t, c_ci + 2 * N_FIG + 1, row, (double)B);
                    }
                    if (pass) {
                        int64_t sums[5] = {0};
                        for (size_t g = g0; g < g1; g++) {
                            sums[0] += (int64_t)pr[g].cs, sums[1] += (int64_t)pr[g].cr;
                            sums[2] += pr[g].n_stated, sums[3] += pr[g].n_revealed, sums[4] += pr[g].n_dropped;
                        }
                        saydo_table_set_num(t, 6, row, (double)(g1 - g0));
                        for (int m = 0; m < 5; m++) saydo_table_set_num(t, 7 + m, row, (double)sums[m]);
                        int64_t npiv = 0;
                        for (size_t g = g0; g < g1; g++) npiv += pr[g].n_pivot;
                        for (int f = 0; f < N_FIG; f++) saydo_table_set_num(t, c_fig + f, row, mean_fig(&pr[g0], g1 - g0, f));
                        saydo_table_set_num(t, c_npiv, row, (double)npiv);
                        if (o.ci) {
                            /* replicate b of a group = the mean of its principles' replicates b */
                            for (int f = 0; f < N_FIG; f++) {
                                double est = t->num_col[c_fig + f][row];
                                for (size_t b = 0; b < B; b++) {
                                    double s = 0;
                                    size_t m = 0;
                                    for (size_t g = g0; g < g1; g++) {
                                        double v = pr[g].rep[(size_t)f * B + b];
                                        if (isnan(fig_of(&pr[g], f))) continue;   /* principles without the figure */
                                        s += v, m++;
                                    }
                                    gather[b] = m ? s / (double)m : NAN;
                                }
                                double lo, hi;
                                rep_interval(gather, B, est, &o.boot, &lo, &hi);
                                saydo_table_set_num(t, c_ci + 2 * f, row, lo);
                                saydo_table_set_num(t, c_ci + 2 * f + 1, row, hi);
                            }
                        }
                        continue;
                    }
                    saydo_table_set_num(t, 6, row, 1);
                    saydo_table_set_num(t, 7, row, ctx ? NAN : (double)p->cs);
                    saydo_table_set_num(t, 8, row, ctx ? 1 : (double)p->cr);
                    saydo_table_set_num(t, 9, row, (double)p->n_stated);
                    saydo_table_set_num(t, 10, row, ctx ? p->n[q] : (double)p->n_revealed);
                    saydo_table_set_num(t, 11, row, ctx ? NAN : (double)p->n_dropped);
                    saydo_table_set_num(t, 12, row, p->k);
                    double qc[SAYDO_MAX_OPTIONS];
                    const double *Q = p->Q;
                    if (ctx) {
                        for (int j = 0; j < p->k; j++) qc[j] = p->n[q] > 0 ? p->s[q * (size_t)p->k + (size_t)j] / p->n[q] : NAN;
                        Q = qc;
                    }
                    for (int j = 0; j < p->k; j++) {
                        saydo_table_set_num(t, c_dist + j, row, p->P[j]);
                        saydo_table_set_num(t, c_dist + kmax + j, row, Q[j]);
                    }
                    const size_t K = (size_t)p->k;
                    const int both = p->n_stated > 0 && (ctx ? p->n[q] > 0 : p->n_revealed > 0);
                    double piv = p->pivot;
                    if (ctx) {
                        int best;
                        argmax(qc, p->k, &best);
                        piv = both && best >= 0 && p->pref_s >= 0 ? (double)(best != p->pref_s) : NAN;
                    }
                    saydo_table_set_num(t, c_fig + F_KLSR, row, ctx ? (both ? saydo_kl(p->P, Q, K, o.eps, o.base) : NAN)
                                                                    : p->kl_sr);
                    saydo_table_set_num(t, c_fig + F_KLRS, row, ctx ? (both ? saydo_kl(Q, p->P, K, o.eps, o.base) : NAN)
                                                                    : p->kl_rs);
                    saydo_table_set_num(t, c_fig + F_JSD, row, ctx ? (both ? saydo_jsd(p->P, Q, K, o.base) : NAN)
                                                                   : p->jsd);
                    saydo_table_set_num(t, c_fig + F_PIV, row, piv);
                    saydo_table_set_num(t, c_npiv, row, ctx ? !isnan(piv) : p->n_pivot);
                    if (o.ci && !ctx)
                        for (int f = 0; f < N_FIG; f++) {
                            saydo_table_set_num(t, c_ci + 2 * f, row, p->lo[f]);
                            saydo_table_set_num(t, c_ci + 2 * f + 1, row, p->hi[f]);
                        }
                }
                g0 = g1;
            }
        }
        i0 = i1;
    }
    t->n_rows = row;
    *out = t;
    t = NULL;
cleanup:
    for (size_t i = 0; i < np; i++) {
        free(pr[i].n);
        free(pr[i].s);
        free(pr[i].cname);
        free(pr[i].rep);
    }
    free(pr);
    free(rec);
    free(gather);
    free(order);
    free(vrank);
    saydo_boot_ws_free(ws);
    saydo_table_free(t);
    return st;
}
