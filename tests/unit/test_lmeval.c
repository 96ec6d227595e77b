/* The lm-evaluation-harness reader (src/io/lmeval.c) on every file shape:
 * fixtures/eco (values planted by fixtures/eco/make_fixtures.py, restated
 * here) and small logs written by the tests. Expected choices are the
 * numpy.argmax of the planted log-likelihoods, worked out by hand. */
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

#define DATE "2025-01-02T03-04-05.678901"

static const char *label(const saydo_record_t *rec, const char *name)
{
    for (int i = 0; i < rec->n_labels; i++)
        if (strcmp(rec->label_name[i], name) == 0) return rec->label_value[i];
    return NULL;
}

/* The word/deed study: two tasks, a mapping, the results file's model. */
static void test_study_with_mapping(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* file order of the word task (two ranks): p1 p3 p5 p2 p4 p6; planted (ll_A, ll_B) */
    static const char *items[] = {"p1", "p3", "p5", "p2", "p4", "p6"};
    static const double lla[] = {-0.2, -0.1, -0.5, -1.6, -1.125, -0.75}, llb[] = {-1.8, -2.5, -0.875, -0.25, -0.375, -0.75};
    static const int choice[] = {0, 0, 0, 1, 1, 0};   /* p6 ties: the first, as numpy.argmax */
    static const int flag[] = {1, 0, 1, 1, 1, 1};
    static const char *culture[] = {"UK", "US", "JP", "UK", "US", "JP"};
    assert_int_equal(eco_open(eco_fixture("samples_wdct_word_" DATE ".jsonl"), NULL, eco_fixture("wdct_lmeval.map"),
                              NULL, &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "lmeval");
    assert_string_equal(saydo_reader_meta(r, "model"), "toy/wd-1b");
    assert_string_equal(saydo_reader_meta(r, "task"), "wdct_word");
    assert_string_equal(saydo_reader_meta(r, "lm_eval_version"), "0.4.9");
    assert_non_null(strstr(saydo_reader_meta(r, "config"), "{\"task\":\"wdct_word\",\"output_type\""));   /* compacted */
    char *json = NULL;
    assert_int_equal(saydo_reader_meta_json(r, &json), SAYDO_OK);
    assert_non_null(strstr(json, "\"model\":\"toy/wd-1b\""));
    assert_non_null(strstr(json, "\"config\":{"));   /* the config stays JSON, not a quoted string */
    free(json);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.model, "toy/wd-1b");
        assert_string_equal(rec.condition, "base");
        assert_string_equal(rec.item, items[i]);
        assert_string_equal(rec.side, "word");
        assert_string_equal(rec.variant, "");
        assert_int_equal(rec.trial, 0);
        assert_int_equal(rec.n_options, 2);
        assert_int_equal(rec.n_logp, 2);
        assert_true(rec.logp[0] == lla[i] && rec.logp[1] == llb[i]);   /* "-0.2" read exactly */
        assert_int_equal(rec.choice, choice[i]);
        assert_string_equal(rec.domain, i < 2 || i == 3 ? "Opinion" : "Action");
        assert_string_equal(label(&rec, "culture"), culture[i]);
        assert_string_equal(label(&rec, "gold"), "A");
        assert_true(rec.has_option_map);
        assert_int_equal(rec.option_map[0], flag[i] ? 0 : 1);
    }
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* the deed task: a JSON array named .json, native numbers and booleans, doc_ids 10..15 */
    assert_int_equal(eco_open(eco_fixture("samples_wdct_deed_" DATE ".json"), NULL, eco_fixture("wdct_lmeval.map"),
                              NULL, &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "lmeval");
    static const char *ditems[] = {"p6", "p4", "p2", "p1", "p3", "p5"};
    static const int dchoice[] = {0, 1, 0, 0, 1, 1};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, ditems[i]);
        assert_string_equal(rec.side, "deed");
        assert_int_equal(rec.choice, dchoice[i]);
        assert_string_equal(label(&rec, "gold"), "A");   /* target 0 (a number) */
    }
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

