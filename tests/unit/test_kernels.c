/* Unit tests of the divergence kernels (src/kernels/divergence.c):
 * softmax family, JSD, KL, entropy, TVD and the vectorised row kernels.
 *
 * Golden values come from tests/reference/kernels_golden.py (mpmath at 60
 * digits, cross-checked there against scipy), included as kernels_golden.h;
 * hand-worked values are derived in the comments beside them. The row
 * kernels are also checked against the scalar references on seeded random
 * inputs, htslib test_nibbles style. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "kernels_golden.h"
#include "kernels_test_util.h"
#include "saydo/kernels.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* softmax                                                              */
/* ------------------------------------------------------------------ */

static void test_softmax_golden(void **state)
{
    (void)state;
    for (size_t c = 0; c < NELEM(KG_SOFT); c++) {
        const kg_soft_case *g = &KG_SOFT[c];
        double p[KG_MAXK], lp[KG_MAXK];
        saydo_softmax(g->x, g->k, p);
        saydo_log_softmax(g->x, g->k, lp);
        for (size_t i = 0; i < g->k; i++) {
            KT_CLOSE(p[i], g->p[i], 1e-14, 0, "softmax %s[%zu]", g->name, i);
            KT_CLOSE(lp[i], g->lp[i], 1e-14, 1e-300, "log_softmax %s[%zu]", g->name, i);
        }
    }
}

static void test_softmax_hand(void **state)
{
    (void)state;
    /* softmax(0, log 3) = (1, 3) / 4 */
    double x[2] = {0.0, log(3.0)}, p[2];
    saydo_softmax(x, 2, p);
    KT_CLOSE(p[0], 0.25, 1e-15, 0, "softmax(0, log 3)[0]");
    KT_CLOSE(p[1], 0.75, 1e-15, 0, "softmax(0, log 3)[1]");
    /* in place: p aliases x */
    saydo_softmax(x, 2, x);
    KT_CLOSE(x[0], 0.25, 1e-15, 0, "in-place softmax");
    double y[3] = {1.0, 2.0, 3.0};
    double want = 2.0 - log(exp(1.0) + exp(2.0) + exp(3.0));   /* lp[1] = 2 - lse */
    saydo_log_softmax(y, 3, y);
    KT_CLOSE(y[1], want, 1e-15, 0, "in-place log_softmax");
    /* k == 0 writes nothing */
    double sentinel = 7.0;
    saydo_softmax(x, 0, &sentinel);
    saydo_log_softmax(x, 0, &sentinel);
    assert_true(sentinel == 7.0);
    /* k == 1: all mass on the one option, whatever the logit */
    double one = -1e300;
    saydo_softmax(&one, 1, &one);
    assert_true(one == 1.0);
    /* a single +inf among finite logits takes everything */
    double z[3] = {1.0, INFINITY, 1e308}, pz[3], lz[3];
    saydo_softmax(z, 3, pz);
    saydo_log_softmax(z, 3, lz);
    assert_true(pz[0] == 0.0 && pz[1] == 1.0 && pz[2] == 0.0);
    assert_true(lz[0] == -INFINITY && lz[1] == 0.0 && lz[2] == -INFINITY);
}

static void test_softmax_rows_f32(void **state)
{
    (void)state;
    double p[KG_F32_N * KG_F32_K];
    saydo_softmax_rows_f32(KG_F32_X, KG_F32_N, KG_F32_STRIDE, KG_F32_K, p);
    for (size_t i = 0; i < NELEM(p); i++)
        KT_CLOSE(p[i], KG_F32_P[i], 1e-14, 0, "softmax_rows_f32[%zu]", i);
    /* the column past k (99.0 in row 0, NaN in row 2) must not leak in */
    assert_false(isnan(p[2 * KG_F32_K]));
    /* n == 0 writes nothing */
    double sentinel = 7.0;
    saydo_softmax_rows_f32(KG_F32_X, 0, KG_F32_STRIDE, KG_F32_K, &sentinel);
    assert_true(sentinel == 7.0);
}

/* ------------------------------------------------------------------ */
/* scalar divergences                                                   */
/* ------------------------------------------------------------------ */

