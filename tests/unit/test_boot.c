/* Unit tests of the bootstrap engine (include/saydo/boot.h): the generator
 * against GSL's taus2, SIMD kernels against their scalar twins and the plain
 * reference, percentiles against a full sort, bit-identical results for 1, 2
 * and 4 threads, the two resampling paths against each other, exact
 * degenerate cases, analytic bootstrap variances and the edge cases.
 * Golden comparisons with scipy are in test_boot_golden.c, the coverage
 * simulation in test_boot_coverage.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "saydo/boot.h"
#include "kernels/boot_internal.h"
#include "boot_test_util.h"

static gsl_rng *rng_new(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static saydo_boot_opts_t opts(size_t B, uint64_t seed, saydo_boot_path path)
{
    saydo_boot_opts_t o;
    saydo_boot_opts_init(&o);
    o.n_resamples = B;
    o.seed = seed;
    o.path = path;
    return o;
}

/* ------------------------------------------------------------ generators */

/* Our inlined taus2 is GSL's: load the same state into gsl_rng_taus2. */
static void test_taus2_matches_gsl(void **state)
{
    (void)state;
    gsl_rng *g = gsl_rng_alloc(gsl_rng_taus2);
    assert_int_equal(gsl_rng_size(g), 3 * sizeof(unsigned long));
    for (uint32_t stream = 0; stream < 3; stream++) {
        uint32_t st[3];
        saydo_boot_taus2_seed(77, 5, stream, st);
        unsigned long *gs = gsl_rng_state(g);
        gs[0] = st[0];
        gs[1] = st[1];
        gs[2] = st[2];
        for (int i = 0; i < 10000; i++) {
            const unsigned long want = gsl_rng_get(g);
            assert_int_equal(saydo_boot_taus2_next(&st[0], &st[1], &st[2]), want);
        }
    }
    gsl_rng_free(g);
}

/* Counts from the AVX2 and scalar drawers are identical, and so are the
 * generator states after, across strata of awkward sizes (partial rounds,
 * size 1) and one of 10^6 clusters where Lemire rejections do happen. */
static void test_draw_scalar_vs_avx2(void **state)
{
    (void)state;
    if (!saydo_boot_have_avx2()) skip();
    const saydo_boot_span_t spans[] = {{0, 1}, {1, 3}, {4, 7}, {11, 8}, {19, 9}, {28, 1000},
                                       {1028, 1000000}};
    const size_t H = N_OF(spans), C = 1001028;
    uint32_t *a = calloc(C, sizeof *a), *b = calloc(C, sizeof *b);
    saydo_boot_rng8_t ga, gb;
    saydo_boot_rng8_seed(&ga, 123, 4);
    gb = ga;
    for (int rep = 0; rep < 3; rep++) {
        saydo_boot_draw_counts_scalar(&ga, spans, H, NULL, a);
        saydo_boot_draw_counts_avx2(&gb, spans, H, NULL, b);
    }
    assert_memory_equal(a, b, C * sizeof *a);
    assert_memory_equal(&ga, &gb, sizeof ga);
    /* with a position -> type map (type = position mod 5) */
    uint32_t *map = malloc(C * sizeof *map), ta[5] = {0}, tb[5] = {0};
    for (size_t c = 0; c < C; c++) map[c] = (uint32_t)(c % 5);
    saydo_boot_draw_counts_scalar(&ga, spans, H, map, ta);
    saydo_boot_draw_counts_avx2(&gb, spans, H, map, tb);
    assert_memory_equal(ta, tb, sizeof ta);
    assert_memory_equal(&ga, &gb, sizeof ga);
    assert_int_equal(ta[0] + ta[1] + ta[2] + ta[3] + ta[4], C);
    free(map);
    for (size_t h = 0; h < H; h++) {   /* 3 resamples of len draws each */
        uint64_t sum = 0;
        for (size_t c = spans[h].off; c < spans[h].off + spans[h].len; c++) sum += a[c];
        assert_int_equal(sum, 3 * spans[h].len);
    }
    free(a);
    free(b);
}

/* Indices are uniform: chi-square of 7,000,000 draws over 7 cells (one
 * stratum of 7 drawn 10^6 times), 6 df; P(chi2 > 27.9) = 1e-4. */