/* Without a mapping: task -> side, doc_id -> item; no results file -> --model. */
static void test_shapes_without_mapping(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* v0.4.0-0.4.2: one pretty-printed array in a file named .jsonl */
    const char *arr = "[\n  {\n    \"doc_id\": 7,\n    \"doc\": {\"q\": 1},\n    \"target\": \"B\",\n"
                      "    \"arguments\": [[\"Q\", \" A\"], [\"Q\", \" B\"], [\"Q\", \" C\"]],\n"
                      "    \"resps\": [[[-2.5, false]], [[-0.5, true]], [[-1.0, false]]],\n"
                      "    \"filtered_resps\": [[-2.5, false], [-0.5, true], [-1.0, false]]\n  },\n"
                      "  {\"doc_id\": 3, \"doc\": {}, \"target\": 2, \"arguments\": [[\"Q\", \" A\"], [\"Q\", \" B\"], [\"Q\", \" C\"]],\n"
                      "   \"filtered_resps\": [[-1.0, false], [-3.0, false], [-0.25, true]]}\n]\n";
    const char *p = eco_write("pretrained__toy__m_mytask.jsonl", arr);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "lmeval");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "7");
    assert_string_equal(rec.side, "m_mytask");   /* the name after the last "__" */
    assert_string_equal(rec.model, "m");
    assert_int_equal(rec.choice, 1);
    assert_int_equal(rec.n_options, 3);
    assert_int_equal(rec.line, 2);
    assert_string_equal(label(&rec, "gold"), "B");   /* target "B" = choice 1's text after the " " delimiter */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "3");
    assert_int_equal(rec.choice, 2);
    assert_string_equal(label(&rec, "gold"), "C");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* 2024-05-31: one object per line in a file named .json, stringified values */
    const char *nd = "{\"doc_id\": 0, \"doc\": {}, \"target\": \"1\", \"arguments\": {\"gen_args_0\": {\"arg_0\": \"Q\", "
                     "\"arg_1\": \" x\"}, \"gen_args_1\": {\"arg_0\": \"Q\", \"arg_1\": \" y\"}}, \"resps\": [[[\"-4.75\", "
                     "\"False\"]], [[\"-0.0625\", \"True\"]]], \"filtered_resps\": [[\"-4.75\", \"False\"], [\"-0.0625\", "
                     "\"True\"]], \"doc_hash\": \"h\"}\n";
    p = eco_write("samples_other_task_" DATE ".json", nd);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "lmeval");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.side, "other_task");
    assert_true(rec.logp[0] == -4.75 && rec.logp[1] == -0.0625);
    assert_int_equal(rec.choice, 1);
    assert_string_equal(label(&rec, "gold"), "B");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* --format lmeval forces the reader; without a model the line is bad, and says why */
    p = eco_write("nomodel.txt", nd);
    assert_int_equal(eco_open(p, "lmeval", NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "no model"));
    assert_int_equal(saydo_reader_bad(r)->line, 1);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_special_values_and_acc_norm(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    for (int norm = 0; norm < 2; norm++) {
        const char *mp = norm ? eco_write("norm.map", "choice = acc_norm\n") : NULL;
        assert_int_equal(eco_open(eco_fixture("lmeval_specials.jsonl"), NULL, mp, "m", &map, &r), SAYDO_OK);
        /* ["-1e-05", "-inf"] */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_true(rec.logp[0] == -1e-05 && rec.logp[1] == -INFINITY);
        assert_int_equal(rec.choice, 0);
        /* "nan": no distribution and no choice */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_int_equal(rec.choice, SAYDO_CHOICE_UNPARSED);
        assert_int_equal(rec.n_logp, 0);
        /* bare -Infinity and false */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_true(rec.logp[0] == -INFINITY && rec.logp[1] == -0.5);
        assert_int_equal(rec.choice, 1);
        /* -3 vs -5: acc takes A; acc_norm -3/len("yes") = -1 < -5/len("no way") = -0.833: B
         * (gen_args keys out of order in the file: numeric order counts) */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_int_equal(rec.choice, norm ? 1 : 0);
        assert_true(rec.logp[0] == -3.0);
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
        saydo_reader_free(r);
        saydo_fieldmap_free(&map);
    }
    /* acc_norm on a mid-2023 line that kept only the first request's arguments */
    const char *old = "{\"doc_id\": 0, \"doc\": {}, \"target\": \"yes\", \"arguments\": [\"ctx\", \" yes\"], "
                      "\"filtered_resps\": [[-1.5, false], [-0.5, true], [-9.0, false]], \"acc\": 0.0}\n";
    const char *p = eco_write("mid2023.jsonl", old);
    const char *mp = eco_write("norm2.map", "choice = acc_norm\n");
    assert_int_equal(eco_open(p, NULL, mp, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "acc_norm"));
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* the same line with plain acc: argmax B; gold stays the target text (only one choice's text known) */
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 1);
    assert_string_equal(label(&rec, "gold"), "yes");
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

/* Several filters: one line per document per filter; the filter is the variant. */
static void test_filters(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    static const char *item[] = {"0", "2", "1", "0", "2", "1"};
    /* strict: "B" "A" "[invalid]"; flexible: "B" "A" "C" (answer extraction over A-D) */
    static const int choice[] = {1, 0, SAYDO_CHOICE_UNPARSED, 1, 0, 2};
    assert_int_equal(eco_open(eco_fixture("samples_gen_mc_" DATE ".jsonl"), NULL, NULL, NULL, &map, &r), SAYDO_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, item[i]);
        assert_string_equal(rec.variant, i < 3 ? "strict-match" : "flexible-extract");
        assert_int_equal(rec.choice, choice[i]);
        assert_int_equal(rec.n_options, 4);   /* doc.choices */
        assert_int_equal(rec.n_logp, 0);
    }
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* lmeval.filter keeps one filter's lines */
    const char *mp = eco_write("filter.map", "lmeval.filter = flexible-extract\n");
    assert_int_equal(eco_open(eco_fixture("samples_gen_mc_" DATE ".jsonl"), NULL, mp, NULL, &map, &r), SAYDO_OK);
    int n = 0;
    while (saydo_reader_next(r, &rec) == SAYDO_OK) {
        assert_string_equal(rec.variant, "flexible-extract");
        n++;
    }
    assert_int_equal(n, 3);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* before v0.4.7 no `filter` key: the second line of a document is its second filter */
    const char *old = "{\"doc_id\": 1, \"doc\": {}, \"target\": \"A\", \"resps\": [[\"A\"]], \"filtered_resps\": [\"A\"]}\n"
                      "{\"doc_id\": 0, \"doc\": {}, \"target\": \"A\", \"resps\": [[\"B\"]], \"filtered_resps\": [\"B\"]}\n"
                      "{\"doc_id\": 1, \"doc\": {}, \"target\": \"A\", \"resps\": [[\"x\"]], \"filtered_resps\": [\"C\"]}\n"
                      "{\"doc_id\": 0, \"doc\": {}, \"target\": \"A\", \"resps\": [[\"y\"]], \"filtered_resps\": [\"D\"]}\n";
    const char *p = eco_write("samples_gsm_" DATE ".jsonl", old);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    static const char *var[] = {"", "", "filter2", "filter2"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.variant, var[i]);
        assert_int_equal(rec.choice, i);   /* A B C D, extraction with the default A-D */
    }
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

