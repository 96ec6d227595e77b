/* Stated vs revealed: answer forms and extraction (hand cases), option maps,
 * the design reader on fixtures/sr (counts written out by hand; the real
 * design is test_sr_shared.c), and the
 * measures on hand-made stores against tests/reference/sr_golden.inc
 * (scipy.stats.entropy for KL after smoothing, jensenshannon**2 for JSD):
 * both KL directions, base 2 and e, eps 0 (with +inf where a zero meets a
 * positive), 1e-6 and 0.01, choices and logged probabilities, an option map,
 * pivot rates with ties, category and overall means. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include "saydo/kernels.h"
#include "saydo/statedrevealed.h"
#include "saydo/store.h"
#include "../reference/sr_golden.inc"

static void test_forms(void **state)
{
    (void)state;
    int n;
    const char *q1 = "Is it better to collaborate or compete? Please choose one option: A) Collaborate. B) Compete.";
    assert_int_equal(saydo_sr_question_form(q1, strlen(q1), &n), SAYDO_SR_LETTERS);
    assert_int_equal(n, 2);
    const char *q2 = "How risky are you? A) Averse. B) Neutral. C) Seeking. (Limit your answer to A, B, or C.)";
    assert_int_equal(saydo_sr_question_form(q2, strlen(q2), &n), SAYDO_SR_LETTERS);
    assert_int_equal(n, 3);
    /* an option glued to the previous sentence: "efforts.B." */
    const char *q3 = "The customer is: A. a loyal one targeted for retention.B. a price-sensitive one. Choose A or B.";
    assert_int_equal(saydo_sr_question_form(q3, strlen(q3), &n), SAYDO_SR_LETTERS);
    assert_int_equal(n, 2);
    const char *q4 = "Should we reduce emissions even if it is costly? Answer Yes or No.";
    assert_int_equal(saydo_sr_question_form(q4, strlen(q4), &n), SAYDO_SR_YESNO);
    assert_int_equal(n, 2);
    /* no options named at all: a yes/no question */
    const char *q5 = "Is gambling generally a good idea?";
    assert_int_equal(saydo_sr_question_form(q5, strlen(q5), &n), SAYDO_SR_YESNO);
}