static void test_jsd_golden(void **state)
{
    (void)state;
    for (size_t c = 0; c < NELEM(KG_DIV); c++) {
        const kg_div_case *g = &KG_DIV[c];
        /* full relative precision, even for the nearly equal cases */
        KT_CLOSE(saydo_jsd(g->p, g->q, g->k, 2.0), g->jsd2, 1e-13, 0, "jsd2 %s", g->name);
        KT_CLOSE(saydo_jsd(g->p, g->q, g->k, SAYDO_BASE_E), g->jsde, 1e-13, 0, "jsde %s", g->name);
        /* symmetric */
        KT_CLOSE(saydo_jsd(g->q, g->p, g->k, 2.0), g->jsd2, 1e-13, 0, "jsd2 swapped %s", g->name);
    }
}

static void test_jsd_hand(void **state)
{
    (void)state;
    /* disjoint supports: exactly 1 bit */
    double a[2] = {1.0, 0.0}, b[2] = {0.0, 1.0}, u[2] = {0.5, 0.5};
    assert_true(saydo_jsd(a, b, 2, 2.0) == 1.0);
    /* p = (1,0), q = (1/2,1/2): m = (3/4,1/4), KL(p||m) = log 4/3,
     * KL(q||m) = (1/2) log 4/3, JSD = (3/4) log 4/3 nats */
    KT_CLOSE(saydo_jsd(a, u, 2, SAYDO_BASE_E), 0.75 * log(4.0 / 3.0), 1e-15, 0, "jsd hand");
    /* identical distributions: exactly 0 */
    assert_true(saydo_jsd(u, u, 2, 2.0) == 0.0);
    /* k == 1 */
    double one = 1.0;
    assert_true(saydo_jsd(&one, &one, 1, 2.0) == 0.0);
    /* edge cases: empty, NaN, bad base */
    assert_true(isnan(saydo_jsd(a, b, 0, 2.0)));
    double n1[2] = {NAN, 1.0}, n2[2] = {0.0, NAN};
    assert_true(isnan(saydo_jsd(n1, u, 2, 2.0)));
    assert_true(isnan(saydo_jsd(a, n2, 2, 2.0)));   /* NaN where the other side is 0 */
    assert_true(isnan(saydo_jsd(a, b, 2, 1.0)));
    assert_true(isnan(saydo_jsd(a, b, 2, 0.0)));
    assert_true(isnan(saydo_jsd(a, b, 2, -2.0)));
    assert_true(isnan(saydo_jsd(a, b, 2, NAN)));
}

static void test_kl_golden(void **state)
{
    (void)state;
    assert_true(SAYDO_KL_EPS_DEFAULT == KG_KL_EPS_DEFAULT);
    for (size_t c = 0; c < NELEM(KG_DIV); c++) {
        const kg_div_case *g = &KG_DIV[c];
        /* KL near 0 is a difference of O(1) terms: absolute precision only */
        KT_CLOSE(saydo_kl(g->p, g->q, g->k, 0.0, SAYDO_BASE_E), g->kl0_nats, 1e-13, 1e-15,
                 "kl eps=0 %s", g->name);
        KT_CLOSE(saydo_kl(g->p, g->q, g->k, SAYDO_KL_EPS_DEFAULT, 2.0), g->kl_default_bits, 1e-13,
                 1e-15, "kl eps=default %s", g->name);
    }
}

