/* ValueActionLens beyond the paper: intervals that resample whole scenarios,
 * and the paired test of two models' F1 over scenarios.
 *
 * A scenario's 56 cells are answered in one Task 1 response and share its
 * country and topic, so scenarios (not cells) are the resampling unit.
 * Figures that are means over scenarios (F1, accuracy) or sums of
 * per-scenario counts go through the clustered bootstrap engine (one
 * cluster a scenario, n = 1); the shares and the gap are ratios over cells
 * (n = the scenario's cells). The distance is not a ratio of sums (|mean v - mean a|
 * per group and value, then a mean over values), so it is recomputed from
 * scenario weights drawn here: C uniform draws inside each stratum, the
 * stratum being the country (or topic) whose matrix row the draw feeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "core/va_impl.h"
#include "saydo/kernels.h"
#include "saydo/stats.h"
#include "util/try.h"

/* a product for SAYDO_NEW (whose `n ? n : 1` warns on a bare `a * b`) */
static size_t nmul(size_t a, size_t b) { return a * b; }

/* Which interval of a boot result the options ask for (percentile unless
 * only basic or only BCa is requested). */
static int method_index(unsigned methods)
{
    if (methods == SAYDO_BOOT_BCA) return SAYDO_BOOT_I_BCA;
    if (methods == SAYDO_BOOT_BASIC) return SAYDO_BOOT_I_BASIC;
    return SAYDO_BOOT_I_PERCENTILE;
}

/* Percentile (or basic) interval of B replicates, sorted in place. */
static void rep_interval(double *rep, size_t B, double est, double level, int basic, double *lo, double *hi)
{
    saydo_sort_doubles(rep, B);
    double a = (1 - level) / 2, q_lo = saydo_quantile_sorted(rep, B, a), q_hi = saydo_quantile_sorted(rep, B, 1 - a);
    if (basic) {
        *lo = 2 * est - q_hi;
        *hi = 2 * est - q_lo;
    } else {
        *lo = q_lo;
        *hi = q_hi;
    }
}

/* Bootstrap of the mean over groups and values of the distance matrix, the
 * scenarios of the row resampled within their group (group_of). */
static saydo_status boot_distance(const saydo_va_t *va, const va_run_t *run, const int32_t *scen, size_t n_scen,
                                  const int32_t *group_of, size_t n_groups, uint64_t seed, const saydo_boot_opts_t *bo,
                                  double est, double *lo, double *hi)
{
    saydo_status st = SAYDO_OK;
    gsl_rng *rng = NULL;
    double *w = NULL, *D = NULL, *sv = NULL, *sa = NULL, *sn = NULL, *rep = NULL;
    int32_t *members = NULL, *gof = NULL;
    size_t *start = NULL;
    const size_t m = n_groups * va->n_value, B = bo->n_resamples;
    *lo = *hi = NAN;
    if (isnan(est) || n_scen == 0) goto cleanup;
    SAYDO_NEW(w, va->n_scen);
    SAYDO_NEW(gof, va->n_scen);
    SAYDO_NEW(D, m);
    SAYDO_NEW(sv, m);
    SAYDO_NEW(sa, m);
    SAYDO_NEW(sn, m);
    SAYDO_NEW(rep, B);
    SAYDO_NEW(members, n_scen);
    SAYDO_NEW(start, n_groups + 1);
    /* the row's scenarios bucketed by group */
    for (size_t s = 0; s < va->n_scen; s++) gof[s] = -1;
    for (size_t q = 0; q < n_scen; q++) {
        gof[scen[q]] = group_of[scen[q]];
        if (gof[scen[q]] >= 0) start[gof[scen[q]] + 1]++;
    }
    for (size_t g = 0; g < n_groups; g++) start[g + 1] += start[g];
    {
        size_t *fill = calloc(n_groups + 1, sizeof *fill);
        SAYDO_FAIL_IF(!fill, SAYDO_E_NOMEM, "out of memory");
        memcpy(fill, start, (n_groups + 1) * sizeof *fill);
        for (size_t q = 0; q < n_scen; q++)
            if (gof[scen[q]] >= 0) members[fill[gof[scen[q]]]++] = scen[q];
        free(fill);
    }
    rng = gsl_rng_alloc(gsl_rng_taus2);
    SAYDO_FAIL_IF(!rng, SAYDO_E_NOMEM, "out of memory");
    gsl_rng_set(rng, (unsigned long)(seed * 0x9E3779B97F4A7C15ull >> 11) + 1);
    for (size_t b = 0; b < B; b++) {
        memset(w, 0, va->n_scen * sizeof *w);
        for (size_t g = 0; g < n_groups; g++) {
            size_t n = start[g + 1] - start[g];
            for (size_t k = 0; k < n; k++) w[members[start[g] + gsl_rng_uniform_int(rng, n)]] += 1;
        }
        va_distance_matrix(va, run, gof, n_groups, w, D, sv, sa, sn);
        rep[b] = va_nanmean(D, m);
    }
    rep_interval(rep, B, est, bo->level, method_index(bo->methods) == SAYDO_BOOT_I_BASIC, lo, hi);
cleanup:
    gsl_rng_free(rng);
    free(w); free(D); free(sv); free(sa); free(sn); free(rep); free(members); free(gof); free(start);
    return st;
}

