/* The inspect_ai reader (src/io/inspect.c) and the ZIP member reader
 * (src/io/zipread.c): fixtures/eco written by make_fixtures.py (values
 * restated here), plus .json logs written by the tests. The option
 * distribution expected at the answer token " B" is worked out by hand:
 * A = -1.5, B = log(e^-0.3 + e^-3.0) (" B" and "B" both spell B),
 * C = -inf (OpenAI's -9999.0 sentinel). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "eco_test_util.h"
#include "io/reader_impl.h"

static const char *label(const saydo_record_t *rec, const char *name)
{
    for (int i = 0; i < rec->n_labels; i++)
        if (strcmp(rec->label_name[i], name) == 0) return rec->label_value[i];
    return NULL;
}

static void check_zstd_records(saydo_reader_t *r)
{
    saydo_record_t rec;
    /* members are stored out of order; records come in (id, epoch) order */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "1");
    assert_int_equal(rec.trial, 0);
    assert_string_equal(rec.side, "wd_word");
    assert_string_equal(rec.model, "openai/toy-4o");
    assert_int_equal(rec.n_options, 3);
    assert_int_equal(rec.choice, 1);   /* the choice scorer's answer "B" (its value is "C": correct) */
    assert_int_equal(rec.n_logp, 3);
    assert_true(eco_near(rec.logp[0], -1.5, 1e-15));
    assert_true(eco_near(rec.logp[1], -0.3 + log1p(exp(-2.7)), 1e-15));
    assert_true(rec.logp[2] == -INFINITY);
    assert_non_null(rec.text);   /* attachment:// resolved */
    assert_int_equal(rec.text_len, 9);
    assert_memory_equal(rec.text, "ANSWER: B", 9);
    assert_string_equal(label(&rec, "culture"), "UK");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "1");
    assert_int_equal(rec.trial, 1);
    assert_int_equal(rec.choice, 0);
    assert_int_equal(rec.n_logp, 0);
    for (int ep = 0; ep < 2; ep++) {   /* a match scorer only: extraction on "The answer is C." */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, "2");
        assert_int_equal(rec.trial, ep);
        assert_int_equal(rec.choice, 2);
    }
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);   /* the failed sample */
    assert_string_equal(rec.item, "10");
    assert_int_equal(rec.choice, SAYDO_CHOICE_MISSING);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
}