static void test_draw_uniform(void **state)
{
    (void)state;
    const saydo_boot_span_t span = {0, 7};
    uint32_t cnt[7] = {0};
    saydo_boot_rng8_t g;
    saydo_boot_rng8_seed(&g, 2024, 0);
    for (int r = 0; r < 1000000; r++) saydo_boot_draw_counts(&g, &span, 1, NULL, cnt);
    double chi2 = 0;
    for (int i = 0; i < 7; i++) chi2 += (cnt[i] - 1e6) * (cnt[i] - 1e6) / 1e6;
    assert_true(gsl_cdf_chisq_Q(chi2, 6) > 1e-4);
}

/* ------------------------------------------------------ weighted sums */

/* On the same draws: fused AVX2 == fused scalar bitwise; both, and dgemm,
 * agree with the plain triple loop to 1e-12. */
static void test_wsum_kernels(void **state)
{
    (void)state;
    enum { C = 5003, K = 5, R = 4, KB = 12, RB = 16 };
    gsl_rng *r = rng_new(5);
    double *V = malloc(KB * C * sizeof *V), *W = malloc(RB * C * sizeof *W);
    uint32_t *cnt = calloc(RB * C, sizeof *cnt);
    for (size_t i = 0; i < KB * C; i++) V[i] = gsl_ran_gaussian(r, 1.0) + (i % 3 == 0);
    const saydo_boot_span_t span = {0, C};
    saydo_boot_rng8_t g;
    saydo_boot_rng8_seed(&g, 9, 1);
    for (size_t i = 0; i < RB; i++) saydo_boot_draw_counts(&g, &span, 1, NULL, cnt + i * C);
    for (size_t i = 0; i < RB * C; i++) W[i] = cnt[i];

    double Ts[R * K], Ta[R * K], Tr[RB * KB], Tb[RB * KB];
    /* every K (1 to 3 take the one-pass AVX2 loop), and every C mod 4 (the
     * tails): the first cc clusters of each count row and value column */
    uint32_t *cc_cnt = malloc(R * C * sizeof *cc_cnt);
    double *cc_V = malloc(K * C * sizeof *cc_V), *cc_W = malloc(R * C * sizeof *cc_W);
    for (size_t cc = C - 3; cc <= C; cc++) {
        for (size_t r0 = 0; r0 < R; r0++)
            for (size_t c = 0; c < cc; c++) {
                cc_cnt[r0 * cc + c] = cnt[r0 * C + c];
                cc_W[r0 * cc + c] = W[r0 * C + c];
            }
        for (size_t k = 0; k < K; k++)
            for (size_t c = 0; c < cc; c++) cc_V[k * cc + c] = V[k * C + c];
        for (size_t k = 1; k <= K; k++) {
            saydo_boot_wsum4_scalar(cc_cnt, cc, cc_V, k, Ts);
            saydo_boot_wsum_ref(cc_W, R, cc, cc_V, k, Tr);
            for (size_t i = 0; i < R * k; i++)
                BT_CLOSE(Ts[i], Tr[i], 1e-12, 1e-12, "fused scalar C=%zu K=%zu %zu", cc, k, i);
            if (saydo_boot_have_avx2()) {
                saydo_boot_wsum4_avx2(cc_cnt, cc, cc_V, k, Ta);
                if (memcmp(Ta, Ts, R * k * sizeof *Ta) != 0)
                    fail_msg("wsum4 AVX2 and scalar differ at C = %zu, K = %zu", cc, k);
            }
        }
    }
    free(cc_cnt);
    free(cc_V);
    free(cc_W);
    /* dgemm with several C tiles (R*K*C > 262144) */
    saydo_boot_wsum_ref(W, RB, C, V, KB, Tr);
    saydo_boot_wsum_blas(W, RB, C, V, KB, Tb);
    for (size_t i = 0; i < RB * KB; i++) BT_CLOSE(Tb[i], Tr[i], 1e-12, 1e-12, "dgemm %zu", i);
    /* the count totals are integers and exact in every kernel */
    saydo_boot_wsum_blas(W, RB, C, V, KB, Tb);
    free(V);
    free(W);
    free(cnt);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------- percentiles */

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quickselect-based percentile == numpy's formula on a fully sorted copy. */
static void test_percentile_vs_sort(void **state)
{
    (void)state;
    gsl_rng *r = rng_new(11);
    const double qs[] = {0, 0.1, 2.5, 5, 25, 50, 50.5, 95, 97.5, 99.9, 100};
    for (size_t n = 1; n < 300; n += 7) {
        double *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s), *w = malloc(n * sizeof *w);
        for (size_t i = 0; i < n; i++) x[i] = (double)gsl_rng_uniform_int(r, 1 + n / 3);  /* ties */
        memcpy(s, x, n * sizeof *x);
        qsort(s, n, sizeof *s, cmp_d);
        for (size_t i = 0; i < N_OF(qs); i++) {
            memcpy(w, x, n * sizeof *x);
            const double vi = (double)(n - 1) * (qs[i] / 100.0);
            const size_t k = (size_t)vi;
            const double g = vi - (double)k;
            const double lo = s[k], hi = s[k + 1 < n ? k + 1 : n - 1];
            const double want = g >= 0.5 ? hi - (hi - lo) * (1 - g) : lo + (hi - lo) * g;
            assert_true(saydo_boot_percentile(w, n, qs[i]) == want);
        }
        free(x);
        free(s);
        free(w);
    }
    gsl_rng_free(r);
}

