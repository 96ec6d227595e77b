/* The HDF5 store: writer -> reader round trip of every column, appends
 * across commits (new models, K growing from 2 to 4 logp columns, duplicate
 * keys), the batched add against one-at-a-time adds, and damaged stores
 * (truncated, a dataset deleted, a dataset of the wrong type, not HDF5)
 * giving SAYDO_E_SCHEMA with a reason, never a crash. The expected values are
 * the records the test writes; the text column, which saydo_data_t does not
 * load, and the damage are read and made with h5py (/usr/bin/python3). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "saydo/store.h"

static char dir[256];

static const char *path_in(const char *name)
{
    static char p[4][640];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void remove_store(const char *path)
{
    char b[700];
    unlink(path);
    snprintf(b, sizeof b, "%s.lock", path);
    unlink(b);
    snprintf(b, sizeof b, "%s.saydo-tmp", path);
    unlink(b);
}

static int have_h5py(void)
{
    return system("/usr/bin/python3 -c 'import h5py, numpy' > /dev/null 2>&1") == 0;
}

/* Runs python code with the store path as sys.argv[1]; returns its exit status. */
static int py(const char *store, const char *code)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'PY'\nimport sys, h5py, numpy as np\n%s\nPY", store, code);
    return system(cmd);
}

static saydo_record_t base_rec(const char *model, const char *item, const char *side, int trial)
{
    saydo_record_t r;
    saydo_record_clear(&r);
    r.model = model;
    r.condition = "base";
    r.item = item;
    r.side = side;
    r.trial = trial;
    return r;
}

static void add_one(saydo_writer_t *w, const saydo_record_t *r, int want_dup)
{
    int dup = -1;
    assert_int_equal(saydo_writer_add(w, r, &dup), SAYDO_OK);
    assert_int_equal(dup, want_dup);
}

static void commit_source(saydo_writer_t *w, const char *file, const char *hash, int64_t records)
{
    saydo_source_info_t info = {.file = file, .sha256 = hash, .format = "test", .lines = records,
                                .records = records};
    assert_int_equal(saydo_writer_end_source(w, &info), SAYDO_OK);
    assert_int_equal(saydo_writer_commit(w), SAYDO_OK);
}

static int find(const saydo_strs_t *s, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->s[i], v) == 0) return (int)i;
    return -1;
}

