/* The HELM reader (src/io/helm.c). The separate-method scores are worked out
 * by hand from the token logprobs planted in fixtures/eco/make_fixtures.py,
 * following HELM's basic_metrics.py: original = sum of the reference's last
 * tokens / their count, calibrated = original sum - calibration sum. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "eco_test_util.h"
#include "io/reader_impl.h"

static void test_separate_original(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* the directory itself, and the stats file name, both lead to the scenario state */
    const char *paths[] = {eco_fixture("helm_separate"), eco_fixture("helm_separate/per_instance_stats.json"),
                           eco_fixture("helm_separate/scenario_state.json")};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(eco_open(paths[k], NULL, NULL, NULL, &map, &r), SAYDO_OK);
        assert_string_equal(saydo_reader_format(r), "helm");
        assert_string_equal(saydo_reader_meta(r, "method"), "multiple_choice_separate_original");
        /* id1: " yes" -0.7 / 1, " no"+" way" (-0.9 - 1.1) / 2 = -1.0 -> A (stats agree) */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, "id1");
        assert_string_equal(rec.model, "toy/m");
        assert_string_equal(rec.side, "wdq:side=word,method=multiple_choice_separate_original");
        assert_int_equal(rec.n_logp, 2);
        assert_true(eco_near(rec.logp[0], -0.7, 1e-15) && eco_near(rec.logp[1], -1.0, 1e-15));
        assert_int_equal(rec.choice, 0);
        /* id2: -2.0 vs (-0.3 - 0.5) / 2 = -0.4 -> B */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_true(eco_near(rec.logp[0], -2.0, 1e-15) && eco_near(rec.logp[1], -0.4, 1e-15));
        assert_int_equal(rec.choice, 1);
        /* id3 (no stats): -1.0 vs -0.2 -> B by argmax */
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
        assert_string_equal(rec.item, "id3");
        assert_int_equal(rec.choice, 1);
        assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
        saydo_reader_free(r);
        saydo_fieldmap_free(&map);
    }
}

/* Calibrated method and a predicted_index that overrides the argmax. */
static void test_separate_calibrated(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/eco_helm_cal", getenv("SAYDO_TMP") ? getenv("SAYDO_TMP") : "/tmp");
    mkdir(dir, 0755);
    char path[1100];
    /* original sums: A -1.0, B -3.0; calibration sums: A -0.5, B -2.9 -> A -0.5, B -0.1 -> B */
    static const char *fmt = "{\"instance\": {\"id\": \"i\", \"references\": [{\"output\": {\"text\": \"a b\"}, "
                             "\"tags\": []}, {\"output\": {\"text\": \"c\"}, \"tags\": [\"correct\"]}], \"perturbation\": "
                             "{\"name\": \"typos\"}}, \"train_trial_index\": 1, \"reference_index\": %d, "
                             "\"request_mode\": \"%s\", \"result\": {\"success\": true, \"completions\": [{\"text\": \"x\", "
                             "\"tokens\": [{\"text\": \"Q\", \"logprob\": -9}, %s]}]}}";
    char s[4][700];
    snprintf(s[0], sizeof s[0], fmt, 0, "original", "{\"text\": \" a\", \"logprob\": -0.25}, {\"text\": \" b\", \"logprob\": -0.75}");
    snprintf(s[1], sizeof s[1], fmt, 1, "original", "{\"text\": \" c\", \"logprob\": -3.0}");
    snprintf(s[2], sizeof s[2], fmt, 0, "calibration", "{\"text\": \" a b\", \"logprob\": -0.5}");
    snprintf(s[3], sizeof s[3], fmt, 1, "calibration", "{\"text\": \" c\", \"logprob\": -2.9}");
    snprintf(path, sizeof path, "%s/scenario_state.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"adapter_spec\": {\"method\": \"multiple_choice_separate_calibrated\", \"model\": \"t/m\"}, "
               "\"request_states\": [%s, %s, %s, %s]}", s[0], s[2], s[1], s[3]);
    fclose(f);
    assert_int_equal(eco_open(dir, NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_true(eco_near(rec.logp[0], -0.5, 1e-15) && eco_near(rec.logp[1], -0.1, 1e-15));
    assert_int_equal(rec.choice, 1);
    assert_string_equal(rec.variant, "typos");
    assert_int_equal(rec.trial, 1);
    assert_string_equal(rec.side, "eco_helm_cal");   /* no run_spec.json: the directory's name */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* HELM's own predicted_index wins over the argmax read from the tokens */
    snprintf(path, sizeof path, "%s/per_instance_stats.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[{\"instance_id\": \"i\", \"train_trial_index\": 1, \"stats\": [{\"name\": {\"name\": \"predicted_index\", "
          "\"split\": \"test\", \"perturbation\": {\"name\": \"typos\"}}, \"count\": 1, \"sum\": 0, \"mean\": 0}]}]", f);
    fclose(f);
    assert_int_equal(eco_open(dir, NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 0);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    remove(path);
}

static void test_joint_and_errors(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    const char *js = "{\"adapter_spec\": {\"method\": \"multiple_choice_joint\", \"model\": \"o/g\"}, \"request_states\": [\n"
                     "{\"instance\": {\"id\": \"a\", \"references\": []}, \"train_trial_index\": 0, \"output_mapping\": "
                     "{\"A\": \"x\", \"B\": \"y\", \"C\": \"z\"}, \"result\": {\"success\": true, \"completions\": "
                     "[{\"text\": \" B\", \"logprob\": -0.1, \"tokens\": [{\"text\": \" B\", \"logprob\": -0.1, "
                     "\"top_logprobs\": {\" B\": -0.1, \" A\": -2.4, \" C\": -3.5}}]}]}},\n"
                     "{\"instance\": {\"id\": \"b\"}, \"train_trial_index\": 0, \"output_mapping\": {\"A\": \"x\", "
                     "\"B\": \"y\"}, \"result\": {\"success\": false, \"error\": \"timeout\", \"completions\": []}}\n]}";
    const char *p = eco_write("scenario_state.json", js);
    assert_int_equal(eco_open(p, NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 1);
    assert_int_equal(rec.n_options, 3);
    assert_true(rec.logp[0] == -2.4 && rec.logp[1] == -0.1 && rec.logp[2] == -3.5);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "timeout"));
    assert_int_equal(saydo_reader_bad(r)->line, 3);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separate_original),
        cmocka_unit_test(test_separate_calibrated),
        cmocka_unit_test(test_joint_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