/* -------------------------------------------------------- determinism */

typedef struct fixture {
    size_t C, m;
    double *n, *s, *nb, *sb;
    int32_t *strata;
} fixture;

/* Clusters of 1..4 trials with continuous or discrete values. */
static fixture make_fixture(size_t C, size_t m, int discrete, int paired, int stratified,
                            unsigned long seed)
{
    fixture f = {C, m, malloc(C * sizeof(double)), malloc(C * m * sizeof(double)), NULL, NULL,
                 NULL};
    gsl_rng *r = rng_new(seed);
    if (paired) {
        f.nb = malloc(C * sizeof(double));
        f.sb = malloc(C * m * sizeof(double));
    }
    if (stratified) f.strata = malloc(C * sizeof(int32_t));
    for (size_t c = 0; c < C; c++) {
        f.n[c] = 1 + (double)gsl_rng_uniform_int(r, 4);
        for (size_t j = 0; j < m; j++)
            f.s[c * m + j] = discrete ? (double)gsl_ran_binomial(r, 0.6, (unsigned)f.n[c])
                                      : f.n[c] * gsl_rng_uniform(r);
        if (paired) {
            f.nb[c] = 1 + (double)gsl_rng_uniform_int(r, 3);
            for (size_t j = 0; j < m; j++)
                f.sb[c * m + j] = discrete ? (double)gsl_ran_binomial(r, 0.4, (unsigned)f.nb[c])
                                           : f.nb[c] * gsl_rng_uniform(r) * 0.8;
        }
        if (stratified) f.strata[c] = (int32_t)gsl_rng_uniform_int(r, 3) - 1;
    }
    gsl_rng_free(r);
    return f;
}

static saydo_boot_data_t fixture_data(const fixture *f)
{
    return (saydo_boot_data_t){.n_clusters = f->C, .n_stats = f->m, .n = f->n, .s = f->s,
                               .n_b = f->nb, .s_b = f->sb, .strata = f->strata};
}

static void fixture_free(fixture *f)
{
    free(f->n);
    free(f->s);
    free(f->nb);
    free(f->sb);
    free(f->strata);
}

/* Results and replicates are bit-identical for 1, 2 and 4 threads on every
 * path: count, fused general, dgemm general (K = 12), stratified. */
