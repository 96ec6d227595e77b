/* Unit tests of saydo/ci.h and saydo/compare.h on hand-built data.
 *
 * Reference values: hand computation (derivations in the comments) and
 * statsmodels 0.13.5, e.g. proportion_confint(1, 5, method='wilson'),
 * OLS(y, 1).fit(cov_type='cluster'), cochrans_q, proportion_effectsize
 * (the calls are quoted next to each number). Bootstrap results are checked
 * against saydo_boot_run() called directly on the clusters the driver should
 * build, with the seed the driver should derive (seed + group row). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>

#include "saydo/boot.h"
#include "saydo/ci.h"
#include "saydo/compare.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int near(double got, double want, double tol)
{
    if (isnan(want)) return isnan(got);
    return fabs(got - want) <= tol;
}

#define NEAR(got, want, tol, what)                                                      \
    do {                                                                                \
        double g_ = (got), w_ = (want);                                                 \
        if (!near(g_, w_, (tol))) fail_msg("%s: got %.17g, want %.17g", (what), g_, w_); \
    } while (0)

/* ---- saydo_ci_ratios ------------------------------------------------------ */

static void test_ci_analytic(void **state)
{
    (void)state;
    saydo_ci_opts_t o;
    saydo_ci_opts_default(&o);
    saydo_ci_ctx_t *ctx = NULL;
    /* two statistics over 3 clusters: a proportion (3 of 10) and a mean of 0/1 scores
     * with clusters y = {1}, {1, 0}, {0, 0} */
    const double n[6] = {4, 3, 3, 1, 2, 2}, s[6] = {2, 1, 0, 1, 1, 0};
    const uint8_t binary[2] = {1, 0};
    saydo_ci_clusters_t cl = {3, 2, n, s, NULL, NULL, NULL, binary};
    saydo_stats_ci_t r[2];

    o.method = SAYDO_CI_WILSON;
    assert_int_equal(saydo_ci_ctx_create(&o, &ctx), SAYDO_OK);
    assert_int_equal(saydo_ci_ratios(ctx, &cl, 0, r), SAYDO_OK);
    /* proportion_confint(3, 10, method='wilson') = (0.10779126740630104, 0.6032218525388546) */
    NEAR(r[0].est, 0.3, 1e-15, "wilson est");
    NEAR(r[0].lo, 0.10779126740630104, 1e-12, "wilson lo");
    NEAR(r[0].hi, 0.6032218525388546, 1e-12, "wilson hi");
    /* the mean gets the clustered interval: OLS([1,1,0,0,0], 1).fit(cov_type='cluster',
     * groups=[0,1,1,2,2]).conf_int() = [-0.08959885, 0.88959885]; by hand: xbar = 0.4,
     * SE^2 = 3/2 * ((1-0.4)^2 + (1-0.8)^2 + (0-0.8)^2) / 25 = 0.0624 */
    NEAR(r[1].est, 0.4, 1e-15, "cluster est");
    NEAR(r[1].lo, 0.4 - 1.959963984540054 * sqrt(0.0624), 1e-12, "cluster lo");
    NEAR(r[1].lo, -0.08959885, 1e-8, "cluster lo (statsmodels)");
    NEAR(r[1].hi, 0.88959885, 1e-8, "cluster hi (statsmodels)");
    saydo_ci_ctx_free(ctx);

    /* clopper: statsmodels proportion_confint(3, 10, method='beta') = (0.06673951117773447, 0.6524528500599973) */
    o.method = SAYDO_CI_CLOPPER;
    assert_int_equal(saydo_ci_ctx_create(&o, &ctx), SAYDO_OK);
    assert_int_equal(saydo_ci_ratios(ctx, &cl, 0, r), SAYDO_OK);
    NEAR(r[0].lo, 0.06673951117773447, 1e-10, "clopper lo");
    NEAR(r[0].hi, 0.6524528500599973, 1e-10, "clopper hi");

    /* a non-finite sum makes only that statistic NaN */
    const double s_inf[6] = {2, 1, 0, 1, INFINITY, 0};
    saydo_ci_clusters_t cl_inf = {3, 2, n, s_inf, NULL, NULL, NULL, binary};
    assert_int_equal(saydo_ci_ratios(ctx, &cl_inf, 0, r), SAYDO_OK);
    NEAR(r[0].est, 0.3, 1e-15, "finite statistic kept");
    assert_true(isnan(r[1].est) && isnan(r[1].lo) && isnan(r[1].hi));

    /* paired statistics have no analytic interval: estimate only */
    const double nb[6] = {2, 2, 1, 1, 1, 1}, sb[6] = {1, 1, 1, 0, 0, 1};
    saydo_ci_clusters_t cl_p = {3, 2, n, s, nb, sb, NULL, binary};
    assert_int_equal(saydo_ci_ratios(ctx, &cl_p, 0, r), SAYDO_OK);
    NEAR(r[0].est, 0.3 - 0.6, 1e-15, "paired estimate");
    assert_true(isnan(r[0].lo) && isnan(r[0].hi));

    /* no clusters: NaN */
    saydo_ci_clusters_t cl0 = {0, 2, NULL, NULL, NULL, NULL, NULL, binary};
    assert_int_equal(saydo_ci_ratios(ctx, &cl0, 0, r), SAYDO_OK);
    assert_true(isnan(r[0].est) && isnan(r[1].hi));
    saydo_ci_ctx_free(ctx);

    /* bad options */
    o.method = SAYDO_CI_NONE;
    assert_int_equal(saydo_ci_ctx_create(&o, &ctx), SAYDO_E_INVAL);
    o.method = SAYDO_CI_BCA;
    o.level = 1.0;
    assert_int_equal(saydo_ci_ctx_create(&o, &ctx), SAYDO_E_INVAL);
    saydo_ci_method m;
    assert_int_equal(saydo_ci_method_parse("beta", &m), SAYDO_OK);
    assert_int_equal(m, SAYDO_CI_CLOPPER);
    assert_int_equal(saydo_ci_method_parse("bootstrap", &m), SAYDO_E_INVAL);
}

