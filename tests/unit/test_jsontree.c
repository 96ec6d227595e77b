/* The JSON tree (src/io/jsontree.c) and the top-level value splitter.
 * Expected values are written out by hand from RFC 8259 and from what
 * Python's json.dumps and str() write (NaN, Infinity, "-10.125", "False"). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "io/jsontree.h"

static void test_parse_basic(void **state)
{
    (void)state;
    saydo_jt jt;
    saydo_jt_init(&jt);
    const char *s = " {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"x\\ny\\u00e9\\ud83d\\ude00\"}, "
                    "\"e\": {}, \"f\": []} ";
    assert_int_equal(saydo_jt_parse(&jt, s, strlen(s)), SAYDO_OK);
    saydo_jt_node *root = saydo_jt_root(&jt);
    assert_int_equal(root->type, SAYDO_JT_OBJ);
    assert_int_equal(root->n, 4);
    saydo_jt_node *a = saydo_jt_get(&jt, root, "a");
    assert_int_equal(a->type, SAYDO_JT_ARR);
    assert_int_equal(a->n, 5);
    double d;
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 1), &d));
    assert_true(d == -2500.0);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 2), &d) && d == 1.0);
    assert_int_equal(saydo_jt_at(&jt, a, 4)->type, SAYDO_JT_NULL);
    assert_null(saydo_jt_at(&jt, a, 5));
    size_t n;
    const char *c = saydo_jt_str(&jt, saydo_jt_path(&jt, root, "b.c"), &n);
    /* x \n y, e-acute (2 bytes), U+1F600 from a surrogate pair (4 bytes) */
    assert_int_equal(n, 9);
    assert_memory_equal(c, "x\ny\xc3\xa9\xf0\x9f\x98\x80", 9);
    assert_string_equal(saydo_jt_str(&jt, saydo_jt_path(&jt, root, "b.c"), NULL), c);   /* decoded once */
    assert_int_equal(saydo_jt_get(&jt, root, "e")->n, 0);
    assert_null(saydo_jt_child(&jt, saydo_jt_get(&jt, root, "f")));
    assert_int_equal(saydo_jt_path(&jt, root, "a.3")->type, SAYDO_JT_BOOL);
    assert_null(saydo_jt_path(&jt, root, "a.9"));
    assert_null(saydo_jt_path(&jt, root, "b.nope"));
    /* member walk in document order */
    const char *keys[] = {"a", "b", "e", "f"};
    int i = 0;
    char kb[16];
    for (saydo_jt_node *m = saydo_jt_child(&jt, root); m; m = saydo_jt_next(&jt, root, m), i++)
        assert_string_equal(saydo_jt_key(&jt, m, kb, sizeof kb), keys[i]);
    assert_int_equal(i, 4);
    saydo_jt_free(&jt);
}