static void test_threads_bitwise(void **state)
{
    (void)state;
    struct { size_t C, m; int discrete, paired, stratified; saydo_boot_path path; } cases[] = {
        {3000, 2, 1, 0, 0, SAYDO_BOOT_PATH_COUNT},
        {3000, 2, 0, 0, 0, SAYDO_BOOT_PATH_GENERAL},
        {3000, 5, 0, 1, 0, SAYDO_BOOT_PATH_GENERAL},   /* K = 12: dgemm */
        {3000, 1, 0, 1, 1, SAYDO_BOOT_PATH_GENERAL},
        {3000, 1, 1, 1, 1, SAYDO_BOOT_PATH_COUNT},
    };   /* B * C >= 4e6: big enough for saydo_boot_run to go parallel */
    const int threads[] = {1, 2, 4};
    const int saved = omp_get_max_threads();
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    for (size_t i = 0; i < N_OF(cases); i++) {
        fixture f = make_fixture(cases[i].C, cases[i].m, cases[i].discrete, cases[i].paired,
                                 cases[i].stratified, 100 + i);
        const saydo_boot_data_t d = fixture_data(&f);
        const saydo_boot_opts_t o = opts(1500, 42 + i, cases[i].path);  /* 6 blocks, last short */
        saydo_boot_result_t ref[5], got[5];
        double *ref_th = malloc(f.m * 1500 * sizeof *ref_th);
        for (size_t t = 0; t < N_OF(threads); t++) {
            omp_set_num_threads(threads[t]);
            saydo_boot_result_t *res = t ? got : ref;
            memset(res, 0, 5 * sizeof *res);
            BT_OK(saydo_boot_run(ws, &d, &o, res, 5));
            assert_int_equal(saydo_boot_ws_last_path(ws), cases[i].path);
            for (size_t j = 0; j < f.m; j++) {
                size_t B = 0;
                const double *th = saydo_boot_ws_replicates(ws, j, &B);
                assert_int_equal(B, 1500);
                if (t == 0) memcpy(ref_th + j * B, th, B * sizeof *th);
                else assert_memory_equal(th, ref_th + j * B, B * sizeof *th);
            }
            if (t) assert_memory_equal(got, ref, f.m * sizeof *ref);
        }
        free(ref_th);
        fixture_free(&f);
    }
    omp_set_num_threads(saved);
    saydo_boot_ws_free(ws);
}

/* ----------------------------------------------------- count vs general */

/* Discrete data (a few dozen types): the two paths give the same estimate and
 * acceleration bit for bit, and CIs / SE within Monte Carlo error. With B
 * replicates a 2.5% quantile has sd ~ 2.67 se / sqrt(B) (sqrt(q(1-q)/B) /
 * phi(z_q) for a near-normal distribution); BCa adds the sd of z0,
 * 1.25 / sqrt(B), times ~2 se. Two independent runs differ by sqrt(2) times
 * that; we allow 4 sd: 15.1 se/sqrt(B), and 21 se/sqrt(B) for BCa. The SE
 * itself has relative sd 1/sqrt(2(B-1)): tolerance 4 sqrt(2) of that. */
static void test_count_vs_general(void **state)
{
    (void)state;
    enum { B = 20000 };
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    for (int paired = 0; paired < 2; paired++) {
        /* unpaired: 2 statistics, 54 types; paired and stratified: 1, 378 */
        fixture f = make_fixture(2000, paired ? 1 : 2, 1, paired, paired, 7 + paired);
        const saydo_boot_data_t d = fixture_data(&f);
        saydo_boot_opts_t oc = opts(B, 1, SAYDO_BOOT_PATH_COUNT), og = opts(B, 2, SAYDO_BOOT_PATH_GENERAL);
        saydo_boot_result_t rc[2], rg[2];
        BT_OK(saydo_boot_run(ws, &d, &oc, rc, 2));
        assert_true(saydo_boot_ws_last_types(ws) <= (paired ? 378 : 54));
        BT_OK(saydo_boot_run(ws, &d, &og, rg, 2));
        for (size_t j = 0; j < f.m; j++) {
            assert_true(rc[j].estimate == rg[j].estimate);
            assert_true(rc[j].accel == rg[j].accel);
            const double se = rc[j].se, q = 15.1 * se / sqrt((double)B);
            BT_CLOSE(rg[j].se, se, 4 * sqrt(2.0) / sqrt(2.0 * (B - 1)), 0, "paired %d se %zu", paired, j);
            for (int i = 0; i < SAYDO_BOOT_N_METHODS; i++) {
                const double tol = i == SAYDO_BOOT_I_BCA ? 21 * se / sqrt((double)B) : q;
                BT_CLOSE(rg[j].lo[i], rc[j].lo[i], 0, tol, "paired %d stat %zu method %d lo", paired, j, i);
                BT_CLOSE(rg[j].hi[i], rc[j].hi[i], 0, tol, "paired %d stat %zu method %d hi", paired, j, i);
            }
        }
        fixture_free(&f);
    }
    saydo_boot_ws_free(ws);
}