/* Statistics with equal count columns share one engine call; a statistic with
 * other counts runs alone without its zero-count clusters. Each must equal a
 * direct saydo_boot_run() on exactly those clusters with the same seed. */
static void test_ci_boot_classes(void **state)
{
    (void)state;
    enum { C = 7 };
    /* columns: j0 and j2 share counts; j1 has zero counts in clusters 2 and 5 */
    const double n[3 * C] = {1, 2, 1, 3, 1, 2, 1, /**/ 1, 1, 0, 2, 1, 0, 1, /**/ 1, 2, 1, 3, 1, 2, 1};
    const double s[3 * C] = {1, 1, 0, 2, 1, 2, 0, /**/ .8, .5, 0, 1.1, .9, 0, .2, /**/ .3, 1.5, .9, 2.2, .1, 1, .7};
    const int32_t strata[C] = {0, 0, 1, 1, 0, 1, 1};
    for (int stratified = 0; stratified < 2; stratified++) {
        saydo_ci_opts_t o;
        saydo_ci_opts_default(&o);
        o.method = SAYDO_CI_PERCENTILE;
        o.n_resamples = 999;
        saydo_ci_ctx_t *ctx = NULL;
        assert_int_equal(saydo_ci_ctx_create(&o, &ctx), SAYDO_OK);
        saydo_ci_clusters_t cl = {C, 3, n, s, NULL, NULL, stratified ? strata : NULL, NULL};
        saydo_stats_ci_t r[3];
        assert_int_equal(saydo_ci_ratios(ctx, &cl, 77, r), SAYDO_OK);

        saydo_boot_ws_t *ws = NULL;
        assert_int_equal(saydo_boot_ws_create(&ws), SAYDO_OK);
        saydo_boot_opts_t bo;
        saydo_boot_opts_init(&bo);
        bo.n_resamples = 999;
        bo.seed = 77;
        bo.methods = SAYDO_BOOT_PERCENTILE;
        /* j0 and j2 together (row-major sums) */
        double s02[2 * C];
        for (int c = 0; c < C; c++) s02[2 * c] = s[c], s02[2 * c + 1] = s[2 * C + c];
        saydo_boot_data_t bd = {C, 2, n, s02, NULL, NULL, stratified ? strata : NULL};
        saydo_boot_result_t br[2];
        assert_int_equal(saydo_boot_run(ws, &bd, &bo, br, 2), SAYDO_OK);
        NEAR(r[0].lo, br[0].lo[SAYDO_BOOT_I_PERCENTILE], 0, "j0 lo");
        NEAR(r[0].hi, br[0].hi[SAYDO_BOOT_I_PERCENTILE], 0, "j0 hi");
        NEAR(r[2].lo, br[1].lo[SAYDO_BOOT_I_PERCENTILE], 0, "j2 lo");
        NEAR(r[2].hi, br[1].hi[SAYDO_BOOT_I_PERCENTILE], 0, "j2 hi");
        NEAR(r[0].est, 7.0 / 11.0, 1e-15, "j0 estimate");
        /* j1 alone over clusters 0, 1, 3, 4, 6 */
        const double n1[5] = {1, 1, 2, 1, 1}, s1[5] = {.8, .5, 1.1, .9, .2};
        const int32_t st1[5] = {0, 0, 1, 0, 1};
        saydo_boot_data_t bd1 = {5, 1, n1, s1, NULL, NULL, stratified ? st1 : NULL};
        assert_int_equal(saydo_boot_run(ws, &bd1, &bo, br, 1), SAYDO_OK);
        NEAR(r[1].lo, br[0].lo[SAYDO_BOOT_I_PERCENTILE], 0, "j1 lo");
        NEAR(r[1].hi, br[0].hi[SAYDO_BOOT_I_PERCENTILE], 0, "j1 hi");
        NEAR(r[1].est, 3.5 / 6.0, 1e-15, "j1 estimate");
        assert_true(r[1].lo < r[1].est && r[1].est < r[1].hi);
        saydo_boot_ws_free(ws);
        saydo_ci_ctx_free(ctx);
    }
}

