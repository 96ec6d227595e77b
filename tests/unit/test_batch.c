/* The batch-results reader (src/io/batch.c): OpenAI Batch output matched to
 * its input by custom_id, and Anthropic Message Batches results. Fixture
 * values are those planted in fixtures/eco/make_fixtures.py; the expected
 * option log-probabilities are the planted top_logprobs, with -9999.0 and
 * options missing from top_logprobs read as -inf (harness.h). */
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

static void test_openai_with_template(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    assert_int_equal(eco_open(eco_fixture("openai_batch_output.jsonl"), NULL, eco_fixture("openai_batch.map"), NULL,
                              &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "batch");
    assert_non_null(strstr(saydo_reader_meta(r, "requests_file"), "openai_batch_input.jsonl"));
    /* deed:p2:0, chat.completion with top_logprobs at "B" */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.side, "deed");
    assert_string_equal(rec.item, "p2");
    assert_int_equal(rec.trial, 0);
    assert_string_equal(rec.model, "gpt-toy-2025");
    assert_int_equal(rec.n_options, 3);   /* the request's prompt lists A. B. C. */
    assert_int_equal(rec.choice, 1);
    assert_int_equal(rec.n_logp, 3);
    assert_true(rec.logp[0] == -1.9 && rec.logp[1] == -0.2 && rec.logp[2] == -INFINITY);
    /* word:p1:0 without logprobs */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.side, "word");
    assert_string_equal(rec.item, "p1");
    assert_int_equal(rec.choice, 0);
    assert_int_equal(rec.n_logp, 0);
    /* word:p2:0 failed: quarantined with its error */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_int_equal(saydo_reader_bad(r)->line, 3);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "rate_limit_exceeded: Too many tokens in the batch"));
    /* deed:p1:0: HTTP 400 */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "HTTP status 400: Invalid 'top_logprobs'"));
    /* word:p3:0: legacy text_completion, top_logprobs as {token: logprob} */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "p3");
    assert_string_equal(rec.model, "gpt-toy-instruct");
    assert_int_equal(rec.choice, 2);
    assert_true(rec.logp[0] == -2.5 && rec.logp[1] == -3.0 && rec.logp[2] == -0.1);
    /* deed:p3:0: /v1/responses; A is not among the top tokens */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.side, "deed");
    assert_int_equal(rec.choice, 2);
    assert_true(rec.logp[0] == -INFINITY && rec.logp[1] == -3.2 && rec.logp[2] == -0.05);
    /* word:p9:0 is in no request */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "custom_id word:p9:0 is not in the request file"));
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_openai_defaults(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    /* no mapping: item = custom_id, side = the file's name */
    assert_int_equal(eco_open(eco_fixture("openai_batch_output.jsonl"), NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "deed:p2:0");
    assert_string_equal(rec.side, "openai_batch_output");
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_anthropic(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    assert_int_equal(eco_open(eco_fixture("anthropic_batch_results.jsonl"), NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_string_equal(saydo_reader_format(r), "batch");
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "q1");
    assert_string_equal(rec.model, "claude-toy-1");
    assert_int_equal(rec.choice, 1);   /* "B) no" */
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "errored: invalid_request_error: max_tokens: must be positive"));
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "q3 expired"));
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_EOF);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_requests_and_refusals(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    const char *req = "{\"custom_id\": \"a\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"x\", "
                      "\"messages\": [{\"role\": \"user\", \"content\": \"Q\\nA. 1\\nB. 2\"}]}}\n";
    const char *out = "{\"id\": \"r1\", \"custom_id\": \"a\", \"response\": {\"status_code\": 200, \"body\": {\"object\": "
                      "\"chat.completion\", \"model\": \"x-1\", \"choices\": [{\"index\": 0, \"message\": {\"role\": "
                      "\"assistant\", \"content\": null, \"refusal\": \"I can't help with that.\"}}]}}, \"error\": null}\n"
                      "{\"id\": \"r2\", \"custom_id\": \"a\", \"response\": {\"status_code\": 200, \"body\": {\"object\": "
                      "\"chat.completion\", \"model\": \"x-1\", \"choices\": [{\"message\": {\"content\": \"B\"}}]}}}\n";
    eco_write("dup_input.jsonl", req);
    const char *p = eco_write("dup_output.jsonl", out);
    assert_int_equal(eco_open(p, NULL, NULL, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, SAYDO_CHOICE_REFUSED);
    assert_int_equal(rec.n_options, 2);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_OK);   /* one id twice in the output: the store sees the duplicate */
    assert_int_equal(rec.choice, 1);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* a request file with one custom_id twice cannot be matched */
    char twice[1024];
    snprintf(twice, sizeof twice, "%s%s", req, req);
    eco_write("dup_input.jsonl", twice);
    assert_int_equal(eco_open(p, NULL, NULL, NULL, &map, &r), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_last_error(), "custom_id a appears twice"));
    saydo_fieldmap_free(&map);
    /* a custom_id the template does not fit */
    eco_write("dup_input.jsonl", req);
    const char *mp = eco_write("tpl.map", "batch.custom_id = {side}-{item}\n");
    assert_int_equal(eco_open(p, NULL, mp, NULL, &map, &r), SAYDO_OK);
    assert_int_equal(saydo_reader_next(r, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(r)->reason, "does not fit the template"));
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
    /* a template with two fields side by side is refused at open */
    mp = eco_write("tpl2.map", "batch.custom_id = {side}{item}\n");
    assert_int_equal(eco_open(p, NULL, mp, NULL, &map, &r), SAYDO_E_INVAL);
    saydo_fieldmap_free(&map);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openai_with_template),
        cmocka_unit_test(test_openai_defaults),
        cmocka_unit_test(test_anthropic),
        cmocka_unit_test(test_requests_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