/* The general path counting draws per type or per cluster sees the same
 * draws: replicates agree to 1e-12, exactly when all values are integers. */
static void test_by_type_same_draws(void **state)
{
    (void)state;
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    for (int discrete = 0; discrete < 2; discrete++) {
        /* continuous values on a coarse grid: many clusters share a type */
        fixture f = make_fixture(3000, 2, 1, 1, 1, 50 + discrete);
        if (!discrete)
            for (size_t i = 0; i < f.C * f.m; i++) f.s[i] = 0.25 * f.s[i] + 0.1;
        const saydo_boot_data_t d = fixture_data(&f);
        const saydo_boot_opts_t o = opts(700, 3, SAYDO_BOOT_PATH_GENERAL);
        saydo_boot_result_t r1[2], r0[2];
        BT_OK(saydo_boot_run_ex(ws, &d, &o, r1, 2, 1));
        size_t B = 0;
        double *th1 = malloc(2 * 700 * sizeof *th1);
        for (size_t j = 0; j < 2; j++)
            memcpy(th1 + j * 700, saydo_boot_ws_replicates(ws, j, &B), 700 * sizeof *th1);
        BT_OK(saydo_boot_run_ex(ws, &d, &o, r0, 2, 0));
        for (size_t j = 0; j < 2; j++) {
            const double *th0 = saydo_boot_ws_replicates(ws, j, &B);
            for (size_t b = 0; b < B; b++)
                BT_CLOSE(th1[j * 700 + b], th0[b], discrete ? 0 : 1e-12, 0, "replicate %zu", b);
        }
        free(th1);
        fixture_free(&f);
    }
    saydo_boot_ws_free(ws);
}

/* ------------------------------------------------------------ exactness */

static void assert_point(const saydo_boot_result_t *r, double theta, double tol)
{
    for (int i = 0; i < SAYDO_BOOT_N_METHODS; i++) {
        BT_CLOSE(r->lo[i], theta, 0, tol, "lo %d", i);
        BT_CLOSE(r->hi[i], theta, 0, tol, "hi %d", i);
    }
}

/* All clusters identical: the count path (which AUTO takes) gives exactly
 * [theta, theta], se 0; forced onto the general path, rounding in the sums
 * leaves a width below 1e-13. Two strata, each internally identical, fix
 * every stratum total: zero width with strata, not without. */
static void test_degenerate_exact(void **state)
{
    (void)state;
    enum { C = 500 };
    double n[C], s[2 * C];
    int32_t strata[C];
    for (size_t c = 0; c < C; c++) {
        n[c] = 2;
        s[2 * c] = 1;
        s[2 * c + 1] = 0.7;
        strata[c] = c < 200 ? 5 : 9;
    }
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    saydo_boot_data_t d = {.n_clusters = C, .n_stats = 2, .n = n, .s = s};
    saydo_boot_result_t r[2];
    saydo_boot_opts_t o = opts(999, 3, SAYDO_BOOT_PATH_AUTO);
    BT_OK(saydo_boot_run(ws, &d, &o, r, 2));
    assert_int_equal(saydo_boot_ws_last_path(ws), SAYDO_BOOT_PATH_COUNT);
    assert_int_equal(saydo_boot_ws_last_types(ws), 1);
    assert_true(r[0].estimate == 0.5);
    assert_true(r[1].estimate == 0.35);
    for (int j = 0; j < 2; j++) {
        assert_point(&r[j], r[j].estimate, 0);
        assert_true(r[j].se == 0 && r[j].accel == 0 && r[j].z0 == 0);
    }
    o.path = SAYDO_BOOT_PATH_GENERAL;
    BT_OK(saydo_boot_run(ws, &d, &o, r, 2));
    for (int j = 0; j < 2; j++) assert_point(&r[j], r[j].estimate, 1e-13);

    /* strata: values differ between strata, not inside */
    for (size_t c = 200; c < C; c++) {
        n[c] = 1;
        s[2 * c] = 0;
        s[2 * c + 1] = 0.2;
    }
    d.strata = strata;
    o.path = SAYDO_BOOT_PATH_AUTO;
    BT_OK(saydo_boot_run(ws, &d, &o, r, 2));
    assert_int_equal(saydo_boot_ws_last_types(ws), 2);
    for (int j = 0; j < 2; j++) {
        assert_point(&r[j], r[j].estimate, 0);
        assert_true(r[j].se == 0);
    }
    d.strata = NULL;
    BT_OK(saydo_boot_run(ws, &d, &o, r, 2));
    assert_true(r[0].se > 0.01);
    saydo_boot_ws_free(ws);
}

