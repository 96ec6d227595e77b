/* The two ways `saydo score` computes a table, and the pieces behind them.
 *
 * - saydo_score_table_direct() (one pass over the records, no per-pair
 *   arrays) gives the same table, bit for bit, as saydo_pairs_build() +
 *   saydo_groups_build() + saydo_score_table_ex(), with and without the
 *   overall row, for CS, PCS and JSD (bits and nats), every missing-answer
 *   policy, several --by lists, 1 to 3 threads, on a store with 2- and
 *   3-option rows, rows without or with mismatched log-probabilities,
 *   refusals, option maps, word-first and deed-first probes and deed records
 *   without a partner; the pair counts agree too. With a word record
 *   without a neighbour partner it declines (NULL table), and so it does
 *   for figures it does not compute.
 * - The overall row is the last row and the group rows do not depend on it.
 * - The cluster layout's counting sort (ci.c) gives the same layout as its
 *   comparison sort (forced by a large item dictionary), with rows left out
 *   and empty rows.
 * - saydo_store_read_cols() leaves the columns not asked for NULL (logp: K
 *   = 0) and gives every other column as saydo_store_read() does.
 * The truth is the general path itself (its figures are checked against
 * scipy in test_pair.c and the CLI golden tests). */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>

#include "core/ci_impl.h"
#include "saydo/score.h"
#include "saydo/store.h"

enum { MODELS = 3, CONDS = 2, ITEMS = 500, DOMAINS = 3, VARIANTS = 2, TRIALS = 2, K = 3 };

static char *model_names[MODELS] = {"m0", "m1", "m2"};
static char *cond_names[CONDS] = {"base", "sft"};
static char *domain_names[DOMAINS] = {"ethics", "law", "care"};
static char *variant_names[VARIANTS] = {"", "v2"};
static char *side_names[3] = {"word", "deed", "other"};
static char *item_names[ITEMS];
static char item_buf[ITEMS][16];

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

typedef struct {
    saydo_data_t d;
    int32_t item_domain[ITEMS], cond_method[CONDS], cond_round[CONDS], cond_trained[CONDS];
    int8_t maps[2 * SAYDO_MAX_OPTIONS];
} mem_t;

/* One record: a choice (sometimes a status), and 2 logged options, 3, none,
 * or 2 with a third only on this side (mismatched: no distribution). */
static void set_rec(mem_t *m, size_t i, int model, int cond, int item, int trial, int variant, int side)
{
    saydo_data_t *d = &m->d;
    d->model[i] = model;
    d->condition[i] = cond;
    d->item[i] = item;
    d->trial[i] = trial;
    d->variant[i] = variant;
    d->side[i] = (int8_t)side;
    uint32_t c = rnd(20);
    d->choice[i] = (int8_t)(c < 17 ? (int)(c % 3 == 2 ? rnd(2) : c % 2) : -(int)(c - 16));   /* -1..-3 */
    d->n_options[i] = 2;
    d->omap[i] = (int16_t)((int)rnd(3) - 1);   /* none, identity, swap */
    float *lp = d->logp + i * K;
    uint32_t shape = rnd(12);
    lp[0] = lp[1] = lp[2] = NAN;
    if (shape == 0) return;                    /* nothing logged */
    lp[0] = (float)rnd(1000) / 125.0f - 4.0f;
    lp[1] = (float)rnd(1000) / 125.0f - 4.0f;
    if (shape == 1) lp[2] = (float)rnd(1000) / 125.0f - 4.0f;   /* 3 options (a mismatch unless both) */
    if (shape == 2) lp[1] = lp[0];             /* p = (0.5, 0.5): the series branch */
}

/* A store of probes laid out word-first or deed-first, with deed records
 * alone now and then and, with lone_word, one word record alone. */