static void test_kl_hand(void **state)
{
    (void)state;
    double p[2] = {0.5, 0.5}, q[2] = {1.0, 0.0}, z[3] = {0.0, 0.5, 0.5}, w[3] = {0.0, 0.25, 0.75};
    /* q = 0 where p > 0: +inf without smoothing, finite with */
    assert_true(saydo_kl(p, q, 2, 0.0, 2.0) == INFINITY);
    assert_true(isfinite(saydo_kl(p, q, 2, SAYDO_KL_EPS_DEFAULT, 2.0)));
    /* KL((1,0) || (1/2,1/2)) = log 2 = 1 bit */
    KT_CLOSE(saydo_kl(q, p, 2, 0.0, 2.0), 1.0, 1e-15, 0, "kl point vs uniform");
    /* p = q = 0 on option 0 contributes nothing: (1/2)log(2) + (1/2)log(2/3) */
    KT_CLOSE(saydo_kl(z, w, 3, 0.0, SAYDO_BASE_E), 0.5 * log(2.0) + 0.5 * log(2.0 / 3.0), 1e-14,
             0, "kl shared zero");
    /* smoothing by hand, k = 2, eps = 0.5 on (1,0) and (0,1):
     * p' = (0.75, 0.25), q' = (0.25, 0.75), KL = (3/4 - 1/4) log 3 */
    double one0[2] = {1.0, 0.0}, zero1[2] = {0.0, 1.0};
    KT_CLOSE(saydo_kl(one0, zero1, 2, 0.5, SAYDO_BASE_E), 0.5 * log(3.0), 1e-15, 0, "kl eps=0.5");
    assert_true(saydo_kl(p, p, 2, 0.0, 2.0) == 0.0);
    assert_true(isnan(saydo_kl(p, q, 0, 0.0, 2.0)));
    assert_true(isnan(saydo_kl(p, q, 2, -1e-9, 2.0)));
    assert_true(isnan(saydo_kl(p, q, 2, NAN, 2.0)));
    double n[2] = {NAN, 0.0};
    assert_true(isnan(saydo_kl(n, p, 2, 0.0, 2.0)));
    assert_true(isnan(saydo_kl(q, n, 2, 0.0, 2.0)));
    assert_true(isnan(saydo_kl(p, q, 2, 0.0, 1.0)));
}

static void test_entropy_tvd(void **state)
{
    (void)state;
    for (size_t c = 0; c < NELEM(KG_DIV); c++) {
        const kg_div_case *g = &KG_DIV[c];
        /* abs 1e-300: the subnormal case's entropy is itself subnormal */
        KT_CLOSE(saydo_entropy(g->p, g->k, 2.0), g->h2, 1e-14, 1e-300, "H2 %s", g->name);
        KT_CLOSE(saydo_entropy(g->p, g->k, SAYDO_BASE_E), g->he, 1e-14, 1e-300, "He %s", g->name);
        KT_CLOSE(saydo_tvd(g->p, g->q, g->k), g->tvd, 1e-15, 0, "tvd %s", g->name);
    }
    double u4[4] = {0.25, 0.25, 0.25, 0.25}, pt[4] = {0.0, 1.0, 0.0, 0.0}, n[2] = {0.5, NAN};
    assert_true(log(SAYDO_BASE_E) == 1.0);            /* nats are not rescaled */
    assert_true(saydo_entropy(u4, 4, 2.0) == 2.0);    /* 4 equal options: 2 bits */
    assert_true(saydo_entropy(pt, 4, 2.0) == 0.0);
    assert_false(signbit(saydo_entropy(pt, 4, 2.0)));  /* +0, not -0 */
    assert_true(saydo_tvd(u4, pt, 4) == 0.75);
    assert_true(isnan(saydo_entropy(u4, 0, 2.0)));
    assert_true(isnan(saydo_entropy(n, 2, 2.0)));
    assert_true(isnan(saydo_tvd(u4, pt, 0)));
    assert_true(isnan(saydo_tvd(n, u4, 2)));
}

/* ------------------------------------------------------------------ */
/* WDCT sanity number and row kernels                                   */
/* ------------------------------------------------------------------ */

static void test_wdct_pcs(void **state)
{
    (void)state;
    double pw[2], pd[2], pd_mapped[2], pcs;
    saydo_softmax(KG_WDCT_LOGIT_WORD, 2, pw);
    saydo_softmax(KG_WDCT_LOGIT_DEED, 2, pd);
    pd_mapped[0] = pd[1];   /* option map of a consistency-0 item: A <-> B */
    pd_mapped[1] = pd[0];
    saydo_pcs_rows(pw, pd_mapped, 1, 2, &pcs);
    KT_CLOSE(pcs, KG_WDCT_PCS, 1e-15, 0, "WDCT PCS (k = 2 fast path)");
    KT_CLOSE(1.0 - saydo_jsd(pw, pd_mapped, 2, 2.0), KG_WDCT_PCS, 1e-15, 0, "WDCT PCS scalar");
    KT_CLOSE(pcs, KG_WDCT_PCS_SCIPY, 1e-15, 0, "WDCT PCS vs scipy");
    assert_true(fabs(pcs - 0.9483285389124841) < 1e-15);
}