/* With one pair per cluster the denominator is fixed, so the statistic is a
 * linear mean and its exact bootstrap variance is known: sum_h n_h v_h / N^2
 * with v_h the divisor-n_h variance of stratum h (one stratum: v / n). The
 * sample variance of B replicates has relative sd sqrt(2/(B-1)) = 0.7% at
 * B = 40000; tolerance 4%, about 5.7 sd. The mean of the replicates is the
 * estimate within 4 se / sqrt(B). */
static void test_linear_variance(void **state)
{
    (void)state;
    enum { C = 400, B = 40000 };
    gsl_rng *r = rng_new(21);
    double n[C], x[C];
    int32_t strata[C];
    for (size_t c = 0; c < C; c++) {
        strata[c] = c < 50 ? 0 : c < 170 ? 1 : 2;
        n[c] = 1;
        x[c] = gsl_ran_exponential(r, 1.0) + 2.0 * strata[c];
    }
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    for (int strat = 0; strat < 2; strat++) {
        double var = 0, N = C;
        for (int h = 0; h < (strat ? 3 : 1); h++) {
            double sum = 0, ss = 0, nh = 0;
            for (size_t c = 0; c < C; c++)
                if (!strat || strata[c] == h) {
                    sum += x[c];
                    nh++;
                }
            for (size_t c = 0; c < C; c++)
                if (!strat || strata[c] == h) ss += (x[c] - sum / nh) * (x[c] - sum / nh);
            var += nh * (ss / nh) / (N * N);
        }
        const saydo_boot_data_t d = {.n_clusters = C, .n_stats = 1, .n = n, .s = x,
                                     .strata = strat ? strata : NULL};
        saydo_boot_result_t res;
        const saydo_boot_opts_t o = opts(B, 8, SAYDO_BOOT_PATH_AUTO);
        BT_OK(saydo_boot_run(ws, &d, &o, &res, 1));
        assert_int_equal(saydo_boot_ws_last_path(ws), SAYDO_BOOT_PATH_GENERAL);
        BT_CLOSE(res.se * res.se, var, 0.04, 0, "stratified %d: bootstrap variance", strat);
        BT_CLOSE(res.bias, 0, 0, 4 * sqrt(var / B), "stratified %d: bias", strat);
    }
    saydo_boot_ws_free(ws);
    gsl_rng_free(r);
}

/* The acceleration against a direct leave-one-cluster-out loop written here
 * (no types): a = sum U^3 / (6 (sum U^2)^1.5), U = (C-1)(mean - theta_(-c)). */
static void test_accel_direct(void **state)
{
    (void)state;
    fixture f = make_fixture(300, 1, 1, 1, 0, 31);   /* discrete: repeated clusters */
    double tot[4] = {0}, th[300], mean = 0;
    for (size_t c = 0; c < f.C; c++) {
        tot[0] += f.n[c];
        tot[1] += f.s[c];
        tot[2] += f.nb[c];
        tot[3] += f.sb[c];
    }
    for (size_t c = 0; c < f.C; c++) {
        th[c] = (tot[1] - f.s[c]) / (tot[0] - f.n[c]) - (tot[3] - f.sb[c]) / (tot[2] - f.nb[c]);
        mean += th[c] / (double)f.C;
    }
    double num = 0, den = 0;
    for (size_t c = 0; c < f.C; c++) {
        const double u = (double)(f.C - 1) * (mean - th[c]);
        num += u * u * u;
        den += u * u;
    }
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    const saydo_boot_data_t d = fixture_data(&f);
    saydo_boot_result_t res;
    const saydo_boot_opts_t o = opts(100, 1, SAYDO_BOOT_PATH_AUTO);
    BT_OK(saydo_boot_run(ws, &d, &o, &res, 1));
    BT_CLOSE(res.accel, num / (6 * pow(den, 1.5)), 1e-9, 1e-15, "acceleration");
    BT_CLOSE(res.estimate, tot[1] / tot[0] - tot[3] / tot[2], 1e-14, 0, "estimate");
    saydo_boot_ws_free(ws);
    fixture_free(&f);
}

