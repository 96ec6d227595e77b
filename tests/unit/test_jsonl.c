/* The JSONL reader's fast paths against their slow references:
 *  - numbers: the Clinger fast path must give the double strtod gives, bit
 *    for bit, for every spelling (random decimals of 1-19 digits with and
 *    without exponents, plus the edge cases around 2^53 and 10^22);
 *  - lines: the word-at-a-time NUL / non-ASCII scan must quarantine exactly
 *    the lines a byte-by-byte check would (NUL at every offset, invalid UTF-8
 *    sequences, valid multi-byte text kept);
 *  - chunks: the parser over a span of memory (jsonl_chunk.h, used by the
 *    parallel ingest) must yield the same records and bad lines as the
 *    ordinary reader, whatever the cut points, with a BOM skipped only at the
 *    start of the file. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "io/jsonl_chunk.h"
#include "saydo/reader.h"

static saydo_read_opts_t jsonl_opts(void)
{
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.format = "jsonl";
    o.quiet = 1;
    return o;
}

/* xorshift64*: a fixed sequence of test numbers */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Reads one line {"model":"m","item":"i","side":"s","logprobs":[NUM]} and returns logp[0]. */
static int read_number(const char *num, double *out)
{
    char line[256];
    int n = snprintf(line, sizeof line, "{\"model\":\"m\",\"item\":\"i\",\"side\":\"s\",\"logprobs\":[%s],\"choice\":null}\n",
                     num);
    saydo_read_opts_t o = jsonl_opts();
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_reader_open_mem("n.jsonl", line, (size_t)n, &o, &rd), SAYDO_OK);
    saydo_status st = saydo_reader_next(rd, &rec);
    int ok = st == SAYDO_OK && rec.n_logp == 1;
    if (ok) *out = rec.logp[0];
    saydo_reader_free(rd);
    return ok;
}

static void expect_same_as_strtod(const char *num)
{
    double got = 0, want = strtod(num, NULL);
    if (!read_number(num, &got)) fail_msg("'%s' was refused", num);
    if (memcmp(&got, &want, sizeof got) != 0) fail_msg("'%s': read %.17g, strtod gives %.17g", num, got, want);
}

static void test_numbers_exact(void **state)
{
    (void)state;
    static const char *edge[] = {
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.2", "0.3", "-0.994858", "-0.46168", "1e22", "1e23",
        "9007199254740992", "9007199254740993", "9007199254740991e-5", "1234567890123456789", "12345678901234567890",
        "0.000000000000000000001", "123456789e-22", "123456789e-23", "4.9e-324", "1.7976931348623157e308",
        "2.2250738585072014e-308", "-12.5E+3", "5e-1", "0e400", "-0e-400", "1.00000000000000011102230246251565",
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) expect_same_as_strtod(edge[i]);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    char buf[64];
    for (int k = 0; k < 20000; k++) {
        uint64_t r = rng_next(&s);
        int digits = 1 + (int)(r % 19), frac = (int)((r >> 8) % (unsigned)(digits + 1));
        uint64_t m = rng_next(&s);
        char d[32];
        for (int t = 0; t < digits; t++) d[t] = (char)('0' + (m >> (t * 3) ^ m >> 40) % 10);
        int pos = 0;
        if (r >> 16 & 1) buf[pos++] = '-';
        for (int t = 0; t < digits; t++) {
            if (t == digits - frac && frac > 0) {
                if (t == 0) buf[pos++] = '0';
                buf[pos++] = '.';
            }
            buf[pos++] = d[t];
        }
        if (buf[pos - 1] == '.') buf[pos++] = '0';
        if (r >> 20 & 1) pos += snprintf(buf + pos, sizeof buf - (size_t)pos, "e%d", (int)((r >> 24) % 61) - 30);
        buf[pos] = '\0';
        /* JSON forbids leading zeros: "007" -> "7" */
        char *p = buf + (buf[0] == '-');
        while (p[0] == '0' && p[1] >= '0' && p[1] <= '9') memmove(p, p + 1, strlen(p));
        expect_same_as_strtod(buf);
    }
}

/* Reads data; returns the number of records; the reasons of bad lines go to reasons[line]. */
static int read_all(const char *data, size_t len, char reasons[][64], int max_line)
{
    saydo_read_opts_t o = jsonl_opts();
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    saydo_status st;
    int n = 0;
    assert_int_equal(saydo_reader_open_mem("u.jsonl", data, len, &o, &rd), SAYDO_OK);
    while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) {
            int64_t l = saydo_reader_bad(rd)->line;
            if (l < max_line) snprintf(reasons[l], 64, "%s", saydo_reader_bad(rd)->reason);
            continue;
        }
        assert_int_equal(st, SAYDO_OK);
        n++;
    }
    saydo_reader_free(rd);
    return n;
}