/* repeats > 1 (a task's `repeats: N`): one record per repeat, trial = its
 * index (fixtures/eco/make_fixtures.py lm_repeats(), planted by hand). */
static void test_repeats(void **state)
{
    (void)state;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    static const struct { const char *item, *variant; int trial, choice; } want[] = {
        {"0", "", 0, 0},   /* filter none: the raw repeats "The answer is A.", "B", "I would say (C)." */
        {"0", "", 1, 1},
        {"0", "", 2, 2},
        {"0", "strict-match", 0, 0},   /* a regex filter kept the first repeat only */
        {"0", "keep-3", 0, 0},         /* a filter that kept 3 answers: "A", "D", "[invalid]" */
        {"0", "keep-3", 1, 3},
        {"0", "keep-3", 2, SAYDO_CHOICE_UNPARSED},
        {"1", "", 0, 3},   /* "D", "D", "I cannot answer that." */
        {"1", "", 1, 3},
        {"1", "", 2, SAYDO_CHOICE_REFUSED},
        {"2", "", 0, 1},   /* loglikelihood logged with 2 repeats: one record, argmax of (-1.0, -0.5) */
    };
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.model = "m";
    o.keep_text = 1;
    assert_int_equal(saydo_reader_open(eco_fixture("samples_repeats_" DATE ".jsonl"), &o, &r), SAYDO_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, want[i].item);
        assert_string_equal(rec.variant, want[i].variant);
        assert_int_equal(rec.trial, want[i].trial);
        assert_int_equal(rec.choice, want[i].choice);
        assert_int_equal(rec.line, i < 3 ? 1 : i == 3 ? 2 : i < 7 ? 3 : i < 10 ? 4 : 5);
        if (i < 10) assert_int_equal(rec.n_options, 4);
    }
    assert_true(rec.n_logp == 2 && rec.logp[0] == -1.0 && rec.logp[1] == -0.5);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);

    /* the raw text of each repeat is kept with --keep-text */
    assert_int_equal(saydo_reader_open(eco_fixture("samples_repeats_" DATE ".jsonl"), &o, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.text_len, strlen("I would say (C)."));
    assert_memory_equal(rec.text, "I would say (C).", rec.text_len);
    saydo_reader_free(r);
}