static void make_store(mem_t *m, size_t n_probes, int lone_word)
{
    memset(m, 0, sizeof *m);
    saydo_data_t *d = &m->d;
    const size_t cap = 3 * n_probes + 4;
    d->model = calloc(cap, 4);
    d->condition = calloc(cap, 4);
    d->item = calloc(cap, 4);
    d->trial = calloc(cap, 4);
    d->variant = calloc(cap, 4);
    d->side = calloc(cap, 1);
    d->choice = calloc(cap, 1);
    d->n_options = calloc(cap, 1);
    d->omap = calloc(cap, sizeof *d->omap);
    d->logp = calloc(cap * K, sizeof(float));
    d->K = K;
    for (int i = 0; i < ITEMS; i++) {
        snprintf(item_buf[i], sizeof item_buf[i], "it%03d", i);
        item_names[i] = item_buf[i];
        m->item_domain[i] = i % 7 == 6 ? -1 : i % DOMAINS;   /* some items have no domain */
    }
    for (int c = 0; c < CONDS; c++) {
        m->cond_method[c] = -1;
        m->cond_round[c] = c ? 1 : -1;
        m->cond_trained[c] = -1;
    }
    for (int o = 0; o < SAYDO_MAX_OPTIONS; o++) m->maps[o] = m->maps[SAYDO_MAX_OPTIONS + o] = (int8_t)o;
    m->maps[SAYDO_MAX_OPTIONS] = 1;
    m->maps[SAYDO_MAX_OPTIONS + 1] = 0;
    d->maps = m->maps;
    d->n_maps = 2;
    d->models = (saydo_strs_t){MODELS, model_names};
    d->conditions = (saydo_strs_t){CONDS, cond_names};
    d->domains = (saydo_strs_t){DOMAINS, domain_names};
    d->variants = (saydo_strs_t){VARIANTS, variant_names};
    d->sides = (saydo_strs_t){3, side_names};
    d->items = (saydo_strs_t){ITEMS, item_names};
    d->item_domain = m->item_domain;
    d->cond_method = m->cond_method;
    d->cond_round = m->cond_round;
    d->cond_trained_side = m->cond_trained;
    size_t n = 0;
    for (size_t p = 0; p < n_probes; p++) {
        int model = (int)(p % MODELS), cond = (int)(p / MODELS % CONDS), item = (int)(p / 6 % ITEMS);
        int trial = (int)(p / 3000 % TRIALS), variant = (int)(p / 6000 % VARIANTS);
        if (rnd(50) == 0) {   /* a deed record without its word record */
            set_rec(m, n++, model, cond, item, trial, variant, 1);
            continue;
        }
        int first = rnd(4) == 0;   /* deed first */
        set_rec(m, n++, model, cond, item, trial, variant, first);
        set_rec(m, n++, model, cond, item, trial, variant, !first);
    }
    if (lone_word) set_rec(m, n++, 0, 0, 1, TRIALS + 1, 0, 0);   /* a key no deed record has */
    d->n = n;
}

static void mem_free(mem_t *m)
{
    saydo_data_t *d = &m->d;
    free(d->model); free(d->condition); free(d->item); free(d->trial); free(d->variant);
    free(d->side); free(d->choice); free(d->n_options); free(d->omap); free(d->logp);
}

/* Same shape, names, strings and bits. */
static void same_table(const saydo_table_t *a, const saydo_table_t *b, const char *what)
{
    if (a->n_rows != b->n_rows || a->n_cols != b->n_cols)
        fail_msg("%s: %zu x %d against %zu x %d", what, a->n_rows, a->n_cols, b->n_rows, b->n_cols);
    for (int c = 0; c < a->n_cols; c++) {
        if (strcmp(a->col_name[c], b->col_name[c]) != 0 || a->col_is_str[c] != b->col_is_str[c])
            fail_msg("%s: column %d is %s against %s", what, c, a->col_name[c], b->col_name[c]);
        for (size_t r = 0; r < a->n_rows; r++) {
            if (a->col_is_str[c]) {
                if (strcmp(a->str_col[c][r], b->str_col[c][r]) != 0)
                    fail_msg("%s: %s row %zu: '%s' against '%s'", what, a->col_name[c], r, a->str_col[c][r],
                             b->str_col[c][r]);
            } else if (memcmp(&a->num_col[c][r], &b->num_col[c][r], sizeof(double)) != 0) {
                fail_msg("%s: %s row %zu: %.17g against %.17g", what, a->col_name[c], r, a->num_col[c][r],
                         b->num_col[c][r]);
            }
        }
    }
}

