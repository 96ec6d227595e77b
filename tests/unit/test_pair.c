/* Pairing (src/core/pair.c) on hand-built stores in memory.
 *
 * - The pairs equal a brute-force join on (model, condition, item, trial,
 *   variant), written here independently (an O(n) scan per record over a
 *   small key space), for record orders that exercise the neighbour rule
 *   and the hash join: word/deed adjacent, deed/word adjacent, shuffled,
 *   w w d d runs, records without a partner, a third side in between, and
 *   pairs across the 65,536-record blocks of the parallel passes.
 * - Every pair array is byte-identical at 1, 2 and 3 threads.
 * - PCS and JSD of single pairs equal scipy:
 *   1 - scipy.spatial.distance.jensenshannon(softmax(a), softmax(b)[map], base=2)**2
 *   (scipy 1.10.1, the calls next to each number), for k = 2 (the row-kernel
 *   batch) and k = 3 (one by one), with identity and permuting option maps;
 *   a pair whose rows log different option counts or nothing has NaN.
 * - skip_extra / skip_jsd leave those figures out (NULL arrays; free cleanly). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <omp.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>

#include "saydo/score.h"

/* A store in memory: n records, sides word (0), deed (1), other (2). */
typedef struct {
    saydo_data_t d;
    char *side_names[3];
} mem_t;

static void mem_init(mem_t *m, size_t n, int K)
{
    memset(m, 0, sizeof *m);
    saydo_data_t *d = &m->d;
    d->n = n;
    d->K = K;
    d->model = calloc(n, 4); d->condition = calloc(n, 4); d->item = calloc(n, 4);
    d->trial = calloc(n, 4); d->variant = calloc(n, 4); d->batch = calloc(n, 4);
    d->side = calloc(n, 1); d->choice = calloc(n, 1); d->n_options = calloc(n, 1);
    d->omap = malloc(n * sizeof *d->omap);
    for (size_t i = 0; i < n; i++) d->omap[i] = -1;
    d->logp = K ? malloc(n * (size_t)K * sizeof(float)) : NULL;
    for (size_t i = 0; K && i < n * (size_t)K; i++) d->logp[i] = NAN;
    m->side_names[0] = "word";
    m->side_names[1] = "deed";
    m->side_names[2] = "other";
    d->sides.n = 3;
    d->sides.s = m->side_names;
}

static void mem_free(mem_t *m)
{
    saydo_data_t *d = &m->d;
    free(d->model); free(d->condition); free(d->item); free(d->trial); free(d->variant); free(d->batch);
    free(d->side); free(d->choice); free(d->n_options); free(d->omap); free(d->logp); free(d->maps);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

static void set_rec(saydo_data_t *d, size_t i, int32_t model, int32_t item, int32_t trial, int side)
{
    d->model[i] = model;
    d->condition[i] = model % 2;
    d->item[i] = item;
    d->trial[i] = trial;
    d->variant[i] = 0;
    d->side[i] = (int8_t)side;
    d->choice[i] = (int8_t)rnd(2);
    d->n_options[i] = 2;
    if (d->K) {
        d->logp[i * (size_t)d->K] = (float)rnd(1000) / 250.0f - 2.0f;
        d->logp[i * (size_t)d->K + 1] = (float)rnd(1000) / 250.0f - 2.0f;
    }
}

/* The expected pairs: for each word record in order, THE deed record with
 * its key (keys are unique per side by construction). */
static void brute_force(const saydo_data_t *d, int64_t **r1, int64_t **r2, size_t *np, int64_t *u1, int64_t *u2)
{
    /* key -> deed record, over the small key space of the generators */
    enum { MODELS = 4, ITEMS = 40000, TRIALS = 3 };
    int64_t *deed_of = malloc(sizeof(int64_t) * MODELS * ITEMS * TRIALS);
    uint8_t *used = calloc(d->n, 1);
    for (size_t k = 0; k < (size_t)MODELS * ITEMS * TRIALS; k++) deed_of[k] = -1;
    for (size_t i = 0; i < d->n; i++)
        if (d->side[i] == 1) {
            size_t k = ((size_t)d->model[i] * ITEMS + (size_t)d->item[i]) * TRIALS + (size_t)d->trial[i];
            assert_true(deed_of[k] < 0);   /* a generator bug otherwise */
            deed_of[k] = (int64_t)i;
        }
    *r1 = malloc(d->n * sizeof **r1);
    *r2 = malloc(d->n * sizeof **r2);
    *np = 0;
    *u1 = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->side[i] != 0) continue;
        size_t k = ((size_t)d->model[i] * ITEMS + (size_t)d->item[i]) * TRIALS + (size_t)d->trial[i];
        if (deed_of[k] < 0) {
            (*u1)++;
            continue;
        }
        (*r1)[*np] = (int64_t)i;
        (*r2)[(*np)++] = deed_of[k];
        used[deed_of[k]] = 1;
    }
    *u2 = 0;
    for (size_t i = 0; i < d->n; i++) *u2 += d->side[i] == 1 && !used[i];
    free(deed_of);
    free(used);
}

