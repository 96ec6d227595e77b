/* The clustered bootstrap engine (saydo/boot.h): input checks, the cluster
 * layout and types, the jackknife, and the two resampling paths run in
 * seeded blocks under OpenMP.
 *
 * Layout: clusters are put in stratum order (stratum id, then input order)
 * and their values copied column-major into V (K x C), K = m + 1 columns
 * (n, s_0..s_{m-1}) per condition. Types are runs of identical rows inside a
 * stratum after sorting; U (row-major, types x K) holds one row per type and
 * mult its multiplicity. Full-data totals and the jackknife are computed from
 * the types, so identical clusters give bit-identical leave-one-out values. */
#define _GNU_SOURCE   /* qsort_r */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "boot_internal.h"
#include "util/try.h"

/* The count path draws one binomial per type and resample (gsl_ran_binomial,
 * ~120 ns), the general path one index per cluster plus a weighted sum
 * (~1.2 ns): the count path wins below about C / 90 types (measured with
 * `boot_bench calibrate` at C = 25000: crossover near 280 types). */
#define COUNT_PATH_RATIO 96
/* Above this many value columns dgemm beats the fused weighted sum. */
#define FUSED_MAX_K 8
#define DGEMM_SUB 16
/* The general path counts draws per type, not per cluster (the same draws,
 * a smaller weight row and weighted sum), when types are at most C / this:
 * 15-20% faster up to C / 5 types, slower at C / 2 (boot_bench calibrate). */
#define BY_TYPE_RATIO 4
/* Resample work (cluster draws, or binomials x 100) worth a parallel region. */
#define PARALLEL_MIN_WORK 4e6

typedef struct boot_slot {   /* one OpenMP thread's scratch */
    uint32_t *cnt;           /* DGEMM_SUB x C counts */
    double *W;               /* DGEMM_SUB x C doubles (dgemm kernel only) */
    double *T;               /* DGEMM_SUB x K totals */
    unsigned *tcnt;          /* counts per type */
    gsl_rng *rng;            /* count path generator (taus2) */
    size_t cap_c, cap_w, cap_t, cap_types;
} boot_slot;

struct saydo_boot_ws {
    double *V;               /* K x C, stratum order */
    size_t cap_v;
    size_t *pos;             /* positions sorted by row (types) */
    size_t *perm;            /* position -> cluster */
    size_t cap_c, cap_perm;
    double *U, *mult;        /* types: rows (T x K) and multiplicities */
    double *Ucm;             /* the type rows column-major (K x T) */
    uint32_t *tmap;          /* position -> type */
    size_t cap_u, cap_types, cap_ucm, cap_tmap;
    saydo_boot_span_t *spans, *tspans;  /* clusters and types per stratum */
    size_t cap_spans, cap_tspans;
    double *theta;           /* m x B replicates of the last run */
    size_t cap_theta;
    double *jack, *scratch;  /* per-type leave-one-out values; B scratch */
    size_t cap_jack, cap_scratch;
    double *ones;
    size_t cap_ones;
    boot_slot *slots;
    int n_slots;
    size_t last_m, last_B, last_types;
    saydo_boot_path last_path;
};

void saydo_boot_opts_init(saydo_boot_opts_t *o)
{
    o->n_resamples = SAYDO_BOOT_DEFAULT_B;
    o->level = 0.95;
    o->seed = 0;
    o->methods = SAYDO_BOOT_PERCENTILE | SAYDO_BOOT_BASIC | SAYDO_BOOT_BCA;
    o->path = SAYDO_BOOT_PATH_AUTO;
}

saydo_status saydo_boot_ws_create(saydo_boot_ws_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_boot_ws_t *ws = NULL;
    SAYDO_FAIL_IF(!out, SAYDO_E_INVAL, "saydo_boot_ws_create: NULL out");
    SAYDO_NEW(ws, 1);
    ws->last_path = SAYDO_BOOT_PATH_AUTO;
    *out = ws;
    ws = NULL;
cleanup:
    free(ws);
    return st;
}

static void slot_free(boot_slot *s)
{
    free(s->cnt);
    free(s->W);
    free(s->T);
    free(s->tcnt);
    if (s->rng) gsl_rng_free(s->rng);
}