static saydo_table_t *general(const saydo_data_t *d, const saydo_pair_opts_t *o, const char *const *f, int nf,
                              unsigned metrics, int overall, saydo_pairs_t **pout)
{
    saydo_pairs_t *p = NULL;
    saydo_groups_t *g = NULL;
    saydo_table_t *t = NULL;
    assert_int_equal(saydo_pairs_build(d, o, &p), SAYDO_OK);
    assert_int_equal(saydo_groups_build(d, p, f, nf, &g), SAYDO_OK);
    assert_int_equal(saydo_score_table_ex(d, p, g, metrics, overall, &t), SAYDO_OK);
    saydo_groups_free(g);
    *pout = p;
    return t;
}

static void test_direct_equals_general(void **state)
{
    (void)state;
    mem_t m;
    rng_state = 7;
    make_store(&m, 40000, 0);   /* ~80,000 records: 20 blocks of the scan, ring slots reused */
    static const char *by[][3] = {{"model", "condition", "domain"}, {"item", NULL, NULL}, {"variant", "model", NULL},
                                  {"domain", NULL, NULL}};
    static const int nby[] = {3, 1, 2, 1};
    static const unsigned metric_sets[] = {SAYDO_M_CS, SAYDO_M_CS | SAYDO_M_PCS,
                                           SAYDO_M_CS | SAYDO_M_PCS | SAYDO_M_JSD, SAYDO_M_PCS, SAYDO_M_JSD};
    int cases = 0;
    for (size_t ms = 0; ms < sizeof metric_sets / sizeof metric_sets[0]; ms++)
        for (int pol = 0; pol < 3; pol++)
            for (int b = 0; b < 4; b++)
                for (int overall = 0; overall < 2; overall++) {
                    const unsigned metrics = metric_sets[ms];
                    saydo_pair_opts_t o;
                    saydo_pair_opts_default(&o);
                    o.missing = (saydo_missing_policy)pol;
                    o.skip_extra = 1;
                    o.skip_jsd = !(metrics & SAYDO_M_JSD);
                    if (b == 3) o.log_base = 2.718281828459045;
                    saydo_pairs_t *p = NULL, info;
                    omp_set_num_threads(1);
                    saydo_table_t *want = general(&m.d, &o, by[b], nby[b], metrics, overall, &p);
                    for (int t = 1; t <= 3; t++) {
                        if (t > 1 && (ms + (size_t)pol + (size_t)b) % 3 != 0) continue;   /* a sample at 2, 3 */
                        omp_set_num_threads(t);
                        saydo_table_t *got = NULL;
                        assert_int_equal(saydo_score_table_direct(&m.d, &o, by[b], nby[b], metrics, overall, &got,
                                                                  &info), SAYDO_OK);
                        assert_non_null(got);
                        char what[128];
                        snprintf(what, sizeof what, "metrics %u, policy %d, by #%d, overall %d, %d threads", metrics,
                                 pol, b, overall, t);
                        same_table(got, want, what);
                        assert_int_equal(info.n, p->n);
                        assert_int_equal(info.side1, p->side1);
                        assert_int_equal(info.side2, p->side2);
                        assert_int_equal(info.unpaired1, p->unpaired1);
                        assert_int_equal(info.unpaired2, p->unpaired2);
                        assert_null(info.r1);
                        assert_null(info.pcs);
                        saydo_table_free(got);
                        cases++;
                    }
                    assert_true(p->unpaired2 > 0);   /* the lone deed records */
                    saydo_table_free(want);
                    saydo_pairs_free(p);
                }
    omp_set_num_threads(2);
    assert_true(cases > 150);
    mem_free(&m);
}