static void test_pcs_rows_golden(void **state)
{
    (void)state;
    /* every k = 2 golden pair as one matrix through the fast path, and
     * every case through jsd_rows with its own k (general path for k != 2) */
    double p[NELEM(KG_DIV) * 2], q[NELEM(KG_DIV) * 2], want[NELEM(KG_DIV)], out[NELEM(KG_DIV)];
    size_t n = 0;
    for (size_t c = 0; c < NELEM(KG_DIV); c++) {
        const kg_div_case *g = &KG_DIV[c];
        double r;
        saydo_jsd_rows(g->p, g->q, 1, g->k, 2.0, &r);
        KT_CLOSE(r, g->jsd2, 1e-13, 0, "jsd_rows %s", g->name);
        saydo_pcs_rows(g->p, g->q, 1, g->k, &r);
        KT_CLOSE(r, 1.0 - g->jsd2, 1e-15, 1e-16, "pcs_rows %s", g->name);
        if (g->k != 2) continue;
        memcpy(p + 2 * n, g->p, 2 * sizeof(double));
        memcpy(q + 2 * n, g->q, 2 * sizeof(double));
        want[n++] = g->jsd2;
    }
    assert_true(n >= 8);
    saydo_jsd_rows(p, q, n, 2, 2.0, out);
    for (size_t i = 0; i < n; i++) KT_CLOSE(out[i], want[i], 1e-13, 0, "jsd_rows k=2 row %zu", i);
    saydo_pcs_rows(p, q, n, 2, out);
    for (size_t i = 0; i < n; i++)
        KT_CLOSE(out[i], 1.0 - want[i], 1e-15, 1e-16, "pcs_rows k=2 row %zu", i);
}

/* A probability-like value drawn to hit the awkward spots: exact 0 and 1,
 * tiny and subnormal masses, and ordinary values. */
static double rand_prob(void)
{
    switch (kt_next() % 10) {
    case 0: return 0.0;
    case 1: return 1.0;
    case 2: return pow(10.0, -300.0 * kt_unif());
    case 3: return 0x1p-1074 * (double)(1 + kt_next() % 4096);
    default: return kt_unif();
    }
}

/* n rows of k: p normalised or not, q equal to p, a hair off p, or free;
 * every 37th row gets a NaN. */
static void rand_rows(double *p, double *q, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double *pi = p + i * k, *qi = q + i * k;
        int norm = kt_next() % 2;
        double sp = 0.0;
        for (size_t j = 0; j < k; j++) sp += (pi[j] = rand_prob());
        if (norm && sp > 0)
            for (size_t j = 0; j < k; j++) pi[j] /= sp;
        uint64_t mode = kt_next() % 4;
        for (size_t j = 0; j < k; j++) {
            if (mode == 0) qi[j] = pi[j];
            else if (mode == 1) qi[j] = pi[j] * (1.0 + 1e-9 * (kt_unif() - 0.5));
            else qi[j] = rand_prob();
        }
        if (i % 37 == 36) (kt_next() % 2 ? pi : qi)[kt_next() % k] = NAN;
    }
}

enum { NROWS = 4000 };
static double g_p[NROWS * 26], g_q[NROWS * 26], g_fast[NROWS], g_ref[NROWS];