static void test_parse_nan_inf_and_python_numbers(void **state)
{
    (void)state;
    saydo_jt jt;
    saydo_jt_init(&jt);
    const char *s = "[NaN, Infinity, -Infinity, \"-10.125\", \"False\", \"True\", \"-inf\", \"nan\", \"1e-05\", "
                    "\"abc\", \"0x10\", \" 2.5 \", -0.0]";
    assert_int_equal(saydo_jt_parse(&jt, s, strlen(s)), SAYDO_OK);
    saydo_jt_node *a = saydo_jt_root(&jt);
    double d;
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 0), &d) && isnan(d));
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 1), &d) && d == INFINITY);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 2), &d) && d == -INFINITY);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 3), &d) && d == -10.125);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 4), &d) && d == 0.0);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 5), &d) && d == 1.0);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 6), &d) && d == -INFINITY);
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 7), &d) && isnan(d));
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 8), &d) && d == 1e-05);
    assert_false(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 9), &d));
    assert_false(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 10), &d));   /* no hex floats */
    assert_true(saydo_jt_num(&jt, saydo_jt_at(&jt, a, 11), &d) && d == 2.5);
    char buf[8];
    assert_string_equal(saydo_jt_scalar(&jt, saydo_jt_at(&jt, a, 12), buf, sizeof buf), "-0.0");
    saydo_jt_free(&jt);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct { const char *text; size_t off; } bad[] = {
        {"{\"a\": 1,}", 8}, {"[1 2]", 3}, {"{\"a\" 1}", 5}, {"\"abc", 0}, {"[tru]", 1}, {"[01.]", 1},
        {"[1.e5]", 1}, {"{\"a\": \"\\q\"}", 7}, {"[\"\\u12g4\"]", 2}, {"[1] [2]", 4}, {"", 0}, {"[-]", 1},
        {"[Nan]", 1}, {"{\"a\": [1, 2}", 11},
    };
    saydo_jt jt;
    saydo_jt_init(&jt);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        saydo_status st = saydo_jt_parse(&jt, bad[i].text, strlen(bad[i].text));
        if (st != SAYDO_E_PARSE || jt.err_off != bad[i].off)
            fprintf(stderr, "case %zu '%s': st %d off %zu (%s)\n", i, bad[i].text, st, jt.err_off, jt.err);
        assert_int_equal(st, SAYDO_E_PARSE);
        assert_int_equal(jt.err_off, bad[i].off);
        assert_true(jt.err[0] != '\0');
    }
    /* nesting: 512 levels parse, 600 do not (no stack overflow) */
    char deep[1400];
    for (int d = 0; d < 2; d++) {
        int n = d ? 600 : 512;
        memset(deep, '[', (size_t)n);
        memset(deep + n, ']', (size_t)n);
        assert_int_equal(saydo_jt_parse(&jt, deep, (size_t)(2 * n)), d ? SAYDO_E_PARSE : SAYDO_OK);
    }
    assert_int_equal(saydo_jt_line_of("a\nb\nc", 4, 10), 12);
    saydo_jt_free(&jt);
}

/* Splits data with the splitter and joins "L<line>:<value>" (or "L<line>E") by '|'. */
static void split_all(const char *data, size_t max, char *out, size_t cap, saydo_jt_shape *shape)
{
    saydo_src_t *src = NULL;
    saydo_jt_stream *s = NULL;
    const char *v;
    size_t len, n = 0;
    int64_t line;
    saydo_status st;
    out[0] = '\0';
    assert_int_equal(saydo_src_open_mem("mem", data, strlen(data), &src), SAYDO_OK);
    assert_int_equal(saydo_jt_stream_create(src, max, &s), SAYDO_OK);
    while ((st = saydo_jt_stream_next(s, &v, &len, &line)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) {
            n += (size_t)snprintf(out + n, cap - n, "%sL%lldE", n ? "|" : "", (long long)line);
            assert_true(saydo_jt_stream_error(s)[0] != '\0');
            continue;
        }
        assert_int_equal(st, SAYDO_OK);
        n += (size_t)snprintf(out + n, cap - n, "%sL%lld:%.*s", n ? "|" : "", (long long)line, (int)len, v);
    }
    *shape = saydo_jt_stream_shape(s);
    saydo_jt_stream_free(s);
    saydo_src_free(src);
}