/* ------------------------------------------------------------ edge cases */

static void test_edges(void **state)
{
    (void)state;
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    saydo_boot_result_t r[2];
    const saydo_boot_opts_t o = opts(500, 1, SAYDO_BOOT_PATH_AUTO);

    /* C = 0: NaN everywhere, no replicates */
    const saydo_boot_data_t empty = {.n_clusters = 0, .n_stats = 2};
    BT_OK(saydo_boot_run(ws, &empty, &o, r, 2));
    for (int j = 0; j < 2; j++) {
        assert_true(isnan(r[j].estimate) && isnan(r[j].se) && isnan(r[j].accel));
        for (int i = 0; i < SAYDO_BOOT_N_METHODS; i++) assert_true(isnan(r[j].lo[i]) && isnan(r[j].hi[i]));
    }
    size_t B = 9;
    assert_null(saydo_boot_ws_replicates(ws, 0, &B));
    assert_int_equal(B, 0);
    BT_OK(saydo_boot_mean(ws, NULL, 0, &o, r));
    assert_true(isnan(r[0].estimate));

    /* C = 1: the single cluster's ratio, se 0, a = 0, zero-width intervals */
    const double n1 = 3, s1[2] = {2, 1.5};
    const saydo_boot_data_t one = {.n_clusters = 1, .n_stats = 2, .n = &n1, .s = s1};
    for (int p = 0; p < 3; p++) {
        saydo_boot_opts_t op = o;
        op.path = (saydo_boot_path)p;
        BT_OK(saydo_boot_run(ws, &one, &op, r, 2));
        assert_true(r[0].estimate == 2.0 / 3.0 && r[1].estimate == 0.5);
        for (int j = 0; j < 2; j++) {
            assert_point(&r[j], r[j].estimate, 0);
            assert_true(r[j].se == 0 && r[j].accel == 0);
        }
    }

    /* all-equal values: scipy's BCa is NaN (a = 0/0); ours is the point */
    double x[50];
    for (int i = 0; i < 50; i++) x[i] = 0.3;
    BT_OK(saydo_boot_mean(ws, x, 50, &o, r));
    assert_point(&r[0], r[0].estimate, 0);
    BT_CLOSE(r[0].estimate, 0.3, 1e-15, 0, "all-equal mean");
    assert_true(r[0].accel == 0 && r[0].z0 == 0);

    /* a cluster without pairs: resamples of only that cluster are 0/0 = NaN,
     * counted, and make se and the intervals NaN as in numpy */
    const double n2[2] = {0, 1}, s2[2] = {0, 1};
    const saydo_boot_data_t zero = {.n_clusters = 2, .n_stats = 1, .n = n2, .s = s2};
    BT_OK(saydo_boot_run(ws, &zero, &o, r, 1));
    assert_true(r[0].estimate == 1.0);
    assert_true(r[0].n_nan > 60 && r[0].n_nan < 190);   /* Binomial(500, 1/4): 125 +- 10 */
    assert_true(isnan(r[0].se) && isnan(r[0].lo[0]) && isnan(r[0].hi[2]));

    /* methods not asked for stay NaN */
    saydo_boot_opts_t op = o;
    op.methods = SAYDO_BOOT_PERCENTILE;
    BT_OK(saydo_boot_mean(ws, s1, 2, &op, r));
    assert_false(isnan(r[0].lo[SAYDO_BOOT_I_PERCENTILE]));
    assert_true(isnan(r[0].lo[SAYDO_BOOT_I_BASIC]) && isnan(r[0].hi[SAYDO_BOOT_I_BCA]));
    assert_true(isnan(r[0].accel) && isnan(r[0].z0));
    saydo_boot_ws_free(ws);
}

