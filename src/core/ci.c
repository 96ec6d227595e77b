/* Intervals for ratio statistics over item clusters (saydo/ci.h): the
 * method table, the per-group driver around saydo_boot_run() and the
 * analytic kernels, and the cluster layout shared with compare. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/ci_impl.h"
#include "saydo/boot.h"
#include "saydo/ci.h"
#include "util/keyset.h"
#include "util/try.h"

void saydo_ci_opts_default(saydo_ci_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->method = SAYDO_CI_BCA;
    o->n_resamples = SAYDO_BOOT_DEFAULT_B;
    o->level = 0.95;
}

static const struct {
    const char *name;
    saydo_ci_method m;
} method_names[] = {
    {"none", SAYDO_CI_NONE},     {"percentile", SAYDO_CI_PERCENTILE}, {"basic", SAYDO_CI_BASIC},
    {"bca", SAYDO_CI_BCA},       {"wilson", SAYDO_CI_WILSON},         {"clopper", SAYDO_CI_CLOPPER},
    {"cluster", SAYDO_CI_CLUSTER},
};

saydo_status saydo_ci_method_parse(const char *name, saydo_ci_method *m)
{
    for (size_t k = 1; k < sizeof method_names / sizeof method_names[0]; k++)
        if (strcmp(name, method_names[k].name) == 0) {
            *m = method_names[k].m;
            return SAYDO_OK;
        }
    if (strcmp(name, "beta") == 0) {   /* statsmodels' name for Clopper-Pearson */
        *m = SAYDO_CI_CLOPPER;
        return SAYDO_OK;
    }
    return saydo_set_error(SAYDO_E_INVAL, "unknown interval method '%s' (percentile, basic, bca, wilson, clopper, "
                                          "cluster)", name);
}

const char *saydo_ci_method_name(saydo_ci_method m)
{
    for (size_t k = 0; k < sizeof method_names / sizeof method_names[0]; k++)
        if (method_names[k].m == m) return method_names[k].name;
    return "none";
}

int saydo_ci_is_boot(saydo_ci_method m)
{
    return m == SAYDO_CI_PERCENTILE || m == SAYDO_CI_BASIC || m == SAYDO_CI_BCA;
}

saydo_status ci_grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap && *(void **)p) return SAYDO_OK;
    size_t c = *cap ? *cap : 64;
    while (c < n) c *= 2;
    void *q = realloc(*(void **)p, c * sz);
    if (!q) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    *(void **)p = q;
    *cap = c;
    return SAYDO_OK;
}

/* ---- cluster layout ------------------------------------------------------ */

typedef struct {
    int32_t row;
    saydo_key_t key;
    int64_t unit;
} lay_ent_t;