static void test_splitter_shapes(void **state)
{
    (void)state;
    char got[1024];
    saydo_jt_shape shape;
    /* true JSONL, blank lines and CRLF; a bad line costs only itself */
    split_all("{\"a\": 1}\r\n\n  {\"b\": \"}\"}\n{\"c\": [\n{\"d\": 4}\n", 0, got, sizeof got, &shape);
    assert_int_equal(shape, SAYDO_JT_SHAPE_LINES);
    assert_string_equal(got, "L1:{\"a\": 1}|L3:{\"b\": \"}\"}|L4:{\"c\": [|L5:{\"d\": 4}");
    /* a pretty-printed array (lm-eval v0.4.0 in a .jsonl) */
    split_all("\xEF\xBB\xBF[\n  {\n    \"a\": \"x,]\\\"\"\n  },\n  {\"b\": [1,\n 2]}\n]\n", 0, got, sizeof got, &shape);
    assert_int_equal(shape, SAYDO_JT_SHAPE_ARRAY);
    assert_string_equal(got, "L2:{\n    \"a\": \"x,]\\\"\"\n  }|L5:{\"b\": [1,\n 2]}");
    /* pretty-printed objects one after another */
    split_all("{\n \"a\": 1\n}\n{\n \"b\": 2\n}", 0, got, sizeof got, &shape);
    assert_int_equal(shape, SAYDO_JT_SHAPE_VALUES);
    assert_string_equal(got, "L1:{\n \"a\": 1\n}|L4:{\n \"b\": 2\n}");
    /* an array cut short: the whole elements, then the error at the cut one */
    split_all("[{\"a\": 1},\n {\"b\": \n", 0, got, sizeof got, &shape);
    assert_string_equal(got, "L1:{\"a\": 1}|L2E");
    /* an array without its closing bracket */
    split_all("[{\"a\": 1}\n", 0, got, sizeof got, &shape);
    assert_string_equal(got, "L1:{\"a\": 1}|L2E");
    /* data after the array */
    split_all("[{\"a\": 1}] x", 0, got, sizeof got, &shape);
    assert_string_equal(got, "L1:{\"a\": 1}|L1E");
    /* an over-long line is skipped, the next read */
    split_all("{\"a\": 1}\n{\"long\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\": 2}\n", 24, got, sizeof got, &shape);
    assert_string_equal(got, "L1:{\"a\": 1}|L2E|L3:{\"b\": 2}");
    split_all("", 0, got, sizeof got, &shape);
    assert_string_equal(got, "");
    split_all("[]", 0, got, sizeof got, &shape);
    assert_string_equal(got, "");
}

/* Values bigger than the splitter's 1 MiB read size cross buffer refills. */
static void test_splitter_large(void **state)
{
    (void)state;
    size_t big = (3u << 20) + 17;
    char *data = malloc(big + 64);
    assert_non_null(data);
    int n = sprintf(data, "[{\"t\": \"");
    memset(data + n, 'x', big);
    n += (int)big;
    n += sprintf(data + n, "\\\"\"},\n{\"u\": 2}]");
    data[n] = '\0';
    saydo_src_t *src = NULL;
    saydo_jt_stream *s = NULL;
    const char *v;
    size_t len;
    int64_t line;
    assert_int_equal(saydo_src_open_mem("mem", data, (size_t)n, &src), SAYDO_OK);
    assert_int_equal(saydo_jt_stream_create(src, 0, &s), SAYDO_OK);
    assert_int_equal(saydo_jt_stream_next(s, &v, &len, &line), SAYDO_OK);
    assert_int_equal(len, big + 11);   /* {"t": " + x.. + \" + "} */
    saydo_jt jt;
    saydo_jt_init(&jt);
    assert_int_equal(saydo_jt_parse(&jt, v, len), SAYDO_OK);
    size_t sl;
    const char *t = saydo_jt_str(&jt, saydo_jt_get(&jt, saydo_jt_root(&jt), "t"), &sl);
    assert_int_equal(sl, big + 1);
    assert_int_equal(t[big], '"');
    assert_int_equal(saydo_jt_stream_next(s, &v, &len, &line), SAYDO_OK);
    assert_int_equal(line, 2);
    assert_int_equal(saydo_jt_stream_next(s, &v, &len, &line), SAYDO_EOF);
    saydo_jt_free(&jt);
    saydo_jt_stream_free(s);
    saydo_src_free(src);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_nan_inf_and_python_numbers),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_splitter_shapes),
        cmocka_unit_test(test_splitter_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
