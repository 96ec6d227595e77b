/* Hostile JSONL the reader must refuse line by line, with a reason, instead
 * of storing a changed value. Each case was a finding of the hardening work
 * (issue 10) against src/io/jsonl.c, fixed there; these tests keep it fixed
 * (they match a key word of the reason, not the whole message).
 *
 *  - "\u0000" inside a string: yajl decodes it to a NUL byte, and the string
 *    was then used as a C string, so items "x\u0000a" and "x\u0000b" were
 *    both stored as "x" (the second counted as a duplicate).
 *  - nesting thousands deep: was accepted (yajl keeps a byte per level, so
 *    memory stayed bounded by the line); the issue asks for a clear error.
 *  - probabilities above 1: the CSV reader refuses them; the JSONL reader
 *    stored log(2) > 0.
 *  - a round above 1000000 (the CSV and harness readers' bound): stored, it
 *    sized the round grouping, and 2147483647 in a store overflowed it
 *    (fuzz_store_edit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "saydo/reader.h"

/* Reads data; returns the records read, fills the first skip's line and reason. */
static int read_jsonl(const char *data, size_t len, int64_t *bad_line, char *reason, size_t cap, char items[][32])
{
    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    saydo_status st;
    int n = 0;
    memset(&o, 0, sizeof o);
    o.format = "jsonl";
    o.quiet = 1;
    *bad_line = 0;
    reason[0] = '\0';
    assert_int_equal(saydo_reader_open_mem("h.jsonl", data, len, &o, &rd), SAYDO_OK);
    while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) {
            if (!*bad_line) {
                *bad_line = saydo_reader_bad(rd)->line;
                snprintf(reason, cap, "%s", saydo_reader_bad(rd)->reason);
            }
            continue;
        }
        assert_int_equal(st, SAYDO_OK);
        snprintf(items[n], 32, "%s", rec.item);
        n++;
    }
    saydo_reader_free(rd);
    return n;
}

static void assert_mentions(const char *reason, const char *word)
{
    if (!strstr(reason, word)) fail_msg("reason '%s' does not mention '%s'", reason, word);
}

static void test_escaped_nul(void **state)
{
    (void)state;
    static const char jl[] = "{\"model\":\"m\",\"item\":\"x\\u0000a\",\"side\":\"word\",\"choice\":\"A\"}\n"
                             "{\"model\":\"m\",\"item\":\"x\\u0000b\",\"side\":\"word\",\"choice\":\"A\"}\n"
                             "{\"model\":\"m\",\"item\":\"fine\",\"side\":\"word\",\"choice\":\"A\"}\n";
    int64_t line;
    char reason[256], items[8][32];
    int n = read_jsonl(jl, sizeof jl - 1, &line, reason, sizeof reason, items);
    assert_int_equal(n, 1);
    assert_string_equal(items[0], "fine");
    assert_int_equal(line, 1);
    assert_mentions(reason, "NUL");
}

static void test_nested_deep(void **state)
{
    (void)state;
    enum { DEPTH = 100000 };
    const char *head = "{\"model\":\"m\",\"item\":\"deep\",\"side\":\"word\",\"meta\":";
    const char *tail = ",\"choice\":\"A\"}\n";
    size_t hl = strlen(head), tl = strlen(tail), n = hl + 2 * DEPTH + tl;
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    memcpy(buf, head, hl);
    memset(buf + hl, '[', DEPTH);
    memset(buf + hl + DEPTH, ']', DEPTH);
    memcpy(buf + hl + 2 * DEPTH, tail, tl + 1);
    int64_t line;
    char reason[256], items[8][32];
    int got = read_jsonl(buf, n, &line, reason, sizeof reason, items);
    free(buf);
    assert_int_equal(got, 0);
    assert_int_equal(line, 1);
    assert_mentions(reason, "nest");
}

static void test_probability_above_one(void **state)
{
    (void)state;
    static const char jl[] = "{\"model\":\"m\",\"item\":\"p\",\"side\":\"word\",\"probs\":[2,0.5],\"choice\":\"A\"}\n";
    int64_t line;
    char reason[256], items[8][32];
    int n = read_jsonl(jl, sizeof jl - 1, &line, reason, sizeof reason, items);
    assert_int_equal(n, 0);
    assert_int_equal(line, 1);
    assert_mentions(reason, "probabilit");
}

static void test_round_above_bound(void **state)
{
    (void)state;
    /* 40 lines of one layout, then the same layout with a huge round: the
     * layout replay and the general parser must both refuse it */
    char jl[8192];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(jl + n, sizeof jl - n,
                              "{\"model\":\"m\",\"item\":\"q%d\",\"side\":\"word\",\"round\":%d,\"choice\":\"A\"}\n", i,
                              i == 39 ? 1000001 : 1000000 - i);
    int64_t line;
    char reason[256], items[64][32];
    int got = read_jsonl(jl, n, &line, reason, sizeof reason, items);
    assert_int_equal(got, 39);
    assert_int_equal(line, 40);
    assert_mentions(reason, "round above 1000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaped_nul),
        cmocka_unit_test(test_nested_deep),
        cmocka_unit_test(test_probability_above_one),
        cmocka_unit_test(test_round_above_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