/* ---- a hand-built store: base and one checkpoint ---------------------------- */

/* Per item, the word answer and the deed answer IN WORD LETTERS for each run,
 * and the option map of the run (0 identity, 1 swaps A and B). 'R' = refused.
 *
 *  item  base (w d map)  ck (w d map)   word   deed (word letters)  consistency
 *  i0    A A 0           A A 1          same   same                 c -> c
 *  i1    A B 1           A A 0          same   B -> A (changed)     i -> c
 *  i2    B B 0           A B 0          A<-B   same                 c -> i
 *  i3    A A 1           B A 1          B<-A   same                 c -> i
 *  i4    B A 0           B A 1          same   same                 i -> i
 *  i5    A R 0           A A 0          same   not compared         base not kept
 *
 * In i1 the written deed letters are A in both runs and in i4 they differ (A
 * then B): only the map says what changed. */
static const struct {
    char w, d;
    int map;
} runs[6][2] = {
    {{'A', 'A', 0}, {'A', 'A', 1}}, {{'A', 'B', 1}, {'A', 'A', 0}}, {{'B', 'B', 0}, {'A', 'B', 0}},
    {{'A', 'A', 1}, {'B', 'A', 1}}, {{'B', 'A', 0}, {'B', 'A', 1}}, {{'A', 'R', 0}, {'A', 'A', 0}},
};
enum { NREC = 24 };

typedef struct {
    saydo_data_t d;
    int32_t model[NREC], condition[NREC], item[NREC], trial[NREC], variant[NREC], batch[NREC];
    int8_t side[NREC], choice[NREC], n_options[NREC];
    int16_t omap[NREC];
    int8_t maps[2 * SAYDO_MAX_OPTIONS];
    int32_t item_domain[6], cond_method[2], cond_round[2], cond_trained[2];
    int8_t item_n_options[6];
} hand_t;

static char *s_models[] = {"m"}, *s_conds[] = {"base", "ck"}, *s_items[] = {"i0", "i1", "i2", "i3", "i4", "i5"},
            *s_sides[] = {"word", "deed"}, *s_variants[] = {""}, *s_domains[] = {"D1", "D2"}, *s_methods[] = {"sft"};

