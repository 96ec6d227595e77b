/* The record printer of saydo export / ingest --dry-run (src/core/export.c):
 * exact lines written out by hand, and the float32 promise: every float
 * written reads back (strtod, then float) to the same bits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "saydo/export.h"

static char *print(const saydo_record_t *rec, int float32)
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    saydo_record_print_jsonl(f, rec, float32);
    fclose(f);
    return buf;
}

static void test_lines(void **state)
{
    (void)state;
    saydo_record_t rec;
    saydo_record_clear(&rec);
    rec.model = "m";
    rec.condition = "base";
    rec.item = "i\"1";
    rec.side = "word";
    rec.trial = 2;
    rec.n_options = 2;
    rec.choice = 1;
    rec.n_logp = 2;
    rec.logp[0] = log(0.25);
    rec.logp[1] = log(0.75);
    saydo_record_set_flag_map(&rec, 0, 2);
    rec.text = "B.\nok";
    rec.text_len = 5;
    rec.domain = "Opinion";
    rec.label_name[0] = "culture";
    rec.label_value[0] = "UK";
    rec.n_labels = 1;
    /* doubles: the shortest spelling that reads back to the same double; probs = softmax */
    assert_string_equal(print(&rec, 0),
                        "{\"model\":\"m\",\"condition\":\"base\",\"item\":\"i\\\"1\",\"domain\":\"Opinion\",\"side\":\"word\","
                        "\"trial\":2,\"variant\":\"\",\"n_options\":2,\"consistency\":0,\"response\":\"B.\\nok\","
                        "\"choice\":1,\"probs\":[0.25,0.75],\"logprobs\":[-1.3862943611198906,-0.2876820724517809],"
                        "\"culture\":\"UK\"}\n");
    /* float32: the shortest decimals that come back to the floats nearest log(0.25) and log(0.75) */
    assert_non_null(strstr(print(&rec, 1), "\"logprobs\":[-1.3862944,-0.2876821]"));

    /* statuses, -inf, an unlogged option, identity and general option maps, condition facts */
    saydo_record_clear(&rec);
    rec.model = "m";
    rec.item = "x";
    rec.side = "deed";
    rec.variant = "v2";
    rec.choice = SAYDO_CHOICE_REFUSED;
    rec.n_options = 3;
    rec.n_logp = 3;
    rec.logp[0] = -INFINITY;
    rec.logp[1] = NAN;
    rec.logp[2] = -0.5;
    saydo_record_set_flag_map(&rec, 1, 3);
    rec.method = "dpo";
    rec.round = 3;
    rec.trained_side = "deed";
    assert_string_equal(print(&rec, 1),
                        "{\"model\":\"m\",\"condition\":\"base\",\"item\":\"x\",\"side\":\"deed\",\"trial\":0,\"variant\":\"v2\","
                        "\"n_options\":3,\"consistency\":1,\"choice\":null,\"status\":\"refused\",\"probs\":[0,null,1],"
                        "\"logprobs\":[-1e999,null,-0.5],\"method\":\"dpo\",\"round\":3,\"trained_side\":\"deed\"}\n");
    rec.choice = SAYDO_CHOICE_UNPARSED;
    rec.option_map[0] = 2;
    rec.option_map[1] = 0;
    rec.option_map[2] = 1;
    rec.n_logp = 0;
    char *s = print(&rec, 1);
    assert_non_null(strstr(s, "\"option_map\":[2,0,1]"));
    assert_non_null(strstr(s, "\"choice\":null,\"status\":\"unparsed\""));
    assert_null(strstr(s, "logprobs"));
    rec.choice = SAYDO_CHOICE_MISSING;
    assert_non_null(strstr(print(&rec, 1), "\"status\":\"missing\""));
}

/* 100000 random float32 log-probabilities (fixed seed): each printed value reads back to its bits. */
static void test_float32_round_trip(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    saydo_record_t rec;
    saydo_record_clear(&rec);
    rec.model = rec.item = rec.side = "a";
    rec.n_logp = 1;
    int n_short = 0;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        float v = -(float)((double)(x >> 11) / 9007199254740992.0 * 40.0);
        if (i % 7 == 0) memcpy(&v, &(uint32_t){(uint32_t)(x >> 32) | 0x80000000u}, 4);   /* any negative bit pattern */
        if (isnan(v)) continue;
        rec.logp[0] = v;
        char *s = print(&rec, 1);
        char *lp = strstr(s, "\"logprobs\":[");
        assert_non_null(lp);
        double back = strtod(lp + 12, NULL);
        float fb = (float)back;
        assert_memory_equal(&fb, &v, 4);
        if (strcspn(lp + 12, "]") < 12) n_short++;
    }
    assert_true(n_short > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_float32_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