void saydo_boot_ws_free(saydo_boot_ws_t *ws)
{
    if (!ws) return;
    for (int i = 0; i < ws->n_slots; i++) slot_free(&ws->slots[i]);
    free(ws->slots);
    free(ws->V);
    free(ws->pos);
    free(ws->perm);
    free(ws->U);
    free(ws->Ucm);
    free(ws->tmap);
    free(ws->mult);
    free(ws->spans);
    free(ws->tspans);
    free(ws->theta);
    free(ws->jack);
    free(ws->scratch);
    free(ws->ones);
    free(ws);
}

const double *saydo_boot_ws_replicates(const saydo_boot_ws_t *ws, size_t j, size_t *n)
{
    if (n) *n = 0;
    if (!ws || j >= ws->last_m || ws->last_B == 0) return NULL;
    if (n) *n = ws->last_B;
    return ws->theta + j * ws->last_B;
}

saydo_boot_path saydo_boot_ws_last_path(const saydo_boot_ws_t *ws)
{
    return ws ? ws->last_path : SAYDO_BOOT_PATH_AUTO;
}

size_t saydo_boot_ws_last_types(const saydo_boot_ws_t *ws)
{
    return ws ? ws->last_types : 0;
}

/* Grows *p to hold n elements of size sz (contents not kept). */
static saydo_status grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n == 0) n = 1;
    if (n <= *cap) return SAYDO_OK;
    void **pp = p;
    free(*pp);
    *pp = aligned_alloc(64, ((n * sz + 63) / 64) * 64);
    if (!*pp) {
        *cap = 0;
        return saydo_set_error(SAYDO_E_NOMEM, "bootstrap workspace: out of memory");
    }
    *cap = n;
    return SAYDO_OK;
}

/* ---- layout ---- */

typedef struct sort_ctx {
    const int32_t *strata;
    const double *V;
    size_t C, K;
} sort_ctx;

static int cmp_stratum(const void *a, const void *b, void *arg)
{
    const sort_ctx *x = arg;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (x->strata[i] != x->strata[j]) return x->strata[i] < x->strata[j] ? -1 : 1;
    return (i > j) - (i < j);
}

/* rows of V (positions) lexicographically, ties by position: a total order */
static int cmp_rows(const void *a, const void *b, void *arg)
{
    const sort_ctx *x = arg;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    for (size_t k = 0; k < x->K; k++) {
        const double u = x->V[k * x->C + i], v = x->V[k * x->C + j];
        if (u != v) return u < v ? -1 : 1;
    }
    return (i > j) - (i < j);
}

static inline int same_row(const double *V, size_t C, size_t K, size_t p, size_t q)
{
    for (size_t k = 0; k < K; k++)
        if (V[k * C + p] != V[k * C + q]) return 0;
    return 1;
}

static int bad_value(double n, const double *s, size_t m)
{
    if (!isfinite(n) || n < 0) return 1;
    for (size_t j = 0; j < m; j++)
        if (!isfinite(s[j]) || (n == 0 && s[j] != 0)) return 1;
    return 0;
}