static void hand_build(hand_t *h)
{
    memset(h, 0, sizeof *h);
    saydo_data_t *d = &h->d;
    for (int k = 0; k < SAYDO_MAX_OPTIONS; k++) {
        h->maps[k] = (int8_t)k;
        h->maps[SAYDO_MAX_OPTIONS + k] = (int8_t)(k < 2 ? 1 - k : k);
    }
    int r = 0;
    for (int i = 0; i < 6; i++)
        for (int c = 0; c < 2; c++)
            for (int s = 0; s < 2; s++, r++) {
                h->model[r] = 0;
                h->condition[r] = c;
                h->item[r] = i;
                h->side[r] = (int8_t)s;
                h->n_options[r] = 2;
                h->omap[r] = (int16_t)runs[i][c].map;
                char a = s == 0 ? runs[i][c].w : runs[i][c].d;
                if (a == 'R') h->choice[r] = -2;
                else if (s == 0) h->choice[r] = (int8_t)(a - 'A');
                else h->choice[r] = h->maps[runs[i][c].map * SAYDO_MAX_OPTIONS + (a - 'A')];   /* written letter */
            }
    for (int i = 0; i < 6; i++) h->item_domain[i] = i < 3 ? 0 : 1, h->item_n_options[i] = 2;
    h->cond_method[0] = -1, h->cond_method[1] = 0;
    h->cond_round[0] = -1, h->cond_round[1] = 1;
    h->cond_trained[0] = -1, h->cond_trained[1] = 1;   /* ck trained on the deed side */
    d->n = NREC;
    d->model = h->model, d->condition = h->condition, d->item = h->item, d->trial = h->trial;
    d->variant = h->variant, d->batch = h->batch, d->side = h->side, d->choice = h->choice;
    d->n_options = h->n_options, d->omap = h->omap;
    d->models = (saydo_strs_t){1, s_models};
    d->conditions = (saydo_strs_t){2, s_conds};
    d->items = (saydo_strs_t){6, s_items};
    d->sides = (saydo_strs_t){2, s_sides};
    d->variants = (saydo_strs_t){1, s_variants};
    d->domains = (saydo_strs_t){2, s_domains};
    d->methods = (saydo_strs_t){1, s_methods};
    d->item_domain = h->item_domain, d->item_n_options = h->item_n_options;
    d->cond_method = h->cond_method, d->cond_round = h->cond_round, d->cond_trained_side = h->cond_trained;
    d->n_maps = 2, d->maps = h->maps;
}

static double col(const saydo_table_t *t, const char *name, size_t r)
{
    int c = saydo_table_find_col(t, name);
    if (c < 0) fail_msg("no column %s", name);
    return t->num_col[c][r];
}