saydo_status va_ci_row(const saydo_va_t *va, const va_run_t *run, const int32_t *scen, size_t n_scen,
                       int dist_group, int overall, uint64_t seed, saydo_boot_ws_t *ws, double *lo, double *hi)
{
    saydo_status st = SAYDO_OK;
    double *n1 = NULL, *s1 = NULL, *n2 = NULL, *s2 = NULL, *Dtmp = NULL, *sv = NULL, *sa = NULL, *sn = NULL;
    int32_t *by = NULL;
    for (int j = 0; j < VA_CI_N; j++) lo[j] = hi[j] = NAN;
    const int pos = va->o.positive_disagree;
    size_t C = 0;
    SAYDO_NEW(n1, n_scen);
    SAYDO_NEW(s1, nmul(4, n_scen));
    SAYDO_NEW(n2, n_scen);
    SAYDO_NEW(s2, nmul(3, n_scen));
    for (size_t q = 0; q < n_scen; q++) {
        size_t s = (size_t)scen[q];
        if (!run->n_kept[s]) continue;
        n1[C] = 1;
        s1[C * 4 + 0] = pos ? run->f1d[s] : run->f1a[s];
        s1[C * 4 + 1] = run->acc[s];
        s1[C * 4 + 2] = run->ad[s];
        s1[C * 4 + 3] = run->da[s];
        n2[C] = run->n_kept[s];
        s2[C * 3 + 0] = run->bv1[s];
        s2[C * 3 + 1] = run->ba1[s];
        s2[C * 3 + 2] = run->gap[s];
        C++;
    }
    if (C == 0) goto cleanup;
    saydo_boot_opts_t bo = va->o.boot;
    bo.seed = seed;
    int mi = method_index(bo.methods);
    saydo_boot_result_t res[4];
    saydo_boot_data_t bd = {.n_clusters = C, .n_stats = 4, .n = n1, .s = s1};
    SAYDO_TRY(saydo_boot_run(ws, &bd, &bo, res, 4));
    static const int map1[4] = {VA_CI_F1, VA_CI_ACC, VA_CI_AD, VA_CI_DA};
    for (int j = 0; j < 4; j++) {
        double scale = j >= 2 ? (double)C : 1.0;   /* a count is C times the mean per scenario */
        lo[map1[j]] = res[j].lo[mi] * scale;
        hi[map1[j]] = res[j].hi[mi] * scale;
    }
    bd = (saydo_boot_data_t){.n_clusters = C, .n_stats = 3, .n = n2, .s = s2};
    SAYDO_TRY(saydo_boot_run(ws, &bd, &bo, res, 3));
    lo[VA_CI_SD] = res[0].lo[mi];
    hi[VA_CI_SD] = res[0].hi[mi];
    lo[VA_CI_AN] = res[1].lo[mi];
    hi[VA_CI_AN] = res[1].hi[mi];
    lo[VA_CI_GAP] = res[2].lo[mi];
    hi[VA_CI_GAP] = res[2].hi[mi];

    if (dist_group == 2) goto cleanup;
    /* distance: the estimate again (the same matrices as the table), then resampled */
    const size_t nv = va->n_value;
    size_t mx = (va->n_country > va->n_topic ? va->n_country : va->n_topic) * nv;
    SAYDO_NEW(Dtmp, mx);
    SAYDO_NEW(sv, mx);
    SAYDO_NEW(sa, mx);
    SAYDO_NEW(sn, mx);
    SAYDO_NEW(by, va->n_scen);
    for (int pass = 0; pass < (overall ? 2 : 1); pass++) {
        int topics = overall ? pass == 1 : dist_group == 1;
        size_t ng = topics ? va->n_topic : va->n_country;
        for (size_t s = 0; s < va->n_scen; s++) by[s] = -1;
        for (size_t q = 0; q < n_scen; q++) by[scen[q]] = topics ? va->scen_topic[scen[q]] : va->scen_country[scen[q]];
        /* a country or topic row: its one group, as row 0 of a 1-row matrix */
        if (!overall)
            for (size_t q = 0; q < n_scen; q++) by[scen[q]] = 0;
        size_t rows = overall ? ng : 1;
        va_distance_matrix(va, run, by, rows, NULL, Dtmp, sv, sa, sn);
        double est = va_nanmean(Dtmp, rows * nv);
        int slot = overall && pass == 1 ? VA_CI_DIST_T : VA_CI_DIST;
        SAYDO_TRY(boot_distance(va, run, scen, n_scen, by, rows, seed, &bo, est, &lo[slot], &hi[slot]));
    }
cleanup:
    free(n1); free(s1); free(n2); free(s2); free(Dtmp); free(sv); free(sa); free(sn); free(by);
    return st;
}

/* ---- paired comparison of two runs' F1 ---------------------------------- */