/* A word record with no neighbour partner needs the hash join: the direct
 * path declines, as it does for figures it does not compute. */
static void test_direct_declines(void **state)
{
    (void)state;
    mem_t m;
    rng_state = 11;
    make_store(&m, 3000, 1);
    const char *f[1] = {"model"};
    saydo_pair_opts_t o;
    saydo_pair_opts_default(&o);
    o.skip_extra = 1;
    o.skip_jsd = 1;
    saydo_table_t *t = NULL;
    saydo_pairs_t info;
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        t = (saydo_table_t *)1;
        assert_int_equal(saydo_score_table_direct(&m.d, &o, f, 1, SAYDO_M_CS | SAYDO_M_PCS, 1, &t, &info), SAYDO_OK);
        assert_null(t);
    }
    omp_set_num_threads(2);
    mem_free(&m);
    rng_state = 11;
    make_store(&m, 3000, 0);
    assert_int_equal(saydo_score_table_direct(&m.d, &o, f, 1, SAYDO_M_CS | SAYDO_M_KL, 1, &t, &info), SAYDO_OK);
    assert_null(t);   /* KL is not its figure */
    o.skip_extra = 0;
    assert_int_equal(saydo_score_table_direct(&m.d, &o, f, 1, SAYDO_M_CS, 1, &t, &info), SAYDO_OK);
    assert_null(t);
    o.skip_extra = 1;
    o.unit = SAYDO_UNIT_ITEM;
    assert_int_equal(saydo_score_table_direct(&m.d, &o, f, 1, SAYDO_M_CS, 1, &t, &info), SAYDO_OK);
    assert_null(t);
    o.unit = SAYDO_UNIT_TRIAL;
    const char *bad[1] = {"colour"};
    assert_int_equal(saydo_score_table_direct(&m.d, &o, bad, 1, SAYDO_M_CS, 1, &t, &info), SAYDO_E_INVAL);
    assert_int_equal(saydo_score_table_direct(&m.d, &o, f, 1, SAYDO_M_CS, 1, &t, &info), SAYDO_OK);
    assert_non_null(t);
    saydo_table_free(t);
    mem_free(&m);
}

/* With and without the overall row: the same group rows, the overall row last. */
static void test_overall_row(void **state)
{
    (void)state;
    mem_t m;
    rng_state = 5;
    make_store(&m, 5000, 0);
    const char *f[2] = {"model", "domain"};
    saydo_pair_opts_t o;
    saydo_pair_opts_default(&o);
    saydo_pairs_t *p = NULL;
    const unsigned metrics = SAYDO_M_CS | SAYDO_M_PCS | SAYDO_M_JSD | SAYDO_M_QUANTILES;
    saydo_table_t *with = general(&m.d, &o, f, 2, metrics, 1, &p);
    saydo_pairs_free(p);
    saydo_table_t *without = general(&m.d, &o, f, 2, metrics, 0, &p);
    assert_int_equal(with->n_rows, without->n_rows + 1);
    assert_int_equal(with->n_cols, without->n_cols);
    const size_t ng = without->n_rows;
    for (int c = 0; c < with->n_cols; c++)
        for (size_t r = 0; r < ng; r++) {
            if (with->col_is_str[c]) assert_string_equal(with->str_col[c][r], without->str_col[c][r]);
            else assert_memory_equal(&with->num_col[c][r], &without->num_col[c][r], sizeof(double));
        }
    assert_string_equal(with->str_col[0][ng], "(all)");
    const int np = saydo_table_find_col(with, "n_pairs");
    assert_true(np >= 0);
    assert_true(with->num_col[np][ng] == (double)p->n);
    saydo_table_free(with);
    saydo_table_free(without);
    saydo_pairs_free(p);
    mem_free(&m);
}