enum { ORDER_WD, ORDER_DW, ORDER_SHUFFLED, ORDER_MIXED };

/* Builds probes (model, item, trial) and lays their records out in an order. */
static void make_store(mem_t *m, size_t n_probes, int order)
{
    size_t cap = 3 * n_probes;
    mem_init(m, cap, 2);
    saydo_data_t *d = &m->d;
    size_t n = 0;
    for (size_t p = 0; p < n_probes; p++) {
        int32_t model = (int32_t)(p % 4), item = (int32_t)(p / 4 % 40000), trial = (int32_t)(p / 160000);
        int drop = order == ORDER_MIXED ? (int)rnd(20) : 99;   /* 0: no deed, 1: no word */
        int flip = order == ORDER_DW || (order == ORDER_MIXED && rnd(3) == 0);
        int sides[2] = {flip ? 1 : 0, flip ? 0 : 1};
        for (int s = 0; s < 2; s++) {
            if ((drop == 0 && sides[s] == 1) || (drop == 1 && sides[s] == 0)) continue;
            set_rec(d, n++, model, item, trial, sides[s]);
            if (order == ORDER_MIXED && rnd(10) == 0) set_rec(d, n++, model, item, trial, 2);   /* a third side */
        }
    }
    d->n = n;
    if (order == ORDER_SHUFFLED || order == ORDER_MIXED) {
        /* ORDER_MIXED: local swaps only (w w d d runs, partners two apart);
         * ORDER_SHUFFLED: a full Fisher-Yates shuffle */
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = order == ORDER_SHUFFLED ? rnd((uint32_t)(i + 1)) : i - (rnd(4) == 0 ? rnd(i < 3 ? (uint32_t)i + 1 : 3) : 0);
            if (j == i) continue;
#define SWAP(a, T) do { T t_ = d->a[i]; d->a[i] = d->a[j]; d->a[j] = t_; } while (0)
            SWAP(model, int32_t); SWAP(condition, int32_t); SWAP(item, int32_t); SWAP(trial, int32_t);
            SWAP(side, int8_t); SWAP(choice, int8_t);
            float a0 = d->logp[2 * i], a1 = d->logp[2 * i + 1];
            d->logp[2 * i] = d->logp[2 * j]; d->logp[2 * i + 1] = d->logp[2 * j + 1];
            d->logp[2 * j] = a0; d->logp[2 * j + 1] = a1;
#undef SWAP
        }
    }
}

static void check_against_brute_force(int order, size_t n_probes)
{
    mem_t m;
    rng_state = 12345u + (uint64_t)order;
    make_store(&m, n_probes, order);
    int64_t *r1, *r2, u1, u2;
    size_t np;
    brute_force(&m.d, &r1, &r2, &np, &u1, &u2);
    saydo_pair_opts_t o;
    saydo_pair_opts_default(&o);
    o.skip_extra = 1;
    saydo_pairs_t *p[3] = {NULL, NULL, NULL};
    static const int threads[3] = {1, 2, 3};
    for (int t = 0; t < 3; t++) {
        omp_set_num_threads(threads[t]);
        assert_int_equal(saydo_pairs_build(&m.d, &o, &p[t]), SAYDO_OK);
    }
    omp_set_num_threads(2);
    assert_int_equal(p[0]->n, np);
    assert_int_equal(p[0]->unpaired1, u1);
    assert_int_equal(p[0]->unpaired2, u2);
    for (size_t i = 0; i < np; i++)
        if (p[0]->r1[i] != r1[i] || p[0]->r2[i] != r2[i])
            fail_msg("order %d pair %zu: (%lld, %lld), brute force (%lld, %lld)", order, i, (long long)p[0]->r1[i],
                     (long long)p[0]->r2[i], (long long)r1[i], (long long)r2[i]);
    for (int t = 1; t < 3; t++) {
        assert_int_equal(p[t]->n, np);
        assert_memory_equal(p[t]->r1, p[0]->r1, np * sizeof *p[0]->r1);
        assert_memory_equal(p[t]->r2, p[0]->r2, np * sizeof *p[0]->r2);
        assert_memory_equal(p[t]->kept, p[0]->kept, np);
        assert_memory_equal(p[t]->match, p[0]->match, np);
        assert_memory_equal(p[t]->pcs, p[0]->pcs, np * sizeof(double));
        assert_memory_equal(p[t]->jsd, p[0]->jsd, np * sizeof(double));
    }
    for (int t = 0; t < 3; t++) saydo_pairs_free(p[t]);
    free(r1);
    free(r2);
    mem_free(&m);
}

static void test_pairs_adjacent(void **state) { (void)state; check_against_brute_force(ORDER_WD, 5000); }
static void test_pairs_reversed(void **state) { (void)state; check_against_brute_force(ORDER_DW, 5000); }
static void test_pairs_shuffled(void **state) { (void)state; check_against_brute_force(ORDER_SHUFFLED, 20000); }
/* 100,000 probes: about 200,000 records, so pairs straddle the 65,536-record blocks */
static void test_pairs_mixed_blocks(void **state) { (void)state; check_against_brute_force(ORDER_MIXED, 100000); }