static void test_mutual_info_and_truncation(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* acc_mutual_info: K conditional requests, then K unconditional ones */
    const char *mi = "{\"doc_id\": 0, \"doc\": {}, \"target\": 0, \"filtered_resps\": [[\"-1.0\", \"False\"], "
                     "[\"-2.0\", \"False\"], [\"-0.1\", \"False\"], [\"-0.2\", \"False\"]], \"filter\": \"none\", "
                     "\"metrics\": [\"acc\", \"acc_mutual_info\"]}\n";
    const char *p = eco_write("samples_mi_" DATE ".jsonl", mi);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.n_options, 2);
    assert_int_equal(rec.n_logp, 2);
    assert_int_equal(rec.choice, 0);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* no filtered_resps: the raw resps, one level deeper per repeat */
    const char *raw = "{\"doc_id\": 0, \"doc\": {}, \"resps\": [[[\"-3.5\", \"False\"]], [[\"-0.5\", \"True\"]]]}\n";
    p = eco_write("samples_raw_" DATE ".jsonl", raw);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 1);
    assert_true(rec.logp[0] == -3.5 && rec.logp[1] == -0.5);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* a file cut inside its last line: five records, then line 6 is bad, then the end */
    assert_int_equal(eco_open(eco_fixture("lmeval_truncated.jsonl"), NULL, NULL, "m", &map, &r), SAYDO_OK);
    for (int i = 0; i < 5; i++) assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_int_equal(saydo_reader_bad(r)->line, 6);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "invalid JSON"));
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);

    /* a JSON array cut short: its whole elements, then an error naming the line */
    const char *cut = "[\n{\"doc_id\": 0, \"doc\": {}, \"filtered_resps\": [[-1, false], [-2, false]]},\n"
                      "{\"doc_id\": 1, \"doc\": {}, \"filtered_resps\": [[-1, fal";
    p = eco_write("cut_task.jsonl", cut);
    assert_int_equal(eco_open(p, NULL, NULL, "m", &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_int_equal(saydo_reader_bad(r)->line, 3);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "truncated"));
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

/* Mapping extras: literals, paths into the document, a choice path. */
static void test_mapping_paths(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    const char *line = "{\"doc_id\": 4, \"doc\": {\"meta\": {\"id\": \"q-9\", \"kind\": \"deed\"}, \"picked\": \"B\", "
                       "\"round\": 2}, \"filtered_resps\": [[\"-1.0\", \"False\"], [\"-2.0\", \"False\"]]}\n";
    const char *p = eco_write("samples_paths_" DATE ".jsonl", line);
    const char *mp = eco_write("paths.map", "item = doc.meta.id\nside = doc.meta.kind\nmodel = \"lit-model\"\n"
                                            "condition = \"dpo-r2\"\nround = doc.round\nmethod = \"dpo\"\n"
                                            "choice = doc.picked\nvariant = task\n");
    assert_int_equal(eco_open(p, NULL, mp, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "q-9");
    assert_string_equal(rec.side, "deed");
    assert_string_equal(rec.model, "lit-model");
    assert_string_equal(rec.condition, "dpo-r2");
    assert_string_equal(rec.method, "dpo");
    assert_string_equal(rec.variant, "paths");
    assert_int_equal(rec.round, 2);
    assert_int_equal(rec.choice, 1);   /* the mapped letter, not the argmax (A) */
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_study_with_mapping),
        cmocka_unit_test(test_shapes_without_mapping),
        cmocka_unit_test(test_special_values_and_acc_norm),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_mutual_info_and_truncation),
        cmocka_unit_test(test_mapping_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