static void same_layout(const ci_layout_t *a, const ci_layout_t *b)
{
    assert_int_equal(a->n_units, b->n_units);
    assert_int_equal(a->n_clusters, b->n_clusters);
    assert_int_equal(a->n_rows, b->n_rows);
    assert_memory_equal(a->order, b->order, a->n_units * sizeof *a->order);
    assert_memory_equal(a->start, b->start, (a->n_clusters + 1) * sizeof *a->start);
    assert_memory_equal(a->row_start, b->row_start, (a->n_rows + 1) * sizeof *a->row_start);
}

/* The cluster layout's counting sort against its comparison sort. */
static void test_layout_counting_vs_sort(void **state)
{
    (void)state;
    mem_t m;
    rng_state = 3;
    make_store(&m, 20000, 0);
    const char *f[2] = {"model", "domain"};
    saydo_pair_opts_t o;
    saydo_pair_opts_default(&o);
    saydo_pairs_t *p = NULL;
    saydo_groups_t *g = NULL;
    assert_int_equal(saydo_pairs_build(&m.d, &o, &p), SAYDO_OK);
    assert_int_equal(saydo_groups_build(&m.d, p, f, 2, &g), SAYDO_OK);
    /* rows: the groups, every 7th pair left out, two empty rows at the end */
    const size_t n_rows = g->n_groups + 2;
    int32_t *row = malloc(p->n * sizeof *row), *zero = calloc(p->n, sizeof *zero);
    for (size_t i = 0; i < p->n; i++) row[i] = i % 7 == 3 ? -1 : g->gid[i];
    for (int pass = 0; pass < 2; pass++) {
        const int32_t *rr = pass ? zero : row;
        const size_t nr = pass ? 1 : n_rows;
        ci_layout_t a, b;
        assert_int_equal(ci_layout_build(&m.d, p->r1, rr, p->n, nr, &a), SAYDO_OK);
        const size_t items = m.d.items.n;
        m.d.items.n = (size_t)1 << 30;   /* too many codes for counting: the comparison sort */
        assert_int_equal(ci_layout_build(&m.d, p->r1, rr, p->n, nr, &b), SAYDO_OK);
        m.d.items.n = items;
        same_layout(&a, &b);
        assert_true(a.n_clusters > 1000 && a.n_clusters < a.n_units);   /* trials and variants share clusters */
        if (!pass) assert_int_equal(a.row_start[n_rows - 2], a.row_start[n_rows]);   /* the empty rows */
        ci_layout_free(&a);
        ci_layout_free(&b);
    }
    free(row);
    free(zero);
    saydo_groups_free(g);
    saydo_pairs_free(p);
    mem_free(&m);
}

/* ---- column subsets of a store on disk --------------------------------- */