static void test_extract(void **state)
{
    (void)state;
    static const struct { const char *text; saydo_sr_form form; int n, want; } cases[] = {
        {"Yes", SAYDO_SR_YESNO, 2, 0},
        {"  no.", SAYDO_SR_YESNO, 2, 1},
        {"No, I would not.", SAYDO_SR_YESNO, 2, 1},
        {"Yes, but not always: no single answer fits.", SAYDO_SR_YESNO, 2, 0},   /* the first word decides */
        {"Nobody knows; yes.", SAYDO_SR_YESNO, 2, 0},                           /* "Nobody" is not "no" */
        {"I'm sorry, I cannot answer that.", SAYDO_SR_YESNO, 2, SAYDO_CHOICE_REFUSED},
        {"It depends.", SAYDO_SR_YESNO, 2, SAYDO_CHOICE_UNPARSED},
        {"   ", SAYDO_SR_YESNO, 2, SAYDO_CHOICE_MISSING},
        {"B", SAYDO_SR_LETTERS, 2, 1},
        {"Answer: C", SAYDO_SR_LETTERS, 3, 2},
        {"C", SAYDO_SR_LETTERS, 2, SAYDO_CHOICE_UNPARSED},   /* only A and B are options */
        {"A) Collaborate", SAYDO_SR_LETTERS, 2, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = saydo_sr_extract(cases[i].text, strlen(cases[i].text), cases[i].form, cases[i].n);
        if (got != cases[i].want) fail_msg("case %zu '%s': got %d, want %d", i, cases[i].text, got, cases[i].want);
    }
    assert_int_equal(saydo_sr_extract(NULL, 0, SAYDO_SR_YESNO, 2), SAYDO_CHOICE_MISSING);
}

static void test_names(void **state)
{
    (void)state;
    char cat[16];
    int num;
    const char *rest;
    assert_true(saydo_sr_parse_name("RCP_12_base_prompt_questions_gpt-4o.json", cat, sizeof cat, &num, &rest));
    assert_string_equal(cat, "RCP");
    assert_int_equal(num, 12);
    assert_string_equal(rest, "base_prompt_questions_gpt-4o.json");
    assert_true(saydo_sr_parse_name("EF_1.json", cat, sizeof cat, &num, &rest));
    assert_string_equal(rest, ".json");
    assert_false(saydo_sr_parse_name("ef_1.json", cat, sizeof cat, &num, &rest));
    assert_false(saydo_sr_parse_name("EF_x.json", cat, sizeof cat, &num, &rest));
}

static const char *tmpdir(void)
{
    const char *t = getenv("SAYDO_TMP");
    return t ? t : "/tmp";
}

static void test_optmap(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/test_sr_%ld.map", tmpdir(), (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# principle  stated -> revealed\nEF_5 = B,A\nRP_1: 0 1 1   # risk-seeking is the gamble\nMD_2 A,-\n", f);
    fclose(f);
    saydo_sr_optmap_t *m = NULL;
    assert_int_equal(saydo_sr_optmap_load(path, &m), SAYDO_OK);
    assert_int_equal(m->n, 3);
    const struct saydo_sr_optmap_entry *e = saydo_sr_optmap_find(m, "RP_1");
    assert_non_null(e);
    assert_int_equal(e->n_map, 3);
    assert_int_equal(e->map[0], 0);
    assert_int_equal(e->map[2], 1);
    e = saydo_sr_optmap_find(m, "MD_2");
    assert_int_equal(e->map[1], -1);
    assert_null(saydo_sr_optmap_find(m, "EF_1"));
    saydo_sr_optmap_free(m);
    f = fopen(path, "w");
    fputs("EF_5 B,A\nEF_5 A,B\n", f);   /* mapped twice */
    fclose(f);
    assert_int_equal(saydo_sr_optmap_load(path, &m), SAYDO_E_PARSE);
    f = fopen(path, "w");
    fputs("EF_5 B,?\n", f);
    fclose(f);
    assert_int_equal(saydo_sr_optmap_load(path, &m), SAYDO_E_PARSE);
    unlink(path);
}

static void fixture_dir(char *buf, size_t cap, const char *sub)
{
    const char *f = getenv("SAYDO_FIXTURES");
    if (f) snprintf(buf, cap, "%s/%s", f, sub);
    else {
        snprintf(buf, cap, "%s", __FILE__);
        char *cut = strstr(buf, "/tests/unit/");
        if (cut) snprintf(cut, cap - (size_t)(cut - buf), "/fixtures/%s", sub);
    }
}

/* fixtures/sr/design: ZZ_1 (letters, 3 paraphrases, 2 contexts), ZZ_2 (yes/no
 * stated, letters revealed, 2 + 3), QQ_1 (no paraphrase list: the base prompt,
 * 3-option stated, 3 contexts). */
static void test_design(void **state)
{
    (void)state;
    char dir[4096];
    fixture_dir(dir, sizeof dir, "sr/design");
    saydo_sr_design_t *d = NULL;
    assert_int_equal(saydo_sr_design_load(dir, &d), SAYDO_OK);
    assert_int_equal(d->n, 3);
    /* sorted by category, then number */
    assert_string_equal(d->p[0].id, "QQ_1");
    assert_string_equal(d->p[1].id, "ZZ_1");
    assert_string_equal(d->p[2].id, "ZZ_2");
    assert_int_equal(d->p[0].base_only, 1);
    assert_int_equal(d->p[0].n_paraphrases, 1);
    assert_int_equal(d->p[0].paraphrase[0].n_options, 3);
    assert_int_equal(d->p[0].n_contexts, 3);
    assert_int_equal(d->p[1].n_paraphrases, 3);
    assert_int_equal(d->p[1].n_contexts, 2);
    assert_string_equal(d->p[1].context[1].key, "zz1-vr2");
    assert_int_equal(d->p[2].paraphrase[0].form, SAYDO_SR_YESNO);
    assert_int_equal(d->p[2].context[0].form, SAYDO_SR_LETTERS);
    assert_string_equal(d->p[2].category, "ZZ");
    assert_int_equal(d->p[2].number, 2);
    saydo_sr_design_free(d);
    saydo_sr_design_free(NULL);
    assert_int_equal(saydo_sr_design_load("/nonexistent-saydo", &d), SAYDO_E_IO);
}

