/* ValueActionLens readers: rating texts, value names, the Task 1 CSV and the
 * joined Task 2 CSV read from memory (expected records written out by hand
 * from the inputs below), and the Task 2 log with its action table from
 * fixtures/va (fixtures/va/make_fixtures.py says what it plants). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include "saydo/reader.h"
#include "saydo/valueaction.h"

static void test_rating(void **state)
{
    (void)state;
    static const struct { const char *s; int want; long bad; } cases[] = {
        {"2", 2, 0}, {"2: agree", 2, 0}, {" 3 - disagree", 3, 0}, {"4.0", 4, 0}, {"1.", 1, 0},
        {"2.5", 0, 0}, {"agree", 0, 0}, {"", 0, 0}, {"5", -1, 5}, {"0: none", -1, 0}, {"-1", -1, -1}, {"12", -1, 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long bad = 99;
        int got = saydo_va_parse_rating(cases[i].s, strlen(cases[i].s), &bad);
        if (got != cases[i].want) fail_msg("'%s': got %d, want %d", cases[i].s, got, cases[i].want);
        if (got < 0 && bad != cases[i].bad) fail_msg("'%s': bad %ld, want %ld", cases[i].s, bad, cases[i].bad);
    }
}

static void test_values(void **state)
{
    (void)state;
    assert_int_equal(saydo_va_value_index("Equality", 8), 0);
    assert_int_equal(saydo_va_value_index("Clean", 5), 55);
    assert_int_equal(saydo_va_value_index("Accepting my Portion in Life", 28), 43);
    assert_int_equal(saydo_va_value_index("equality", 8), -1);        /* exact spelling */
    assert_int_equal(saydo_va_value_index("Equal", 5), -1);
    for (int i = 0; i < SAYDO_VA_N_VALUES; i++)
        for (int j = i + 1; j < SAYDO_VA_N_VALUES; j++) assert_string_not_equal(saydo_va_values[i], saydo_va_values[j]);
}

static const char T1[] =
    "country,topic,response,prompt_index\n"
    "Chile,Work,\"```json\n{\"\"Equality\"\": \"\"2: agree\"\", \"\"Wealth\"\": 4, \"\"Joy\"\": \"\"1\"\"}\n```\",3\n"
    "Chile,Work,\"I'm sorry, I cannot do that.\",4\n"
    "Chile,Family,\"Sure: {\"\"Honest\"\": \"\"7\"\", \"\"Daring\"\": \"\"1 - strongly agree\"\"} Hope it helps.\",0\n";

static void test_t1(void **state)
{
    (void)state;
    saydo_read_opts_t o = {.format = "valueaction-t1", .model = "m", .quiet = 1};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_reader_open_mem("mem.csv", T1, sizeof T1 - 1, &o, &rd), SAYDO_OK);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "Chile|Work|Equality");
    assert_string_equal(rec.side, "stated");
    assert_string_equal(rec.model, "m");
    assert_int_equal(rec.choice, 1);       /* rating 2 */
    assert_int_equal(rec.n_options, 4);
    assert_int_equal(rec.trial, 3);
    assert_int_equal(rec.n_labels, 3);
    assert_string_equal(rec.label_name[0], "country");
    assert_string_equal(rec.label_value[0], "Chile");
    assert_string_equal(rec.label_value[1], "Work");
    assert_string_equal(rec.label_value[2], "Equality");
    assert_int_equal(rec.line, 2);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "Chile|Work|Wealth");
    assert_int_equal(rec.choice, 3);       /* a JSON number */
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_E_PARSE);   /* "Joy" */
    assert_non_null(strstr(saydo_reader_bad(rd)->reason, "unknown value name 'Joy'"));
    assert_int_equal(saydo_reader_bad(rd)->line, 2);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_E_PARSE);   /* the refusal: the whole row */
    assert_non_null(strstr(saydo_reader_bad(rd)->reason, "no JSON object"));
    assert_int_equal(saydo_reader_bad(rd)->line, 5);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_E_PARSE);   /* "Honest": 7 */
    assert_non_null(strstr(saydo_reader_bad(rd)->reason, "rating 7 is outside the scale 1-4"));
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);        /* the rest of that row stays */
    assert_string_equal(rec.item, "Chile|Family|Daring");
    assert_int_equal(rec.choice, 0);
    assert_int_equal(rec.trial, 0);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_EOF);
    saydo_reader_free(rd);
    /* sniffed from the header, the model from the file name */
    o.format = NULL;
    o.model = NULL;
    assert_int_equal(saydo_reader_open_mem("/x/gpt-9_t1.csv", T1, sizeof T1 - 1, &o, &rd), SAYDO_OK);
    assert_string_equal(saydo_reader_format(rd), "valueaction-t1");
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_string_equal(rec.model, "gpt-9");
    saydo_reader_free(rd);
    assert_int_equal(saydo_reader_open_mem("noname.csv", T1, sizeof T1 - 1, &o, &rd), SAYDO_E_INVAL);
}