static void write_store(const char *path)
{
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo = {.deflate_level = 1};
    assert_int_equal(saydo_writer_open(path, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
    static const char *sides[2] = {"word", "deed"};
    char item[16];
    int64_t n = 0;
    for (int i = 0; i < 300; i++)
        for (int s = 0; s < 2; s++) {
            saydo_record_t r;
            saydo_record_clear(&r);
            snprintf(item, sizeof item, "q%d", i / 2);
            r.model = i % 3 ? "a" : "b";
            r.condition = "base";
            r.item = item;
            r.side = sides[s];
            r.trial = i % 2;
            r.choice = (i + s) % 3 == 2 ? SAYDO_CHOICE_REFUSED : (i * 7 + s) % 2;
            r.n_options = 2 + (i % 5 == 0);
            r.n_logp = i % 4 ? 2 : 0;
            r.logp[0] = -0.25 * (i % 9);
            r.logp[1] = -0.5 * (s + 1);
            r.domain = (i / 2) % 2 ? "law" : "ethics";
            int dup = -1;
            assert_int_equal(saydo_writer_add(w, &r, &dup), SAYDO_OK);
            assert_int_equal(dup, 0);
            n++;
        }
    saydo_source_info_t info = {.file = "t.jsonl", .sha256 = "h", .format = "test", .lines = n, .records = n};
    assert_int_equal(saydo_writer_end_source(w, &info), SAYDO_OK);
    assert_int_equal(saydo_writer_commit(w), SAYDO_OK);
    saydo_writer_free(w);
}

static void test_read_cols(void **state)
{
    (void)state;
    char dir[] = "/tmp/saydo_score_paths_XXXXXX", path[64], lock[72];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.h5", dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    write_store(path);
    saydo_data_t *all = NULL, *sub = NULL, *lp = NULL;
    assert_int_equal(saydo_store_read(path, &all), SAYDO_OK);
    assert_int_equal(saydo_store_read_cols(path, SAYDO_COLS_PAIRING, &sub), SAYDO_OK);
    assert_int_equal(saydo_store_read_cols(path, SAYDO_COL_LOGP | SAYDO_COL_N_OPTIONS, &lp), SAYDO_OK);
    const size_t n = all->n;
    assert_int_equal(n, 600);
    assert_int_equal(all->K, 2);
    assert_non_null(all->batch);
    assert_non_null(all->n_options);
    for (int k = 0; k < 2; k++) {
        const saydo_data_t *x = k ? lp : sub;
        assert_int_equal(x->n, n);
        assert_memory_equal(x->model, all->model, n * 4);
        assert_memory_equal(x->condition, all->condition, n * 4);
        assert_memory_equal(x->item, all->item, n * 4);
        assert_memory_equal(x->trial, all->trial, n * 4);
        assert_memory_equal(x->variant, all->variant, n * 4);
        assert_memory_equal(x->side, all->side, n);
        assert_memory_equal(x->choice, all->choice, n);
        assert_memory_equal(x->omap, all->omap, n * sizeof *x->omap);
        assert_memory_equal(x->item_domain, all->item_domain, all->items.n * 4);
        assert_int_equal(x->items.n, all->items.n);
        assert_null(x->batch);
    }
    assert_null(sub->logp);
    assert_int_equal(sub->K, 0);
    assert_null(sub->n_options);
    assert_int_equal(lp->K, 2);
    assert_memory_equal(lp->logp, all->logp, n * 2 * sizeof(float));
    assert_memory_equal(lp->n_options, all->n_options, n);
    /* CS needs no log-probabilities: the same CS from the store without them */
    saydo_pair_opts_t o;
    saydo_pair_opts_default(&o);
    o.skip_extra = o.skip_jsd = 1;
    const char *f[2] = {"model", "domain"};
    saydo_pairs_t *pa = NULL, *ps = NULL;
    saydo_table_t *ta = general(all, &o, f, 2, SAYDO_M_CS | SAYDO_M_PCS, 1, &pa);
    saydo_table_t *ts = general(sub, &o, f, 2, SAYDO_M_CS, 1, &ps);
    const int ca = saydo_table_find_col(ta, "cs"), cs = saydo_table_find_col(ts, "cs");
    assert_true(ca >= 0 && cs >= 0 && ta->n_rows == ts->n_rows && ta->n_rows == 5);
    assert_memory_equal(ta->num_col[ca], ts->num_col[cs], ta->n_rows * sizeof(double));
    for (size_t i = 0; i < ps->n; i++) assert_true(isnan(ps->pcs[i]));   /* nothing logged in memory */
    saydo_table_free(ta);
    saydo_table_free(ts);
    saydo_pairs_free(pa);
    saydo_pairs_free(ps);
    saydo_data_free(all);
    saydo_data_free(sub);
    saydo_data_free(lp);
    unlink(path);
    unlink(lock);
    rmdir(dir);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_equals_general),
        cmocka_unit_test(test_direct_declines),
        cmocka_unit_test(test_overall_row),
        cmocka_unit_test(test_layout_counting_vs_sort),
        cmocka_unit_test(test_read_cols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