/* Writes the first store: 6 records over two conditions that show every column. */
static void write_first(const char *path)
{
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo = {.deflate_level = 1};
    remove_store(path);
    assert_int_equal(saydo_writer_open(path, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);

    saydo_record_t r = base_rec("gpt", "q1", "word", 0);      /* row 0: answer B, logp both */
    r.choice = 1;
    r.n_options = 2;
    r.n_logp = 2;
    r.logp[0] = -2.5;
    r.logp[1] = -0.125;
    r.domain = "ethics";
    r.n_labels = 2;
    r.label_name[0] = "culture";
    r.label_value[0] = "us";
    r.label_name[1] = "topic";
    r.label_value[1] = "care";
    r.text = "B, because";
    r.text_len = 10;
    add_one(w, &r, 0);

    r = base_rec("gpt", "q1", "deed", 0);                     /* row 1: refused, logp A only (B NaN) */
    r.choice = SAYDO_CHOICE_REFUSED;
    r.n_options = 2;
    r.n_logp = 2;
    r.logp[0] = -0.5;
    r.logp[1] = NAN;
    saydo_record_set_flag_map(&r, 0, 2);                      /* A<->B */
    add_one(w, &r, 0);

    r = base_rec("gpt", "q2", "word", 1);                     /* row 2: unparsed, 3 options, a 3-cycle map */
    r.choice = SAYDO_CHOICE_UNPARSED;
    r.n_options = 3;
    r.has_option_map = 1;
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) r.option_map[i] = (int8_t)i;
    r.option_map[0] = 1;
    r.option_map[1] = 2;
    r.option_map[2] = 0;
    r.domain = "law";
    r.n_labels = 1;
    r.label_name[0] = "topic";
    r.label_value[0] = "rules";
    r.text = "hmm";
    r.text_len = 3;
    add_one(w, &r, 0);

    r = base_rec("gpt", "q2", "deed", 1);                     /* row 3: missing answer, same 3-cycle map */
    r.variant = "v2";
    r.n_options = 3;
    r.has_option_map = 1;
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) r.option_map[i] = (int8_t)i;
    r.option_map[0] = 1;
    r.option_map[1] = 2;
    r.option_map[2] = 0;
    add_one(w, &r, 0);

    r = base_rec("gpt", "q1", "word", 0);                     /* the key of row 0 again: a duplicate */
    r.condition = "base";
    r.choice = 0;
    add_one(w, &r, 1);

    r = base_rec("gpt", "q1", "word", 0);                     /* row 4: same item, aligned checkpoint */
    r.condition = "sft-r2";
    r.method = "sft";
    r.round = 2;
    r.trained_side = "deed";
    r.choice = 0;
    r.n_options = 2;
    add_one(w, &r, 0);
    assert_int_equal(saydo_writer_rows(w), 5);
    commit_source(w, "first.jsonl", "h1", 6);
    saydo_writer_free(w);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *path = path_in("rt.h5");
    write_first(path);
    saydo_data_t *d = NULL;
    assert_int_equal(saydo_store_read(path, &d), SAYDO_OK);
    assert_int_equal(d->n, 5);
    assert_int_equal(d->K, 2);
    assert_int_equal(d->models.n, 1);
    assert_string_equal(d->models.s[0], "gpt");
    assert_int_equal(d->conditions.n, 2);
    assert_string_equal(d->conditions.s[1], "sft-r2");
    assert_int_equal(d->items.n, 2);
    int word = find(&d->sides, "word"), deed = find(&d->sides, "deed");
    assert_true(word >= 0 && deed >= 0);
    static const int8_t choice[] = {1, SAYDO_CHOICE_REFUSED, SAYDO_CHOICE_UNPARSED, SAYDO_CHOICE_MISSING, 0};
    static const int8_t nopt[] = {2, 2, 3, 3, 2};
    static const int32_t item[] = {0, 0, 1, 1, 0}, trial[] = {0, 0, 1, 1, 0}, cond[] = {0, 0, 0, 0, 1};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(d->choice[i], choice[i]);
        assert_int_equal(d->n_options[i], nopt[i]);
        assert_int_equal(d->item[i], item[i]);
        assert_int_equal(d->trial[i], trial[i]);
        assert_int_equal(d->condition[i], cond[i]);
        assert_int_equal(d->batch[i], 0);
    }
    assert_int_equal(d->side[0], word);
    assert_int_equal(d->side[1], deed);
    assert_string_equal(d->variants.s[d->variant[0]], "");
    assert_string_equal(d->variants.s[d->variant[3]], "v2");
    /* logp: float32 of the values, NaN where not logged (row 1 B, rows 2-4) */
    assert_true(d->logp[0] == -2.5f && d->logp[1] == -0.125f);
    assert_true(d->logp[2] == -0.5f && isnan(d->logp[3]));
    for (size_t i = 2; i < 5; i++) assert_true(isnan(d->logp[i * 2]) && isnan(d->logp[i * 2 + 1]));
    /* option maps: none, swap, the 3-cycle twice (one stored map), none */
    assert_int_equal(d->omap[0], -1);
    assert_int_equal(d->omap[4], -1);
    assert_int_equal(d->n_maps, 2);
    assert_int_equal(d->omap[2], d->omap[3]);
    const int8_t *swap = d->maps + (size_t)d->omap[1] * SAYDO_MAX_OPTIONS;
    const int8_t *cyc = d->maps + (size_t)d->omap[2] * SAYDO_MAX_OPTIONS;
    assert_true(swap[0] == 1 && swap[1] == 0 && swap[2] == 2 && swap[25] == 25);
    assert_true(cyc[0] == 1 && cyc[1] == 2 && cyc[2] == 0 && cyc[3] == 3);
    /* items: domain, option count (the largest seen), labels */
    assert_string_equal(d->domains.s[d->item_domain[0]], "ethics");
    assert_string_equal(d->domains.s[d->item_domain[1]], "law");
    assert_int_equal(d->item_n_options[1], 3);
    assert_int_equal(d->n_labels, 2);
    int lc = strcmp(d->label_name[0], "culture") == 0 ? 0 : 1, lt = 1 - lc;
    assert_string_equal(d->label_name[lt], "topic");
    assert_string_equal(d->label_values[lc].s[d->item_label[lc][0]], "us");
    assert_int_equal(d->item_label[lc][1], -1);
    assert_string_equal(d->label_values[lt].s[d->item_label[lt][0]], "care");
    assert_string_equal(d->label_values[lt].s[d->item_label[lt][1]], "rules");
    /* conditions: base knows nothing, sft-r2 its method, round and trained side */
    assert_int_equal(d->cond_method[0], -1);
    assert_int_equal(d->cond_round[0], -1);
    assert_int_equal(d->cond_trained_side[0], -1);
    assert_string_equal(d->methods.s[d->cond_method[1]], "sft");
    assert_int_equal(d->cond_round[1], 2);
    assert_int_equal(d->cond_trained_side[1], deed);
    /* provenance */
    assert_int_equal(d->n_sources, 1);
    assert_string_equal(d->src_file.s[0], "first.jsonl");
    assert_string_equal(d->src_sha256.s[0], "h1");
    assert_int_equal(d->src_records[0], 6);
    assert_int_equal(d->src_row_start[0], 0);
    assert_int_equal(d->src_row_end[0], 5);
    saydo_data_free(d);
    if (!have_h5py()) return;
    /* text: row 0 "B, because", row 2 "hmm", the others none */
    assert_int_equal(py(path, "f = h5py.File(sys.argv[1], 'r')\n"
                              "t = bytes(f['records/text'][...]); e = list(f['records/text_end'][...])\n"
                              "assert e == [10, 10, 13, 13, 13], e\n"
                              "assert t == b'B, becausehmm', t\n"
                              "assert f['records/logp'].compression is None\n"
                              "assert f['records/choice'].compression == 'gzip' and f['records/choice'].shuffle"),
                     0);
}