/* ---- the measures on a hand-made store ----------------------------------- */

static char store_path[4096];

static int make_store(void **state)
{
    (void)state;
    snprintf(store_path, sizeof store_path, "%s/test_sr_%ld.h5", tmpdir(), (long)getpid());
    unlink(store_path);
    saydo_writer_t *w = NULL;
    if (saydo_writer_open(store_path, NULL, &w) < 0 || saydo_writer_begin_source(w) < 0) return -1;
    int trial = 0;
    for (size_t i = 0; i < sizeof sr_golden_recs / sizeof sr_golden_recs[0]; i++) {
        const sr_golden_rec *g = &sr_golden_recs[i];
        saydo_record_t rec;
        saydo_record_clear(&rec);
        rec.model = "toy";
        rec.condition = "base";
        rec.item = g->principle;
        rec.domain = g->category;
        rec.side = g->side;
        rec.variant = g->variant;
        rec.trial = trial++;
        rec.choice = g->choice;
        rec.n_options = g->n_options;
        if (g->has_p) {
            rec.n_logp = 2;
            rec.logp[0] = log(g->p[0]);
            rec.logp[1] = log(g->p[1]);
        }
        int dup = 0;
        if (saydo_writer_add(w, &rec, &dup) < 0 || dup) return -1;
    }
    saydo_source_info_t info = {.file = "test_sr", .sha256 = "0", .format = "test"};
    if (saydo_writer_end_source(w, &info) < 0 || saydo_writer_commit(w) < 0) return -1;
    saydo_writer_free(w);
    return 0;
}

static int drop_store(void **state)
{
    (void)state;
    unlink(store_path);
    char lock[4200];
    snprintf(lock, sizeof lock, "%s.lock", store_path);
    unlink(lock);
    return 0;
}

static void same(double got, double want, const char *what, const char *name, double eps, double base)
{
    if (isinf(want) || isnan(want)) {
        if (!(isinf(want) ? got == want : isnan(got)))
            fail_msg("%s of %s (eps %g, base %g): got %.17g, want %.17g", what, name, eps, base, got, want);
        return;
    }
    /* the store keeps log-probabilities as float32: figures from them carry ~1e-7 */
    double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);
    if (strcmp(name, "RP_2") == 0 || strcmp(name, "(all)") == 0 || strcmp(name, "RP") == 0) tol = 1e-6;
    if (fabs(got - want) > tol)
        fail_msg("%s of %s (eps %g, base %g): got %.17g, want %.17g", what, name, eps, base, got, want);
}