static int cmp_ent(const void *a, const void *b)
{
    const lay_ent_t *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    if (x->key.hi != y->key.hi) return x->key.hi < y->key.hi ? -1 : 1;
    if (x->key.lo != y->key.lo) return x->key.lo < y->key.lo ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

void ci_layout_free(ci_layout_t *l)
{
    if (!l) return;
    free(l->order);
    free(l->start);
    free(l->row_start);
    memset(l, 0, sizeof *l);
}

/* The same layout by two stable counting sorts, when the cluster keys fit a
 * small dense code: code = ((model * C + condition) * I + item) * V +
 * variant grows with the key exactly as saydo_key_pack() orders it (model,
 * then condition, item, variant), so sorting units by code, then stably by
 * row, gives the (row, key, unit) order of the comparison sort, in O(n +
 * codes) instead of a qsort of 32-byte entries (0.5 s of CPU for the 1.2M
 * pairs of the benchmark store, and 38 MB of fresh memory). Returns 0 when
 * the codes do not fit (the caller sorts instead). */
static int layout_counting(const saydo_data_t *d, const int64_t *rec, const int32_t *row, size_t n, size_t m,
                           size_t n_rows, ci_layout_t *out, saydo_status *st_out)
{
    saydo_status st = SAYDO_OK;
    const size_t nm = d->models.n, nc = d->conditions.n, ni = d->items.n, nv = d->variants.n;
    const double space_d = (double)nm * (double)nc * (double)ni * (double)nv;
    /* saydo_key_pack's limits: past them the comparison sort reports the error */
    if (nm >= (1u << 20) || nc >= (1u << 20) || nv >= (1u << 24) || n >= UINT32_MAX ||
        space_d > 4.0 * (double)m + 65536.0)
        return 0;
    const size_t space = (size_t)space_d;
    uint32_t *code = NULL, *cnt = NULL, *by_code = NULL;
    SAYDO_NEW(code, n ? n : 1);
    SAYDO_NEW(cnt, (space > n_rows ? space : n_rows) + 1);
    SAYDO_NEW(by_code, m ? m : 1);
    for (size_t i = 0; i < n; i++) {
        if (row[i] < 0) continue;
        const int64_t r = rec[i];
        code[i] = (uint32_t)((((size_t)d->model[r] * nc + (size_t)d->condition[r]) * ni + (size_t)d->item[r]) * nv +
                             (size_t)d->variant[r]);
        cnt[code[i] + 1]++;
    }
    for (size_t c = 0; c < space; c++) cnt[c + 1] += cnt[c];
    for (size_t i = 0; i < n; i++)   /* units in (code, unit) order */
        if (row[i] >= 0) by_code[cnt[code[i]]++] = (uint32_t)i;
    memset(cnt, 0, (n_rows + 1) * sizeof *cnt);
    for (size_t j = 0; j < m; j++) cnt[row[by_code[j]] + 1]++;
    for (size_t r = 0; r < n_rows; r++) cnt[r + 1] += cnt[r];
    SAYDO_NEW(out->order, m ? m : 1);
    SAYDO_NEW(out->start, m + 1);
    SAYDO_NEW(out->row_start, n_rows + 1);
    for (size_t r = 0; r <= n_rows; r++) out->row_start[r] = cnt[r];   /* units for now: clusters below */
    for (size_t j = 0; j < m; j++) {   /* stably by row: (row, code, unit) */
        const uint32_t i = by_code[j];
        out->order[cnt[row[i]]++] = (int64_t)i;
    }
    out->n_units = m;
    out->n_rows = n_rows;
    size_t nclu = 0, r = 0;
    for (size_t u = 0; u < m; u++) {
        const size_t i = (size_t)out->order[u];
        int first_of_row = 0;
        while (r < n_rows && out->row_start[r + 1] <= u) r++;   /* the row unit u is in */
        if (u == out->row_start[r]) first_of_row = 1;
        if (u == 0 || first_of_row || code[i] != code[out->order[u - 1]]) out->start[nclu++] = u;
    }
    out->start[nclu] = m;
    out->n_clusters = nclu;
    /* first cluster of each row: rows without units get empty ranges */
    size_t c = 0;
    for (size_t rr = 0; rr <= n_rows; rr++) {
        const size_t u0 = out->row_start[rr];
        while (c < nclu && out->start[c] < u0) c++;
        out->row_start[rr] = c;
    }
cleanup:
    free(code);
    free(cnt);
    free(by_code);
    *st_out = st;
    return 1;
}

saydo_status ci_layout_build(const saydo_data_t *d, const int64_t *rec, const int32_t *row, size_t n,
                             size_t n_rows, ci_layout_t *out)
{
    saydo_status st = SAYDO_OK;
    lay_ent_t *e = NULL;
    memset(out, 0, sizeof *out);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        SAYDO_FAIL_IF(row[i] >= 0 && (size_t)row[i] >= n_rows, SAYDO_E_INVAL, "cluster layout: row %d of %zu", row[i],
                      n_rows);
        m += row[i] >= 0;
    }
    if (layout_counting(d, rec, row, n, m, n_rows, out, &st)) goto cleanup;
    SAYDO_NEW(e, m);
    m = 0;
    for (size_t i = 0; i < n; i++) {
        if (row[i] < 0) continue;
        int64_t r = rec[i];
        e[m].row = row[i];
        e[m].unit = (int64_t)i;
        SAYDO_TRY(saydo_key_pack(d->model[r], d->condition[r], d->item[r], 0, 0, d->variant[r], &e[m].key));
        m++;
    }
    qsort(e, m, sizeof *e, cmp_ent);
    out->n_units = m;
    out->n_rows = n_rows;
    SAYDO_NEW(out->order, m);
    SAYDO_NEW(out->start, m + 1);
    SAYDO_NEW(out->row_start, n_rows + 1);
    size_t nc = 0;
    for (size_t i = 0; i < m; i++) {
        out->order[i] = e[i].unit;
        if (i == 0 || e[i].row != e[i - 1].row || e[i].key.hi != e[i - 1].key.hi || e[i].key.lo != e[i - 1].key.lo)
            out->start[nc++] = i;
    }
    out->start[nc] = m;
    out->n_clusters = nc;
    /* first cluster of each row: rows without units get empty ranges */
    size_t c = 0;
    for (size_t r = 0; r <= n_rows; r++) {
        while (c < nc && (size_t)e[out->start[c]].row < r) c++;
        out->row_start[r] = c;
    }
cleanup:
    free(e);
    if (st < 0) ci_layout_free(out);
    return st;
}