/* Orders clusters by stratum, fills V, spans and the type table. */
static saydo_status build_layout(saydo_boot_ws_t *ws, const saydo_boot_data_t *d, size_t K,
                                 size_t *n_strata, size_t *n_types)
{
    saydo_status st = SAYDO_OK;
    const size_t C = d->n_clusters, m = d->n_stats;
    const int paired = d->n_b != NULL;
    SAYDO_TRY(grow(&ws->pos, &ws->cap_c, C, sizeof *ws->pos));
    SAYDO_TRY(grow(&ws->perm, &ws->cap_perm, C, sizeof *ws->perm));
    SAYDO_TRY(grow(&ws->V, &ws->cap_v, K * C, sizeof *ws->V));

    size_t *order = ws->perm;   /* position -> cluster */
    for (size_t c = 0; c < C; c++) order[c] = c;
    sort_ctx sx = {d->strata, NULL, C, K};
    if (d->strata) qsort_r(order, C, sizeof *order, cmp_stratum, &sx);

    size_t H = 0;
    for (size_t p = 0; p < C; p++)
        if (p == 0 || (d->strata && d->strata[order[p]] != d->strata[order[p - 1]])) H++;
    SAYDO_TRY(grow(&ws->spans, &ws->cap_spans, H, sizeof *ws->spans));
    SAYDO_TRY(grow(&ws->tspans, &ws->cap_tspans, H, sizeof *ws->tspans));
    H = 0;
    for (size_t p = 0; p < C; p++) {
        if (p == 0 || (d->strata && d->strata[order[p]] != d->strata[order[p - 1]])) {
            ws->spans[H].off = p;
            ws->spans[H].len = 0;
            H++;
        }
        ws->spans[H - 1].len++;
    }
    for (size_t h = 0; h < H; h++)
        SAYDO_FAIL_IF(ws->spans[h].len > UINT32_MAX / 2, SAYDO_E_INVAL,
                      "bootstrap: a stratum of %zu clusters is too large", ws->spans[h].len);

    double *V = ws->V;
    for (size_t p = 0; p < C; p++) {
        const size_t c = order[p];
        SAYDO_FAIL_IF(bad_value(d->n[c], d->s + c * m, m), SAYDO_E_INVAL,
                      "bootstrap: cluster %zu has a negative or non-finite count, a non-finite "
                      "sum, or sums without pairs", c);
        V[p] = d->n[c];
        for (size_t j = 0; j < m; j++) V[(1 + j) * C + p] = d->s[c * m + j];
        if (paired) {
            SAYDO_FAIL_IF(bad_value(d->n_b[c], d->s_b + c * m, m), SAYDO_E_INVAL,
                          "bootstrap: cluster %zu of condition B has a bad count or sum", c);
            V[(m + 1) * C + p] = d->n_b[c];
            for (size_t j = 0; j < m; j++) V[(m + 2 + j) * C + p] = d->s_b[c * m + j];
        }
    }

    /* types: sort positions inside each stratum by row, group equal rows */
    size_t *tp = ws->pos;
    for (size_t p = 0; p < C; p++) tp[p] = p;
    sort_ctx rx = {NULL, V, C, K};
    size_t T = 0;
    for (size_t h = 0; h < H; h++) {
        const size_t lo = ws->spans[h].off, hi = lo + ws->spans[h].len;
        qsort_r(tp + lo, hi - lo, sizeof *tp, cmp_rows, &rx);
        for (size_t p = lo; p < hi; p++) T += p == lo || !same_row(V, C, K, tp[p - 1], tp[p]);
    }
    SAYDO_TRY(grow(&ws->U, &ws->cap_u, T * K, sizeof *ws->U));
    SAYDO_TRY(grow(&ws->Ucm, &ws->cap_ucm, T * K, sizeof *ws->Ucm));
    SAYDO_TRY(grow(&ws->mult, &ws->cap_types, T, sizeof *ws->mult));
    SAYDO_TRY(grow(&ws->tmap, &ws->cap_tmap, C, sizeof *ws->tmap));
    size_t t = 0;
    for (size_t h = 0; h < H; h++) {
        ws->tspans[h].off = t;
        const size_t a = ws->spans[h].off, b = a + ws->spans[h].len;
        for (size_t p = a; p < b; p++) {
            if (p == a || !same_row(V, C, K, tp[p - 1], tp[p])) {
                for (size_t k = 0; k < K; k++) ws->U[t * K + k] = V[k * C + tp[p]];
                ws->mult[t] = 0;
                t++;
            }
            ws->mult[t - 1] += 1.0;
            ws->tmap[tp[p]] = (uint32_t)(t - 1);
        }
        ws->tspans[h].len = t - ws->tspans[h].off;
    }
    for (size_t i = 0; i < T; i++)
        for (size_t k = 0; k < K; k++) ws->Ucm[k * T + i] = ws->U[i * K + k];
    *n_strata = H;
    *n_types = T;
cleanup:
    return st;
}

/* Statistic j from the totals of one resample (K = m+1 or 2(m+1)). */
static inline double stat_j(const double *T, size_t m, int paired, size_t j)
{
    double a = T[1 + j] / T[0];
    if (paired) a -= T[m + 2 + j] / T[m + 1];
    return a;
}

/* Acceleration of statistic j from the leave-one-cluster-out values per type
 * (th[t]); U_c = (n_h - 1)(mean_h - theta_(-c)), a = sum U^3 / (6 (sum U^2)^1.5). */
static double accel_j(const saydo_boot_ws_t *ws, size_t H, const double *th)
{
    double num = 0.0, den = 0.0;
    for (size_t h = 0; h < H; h++) {
        const size_t n_h = ws->spans[h].len;
        const saydo_boot_span_t ts = ws->tspans[h];
        if (n_h <= 1) continue;              /* a lone cluster never varies */
        int varies = 0;
        double mean = 0.0;
        for (size_t t = ts.off; t < ts.off + ts.len; t++) {
            if (!isfinite(th[t])) return NAN;
            varies |= th[t] != th[ts.off];
            mean += ws->mult[t] * th[t];
        }
        if (!varies) continue;               /* U = 0 exactly, whatever rounding says */
        mean /= (double)n_h;
        for (size_t t = ts.off; t < ts.off + ts.len; t++) {
            const double u = (double)(n_h - 1) * (mean - th[t]);
            num += ws->mult[t] * u * u * u;
            den += ws->mult[t] * u * u;
        }
    }
    return den > 0 ? num / (6.0 * pow(den, 1.5)) : 0.0;
}