static const va_run_t *find_run(const saydo_va_t *va, const char *spec)
{
    const char *at = strchr(spec, '@');
    size_t ml = at ? (size_t)(at - spec) : strlen(spec);
    const char *cond = at ? at + 1 : "base";
    for (size_t r = 0; r < va->n_runs; r++)
        if (strncmp(va->run[r].model, spec, ml) == 0 && va->run[r].model[ml] == '\0' &&
            strcmp(va->run[r].condition, cond) == 0)
            return &va->run[r];
    return NULL;
}

saydo_status saydo_va_compare_table(const saydo_va_t *va, const char *model_a, const char *model_b,
                                    saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    saydo_boot_ws_t *ws = NULL;
    gsl_rng *rng = NULL;
    double *fa = NULL, *fb = NULL, *ones = NULL, *dd = NULL, *work = NULL;
    *out = NULL;
    const va_run_t *A = find_run(va, model_a), *Bn = find_run(va, model_b);
    SAYDO_FAIL_IF(!A, SAYDO_E_INVAL, "no ValueActionLens run '%s' in the store (MODEL or MODEL@CONDITION)", model_a);
    SAYDO_FAIL_IF(!Bn, SAYDO_E_INVAL, "no ValueActionLens run '%s' in the store (MODEL or MODEL@CONDITION)", model_b);
    const int pos = va->o.positive_disagree;
    size_t n = 0, S = va->n_scen ? va->n_scen : 1;
    SAYDO_NEW(fa, S);
    SAYDO_NEW(fb, S);
    SAYDO_NEW(ones, S);
    SAYDO_NEW(dd, S);
    SAYDO_NEW(work, S);
    double ma = 0, mb = 0;
    for (size_t s = 0; s < va->n_scen; s++) {
        if (!A->n_kept[s] || !Bn->n_kept[s]) continue;   /* paired: scenarios both runs scored */
        fa[n] = pos ? A->f1d[s] : A->f1a[s];
        fb[n] = pos ? Bn->f1d[s] : Bn->f1a[s];
        ones[n] = 1;
        dd[n] = fa[n] - fb[n];
        ma += fa[n];
        mb += fb[n];
        n++;
    }
    static const char *names[] = {"model_a", "condition_a", "model_b", "condition_b", "positive", "n_scenarios",
                                  "f1_a", "f1_b", "diff", "diff_lo", "diff_hi", "p_signflip", "p_wilcoxon",
                                  "ci_level", "n_resamples"};
    enum { NC = sizeof names / sizeof names[0] };
    SAYDO_TRY(saydo_table_create(1, NC, &t));
    for (int c = 0; c < NC; c++) SAYDO_TRY(saydo_table_set_col(t, c, names[c], c < 5));
    SAYDO_TRY(saydo_table_set_str(t, 0, 0, A->model));
    SAYDO_TRY(saydo_table_set_str(t, 1, 0, A->condition));
    SAYDO_TRY(saydo_table_set_str(t, 2, 0, Bn->model));
    SAYDO_TRY(saydo_table_set_str(t, 3, 0, Bn->condition));
    SAYDO_TRY(saydo_table_set_str(t, 4, 0, pos ? "disagree" : "agree"));
    saydo_table_set_num(t, 5, 0, (double)n);
    saydo_table_set_num(t, 13, 0, va->o.boot.level);
    saydo_table_set_num(t, 14, 0, (double)va->o.boot.n_resamples);
    if (n == 0) goto done;
    saydo_table_set_num(t, 6, 0, ma / n);
    saydo_table_set_num(t, 7, 0, mb / n);
    saydo_table_set_num(t, 8, 0, ma / n - mb / n);
    SAYDO_TRY(saydo_boot_ws_create(&ws));
    saydo_boot_result_t res;
    saydo_boot_data_t bd = {.n_clusters = n, .n_stats = 1, .n = ones, .s = fa, .n_b = ones, .s_b = fb};
    SAYDO_TRY(saydo_boot_run(ws, &bd, &va->o.boot, &res, 1));
    int mi = method_index(va->o.boot.methods);
    saydo_table_set_num(t, 9, 0, res.lo[mi]);
    saydo_table_set_num(t, 10, 0, res.hi[mi]);
    rng = gsl_rng_alloc(gsl_rng_taus2);
    SAYDO_FAIL_IF(!rng, SAYDO_E_NOMEM, "out of memory");
    gsl_rng_set(rng, (unsigned long)va->o.boot.seed + 1);
    saydo_stats_perm_t perm = saydo_stats_signflip_test(dd, n, va->o.boot.n_resamples, rng);
    saydo_table_set_num(t, 11, 0, perm.p);
    saydo_stats_wilcoxon_t wx = saydo_stats_wilcoxon_test(dd, n, work);
    saydo_table_set_num(t, 12, 0, wx.p);
done:
    *out = t;
    t = NULL;
cleanup:
    saydo_table_free(t);
    saydo_boot_ws_free(ws);
    gsl_rng_free(rng);
    free(fa); free(fb); free(ones); free(dd); free(work);
    return st;
}