/* ---- intervals of one group --------------------------------------------- */

struct saydo_ci_ctx {
    saydo_ci_opts_t o;
    saydo_boot_ws_t *ws;
    double *bn, *bs, *bnb, *bsb;   /* one call's compacted clusters */
    int32_t *bstr;
    size_t cap_n, cap_s, cap_nb, cap_sb, cap_str;
    saydo_boot_result_t *res;
    size_t cap_res;
    size_t *cls;                   /* statistics of one call */
    uint8_t *done;
    size_t cap_cls, cap_done;
};

saydo_status saydo_ci_ctx_create(const saydo_ci_opts_t *o, saydo_ci_ctx_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_ci_ctx_t *c = NULL;
    *out = NULL;
    SAYDO_FAIL_IF(o->method == SAYDO_CI_NONE, SAYDO_E_INVAL, "no interval method");
    SAYDO_FAIL_IF(!(o->level > 0 && o->level < 1), SAYDO_E_INVAL, "the level must be in (0, 1), not %g", o->level);
    SAYDO_FAIL_IF(saydo_ci_is_boot(o->method) && o->n_resamples < 1, SAYDO_E_INVAL, "the bootstrap needs resamples");
    SAYDO_NEW(c, 1);
    c->o = *o;
    c->o.strata = NULL;
    if (saydo_ci_is_boot(o->method)) SAYDO_TRY(saydo_boot_ws_create(&c->ws));
    *out = c;
    c = NULL;
cleanup:
    saydo_ci_ctx_free(c);
    return st;
}

void saydo_ci_ctx_free(saydo_ci_ctx_t *c)
{
    if (!c) return;
    saydo_boot_ws_free(c->ws);
    free(c->bn);
    free(c->bs);
    free(c->bnb);
    free(c->bsb);
    free(c->bstr);
    free(c->res);
    free(c->cls);
    free(c->done);
    free(c);
}