static void fast_vs_ref(size_t k)
{
    rand_rows(g_p, g_q, NROWS, k);
    saydo_jsd_rows(g_p, g_q, NROWS, k, 2.0, g_fast);
    saydo__jsd_rows_ref(g_p, g_q, NROWS, k, 2.0, g_ref);
    for (size_t i = 0; i < NROWS; i++)
        KT_CLOSE(g_fast[i], g_ref[i], 1e-13, 1e-300, "jsd_rows k=%zu row %zu", k, i);
    saydo_jsd_rows(g_p, g_q, NROWS, k, SAYDO_BASE_E, g_fast);
    saydo__jsd_rows_ref(g_p, g_q, NROWS, k, SAYDO_BASE_E, g_ref);
    for (size_t i = 0; i < NROWS; i++)
        KT_CLOSE(g_fast[i], g_ref[i], 1e-13, 1e-300, "jsd_rows nats k=%zu row %zu", k, i);
    saydo_pcs_rows(g_p, g_q, NROWS, k, g_fast);
    saydo__pcs_rows_ref(g_p, g_q, NROWS, k, g_ref);
    /* PCS = 1 - JSD inherits JSD's error: bound it by JSD's size (unnormalised
     * rows can have JSD > 1) */
    for (size_t i = 0; i < NROWS; i++)
        KT_CLOSE(g_fast[i], g_ref[i], 1e-15, 1e-16 + 1e-13 * fabs(1.0 - g_ref[i]),
                 "pcs_rows k=%zu row %zu", k, i);
    const double eps[2] = {0.0, SAYDO_KL_EPS_DEFAULT};
    for (int e = 0; e < 2; e++) {
        saydo_kl_rows(g_p, g_q, NROWS, k, eps[e], 2.0, g_fast);
        saydo__kl_rows_ref(g_p, g_q, NROWS, k, eps[e], 2.0, g_ref);
        for (size_t i = 0; i < NROWS; i++)
            KT_CLOSE(g_fast[i], g_ref[i], 1e-13, 1e-14, "kl_rows eps=%g k=%zu row %zu", eps[e], k,
                     i);
    }
}

static void test_rows_fast_vs_ref_k2(void **state)
{
    (void)state;
    fast_vs_ref(2);
    /* the NaN rows came out NaN, and some rows hit each special branch */
    assert_true(isnan(g_fast[36]));
}

/* The k = 2 loop's baseline, AVX2 and AVX-512 copies give the same bits
 * (odd row counts exercise each copy's tail), for JSD in bits and nats and
 * for PCS; a copy the CPU lacks is skipped (the call says which ran). */
static void test_rows_k2_isa_same_bits(void **state)
{
    (void)state;
    static double out[3][NROWS];
    const double ab[3][2] = {{0.0, 1.0 / 0.6931471805599453}, {0.0, 1.0}, {1.0, -1.0 / 0.6931471805599453}};
    rand_rows(g_p, g_q, NROWS, 2);
    for (int c = 0; c < 3; c++) {
        const size_t ns[] = {NROWS, NROWS - 1, 7, 3, 1};
        for (size_t t = 0; t < NELEM(ns); t++) {
            int ran[3];
            for (int isa = 0; isa < 3; isa++) {
                for (size_t i = 0; i < ns[t]; i++) out[isa][i] = -7.0;
                ran[isa] = saydo__jsd_rows_k2_isa(g_p, g_q, ns[t], ab[c][0], ab[c][1], out[isa], isa);
            }
            assert_int_equal(ran[0], 0);
            for (int isa = 1; isa < 3; isa++) {
                if (ran[isa] != isa) continue;   /* not on this CPU */
                if (memcmp(out[isa], out[0], ns[t] * sizeof(double)) != 0)
                    fail_msg("k=2 rows, isa %d, case %d, n %zu: not the baseline's bits", isa, c, ns[t]);
            }
        }
    }
    /* the baseline itself against the reference, so the comparison means something */
    saydo__jsd_rows_k2_isa(g_p, g_q, NROWS, 0.0, 1.0 / 0.6931471805599453, out[0], 0);
    saydo__jsd_rows_ref(g_p, g_q, NROWS, 2, 2.0, g_ref);
    for (size_t i = 0; i < NROWS; i++) KT_CLOSE(out[0][i], g_ref[i], 1e-13, 1e-300, "k=2 baseline row %zu", i);
}

static void test_rows_general_vs_ref(void **state)
{
    (void)state;
    const size_t ks[] = {1, 3, 5, 26};
    for (size_t i = 0; i < NELEM(ks); i++) fast_vs_ref(ks[i]);
}