static void test_line_scan(void **state)
{
    (void)state;
    const char *good = "{\"model\":\"m\",\"item\":\"i\",\"side\":\"word\",\"choice\":\"A\",\"response\":\"abcdefghijklmnop\"}";
    size_t gl = strlen(good);
    char buf[256], reasons[4][64];
    /* a NUL at every offset of the line, so each lands in every position of an 8-byte word */
    for (size_t at = 0; at < gl; at++) {
        memcpy(buf, good, gl);
        buf[at] = '\0';
        buf[gl] = '\n';
        memset(reasons, 0, sizeof reasons);
        assert_int_equal(read_all(buf, gl + 1, reasons, 4), 0);
        if (!strstr(reasons[1], "NUL")) fail_msg("NUL at %zu: reason '%s'", at, reasons[1]);
    }
    /* invalid UTF-8 inside the response, at every offset of the word */
    static const char *bad[] = {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\x80"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
        for (int shift = 0; shift < 8; shift++) {
            int n = snprintf(buf, sizeof buf, "{\"model\":\"m\",\"item\":\"i\",\"side\":\"word\",\"choice\":\"A\","
                             "\"response\":\"%.*s%s tail\"}\n", shift, "abcdefgh", bad[b]);
            memset(reasons, 0, sizeof reasons);
            assert_int_equal(read_all(buf, (size_t)n, reasons, 4), 0);
            if (!strstr(reasons[1], "UTF-8")) fail_msg("bad sequence %zu shift %d: reason '%s'", b, shift, reasons[1]);
        }
    /* valid multi-byte text (2, 3 and 4 bytes) is kept and read */
    static const char ok[] = "{\"model\":\"m\xc3\xa9\",\"item\":\"\xe4\xb8\xad\",\"side\":\"word\",\"choice\":\"A\","
                             "\"response\":\"\xf0\x9f\x98\x80 ok\"}\n";
    saydo_read_opts_t o = jsonl_opts();
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_reader_open_mem("ok.jsonl", ok, sizeof ok - 1, &o, &rd), SAYDO_OK);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_string_equal(rec.model, "m\xc3\xa9");
    assert_string_equal(rec.item, "\xe4\xb8\xad");
    saydo_reader_free(rd);
}

/* A log with good, blank, CRLF and bad lines, a BOM first and a BOM inside. */
static const char LOG[] =
    "\xEF\xBB\xBF{\"model\":\"m\",\"item\":\"a\",\"side\":\"word\",\"trial\":0,\"logprobs\":{\"A\":-0.5,\"B\":-1.25}}\n"
    "{\"model\":\"m\",\"item\":\"a\",\"side\":\"deed\",\"trial\":0,\"choice\":\"B\"}\r\n"
    "\n"
    "   \n"
    "{\"model\":\"m\",\"item\":\"b\",\"side\":\"word\",\"choice\":\"Q\",\"n_options\":2}\n"
    "not json\n"
    "\xEF\xBB\xBF{\"model\":\"m\",\"item\":\"c\",\"side\":\"word\",\"choice\":\"A\"}\n"
    "{\"model\":\"m\",\"item\":\"d\",\"side\":\"word\",\"probs\":[0.25,0.75],\"domain\":\"x\",\"topic\":\"t\"}\n"
    "{\"model\":\"m\",\"item\":\"e\",\"side\":\"deed\",\"choice\":\"A\",\"option_map\":[1,0]}\n"
    "{\"item\":\"f\",\"side\":\"word\"}\n"
    "{\"model\":\"m\",\"item\":\"g\",\"side\":\"word\",\"choice\":1}";   /* no final newline */

typedef struct seen {
    char text[48][160];
    int n;
    int64_t lines;
} seen_t;

static void note_rec(seen_t *s, const saydo_record_t *r)
{
    assert_true(s->n < 48);
    snprintf(s->text[s->n++], 160, "R%lld %s/%s/%s t%d c%d n%d lp%d %.17g %.17g map%d%d dom=%s",
             (long long)r->line, r->model, r->item, r->side, r->trial, r->choice, r->n_options, r->n_logp,
             r->n_logp > 0 ? r->logp[0] : 0.0, r->n_logp > 1 ? r->logp[1] : 0.0, r->has_option_map,
             r->has_option_map ? r->option_map[0] : -1, r->domain ? r->domain : "-");
}

static void note_bad(seen_t *s, const saydo_bad_t *b, int64_t base)
{
    assert_true(s->n < 48);
    snprintf(s->text[s->n++], 160, "B%lld %s", (long long)(b->line + base), b->reason);
}