/* The replicates accessor: B values whose mean is estimate + bias. */
static void test_replicates(void **state)
{
    (void)state;
    fixture f = make_fixture(200, 2, 0, 0, 0, 4);
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    const saydo_boot_data_t d = fixture_data(&f);
    saydo_boot_result_t r[2];
    const saydo_boot_opts_t o = opts(777, 5, SAYDO_BOOT_PATH_AUTO);
    BT_OK(saydo_boot_run(ws, &d, &o, r, 2));
    for (size_t j = 0; j < 2; j++) {
        size_t B = 0;
        const double *th = saydo_boot_ws_replicates(ws, j, &B);
        assert_non_null(th);
        assert_int_equal(B, 777);
        double sum = 0;
        for (size_t b = 0; b < B; b++) sum += th[b];
        BT_CLOSE(sum / (double)B, r[j].estimate + r[j].bias, 1e-12, 0, "mean of replicates %zu", j);
    }
    assert_null(saydo_boot_ws_replicates(ws, 2, NULL));
    saydo_boot_ws_free(ws);
    fixture_free(&f);
}

static void test_invalid(void **state)
{
    (void)state;
    saydo_boot_ws_t *ws = NULL;
    BT_OK(saydo_boot_ws_create(&ws));
    double n[3] = {1, 2, 1}, s[3] = {1, 0.5, 0};
    saydo_boot_result_t r[2];
    saydo_boot_opts_t o = opts(100, 1, SAYDO_BOOT_PATH_AUTO);
    saydo_boot_data_t d = {.n_clusters = 3, .n_stats = 1, .n = n, .s = s};
    BT_OK(saydo_boot_run(ws, &d, &o, r, 1));
    assert_int_equal(saydo_boot_run(NULL, &d, &o, r, 1), SAYDO_E_INVAL);
    assert_int_equal(saydo_boot_run(ws, NULL, &o, r, 1), SAYDO_E_INVAL);
    assert_int_equal(saydo_boot_run(ws, &d, &o, NULL, 1), SAYDO_E_INVAL);
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 0), SAYDO_E_INVAL);
    assert_true(strlen(saydo_last_error()) > 0);
    const double levels[] = {0, 1, -0.5, NAN};
    for (size_t i = 0; i < N_OF(levels); i++) {
        saydo_boot_opts_t b = o;
        b.level = levels[i];
        assert_int_equal(saydo_boot_run(ws, &d, &b, r, 1), SAYDO_E_INVAL);
    }
    saydo_boot_opts_t b = o;
    b.n_resamples = 0;
    assert_int_equal(saydo_boot_run(ws, &d, &b, r, 1), SAYDO_E_INVAL);
    b = o;
    b.methods = 0;
    assert_int_equal(saydo_boot_run(ws, &d, &b, r, 1), SAYDO_E_INVAL);
    b.methods = 8;
    assert_int_equal(saydo_boot_run(ws, &d, &b, r, 1), SAYDO_E_INVAL);
    d.n_stats = 0;
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    d.n_stats = 1;
    n[1] = -1;
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    n[1] = 0;   /* no pairs but a sum of 0.5 */
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    n[1] = 2;
    s[2] = NAN;
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    s[2] = 0;
    d.n_b = n;   /* n_b without s_b */
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    d.n_b = NULL;
    d.s = NULL;
    assert_int_equal(saydo_boot_run(ws, &d, &o, r, 1), SAYDO_E_INVAL);
    assert_int_equal(saydo_boot_ws_create(NULL), SAYDO_E_INVAL);
    saydo_boot_ws_free(ws);
    saydo_boot_ws_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taus2_matches_gsl),
        cmocka_unit_test(test_draw_scalar_vs_avx2),
        cmocka_unit_test(test_draw_uniform),
        cmocka_unit_test(test_wsum_kernels),
        cmocka_unit_test(test_percentile_vs_sort),
        cmocka_unit_test(test_threads_bitwise),
        cmocka_unit_test(test_count_vs_general),
        cmocka_unit_test(test_by_type_same_draws),
        cmocka_unit_test(test_degenerate_exact),
        cmocka_unit_test(test_linear_variance),
        cmocka_unit_test(test_accel_direct),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_replicates),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