/* ---- resampling ---- */

static saydo_status prepare_slots(saydo_boot_ws_t *ws, int n, size_t C, size_t K, size_t T,
                                  int count_path, int use_blas)
{
    saydo_status st = SAYDO_OK;
    if (n > ws->n_slots) {
        boot_slot *s = realloc(ws->slots, (size_t)n * sizeof *s);
        SAYDO_FAIL_IF(!s, SAYDO_E_NOMEM, "bootstrap workspace: out of memory");
        memset(s + ws->n_slots, 0, (size_t)(n - ws->n_slots) * sizeof *s);
        ws->slots = s;
        ws->n_slots = n;
    }
    for (int i = 0; i < n; i++) {
        boot_slot *s = &ws->slots[i];
        SAYDO_TRY(grow(&s->T, &s->cap_t, DGEMM_SUB * K, sizeof *s->T));
        if (count_path) {
            SAYDO_TRY(grow(&s->tcnt, &s->cap_types, T, sizeof *s->tcnt));
            if (!s->rng) {
                s->rng = gsl_rng_alloc(gsl_rng_taus2);
                SAYDO_FAIL_IF(!s->rng, SAYDO_E_NOMEM, "bootstrap: cannot allocate a generator");
                /* we write the (s1, s2, s3) state of taus.c directly */
                SAYDO_FAIL_IF(gsl_rng_size(s->rng) != 3 * sizeof(unsigned long), SAYDO_E_INVAL,
                              "bootstrap: unexpected gsl_rng_taus2 state layout");
            }
        } else {
            SAYDO_TRY(grow(&s->cnt, &s->cap_c, DGEMM_SUB * C, sizeof *s->cnt));
            if (use_blas) SAYDO_TRY(grow(&s->W, &s->cap_w, DGEMM_SUB * C, sizeof *s->W));
        }
    }
cleanup:
    return st;
}

typedef struct run_ctx {
    size_t C, K, m, B, H, T;
    int paired, use_blas, by_type;
    uint64_t seed;
} run_ctx;

static void general_block(const saydo_boot_ws_t *ws, const run_ctx *x, boot_slot *s, size_t blk)
{
    saydo_boot_rng8_t g;
    saydo_boot_rng8_seed(&g, x->seed, blk);
    const size_t r0 = blk * SAYDO_BOOT_BLOCK;
    const size_t r1 = r0 + SAYDO_BOOT_BLOCK < x->B ? r0 + SAYDO_BOOT_BLOCK : x->B;
    const size_t sub = x->use_blas ? DGEMM_SUB : SAYDO_BOOT_SUB, K = x->K;
    /* by type: the same cluster draws, counted per type, against the type rows */
    const size_t C = x->by_type ? x->T : x->C;
    const double *V = x->by_type ? ws->Ucm : ws->V;
    const uint32_t *map = x->by_type ? ws->tmap : NULL;
    for (size_t r = r0; r < r1; r += sub) {
        const size_t nr = r1 - r < sub ? r1 - r : sub;
        memset(s->cnt, 0, sub * C * sizeof *s->cnt);
        for (size_t i = 0; i < nr; i++)
            saydo_boot_draw_counts(&g, ws->spans, x->H, map, s->cnt + i * C);
        if (x->use_blas) {
            for (size_t i = 0; i < nr * C; i++) s->W[i] = (double)s->cnt[i];
            saydo_boot_wsum_blas(s->W, nr, C, V, K, s->T);
        } else {
            saydo_boot_wsum4(s->cnt, C, V, K, s->T);
        }
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < x->m; j++)
                ws->theta[j * x->B + r + i] = stat_j(s->T + i * K, x->m, x->paired, j);
    }
}