static void test_compare_hand(void **state)
{
    (void)state;
    hand_t h;
    hand_build(&h);
    saydo_pair_opts_t po;
    saydo_pair_opts_default(&po);
    saydo_pairs_t *p = NULL;
    assert_int_equal(saydo_pairs_build(&h.d, &po, &p), SAYDO_OK);
    assert_int_equal(p->n, 12);
    saydo_compare_opts_t o;
    saydo_compare_opts_default(&o);
    o.delta_ci.n_resamples = 999;
    o.delta_ci.method = SAYDO_CI_PERCENTILE;
    /* With 6 clusters a resample draws only i5 (no kept baseline pair) with
     * probability 6^-6, and one such replicate makes the interval NaN (numpy's
     * rule, boot.h); seed 5 is one whose 999 resamples do not. */
    o.delta_ci.seed = 5;
    const char *by_model[] = {"model"};
    o.by = by_model;
    o.n_by = 1;
    saydo_table_t *t = NULL;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_OK);
    assert_int_equal(t->n_rows, 1);
    assert_string_equal(t->str_col[saydo_table_find_col(t, "condition")][0], "ck");
    assert_string_equal(t->str_col[saydo_table_find_col(t, "trained_side")][0], "deed");
    assert_string_equal(t->str_col[saydo_table_find_col(t, "model")][0], "m");
    /* counts from the table in the comment above */
    NEAR(col(t, "n_pairs", 0), 6, 0, "n_pairs");
    NEAR(col(t, "n_kept_baseline", 0), 5, 0, "n_kept_baseline");
    NEAR(col(t, "n_kept", 0), 6, 0, "n_kept");
    NEAR(col(t, "n_paired", 0), 5, 0, "n_paired");
    NEAR(col(t, "n_cc", 0), 1, 0, "n_cc");
    NEAR(col(t, "n_ci", 0), 2, 0, "n_ci");
    NEAR(col(t, "n_ic", 0), 1, 0, "n_ic");
    NEAR(col(t, "n_ii", 0), 1, 0, "n_ii");
    NEAR(col(t, "n_word_compared", 0), 6, 0, "n_word_compared");
    NEAR(col(t, "n_word_changed", 0), 2, 0, "n_word_changed");
    NEAR(col(t, "n_deed_compared", 0), 5, 0, "n_deed_compared");
    NEAR(col(t, "n_deed_changed", 0), 1, 0, "n_deed_changed");
    /* base: i0, i2, i3 consistent of 5 kept; ck: i0, i1, i5 of 6 */
    NEAR(col(t, "cs_baseline", 0), 0.6, 1e-15, "cs_baseline");
    NEAR(col(t, "cs", 0), 0.5, 1e-15, "cs");
    NEAR(col(t, "delta_cs", 0), -0.1, 1e-15, "delta_cs");
    /* the delta: the paired engine on the item clusters i0..i5 (condition A = ck, B = base), seed 5 + row 0 */
    {
        const double na[6] = {1, 1, 1, 1, 1, 1}, sa[6] = {1, 1, 0, 0, 0, 1}, nb[6] = {1, 1, 1, 1, 1, 0},
                     sb[6] = {1, 0, 1, 1, 0, 0};
        saydo_boot_ws_t *ws = NULL;
        assert_int_equal(saydo_boot_ws_create(&ws), SAYDO_OK);
        saydo_boot_opts_t bo;
        saydo_boot_opts_init(&bo);
        bo.n_resamples = 999;
        bo.seed = 5;
        bo.methods = SAYDO_BOOT_PERCENTILE;
        saydo_boot_data_t bd = {6, 1, na, sa, nb, sb, NULL};
        saydo_boot_result_t br;
        assert_int_equal(saydo_boot_run(ws, &bd, &bo, &br, 1), SAYDO_OK);
        NEAR(col(t, "delta_cs_lo", 0), br.lo[SAYDO_BOOT_I_PERCENTILE], 0, "delta_cs_lo");
        NEAR(col(t, "delta_cs_hi", 0), br.hi[SAYDO_BOOT_I_PERCENTILE], 0, "delta_cs_hi");
        saydo_boot_ws_free(ws);
    }
    if (!(col(t, "delta_cs_lo", 0) <= col(t, "delta_cs", 0) && col(t, "delta_cs", 0) <= col(t, "delta_cs_hi", 0) &&
          col(t, "delta_cs_lo", 0) < col(t, "delta_cs_hi", 0)))
        fail_msg("delta_cs interval [%g, %g]", col(t, "delta_cs_lo", 0), col(t, "delta_cs_hi", 0));
    assert_true(isnan(col(t, "pcs", 0)) && isnan(col(t, "delta_pcs", 0)));   /* nothing logged */
    /* Wilson: proportion_confint(3, 5) = (0.2307242812760129, 0.8823792257673522),
     * (3, 6) = (0.18761630648265054, 0.8123836935173494), (2, 6) = (0.09677141110578041, 0.700006684861608),
     * (1, 5) = (0.036224108632430196, 0.6244653702374748) */
    NEAR(col(t, "cs_baseline_lo", 0), 0.2307242812760129, 1e-12, "cs_baseline_lo");
    NEAR(col(t, "cs_hi", 0), 0.8123836935173494, 1e-12, "cs_hi");
    NEAR(col(t, "word_change_rate", 0), 2.0 / 6.0, 1e-15, "word_change_rate");
    NEAR(col(t, "word_change_rate_lo", 0), 0.09677141110578041, 1e-12, "word lo");
    NEAR(col(t, "deed_change_rate", 0), 0.2, 1e-15, "deed_change_rate");
    NEAR(col(t, "deed_change_rate_hi", 0), 0.6244653702374748, 1e-12, "deed hi");
    /* trained on deed: direct = deed, indirect = word */
    NEAR(col(t, "direct_change_rate", 0), 0.2, 1e-15, "direct");
    NEAR(col(t, "direct_change_rate_lo", 0), 0.036224108632430196, 1e-12, "direct lo");
    NEAR(col(t, "indirect_change_rate", 0), 2.0 / 6.0, 1e-15, "indirect");
    NEAR(col(t, "to_consistent_rate", 0), 0.5, 1e-15, "to_consistent");
    NEAR(col(t, "away_rate", 0), 2.0 / 3.0, 1e-15, "away");
    /* McNemar b = 2, c = 1: exact p = 2 P(X <= 1 | 3, 1/2) = 1; mid-p = 2 cdf(1) - pmf(1) = 1 - 3/8;
     * corrected chi2 = (|2 - 1| - 1)^2 / 3 = 0, p = 1; one row: adjusted = raw */
    NEAR(col(t, "mcnemar_p", 0), 1.0, 1e-12, "mcnemar_p");
    NEAR(col(t, "mcnemar_midp", 0), 0.625, 1e-12, "mcnemar_midp");
    NEAR(col(t, "mcnemar_chi2_p", 0), 1.0, 1e-12, "mcnemar_chi2_p");
    NEAR(col(t, "p_adjusted", 0), 1.0, 1e-12, "p_adjusted");
    /* proportion_effectsize(0.5, 0.6) = -0.20135792079033066, -/+ z sqrt(1/6 + 1/5) */
    NEAR(col(t, "cohens_h", 0), -0.20135792079033066, 1e-12, "cohens_h");
    NEAR(col(t, "cohens_h_lo", 0), -1.388175051152536, 1e-9, "cohens_h_lo");
    /* the condition has a round: Cochran's Q over (base, ck) on the 5 kept-in-both units;
     * cochrans_q([[1,1],[0,1],[1,0],[1,0],[0,0]]) = 1/3, p = 0.5637028616507731, df 1 */
    NEAR(col(t, "cochran_q", 0), 1.0 / 3.0, 1e-12, "cochran_q");
    NEAR(col(t, "cochran_p", 0), 0.5637028616507731, 1e-12, "cochran_p");
    NEAR(col(t, "n_cochran", 0), 5, 0, "n_cochran");
    saydo_table_free(t);

    /* by domain: two rows, i0-i2 and i3-i5 */
    const char *by[] = {"domain"};
    o.by = by;
    o.n_by = 1;
    o.rounds = 0;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_OK);
    assert_int_equal(t->n_rows, 2);
    assert_int_equal(saydo_table_find_col(t, "cochran_q"), -1);
    NEAR(col(t, "n_ic", 0), 1, 0, "D1 n_ic");
    NEAR(col(t, "n_ci", 0) + col(t, "n_ci", 1), 2, 0, "n_ci over domains");
    NEAR(col(t, "n_deed_changed", 1), 0, 0, "D2 deed changes");
    saydo_table_free(t);

    /* errors */
    const char *bad_by[] = {"condition"};
    o.by = bad_by;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_E_INVAL);
    o.n_by = 0;
    const char *against_base[] = {"base"}, *against_none[] = {"nope"};
    o.against = against_base;
    o.n_against = 1;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_E_INVAL);
    o.against = against_none;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_E_INVAL);
    o.n_against = 0;
    o.baseline = "ck0";
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_E_INVAL);
    o.baseline = "base";
    o.delta_ci.method = SAYDO_CI_WILSON;
    assert_int_equal(saydo_compare_table(&h.d, p, &o, &t), SAYDO_E_INVAL);
    assert_null(t);
    saydo_pairs_free(p);
}