/* Compensated sum (Neumaier): cluster sums of PCS over thousands of clusters. */
static double ksum(const double *x, size_t n)
{
    double s = 0, comp = 0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        comp += fabs(s) >= fabs(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
        s = t;
    }
    return s + comp;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static int same_col(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* One saydo_boot_run() over the statistics cls[0..mc): the clusters with a
 * count in A or B, values row-major as the engine takes them. */
static saydo_status boot_class(saydo_ci_ctx_t *x, const saydo_ci_clusters_t *cl, size_t mc, uint64_t seed,
                               saydo_stats_ci_t *out)
{
    saydo_status st = SAYDO_OK;
    const size_t C = cl->n_clusters, j0 = x->cls[0];
    const int paired = cl->n_b != NULL;
    const double *n = cl->n + j0 * C, *nb = paired ? cl->n_b + j0 * C : NULL;
    SAYDO_TRY(ci_grow(&x->bn, &x->cap_n, C, sizeof *x->bn));
    SAYDO_TRY(ci_grow(&x->bs, &x->cap_s, C * mc, sizeof *x->bs));
    SAYDO_TRY(ci_grow(&x->bstr, &x->cap_str, C, sizeof *x->bstr));
    SAYDO_TRY(ci_grow(&x->res, &x->cap_res, mc, sizeof *x->res));
    if (paired) {
        SAYDO_TRY(ci_grow(&x->bnb, &x->cap_nb, C, sizeof *x->bnb));
        SAYDO_TRY(ci_grow(&x->bsb, &x->cap_sb, C * mc, sizeof *x->bsb));
    }
    size_t k = 0;
    for (size_t c = 0; c < C; c++) {
        if (!(n[c] > 0) && !(paired && nb[c] > 0)) continue;
        x->bn[k] = n[c];
        if (paired) x->bnb[k] = nb[c];
        if (cl->strata) x->bstr[k] = cl->strata[c];
        for (size_t q = 0; q < mc; q++) {
            x->bs[k * mc + q] = cl->s[x->cls[q] * C + c];
            if (paired) x->bsb[k * mc + q] = cl->s_b[x->cls[q] * C + c];
        }
        k++;
    }
    saydo_boot_data_t bd = {k, mc, x->bn, x->bs, paired ? x->bnb : NULL, paired ? x->bsb : NULL,
                            cl->strata ? x->bstr : NULL};
    saydo_boot_opts_t bo;
    saydo_boot_opts_init(&bo);
    bo.n_resamples = x->o.n_resamples;
    bo.level = x->o.level;
    bo.seed = seed;
    int idx = x->o.method == SAYDO_CI_PERCENTILE ? SAYDO_BOOT_I_PERCENTILE
              : x->o.method == SAYDO_CI_BASIC    ? SAYDO_BOOT_I_BASIC
                                                 : SAYDO_BOOT_I_BCA;
    bo.methods = 1u << idx;
    SAYDO_TRY(saydo_boot_run(x->ws, &bd, &bo, x->res, mc));
    for (size_t q = 0; q < mc; q++) {
        saydo_stats_ci_t *r = &out[x->cls[q]];
        r->est = x->res[q].estimate;
        r->lo = x->res[q].lo[idx];
        r->hi = x->res[q].hi[idx];
    }
cleanup:
    return st;
}

saydo_status saydo_ci_ratios(saydo_ci_ctx_t *x, const saydo_ci_clusters_t *cl, uint64_t seed, saydo_stats_ci_t *out)
{
    saydo_status st = SAYDO_OK;
    const size_t C = cl->n_clusters, m = cl->n_stats;
    const int paired = cl->n_b != NULL;
    SAYDO_FAIL_IF(!x || !cl || !out || m == 0 || (C && (!cl->n || !cl->s)) || (paired && !cl->s_b),
                  SAYDO_E_INVAL, "saydo_ci_ratios: bad arguments");
    SAYDO_TRY(ci_grow(&x->done, &x->cap_done, m, sizeof *x->done));
    SAYDO_TRY(ci_grow(&x->cls, &x->cap_cls, m, sizeof *x->cls));
    for (size_t j = 0; j < m; j++) {
        out[j].est = out[j].lo = out[j].hi = NAN;
        x->done[j] = 1;
        if (C == 0) continue;
        const double *n = cl->n + j * C, *s = cl->s + j * C;
        SAYDO_FAIL_IF(!all_finite(n, C), SAYDO_E_INVAL, "saydo_ci_ratios: non-finite count");
        double N = ksum(n, C), S = ksum(s, C);
        if (!(N > 0) || !all_finite(s, C)) continue;
        double est = S / N;
        if (paired) {
            const double *nb = cl->n_b + j * C, *sb = cl->s_b + j * C;
            SAYDO_FAIL_IF(!all_finite(nb, C), SAYDO_E_INVAL, "saydo_ci_ratios: non-finite count");
            double Nb = ksum(nb, C);
            if (!(Nb > 0) || !all_finite(sb, C)) continue;
            est -= ksum(sb, C) / Nb;
        }
        out[j].est = est;
        x->done[j] = 0;
        if (paired && !saydo_ci_is_boot(x->o.method)) continue;   /* no analytic paired form here */
        if (saydo_ci_is_boot(x->o.method)) continue;               /* below, in shared calls */
        int binary = cl->binary && cl->binary[j];
        if (binary && (x->o.method == SAYDO_CI_WILSON || x->o.method == SAYDO_CI_CLOPPER)) {
            size_t kk = (size_t)llround(S), nn = (size_t)llround(N);
            saydo_stats_ci_t r = x->o.method == SAYDO_CI_WILSON ? saydo_stats_wilson_ci(kk, nn, x->o.level)
                                                                : saydo_stats_clopper_pearson_ci(kk, nn, x->o.level);
            out[j].lo = r.lo;
            out[j].hi = r.hi;
        } else {
            saydo_stats_cluster_mean_t r = saydo_stats_cluster_mean(s, n, C, x->o.level, 1);
            out[j].lo = r.lo;
            out[j].hi = r.hi;
        }
    }
    if (!saydo_ci_is_boot(x->o.method)) goto cleanup;
    for (size_t j = 0; j < m; j++) {
        if (x->done[j]) continue;
        size_t mc = 0;
        x->cls[mc++] = j;
        x->done[j] = 1;
        for (size_t k = j + 1; k < m; k++) {
            if (x->done[k] || !same_col(cl->n + j * C, cl->n + k * C, C)) continue;
            if (paired && !same_col(cl->n_b + j * C, cl->n_b + k * C, C)) continue;
            x->cls[mc++] = k;
            x->done[k] = 1;
        }
        SAYDO_TRY(boot_class(x, cl, mc, seed, out));
    }
cleanup:
    return st;
}