static void count_block(const saydo_boot_ws_t *ws, const run_ctx *x, boot_slot *s, size_t blk)
{
    uint32_t st[3];
    saydo_boot_taus2_seed(x->seed, blk, SAYDO_BOOT_LANES, st);  /* a stream no lane uses */
    unsigned long *gs = gsl_rng_state(s->rng);
    gs[0] = st[0];
    gs[1] = st[1];
    gs[2] = st[2];
    const size_t r0 = blk * SAYDO_BOOT_BLOCK;
    const size_t r1 = r0 + SAYDO_BOOT_BLOCK < x->B ? r0 + SAYDO_BOOT_BLOCK : x->B;
    const size_t K = x->K;
    double *T = s->T;
    for (size_t r = r0; r < r1; r++) {
        for (size_t h = 0; h < x->H; h++) {
            const saydo_boot_span_t ts = ws->tspans[h];
            gsl_ran_multinomial(s->rng, ts.len, (unsigned)ws->spans[h].len, ws->mult + ts.off,
                                s->tcnt + ts.off);
        }
        for (size_t k = 0; k < K; k++) T[k] = 0.0;
        for (size_t t = 0; t < x->T; t++) {
            if (!s->tcnt[t]) continue;
            const double w = (double)s->tcnt[t];
            for (size_t k = 0; k < K; k++) T[k] += w * ws->U[t * K + k];
        }
        for (size_t j = 0; j < x->m; j++)
            ws->theta[j * x->B + r] = stat_j(T, x->m, x->paired, j);
    }
}

static void fill_nan(saydo_boot_result_t *res, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        saydo_boot_result_t *r = &res[j];
        r->estimate = r->se = r->bias = r->z0 = r->accel = NAN;
        for (int i = 0; i < SAYDO_BOOT_N_METHODS; i++) r->lo[i] = r->hi[i] = NAN;
        r->n_nan = 0;
    }
}

saydo_status saydo_boot_run(saydo_boot_ws_t *ws, const saydo_boot_data_t *d,
                            const saydo_boot_opts_t *opts, saydo_boot_result_t *res,
                            size_t res_cap)
{
    return saydo_boot_run_ex(ws, d, opts, res, res_cap, -1);
}