/* score --ci: row k is bootstrapped with seed + k over its item clusters,
 * the overall row with seed + n_groups over all of them. */
static void test_score_ci_seeds(void **state)
{
    (void)state;
    hand_t h;
    hand_build(&h);
    saydo_pair_opts_t po;
    saydo_pair_opts_default(&po);
    saydo_pairs_t *p = NULL;
    saydo_groups_t *g = NULL;
    saydo_table_t *t = NULL;
    assert_int_equal(saydo_pairs_build(&h.d, &po, &p), SAYDO_OK);
    const char *by[] = {"condition"};
    assert_int_equal(saydo_groups_build(&h.d, p, by, 1, &g), SAYDO_OK);
    assert_int_equal(saydo_score_table(&h.d, p, g, SAYDO_M_CS | SAYDO_M_PCS, &t), SAYDO_OK);
    saydo_ci_opts_t o;
    saydo_ci_opts_default(&o);
    o.method = SAYDO_CI_BASIC;
    o.n_resamples = 499;
    o.seed = 42;
    assert_int_equal(saydo_score_ci_add(&h.d, p, g, &o, &t), SAYDO_OK);
    int c_cs = saydo_table_find_col(t, "cs");
    assert_string_equal(t->col_name[c_cs + 1], "cs_lo");
    assert_string_equal(t->col_name[c_cs + 2], "cs_hi");
    assert_string_equal(t->str_col[saydo_table_find_col(t, "ci_method")][0], "basic");
    assert_string_equal(t->str_col[saydo_table_find_col(t, "seed")][2], "42");
    NEAR(col(t, "n_resamples", 1), 499, 0, "n_resamples");
    assert_true(isnan(col(t, "pcs_lo", 0)));   /* no PCS logged */

    saydo_boot_ws_t *ws = NULL;
    assert_int_equal(saydo_boot_ws_create(&ws), SAYDO_OK);
    saydo_boot_opts_t bo;
    saydo_boot_opts_init(&bo);
    bo.n_resamples = 499;
    bo.methods = SAYDO_BOOT_BASIC;
    saydo_boot_result_t br;
    /* base: kept items i0..i4 (i5 refused: a zero-count cluster, left out) */
    const double n5[5] = {1, 1, 1, 1, 1}, base_s[5] = {1, 0, 1, 1, 0}, ck_s[6] = {1, 1, 0, 0, 0, 1},
                 n6[6] = {1, 1, 1, 1, 1, 1};
    bo.seed = 42;
    saydo_boot_data_t bd = {5, 1, n5, base_s, NULL, NULL, NULL};
    assert_int_equal(saydo_boot_run(ws, &bd, &bo, &br, 1), SAYDO_OK);
    NEAR(col(t, "cs_lo", 0), br.lo[SAYDO_BOOT_I_BASIC], 0, "base cs_lo");
    NEAR(col(t, "cs_hi", 0), br.hi[SAYDO_BOOT_I_BASIC], 0, "base cs_hi");
    bo.seed = 43;
    bd = (saydo_boot_data_t){6, 1, n6, ck_s, NULL, NULL, NULL};
    assert_int_equal(saydo_boot_run(ws, &bd, &bo, &br, 1), SAYDO_OK);
    NEAR(col(t, "cs_lo", 1), br.lo[SAYDO_BOOT_I_BASIC], 0, "ck cs_lo");
    NEAR(col(t, "cs_hi", 1), br.hi[SAYDO_BOOT_I_BASIC], 0, "ck cs_hi");
    /* overall: clusters in (condition, item) order, seed 42 + 2 */
    const double all_n[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, all_s[11] = {1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1};
    bo.seed = 44;
    bd = (saydo_boot_data_t){11, 1, all_n, all_s, NULL, NULL, NULL};
    assert_int_equal(saydo_boot_run(ws, &bd, &bo, &br, 1), SAYDO_OK);
    NEAR(col(t, "cs_lo", 2), br.lo[SAYDO_BOOT_I_BASIC], 0, "overall cs_lo");
    NEAR(col(t, "cs_hi", 2), br.hi[SAYDO_BOOT_I_BASIC], 0, "overall cs_hi");
    NEAR(col(t, "cs", 2), 6.0 / 11.0, 1e-15, "overall cs");

    /* strata must be a field the store knows */
    saydo_table_t *t2 = NULL;
    assert_int_equal(saydo_score_table(&h.d, p, g, SAYDO_M_CS, &t2), SAYDO_OK);
    o.strata = "nope";
    assert_int_equal(saydo_score_ci_add(&h.d, p, g, &o, &t2), SAYDO_E_INVAL);
    assert_non_null(t2);   /* left alone on failure */
    saydo_table_free(t2);
    saydo_boot_ws_free(ws);
    saydo_table_free(t);
    saydo_groups_free(g);
    saydo_pairs_free(p);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ci_analytic),
        cmocka_unit_test(test_ci_boot_classes),
        cmocka_unit_test(test_compare_hand),
        cmocka_unit_test(test_score_ci_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