static void test_append_grows_k(void **state)
{
    (void)state;
    const char *path = path_in("grow.h5");
    write_first(path);
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo = {.deflate_level = 1};
    assert_int_equal(saydo_writer_open(path, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_has_source(w, "h1"), 1);
    assert_int_equal(saydo_writer_has_source(w, "h2"), 0);
    assert_int_equal(saydo_writer_rows(w), 5);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
    saydo_record_t r = base_rec("gpt", "q1", "deed", 0);   /* stored already: a duplicate */
    add_one(w, &r, 1);
    r = base_rec("llama", "q3", "word", 0);                /* a new model, 4 options logged */
    r.choice = 3;
    r.n_options = 4;
    r.n_logp = 4;
    for (int k = 0; k < 4; k++) r.logp[k] = -1.0 - k;
    add_one(w, &r, 0);
    r = base_rec("llama", "q1", "word", 0);
    r.choice = 0;
    r.n_options = 2;
    add_one(w, &r, 0);
    commit_source(w, "second.jsonl", "h2", 3);
    saydo_writer_free(w);

    saydo_data_t *d = NULL;
    assert_int_equal(saydo_store_read(path, &d), SAYDO_OK);
    assert_int_equal(d->n, 7);
    assert_int_equal(d->K, 4);
    assert_int_equal(d->models.n, 2);
    assert_string_equal(d->models.s[d->model[5]], "llama");
    assert_string_equal(d->items.s[d->item[5]], "q3");
    assert_int_equal(d->item[6], 0);            /* q1 keeps its code */
    /* old rows: their two values, NaN in the new columns; the new row: four values */
    assert_true(d->logp[0] == -2.5f && d->logp[1] == -0.125f && isnan(d->logp[2]) && isnan(d->logp[3]));
    for (int k = 0; k < 4; k++) assert_true(d->logp[5 * 4 + k] == (float)(-1.0 - k));
    assert_true(isnan(d->logp[6 * 4]));
    assert_int_equal(d->batch[4], 0);
    assert_int_equal(d->batch[5], 1);
    assert_int_equal(d->n_sources, 2);
    assert_int_equal(d->src_row_start[1], 5);
    assert_int_equal(d->src_row_end[1], 7);
    assert_int_equal(d->src_duplicates[1], 0);   /* counts are the caller's */
    saydo_data_free(d);
}

/* saydo_writer_add_many() stores exactly what one-at-a-time adds store, and
 * so does a writer past its key budget (deferred duplicate detection). */
static void test_add_many_same(void **state)
{
    (void)state;
    enum { N = 300 };
    static saydo_record_t recs[N];
    static char items[N][16];
    int dup_one[N], dup_many[N];
    for (int i = 0; i < N; i++) {
        int it = (i * 7) % 97;   /* items repeat: every 97th record collides with an earlier key */
        snprintf(items[i], sizeof items[i], "i%d", it);
        recs[i] = base_rec(i % 3 ? "a" : "b", items[i], i % 2 ? "word" : "deed", (i / 97) % 2);
        recs[i].choice = i % 2;
        recs[i].n_options = 2;
        recs[i].n_logp = 2;
        recs[i].logp[0] = -0.01 * i;
        recs[i].logp[1] = -1.0;
    }
    const char *p1 = path_in("one.h5"), *p2 = path_in("many.h5");
    saydo_writer_opts_t wo = {.deflate_level = 1};
    saydo_writer_t *w = NULL;
    remove_store(p1);
    remove_store(p2);
    assert_int_equal(saydo_writer_open(p1, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
    for (int i = 0; i < N; i++) assert_int_equal(saydo_writer_add(w, &recs[i], &dup_one[i]), SAYDO_OK);
    commit_source(w, "x", "x", N);
    saydo_writer_free(w);
    assert_int_equal(saydo_writer_open(p2, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_reserve(w, N), SAYDO_OK);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
    assert_int_equal(saydo_writer_add_many(w, recs, 100, dup_many), SAYDO_OK);
    assert_int_equal(saydo_writer_add_many(w, recs + 100, N - 100, dup_many + 100), SAYDO_OK);
    commit_source(w, "x", "x", N);
    saydo_writer_free(w);
    int n_dup = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(dup_one[i], dup_many[i]);
        n_dup += dup_one[i];
    }
    assert_true(n_dup > 0);
    saydo_data_t *a = NULL, *b = NULL;
    assert_int_equal(saydo_store_read(p1, &a), SAYDO_OK);
    assert_int_equal(saydo_store_read(p2, &b), SAYDO_OK);
    assert_int_equal(a->n, (size_t)(N - n_dup));
    assert_int_equal(b->n, a->n);
    assert_memory_equal(a->item, b->item, a->n * sizeof(int32_t));
    assert_memory_equal(a->model, b->model, a->n * sizeof(int32_t));
    assert_memory_equal(a->side, b->side, a->n);
    assert_memory_equal(a->trial, b->trial, a->n * sizeof(int32_t));
    assert_memory_equal(a->logp, b->logp, a->n * 2 * sizeof(float));
    saydo_data_free(b);
    b = NULL;

    /* past a (tiny) key budget: no duplicate is reported at add, the commit
     * finds them on disk; two sources in one commit share them out */
    const char *p3 = path_in("deferred.h5");
    saydo_writer_opts_t wd = {.deflate_level = 1, .key_budget_mb = 1e-4};
    int dup_def[N], src_dup[2] = {0, 0};
    remove_store(p3);
    assert_int_equal(saydo_writer_open(p3, &wd, &w), SAYDO_OK);
    for (int s = 0; s < 2; s++) {
        char name[8];
        snprintf(name, sizeof name, "s%d", s);
        saydo_source_info_t info = {.file = name, .sha256 = name, .format = "test", .lines = N / 2,
                                    .records = N / 2};
        assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
        assert_int_equal(saydo_writer_add_many(w, recs + s * (N / 2), N / 2, dup_def + s * (N / 2)), SAYDO_OK);
        assert_int_equal(saydo_writer_end_source(w, &info), SAYDO_OK);
        for (int i = s * (N / 2); i < (s + 1) * (N / 2); i++) src_dup[s] += dup_one[i];
    }
    for (int i = 0; i < N; i++) assert_int_equal(dup_def[i], 0);
    assert_int_equal(saydo_writer_commit(w), SAYDO_OK);
    assert_int_equal(saydo_writer_late_duplicates(w), n_dup);
    assert_int_equal(saydo_writer_rows(w), N - n_dup);
    saydo_writer_free(w);
    assert_int_equal(saydo_store_read(p3, &b), SAYDO_OK);
    assert_int_equal(b->n, a->n);
    assert_memory_equal(a->item, b->item, a->n * sizeof(int32_t));
    assert_memory_equal(a->model, b->model, a->n * sizeof(int32_t));
    assert_memory_equal(a->side, b->side, a->n);
    assert_memory_equal(a->trial, b->trial, a->n * sizeof(int32_t));
    assert_memory_equal(a->choice, b->choice, a->n);
    assert_memory_equal(a->logp, b->logp, a->n * 2 * sizeof(float));
    assert_int_equal(b->n_sources, 2);
    assert_int_equal(b->src_duplicates[0], src_dup[0]);
    assert_int_equal(b->src_duplicates[1], src_dup[1]);
    assert_int_equal(b->src_row_start[0], 0);
    assert_int_equal(b->src_row_end[0], N / 2 - src_dup[0]);
    assert_int_equal(b->src_row_start[1], N / 2 - src_dup[0]);
    assert_int_equal(b->src_row_end[1], N - n_dup);
    saydo_data_free(a);
    saydo_data_free(b);
}

/* Both the reader and a writer refuse a damaged store with SAYDO_E_SCHEMA and a reason naming the damage. */
static void expect_schema(const char *path, const char *word)
{
    saydo_data_t *d = NULL;
    saydo_status st = saydo_store_read(path, &d);
    assert_null(d);
    if (st != SAYDO_E_SCHEMA) fail_msg("%s: read gave %d (%s), expected SAYDO_E_SCHEMA", path, st, saydo_last_error());
    if (!strstr(saydo_last_error(), word)) fail_msg("%s: reason '%s' does not mention '%s'", path, saydo_last_error(), word);
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo = {.deflate_level = 1};
    st = saydo_writer_open(path, &wo, &w);
    if (w) fail_msg("%s: a writer opened the damaged store (%s)", path, word);
    if (st != SAYDO_E_SCHEMA) fail_msg("%s: writer open gave %d (%s), expected SAYDO_E_SCHEMA", path, st,
                                       saydo_last_error());
}

static void test_damaged(void **state)
{
    (void)state;
    const char *path = path_in("dmg.h5");
    char cmd[2048];
    /* truncated to half its size */
    write_first(path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size / 2), 0);
    expect_schema(path, "dmg.h5");
    /* not HDF5 at all */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"model\": \"this is JSON, not a store\"}\n", f);
    fclose(f);
    expect_schema(path, "not an HDF5 file");
    if (!have_h5py()) {
        skip();
        return;
    }
    /* a deleted dataset */
    write_first(path);
    assert_int_equal(py(path, "f = h5py.File(sys.argv[1], 'r+'); del f['records/choice']"), 0);
    expect_schema(path, "choice");
    /* a dataset of the wrong type: floats where codes belong */
    write_first(path);
    assert_int_equal(py(path, "f = h5py.File(sys.argv[1], 'r+'); n = f['records/item'].shape[0]\n"
                              "del f['records/item']; f['records/item'] = np.zeros(n, 'f8')"), 0);
    expect_schema(path, "wrong type");
    /* a dictionary of numbers instead of strings */
    write_first(path);
    assert_int_equal(py(path, "f = h5py.File(sys.argv[1], 'r+'); del f['dict/model']; f['dict/model'] = np.arange(1)"),
                     0);
    expect_schema(path, "model");
    /* a saydo_schema attribute from another version */
    write_first(path);
    assert_int_equal(py(path, "f = h5py.File(sys.argv[1], 'r+'); f.attrs['saydo_schema'] = 99"), 0);
    expect_schema(path, "schema 99");
    snprintf(cmd, sizeof cmd, "rm -f '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("SAYDO_TMP");
    snprintf(dir, sizeof dir, "%s/test_store", tmp && *tmp ? tmp : "/tmp");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    saydo_log_set_level(SAYDO_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_append_grows_k),
        cmocka_unit_test(test_add_many_same),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