saydo_status saydo_boot_run_ex(saydo_boot_ws_t *ws, const saydo_boot_data_t *d,
                               const saydo_boot_opts_t *opts, saydo_boot_result_t *res,
                               size_t res_cap, int by_type)
{
    saydo_status st = SAYDO_OK;
    saydo_boot_opts_t o;
    if (opts) o = *opts;
    else saydo_boot_opts_init(&o);
    SAYDO_FAIL_IF(!ws || !d || !res, SAYDO_E_INVAL, "saydo_boot_run: NULL argument");
    ws->last_m = ws->last_B = ws->last_types = 0;
    ws->last_path = SAYDO_BOOT_PATH_AUTO;
    const size_t C = d->n_clusters, m = d->n_stats, B = o.n_resamples;
    SAYDO_FAIL_IF(m == 0 || res_cap < m, SAYDO_E_INVAL,
                  "saydo_boot_run: %zu statistics for %zu results", m, res_cap);
    SAYDO_FAIL_IF(!(o.level > 0 && o.level < 1), SAYDO_E_INVAL,
                  "saydo_boot_run: level %g is not in (0, 1)", o.level);
    SAYDO_FAIL_IF(B == 0, SAYDO_E_INVAL, "saydo_boot_run: no resamples");
    SAYDO_FAIL_IF(!(o.methods & 7u) || (o.methods & ~7u), SAYDO_E_INVAL,
                  "saydo_boot_run: methods 0x%x", o.methods);
    SAYDO_FAIL_IF(o.path > SAYDO_BOOT_PATH_GENERAL, SAYDO_E_INVAL, "saydo_boot_run: bad path");
    SAYDO_FAIL_IF((d->n_b == NULL) != (d->s_b == NULL), SAYDO_E_INVAL,
                  "saydo_boot_run: n_b and s_b go together");
    SAYDO_FAIL_IF(C > 0 && (!d->n || !d->s), SAYDO_E_INVAL, "saydo_boot_run: NULL cluster arrays");
    SAYDO_FAIL_IF(C >= (size_t)INT32_MAX, SAYDO_E_INVAL, "saydo_boot_run: %zu clusters", C);
    fill_nan(res, m);
    if (C == 0) goto cleanup;

    const int paired = d->n_b != NULL;
    const size_t K = paired ? 2 * (m + 1) : m + 1;
    size_t H = 0, T = 0;
    SAYDO_TRY(build_layout(ws, d, K, &H, &T));

    /* estimate and jackknife from the type table */
    double *tot = NULL;
    SAYDO_TRY(grow(&ws->jack, &ws->cap_jack, T * m + 2 * K, sizeof *ws->jack));
    tot = ws->jack + T * m;
    double *loo = tot + K;
    for (size_t k = 0; k < K; k++) tot[k] = 0.0;
    for (size_t t = 0; t < T; t++)
        for (size_t k = 0; k < K; k++) tot[k] += ws->mult[t] * ws->U[t * K + k];
    for (size_t t = 0; t < T; t++) {
        for (size_t k = 0; k < K; k++) loo[k] = tot[k] - ws->U[t * K + k];
        for (size_t j = 0; j < m; j++) ws->jack[j * T + t] = stat_j(loo, m, paired, j);
    }
    for (size_t j = 0; j < m; j++) {
        res[j].estimate = stat_j(tot, m, paired, j);
        res[j].accel = (o.methods & SAYDO_BOOT_BCA) ? accel_j(ws, H, ws->jack + j * T) : NAN;
    }

    int count_path;
    if (o.path == SAYDO_BOOT_PATH_AUTO) count_path = T <= H || T * COUNT_PATH_RATIO <= C;
    else count_path = o.path == SAYDO_BOOT_PATH_COUNT;
    SAYDO_FAIL_IF(count_path && C > UINT32_MAX / 2, SAYDO_E_INVAL, "bootstrap: too many clusters");
    const int use_blas = !count_path && K > FUSED_MAX_K;
    if (by_type < 0) by_type = T * BY_TYPE_RATIO <= C;
    by_type = !count_path && by_type;

    SAYDO_TRY(grow(&ws->theta, &ws->cap_theta, m * B, sizeof *ws->theta));
    SAYDO_TRY(grow(&ws->scratch, &ws->cap_scratch, B, sizeof *ws->scratch));
    const size_t n_blk = (B + SAYDO_BOOT_BLOCK - 1) / SAYDO_BOOT_BLOCK;
    /* inside a parallel region (score --ci runs small rows one per thread)
     * the caller's threads are busy already: one thread here */
    int n_thr = omp_in_parallel() ? 1 : omp_get_max_threads();
    if ((size_t)n_thr > n_blk) n_thr = (int)n_blk;
    /* Below a few milliseconds of work a parallel region costs more than it
     * saves, and far more on an oversubscribed machine (threads spin at the
     * barrier). The thread count never changes the results. */
    const double work = (double)B * (count_path ? 100.0 * (double)T : (double)C);
    if (n_thr < 1 || work < PARALLEL_MIN_WORK) n_thr = 1;
    SAYDO_TRY(prepare_slots(ws, n_thr, by_type ? T : C, K, T, count_path, use_blas));

    const run_ctx x = {C, K, m, B, H, T, paired, use_blas, by_type, o.seed};
    /* blocks write disjoint replicate rows, so the schedule cannot change them */
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_thr) if (n_thr > 1)
    for (size_t blk = 0; blk < n_blk; blk++) {
        boot_slot *s = &ws->slots[omp_get_thread_num()];
        if (count_path) count_block(ws, &x, s, blk);
        else general_block(ws, &x, s, blk);
    }

    for (size_t j = 0; j < m; j++)
        saydo_boot_summarize(ws->theta + j * B, B, o.level, o.methods, ws->scratch, &res[j]);
    ws->last_m = m;
    ws->last_B = B;
    ws->last_types = T;
    ws->last_path = count_path ? SAYDO_BOOT_PATH_COUNT : SAYDO_BOOT_PATH_GENERAL;
cleanup:
    return st;
}

saydo_status saydo_boot_mean(saydo_boot_ws_t *ws, const double *x, size_t n,
                             const saydo_boot_opts_t *opts, saydo_boot_result_t *res)
{
    saydo_status st = SAYDO_OK;
    SAYDO_FAIL_IF(!ws || (n && !x), SAYDO_E_INVAL, "saydo_boot_mean: NULL argument");
    SAYDO_TRY(grow(&ws->ones, &ws->cap_ones, n ? n : 1, sizeof *ws->ones));
    for (size_t i = 0; i < n; i++) ws->ones[i] = 1.0;
    const saydo_boot_data_t d = {.n_clusters = n, .n_stats = 1, .n = ws->ones, .s = x};
    SAYDO_TRY(saydo_boot_run(ws, &d, opts, res, 1));
cleanup:
    return st;
}