/* A pair of records: word i = 2j, deed i = 2j + 1, logits given. */
static void put_pair(saydo_data_t *d, size_t j, const float *a, const float *b, int k, int16_t omap)
{
    for (int s = 0; s < 2; s++) {
        size_t i = 2 * j + (size_t)s;
        d->model[i] = 0;
        d->item[i] = (int32_t)j;
        d->side[i] = (int8_t)s;
        d->choice[i] = 0;
        d->n_options[i] = (int8_t)k;
        d->omap[i] = s ? omap : -1;
        for (int c = 0; c < k; c++) d->logp[i * (size_t)d->K + (size_t)c] = (s ? b : a)[c];
    }
}

static void test_pcs_values(void **state)
{
    (void)state;
    mem_t m;
    mem_init(&m, 14, 3);
    saydo_data_t *d = &m.d;
    /* option maps: 0 swaps two options, 1 is the 3-cycle side-2 letter of option i = [2, 0, 1][i] */
    d->n_maps = 2;
    d->maps = calloc(2 * SAYDO_MAX_OPTIONS, 1);
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) d->maps[i] = d->maps[SAYDO_MAX_OPTIONS + i] = (int8_t)i;
    d->maps[0] = 1, d->maps[1] = 0;
    d->maps[SAYDO_MAX_OPTIONS] = 2, d->maps[SAYDO_MAX_OPTIONS + 1] = 0, d->maps[SAYDO_MAX_OPTIONS + 2] = 1;
    const float a2[] = {2.0f, -1.0f}, b2[] = {-1.0f, 2.0f}, h2[] = {0.25f, 0.25f};
    const float a3[] = {0.5f, -1.0f, 2.0f}, b3[] = {1.0f, 0.0f, -0.5f};
    put_pair(d, 0, a2, b2, 2, -1);   /* k = 2, identity map */
    put_pair(d, 1, a2, b2, 2, 0);    /* k = 2, swapped: the same distribution */
    put_pair(d, 2, a2, h2, 2, -1);   /* k = 2 against uniform */
    put_pair(d, 3, a3, b3, 3, -1);   /* k = 3, identity */
    put_pair(d, 4, a3, b3, 3, 1);    /* k = 3, map [2, 0, 1] */
    const float b2x[] = {-1.0f, 2.0f, 0.0f};
    put_pair(d, 5, a3, b2x, 3, -1);  /* logged counts differ: 3 and 2 (the third is cleared) */
    d->logp[11 * 3 + 2] = NAN;
    put_pair(d, 6, a2, b2, 2, -1);   /* nothing logged on the deed side */
    d->logp[13 * 3] = d->logp[13 * 3 + 1] = NAN;
    /* scipy: 1 - jensenshannon(softmax(a), softmax(b)[map], base=2)**2 */
    const double want_pcs[] = {
        0.2753599472946797,   /* softmax([2,-1]) vs softmax([-1,2]) */
        1.0,                  /* ... with b read through the swap */
        0.7909378163107726,   /* softmax([2,-1]) vs [0.5, 0.5] */
        0.6687218108561197,   /* softmax([.5,-1,2]) vs softmax([1,0,-.5]) */
        0.6570121868880785,   /* ... vs softmax([1,0,-.5])[[2,0,1]] */
        NAN, NAN,
    };
    const double want_jsd[] = {0.7246400527053203, 0.0, NAN, 0.33127818914388035, NAN, NAN, NAN};
    for (int skip = 0; skip < 2; skip++) {
        saydo_pair_opts_t o;
        saydo_pair_opts_default(&o);
        o.skip_extra = skip;
        o.skip_jsd = skip;
        saydo_pairs_t *p = NULL;
        assert_int_equal(saydo_pairs_build(d, &o, &p), SAYDO_OK);
        assert_int_equal(p->n, 7);
        for (size_t j = 0; j < 7; j++) {
            if (isnan(want_pcs[j])) {
                if (!isnan(p->pcs[j])) fail_msg("pair %zu: pcs %.17g, want NaN", j, p->pcs[j]);
            } else if (fabs(p->pcs[j] - want_pcs[j]) > 1e-15) {
                fail_msg("pair %zu (skip %d): pcs %.17g, scipy %.17g", j, skip, p->pcs[j], want_pcs[j]);
            }
            if (skip) {
                if (p->jsd || p->kl12 || p->kl21 || p->h1 || p->h2 || p->tvd) fail_msg("skipped figures have arrays");
            } else if (!isnan(want_jsd[j]) && fabs(p->jsd[j] - want_jsd[j]) > 1e-15) {
                fail_msg("pair %zu: jsd %.17g, scipy %.17g", j, p->jsd[j], want_jsd[j]);
            }
        }
        assert_true(p->pcs[1] <= 1.0);
        saydo_pairs_free(p);
    }
    mem_free(&m);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_adjacent),
        cmocka_unit_test(test_pairs_reversed),
        cmocka_unit_test(test_pairs_shuffled),
        cmocka_unit_test(test_pairs_mixed_blocks),
        cmocka_unit_test(test_pcs_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