static void test_rows_edges(void **state)
{
    (void)state;
    double p[4] = {1.0, 0.0, 0.0, 1.0}, out[2] = {7.0, 7.0};
    /* k == 0: NaN rows; n == 0: nothing written */
    saydo_pcs_rows(p, p, 2, 0, out);
    assert_true(isnan(out[0]) && isnan(out[1]));
    out[0] = 7.0;
    saydo_pcs_rows(p, p, 0, 2, out);
    saydo_jsd_rows(p, p, 0, 2, 2.0, out);
    saydo_kl_rows(p, p, 0, 2, 0.0, 2.0, out);
    assert_true(out[0] == 7.0);
    /* row 0 = (1,0), row 1 = (0,1): against themselves PCS 1, crossed 0 */
    saydo_pcs_rows(p, p, 2, 2, out);
    assert_true(out[0] == 1.0 && out[1] == 1.0);
    double q[4] = {0.0, 1.0, 1.0, 0.0};
    saydo_pcs_rows(p, q, 2, 2, out);
    assert_true(out[0] == 0.0 && out[1] == 0.0);
    saydo_kl_rows(p, q, 2, 2, 0.0, 2.0, out);
    assert_true(out[0] == INFINITY && out[1] == INFINITY);
    saydo_kl_rows(p, q, 2, 2, -1.0, 2.0, out);
    assert_true(isnan(out[0]) && isnan(out[1]));
    /* a NaN on the side whose partner is 0 still poisons the row */
    double pn[2] = {0.0, 1.0}, qn[2] = {NAN, 1.0};
    saydo_kl_rows(pn, qn, 1, 2, 0.0, 2.0, out);
    assert_true(isnan(out[0]));
    saydo_pcs_rows(pn, qn, 1, 2, out);
    assert_true(isnan(out[0]));
}

/* the branch-free log against glibc's: within 1 ulp (fdlibm's bound) */
static void test_vlog_vs_libm(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        double x;
        switch (i % 4) {
        case 0: x = ldexp(0.5 + kt_unif(), (int)(kt_next() % 2100) - 1074); break;
        case 1: x = 1.0 + (kt_unif() - 0.5) * ldexp(1.0, -(int)(kt_next() % 50)); break;
        case 2: x = 0x1p-1074 * (double)(kt_next() % 100000); break;
        default: x = kt_unif() * 4.0; break;
        }
        if (x == 0.0 || isinf(x)) continue;
        double want = log(x), got = saydo__vlog(x);
        double ulp = nextafter(fabs(want), INFINITY) - fabs(want);
        if (!(fabs(got - want) <= ulp))
            fail_msg("vlog(%a) = %a, log = %a", x, got, want);
    }
    assert_true(saydo__vlog(0.0) == -INFINITY);
    assert_true(saydo__vlog(-0.0) == -INFINITY);
    assert_true(saydo__vlog(INFINITY) == INFINITY);
    assert_true(isnan(saydo__vlog(-1.0)));
    assert_true(isnan(saydo__vlog(-INFINITY)));
    assert_true(isnan(saydo__vlog(NAN)));
    assert_true(saydo__vlog(1.0) == 0.0);
    assert_true(saydo__vlog(2.0) == log(2.0));
    assert_true(saydo__vlog(DBL_MAX) == log(DBL_MAX));
    assert_true(saydo__vlog(0x1p-1074) == log(0x1p-1074));
}

/* the series branch of the JSD term against the closed form at its edge */
static void test_jsd_series(void **state)
{
    (void)state;
    for (int i = 0; i <= 100; i++) {
        double t = SAYDO__JSD_T_SERIES * i / 100.0;
        /* f(t) = 2 t atanh t + log1p(-t^2): no cancellation for |t| <= 1/4 */
        double want = 2.0 * t * atanh(t) + log1p(-t * t);
        KT_CLOSE(saydo__jsd_series(t), want, 1e-15, 0, "series f(%g)", t);
        KT_CLOSE(saydo__jsd_series(-t), want, 1e-15, 0, "series f(-%g)", t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_golden),
        cmocka_unit_test(test_softmax_hand),
        cmocka_unit_test(test_softmax_rows_f32),
        cmocka_unit_test(test_jsd_golden),
        cmocka_unit_test(test_jsd_hand),
        cmocka_unit_test(test_kl_golden),
        cmocka_unit_test(test_kl_hand),
        cmocka_unit_test(test_entropy_tvd),
        cmocka_unit_test(test_wdct_pcs),
        cmocka_unit_test(test_pcs_rows_golden),
        cmocka_unit_test(test_rows_fast_vs_ref_k2),
        cmocka_unit_test(test_rows_k2_isa_same_bits),
        cmocka_unit_test(test_rows_general_vs_ref),
        cmocka_unit_test(test_rows_edges),
        cmocka_unit_test(test_vlog_vs_libm),
        cmocka_unit_test(test_jsd_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