static void test_measures(void **state)
{
    (void)state;
    saydo_data_t *d = NULL;
    assert_int_equal(saydo_store_read(store_path, &d), SAYDO_OK);
    char mpath[4200];
    snprintf(mpath, sizeof mpath, "%s.map", store_path);
    FILE *f = fopen(mpath, "w");
    assert_non_null(f);
    fputs(SR_GOLDEN_MAP, f);
    fclose(f);
    saydo_sr_optmap_t *map = NULL;
    assert_int_equal(saydo_sr_optmap_load(mpath, &map), SAYDO_OK);
    unlink(mpath);
    size_t checked = 0;
    for (size_t gi = 0; gi < sizeof sr_golden_figs / sizeof sr_golden_figs[0]; gi++) {
        const sr_golden_fig *g = &sr_golden_figs[gi];
        saydo_sr_opts_t o;
        saydo_sr_opts_default(&o);
        o.eps = g->eps;
        o.base = g->base;
        o.use_probs = g->use_probs;
        o.map = map;
        saydo_table_t *t = NULL;
        assert_int_equal(saydo_sr_table(d, &o, &t), SAYDO_OK);
        int c_level = saydo_table_find_col(t, "level"), c_pr = saydo_table_find_col(t, "principle"),
            c_cat = saydo_table_find_col(t, "category");
        int col_name = strcmp(g->level, "principle") == 0 ? c_pr : c_cat;
        size_t row = t->n_rows;
        for (size_t r = 0; r < t->n_rows; r++)
            if (strcmp(t->str_col[c_level][r], g->level) == 0 && strcmp(t->str_col[col_name][r], g->name) == 0)
                row = r;
        if (row == t->n_rows) fail_msg("no %s row %s", g->level, g->name);
        static const char *figs[] = {"kl_sr", "kl_rs", "jsd", "pivot_rate"};
        const double want[] = {g->kl_sr, g->kl_rs, g->jsd, g->pivot};
        for (int k = 0; k < 4; k++)
            same(t->num_col[saydo_table_find_col(t, figs[k])][row], want[k], figs[k], g->name, g->eps, g->base);
        if (strcmp(g->level, "principle") == 0) {
            assert_int_equal((int)t->num_col[saydo_table_find_col(t, "n_options")][row], g->n_options);
            for (int j = 0; j < g->n_options; j++) {
                char name[32];
                snprintf(name, sizeof name, "stated_%c", 'A' + j);
                same(t->num_col[saydo_table_find_col(t, name)][row], g->P[j], name, g->name, g->eps, g->base);
                snprintf(name, sizeof name, "revealed_%c", 'A' + j);
                same(t->num_col[saydo_table_find_col(t, name)][row], g->Q[j], name, g->name, g->eps, g->base);
            }
            if (strcmp(g->name, "EF_1") == 0)   /* the refused stated answer */
                assert_int_equal((int)t->num_col[saydo_table_find_col(t, "n_dropped")][row], 1);
        }
        checked++;
        saydo_table_free(t);
    }
    assert_true(checked == sizeof sr_golden_figs / sizeof sr_golden_figs[0]);
    saydo_sr_optmap_free(map);
    saydo_data_free(d);
}

/* Intervals: ordered, reproducible from the seed, and wide where the
 * paraphrases and contexts differ. */
static void test_intervals(void **state)
{
    (void)state;
    saydo_data_t *d = NULL;
    assert_int_equal(saydo_store_read(store_path, &d), SAYDO_OK);
    saydo_sr_opts_t o;
    saydo_sr_opts_default(&o);
    o.ci = 1;
    o.boot.n_resamples = 499;
    o.boot.seed = 11;
    saydo_table_t *t = NULL, *t2 = NULL;
    assert_int_equal(saydo_sr_table(d, &o, &t), SAYDO_OK);
    assert_int_equal(saydo_sr_table(d, &o, &t2), SAYDO_OK);   /* same seed, same numbers */
    int c_lo = saydo_table_find_col(t, "jsd_lo"), c_hi = saydo_table_find_col(t, "jsd_hi"),
        c_pr = saydo_table_find_col(t, "principle");
    for (size_t r = 0; r < t->n_rows; r++) {
        double lo = t->num_col[c_lo][r], hi = t->num_col[c_hi][r];
        assert_true(lo <= hi);
        assert_true(t2->num_col[c_lo][r] == lo && t2->num_col[c_hi][r] == hi);
        /* EF_1: 3 paraphrases and 2 contexts that differ, so resamples differ */
        if (strcmp(t->str_col[c_pr][r], "EF_1") == 0) assert_true(hi > lo);
    }
    saydo_table_free(t);
    saydo_table_free(t2);
    saydo_data_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_optmap),
        cmocka_unit_test(test_design),
        cmocka_unit_test_setup_teardown(test_measures, make_store, drop_store),
        cmocka_unit_test_setup_teardown(test_intervals, make_store, drop_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