static void test_zstd_eval(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.keep_text = 1;
    assert_int_equal(saydo_reader_open(eco_fixture("inspect_zstd_logprobs.eval"), &o, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "inspect");
    assert_string_equal(saydo_reader_meta(r, "harness_version"), "0.3.210");
    assert_string_equal(saydo_reader_meta(r, "status"), "success");
    check_zstd_records(r);
    saydo_reader_free(r);

    /* the same bytes from memory */
    FILE *f = fopen(eco_fixture("inspect_zstd_logprobs.eval"), "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(saydo_reader_open_mem("mem.eval", buf, n, &o, &r), SAYDO_OK);
    check_zstd_records(r);
    saydo_reader_free(r);
    (void)map;
}

static void test_unfinished_runs(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* no header.json: the eval from _journal/start.json, the samples as they are */
    assert_int_equal(eco_open(eco_fixture("inspect_unfinished.eval"), NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_meta(r, "status"), "unfinished (no header.json)");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.side, "wd_deed");
    assert_int_equal(rec.choice, 1);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 0);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* no sample member yet: the journal's summaries, in summary-file order */
    assert_int_equal(eco_open(eco_fixture("inspect_journal_only.eval"), NULL, NULL, NULL, &map, &r), SAYDO_OK);
    static const int choice[] = {1, 0, 2};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        char id[4];
        snprintf(id, sizeof id, "%d", i + 1);
        assert_string_equal(rec.item, id);
        assert_int_equal(rec.choice, choice[i]);
    }
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

/* Opening must fail with a message holding every string in want. */
static void open_fails(const char *path, const char *map_text, const char *const *want, int n)
{
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    const char *mp = map_text ? eco_write("zip.map", map_text) : NULL;
    saydo_status st = eco_open(path, NULL, mp, "m", &map, &r);
    assert_int_equal(st, SAYDO_E_PARSE);
    assert_null(r);
    for (int i = 0; i < n; i++) {
        if (!strstr(saydo_last_error(), want[i])) fprintf(stderr, "'%s' lacks '%s'\n", saydo_last_error(), want[i]);
        assert_non_null(strstr(saydo_last_error(), want[i]));
    }
    saydo_fieldmap_free(&map);
}

static void test_damaged_archives(void **state)
{
    (void)state;
    const char *cut[] = {"inspect_truncated.eval", "ends inside member samples/", "whole members"};
    open_fails(eco_fixture(cut[0]), NULL, cut, 3);
    const char *dup[] = {"inspect_dup.eval", "two members are called samples/1_epoch_2.json"};
    open_fails(eco_fixture(dup[0]), NULL, dup, 2);
    const char *evil[] = {"inspect_evil.eval", "samples/../../evil.json", "outside the archive"};
    open_fails(eco_fixture(evil[0]), NULL, evil, 3);
    const char *junk[] = {"junk.eval", "not a ZIP archive"};
    open_fails(eco_write("junk.eval", "PK\x03\x04 not really a zip"), NULL, junk, 2);
}

static void test_zip_bomb_limits(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* a 16 MiB member from 750 zstd bytes: refused by the ratio, the file stops (not a skipped record) */
    assert_int_equal(eco_open(eco_fixture("inspect_bomb.eval"), NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_IO);
    assert_non_null(strstr(saydo_last_error(), "samples/1_epoch_2.json"));
    assert_non_null(strstr(saydo_last_error(), "zip.max_ratio"));
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* raised in the mapping: read */
    const char *mp = eco_write("bomb.map", "zip.max_ratio = 100000\n");
    assert_int_equal(eco_open(eco_fixture("inspect_bomb.eval"), NULL, mp, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 0);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* the size cap, lowered */
    mp = eco_write("bomb2.map", "zip.max_ratio = 100000\nzip.max_member = 1M\n");
    assert_int_equal(eco_open(eco_fixture("inspect_bomb.eval"), NULL, mp, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_IO);
    assert_non_null(strstr(saydo_last_error(), "zip.max_member"));
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_json_log(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* the older single-object log: `score` (one scorer), message content as parts, bare NaN */
    const char *log = "{\n  \"version\": 2,\n  \"status\": \"success\",\n  \"eval\": {\"task\": \"t1\", \"model\": \"m/x\"},\n"
                      "  \"samples\": [\n    {\"id\": \"a\", \"epoch\": 1, \"choices\": [\"x\", \"y\"], \"output\": "
                      "{\"completion\": \"ANSWER: B\"}, \"score\": {\"value\": \"C\", \"answer\": \"B\"}, \"metadata\": "
                      "{\"v\": NaN, \"topic\": \"food\"}},\n    {\"id\": \"b\", \"epoch\": 3, \"choices\": [\"x\", \"y\"], "
                      "\"output\": {\"choices\": [{\"message\": {\"content\": [{\"type\": \"reasoning\", \"reasoning\": "
                      "\"B?\"}, {\"type\": \"text\", \"text\": \"A\"}]}}]}, \"scores\": {}},\n    {\"id\": 5, \"epoch\": 1, "
                      "\"input\": \"Yes or no?\", \"output\": {\"completion\": \"No\"}, \"scores\": {\"match\": {\"value\": "
                      "\"I\", \"answer\": \"No\"}}}\n  ]\n}\n";
    const char *p = eco_write("log.json", log);
    assert_int_equal(eco_open(p, NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "inspect");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "a");
    assert_string_equal(rec.model, "m/x");
    assert_string_equal(rec.side, "t1");
    assert_int_equal(rec.choice, 1);
    assert_int_equal(rec.line, 6);
    assert_string_equal(label(&rec, "topic"), "food");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.trial, 2);   /* epoch 3 */
    assert_int_equal(rec.choice, 0);  /* the text part, not the reasoning */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "5");
    assert_int_equal(rec.choice, SAYDO_CHOICE_UNPARSED);   /* no choices: nothing to read "No" as */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* `options = Yes|No` reads text answers as options */
    const char *mp = eco_write("yesno.map", "options = Yes|No\nn_options = \"2\"\n");
    assert_int_equal(eco_open(p, NULL, mp, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 1);   /* the scorer's letter still wins */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 1);   /* "No" */
    assert_int_equal(rec.n_options, 2);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zstd_eval),
        cmocka_unit_test(test_unfinished_runs),
        cmocka_unit_test(test_damaged_archives),
        cmocka_unit_test(test_zip_bomb_limits),
        cmocka_unit_test(test_json_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