static void test_chunks_match_reader(void **state)
{
    (void)state;
    const size_t len = sizeof LOG - 1;
    saydo_read_opts_t o = jsonl_opts();
    seen_t ref = {0};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    saydo_status st;
    assert_int_equal(saydo_reader_open_mem("log.jsonl", LOG, len, &o, &rd), SAYDO_OK);
    while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) note_bad(&ref, saydo_reader_bad(rd), 0);
        else {
            assert_int_equal(st, SAYDO_OK);
            note_rec(&ref, &rec);
        }
    }
    ref.lines = saydo_reader_lines(rd);
    saydo_reader_free(rd);
    /* what the reader makes of it, checked by hand once */
    assert_int_equal(ref.lines, 11);
    assert_int_equal(ref.n, 9);
    assert_true(strncmp(ref.text[0], "R1 m/a/word t0 c-1 n2 lp2 -0.5 -1.25", 36) == 0);
    assert_true(strncmp(ref.text[1], "R2 m/a/deed t0 c1 n2", 20) == 0);
    assert_true(strncmp(ref.text[2], "B5 choice outside", 17) == 0);
    assert_true(strncmp(ref.text[3], "B6 invalid JSON", 15) == 0);
    assert_true(strncmp(ref.text[4], "B7 invalid JSON", 15) == 0);   /* a BOM is only skipped on line 1 */
    assert_true(strstr(ref.text[5], "R8 m/d/word") && strstr(ref.text[5], "dom=x"));
    assert_true(strstr(ref.text[6], "R9 m/e/deed") && strstr(ref.text[6], "map11"));
    assert_true(strncmp(ref.text[7], "B10 no model field", 18) == 0);
    assert_true(strncmp(ref.text[8], "R11 m/g/word t0 c1", 18) == 0);

    /* the chunk parser over every split into three pieces at line starts */
    size_t starts[16], ns = 0;
    for (size_t i = 0; i < len; i++)
        if (i == 0 || LOG[i - 1] == '\n') starts[ns++] = i;
    saydo_jsonl_chunk_t *c = NULL;
    assert_int_equal(saydo_jsonl_chunk_create("log.jsonl", &o, &c), SAYDO_OK);
    for (size_t a = 0; a < ns; a++)
        for (size_t b = a; b < ns; b++) {
            size_t cut[4] = {0, starts[a], starts[b], len};
            seen_t got = {0};
            int64_t base = 0;
            for (int piece = 0; piece < 3; piece++) {
                saydo_jsonl_chunk_reset(c, LOG + cut[piece], cut[piece + 1] - cut[piece], cut[piece] == 0);
                while ((st = saydo_jsonl_chunk_next(c, &rec)) != SAYDO_EOF) {
                    if (st == SAYDO_E_PARSE) note_bad(&got, saydo_jsonl_chunk_bad(c), base);
                    else {
                        assert_int_equal(st, SAYDO_OK);
                        rec.line += base;
                        note_rec(&got, &rec);
                    }
                }
                base += saydo_jsonl_chunk_lines(c);
            }
            assert_int_equal(base, ref.lines);
            assert_int_equal(got.n, ref.n);
            for (int k = 0; k < ref.n; k++)
                if (strcmp(got.text[k], ref.text[k]) != 0)
                    fail_msg("cut at %zu,%zu: '%s' != '%s'", cut[1], cut[2], got.text[k], ref.text[k]);
        }
    saydo_jsonl_chunk_free(c);
}

static void test_chunk_long_line(void **state)
{
    (void)state;
    saydo_read_opts_t o = jsonl_opts();
    o.max_line = 64;
    const char data[] = "{\"model\":\"m\",\"item\":\"a\",\"side\":\"w\"}\n"
                        "{\"model\":\"m\",\"item\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"side\":\"w\"}\n"
                        "{\"model\":\"m\",\"item\":\"c\",\"side\":\"w\"}\n";
    saydo_jsonl_chunk_t *c = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_jsonl_chunk_create("l.jsonl", &o, &c), SAYDO_OK);
    saydo_jsonl_chunk_reset(c, data, sizeof data - 1, 1);
    assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "a");
    assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_E_PARSE);
    assert_int_equal(saydo_jsonl_chunk_bad(c)->line, 2);
    assert_non_null(strstr(saydo_jsonl_chunk_bad(c)->reason, "too long"));
    assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_OK);
    assert_string_equal(rec.item, "c");
    assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_EOF);
    assert_int_equal(saydo_jsonl_chunk_lines(c), 3);
    saydo_jsonl_chunk_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_exact),
        cmocka_unit_test(test_line_scan),
        cmocka_unit_test(test_chunks_match_reader),
        cmocka_unit_test(test_chunk_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