static const char T2[] =
    "country,topic,value,chosen_polarity,prompt_index\n"
    "Chile,Work,Equality,negative,5\n"
    "Chile,Work,Wealth,positive,5\n"
    "Chile,Work,Wisdom,,5\n"
    "Chile,Work,Wisdom,maybe,5\n"
    "Chile,Work,Kindness,positive,5\n";

static void test_t2(void **state)
{
    (void)state;
    saydo_read_opts_t o = {.model = "m", .quiet = 1};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_reader_open_mem("c.csv", T2, sizeof T2 - 1, &o, &rd), SAYDO_OK);
    assert_string_equal(saydo_reader_format(rd), "valueaction-t2");
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "Chile|Work|Equality");
    assert_string_equal(rec.side, "action");
    assert_int_equal(rec.choice, 1);
    assert_int_equal(rec.n_options, 2);
    assert_int_equal(rec.trial, 5);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 0);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);   /* an empty cell: no answer, kept as such */
    assert_int_equal(rec.choice, SAYDO_CHOICE_MISSING);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_E_PARSE);
    assert_int_equal(saydo_reader_bad(rd)->line, 5);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_reader_bad(rd)->reason, "unknown value name 'Kindness'"));
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_EOF);
    saydo_reader_free(rd);
}

static void fixture(char *buf, size_t cap, const char *name)
{
    const char *f = getenv("SAYDO_FIXTURES");
    if (f) snprintf(buf, cap, "%s/va/%s", f, name);
    else {
        snprintf(buf, cap, "%s", __FILE__);
        char *cut = strstr(buf, "/tests/unit/");
        if (cut) snprintf(cut, cap - (size_t)(cut - buf), "/fixtures/va/%s", name);
    }
}

/* Reads the log; returns records and bad records, and the choice of Alphaland|Work|Equality. */
static void read_log(int legacy, int *n_ok, int *n_bad, int *first_choice)
{
    char log[4096], table[4096];
    fixture(log, sizeof log, "toyA_task2_log.jsonl");
    fixture(table, sizeof table, "toyA_task2_index_map.csv");
    saydo_read_opts_t o = {.actions_path = table, .legacy_flipped = legacy, .quiet = 1};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    saydo_status st;
    assert_int_equal(saydo_reader_open(log, &o, &rd), SAYDO_OK);
    assert_string_equal(saydo_reader_format(rd), "valueaction-t2-log");
    *n_ok = *n_bad = 0;
    *first_choice = -9;
    while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) {
            (*n_bad)++;
            continue;
        }
        assert_int_equal(st, SAYDO_OK);
        (*n_ok)++;
        assert_string_equal(rec.model, "toyA");    /* "openai:toyA" */
        assert_int_equal(rec.trial, 5);
        if (strcmp(rec.item, "Alphaland|Work|Equality") == 0) *first_choice = rec.choice;
    }
    saydo_reader_free(rd);
}

static void test_log(void **state)
{
    (void)state;
    int ok, bad, c_legacy, c_plain;
    /* 19 cells in the table, one not logged, one contradictory: 17 records;
     * bad: the contradiction, index 999 and the line that is not JSON */
    read_log(1, &ok, &bad, &c_legacy);
    assert_int_equal(ok, 17);
    assert_int_equal(bad, 3);
    assert_int_equal(c_legacy, 0);   /* the fixture's choice: positive */
    read_log(0, &ok, &bad, &c_plain);
    assert_int_equal(ok, 17);
    assert_int_equal(c_plain, 1);    /* read as fixed-log semantics: the other action */
    /* no action table: refused at open */
    char log[4096];
    fixture(log, sizeof log, "toyA_task2_log.jsonl");
    saydo_read_opts_t o = {.format = "valueaction-t2-log", .quiet = 1};
    saydo_reader_t *rd = NULL;
    assert_int_equal(saydo_reader_open(log, &o, &rd), SAYDO_E_INVAL);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rating), cmocka_unit_test(test_values), cmocka_unit_test(test_t1),
        cmocka_unit_test(test_t2), cmocka_unit_test(test_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
