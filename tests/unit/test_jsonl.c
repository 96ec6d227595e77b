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
 *    start of the file;
 *  - shapes: a line parsed by replaying the shape of an earlier line must
 *    give exactly what yajl gives for it (record, or bad line and reason),
 *    for lines of several layouts and every one-byte change, deletion and
 *    insertion of them, and for the number spellings JSON allows and forbids. */
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

/* The same number through the chunk parser's shape fast path: a line laid
 * out like the one before it, which reads the digits while matching. */
static int read_number_fast(const char *num, double *out)
{
    static saydo_jsonl_chunk_t *c;
    if (!c) {
        saydo_read_opts_t o = jsonl_opts();
        assert_int_equal(saydo_jsonl_chunk_create("n.jsonl", &o, &c), SAYDO_OK);
    }
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"model\":\"m\",\"item\":\"i\",\"side\":\"s\",\"logprobs\":[1,%s],\"choice\":null}\n"
                     "{\"model\":\"m\",\"item\":\"i\",\"side\":\"s\",\"logprobs\":[1,%s],\"choice\":null}\n",
                     "0", num);
    saydo_record_t rec;
    saydo_jsonl_chunk_reset(c, buf, (size_t)n, 0);
    assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_OK);
    int64_t hits = saydo_jsonl_chunk_shape_hits(c);
    saydo_status st = saydo_jsonl_chunk_next(c, &rec);
    assert_int_equal(saydo_jsonl_chunk_shape_hits(c), hits + 1);
    int ok = st == SAYDO_OK && rec.n_logp == 2;
    if (ok) *out = rec.logp[1];
    return ok;
}

static void expect_same_as_strtod(const char *num)
{
    double got = 0, want = strtod(num, NULL);
    if (!read_number(num, &got)) fail_msg("'%s' was refused", num);
    if (memcmp(&got, &want, sizeof got) != 0) fail_msg("'%s': read %.17g, strtod gives %.17g", num, got, want);
    got = 0;
    if (!read_number_fast(num, &got)) fail_msg("'%s' was refused by the fast path", num);
    if (memcmp(&got, &want, sizeof got) != 0)
        fail_msg("'%s': the fast path read %.17g, strtod gives %.17g", num, got, want);
}

static void test_numbers_exact(void **state)
{
    (void)state;
    static const char *edge[] = {
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.2", "0.3", "-0.994858", "-0.46168", "1e22", "1e23",
        "9007199254740992", "9007199254740993", "9007199254740991e-5", "1234567890123456789", "12345678901234567890",
        "0.000000000000000000001", "123456789e-22", "123456789e-23", "4.9e-324", "1.7976931348623157e308",
        "2.2250738585072014e-308", "-12.5E+3", "5e-1", "0e400", "-0e-400", "1.00000000000000011102230246251565",
        "0.12345678", "12345678", "1234567812345678", "-0.1234567812345678", "87654321.87654321", "0.000000011",
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


/* Everything a record holds (or the bad line's reason), for comparisons. */
static void describe(char *out, size_t cap, saydo_status st, const saydo_record_t *r, const saydo_bad_t *b)
{
    if (st == SAYDO_E_PARSE) {
        snprintf(out, cap, "BAD %lld %s", (long long)b->line, b->reason);
        return;
    }
    if (st != SAYDO_OK) {
        snprintf(out, cap, "STATUS %d", (int)st);
        return;
    }
    int k = snprintf(out, cap, "R%lld %s|%s|%s|%s|%s|%s|%s|%s t%d r%d c%d n%d map%d", (long long)r->line,
                     r->model, r->condition ? r->condition : "-", r->item, r->side, r->variant ? r->variant : "-",
                     r->domain ? r->domain : "-", r->method ? r->method : "-",
                     r->trained_side ? r->trained_side : "-", r->trial, r->round, r->choice, r->n_options,
                     r->has_option_map);
    for (int i = 0; i < r->n_logp && k < (int)cap; i++) k += snprintf(out + k, cap - (size_t)k, " %a", r->logp[i]);
    for (int i = 0; r->has_option_map && i < SAYDO_MAX_OPTIONS && k < (int)cap; i++)
        k += snprintf(out + k, cap - (size_t)k, ",%d", r->option_map[i]);
    if (k < (int)cap)
        snprintf(out + k, cap - (size_t)k, " text[%.*s]", r->text ? (int)r->text_len : 0, r->text ? r->text : "");
}

/* What the chunk parser makes of `line` after a good line of the template's
 * layout (so a shape is learned first), with shapes on or off. */
static int64_t parse_after(saydo_jsonl_chunk_t *c, const char *tmpl, const char *line, size_t len, char *out,
                           size_t cap)
{
    static char buf[8192];
    size_t tl = strlen(tmpl);
    assert_true(tl + len + 2 < sizeof buf);
    memcpy(buf, tmpl, tl);
    buf[tl] = '\n';
    memcpy(buf + tl + 1, line, len);
    buf[tl + 1 + len] = '\n';
    saydo_record_t rec;
    saydo_jsonl_chunk_reset(c, buf, tl + len + 2, 0);
    saydo_status first = saydo_jsonl_chunk_next(c, &rec);
    if (first != SAYDO_OK) fail_msg("the template line gave %d: %s", (int)first, saydo_jsonl_chunk_bad(c)->reason);
    int64_t before = saydo_jsonl_chunk_shape_hits(c);
    saydo_status st = saydo_jsonl_chunk_next(c, &rec);
    if (st == SAYDO_EOF) snprintf(out, cap, "blank");
    else describe(out, cap, st, &rec, saydo_jsonl_chunk_bad(c));
    return saydo_jsonl_chunk_shape_hits(c) - before;
}

static void test_shapes_match_yajl(void **state)
{
    (void)state;
    static const char *const tmpl[] = {
        "{\"model\": \"model-0\", \"condition\": \"cond-0\", \"item\": \"item-0\", \"domain\": \"EthV\", \"side\": "
        "\"word\", \"trial\": 0, \"response\": \"A. I would choose option A.\", \"choice\": \"A\", \"logprobs\": "
        "{\"A\": -0.994858, \"B\": -0.46168}}",
        "{\"model\":\"m\",\"item\":\"a\",\"side\":\"deed\",\"trial\":3,\"choice\":null,\"probs\":[0.25,0.75],"
        "\"consistency\":true,\"round\":2,\"method\":\"sft\",\"trained_side\":\"word\",\"variant\":\"v1\","
        "\"n_options\":2}",
        "{\"model\":\"m\",\"item\":\"b\",\"side\":\"word\",\"status\":\"refused\",\"logprobs\":[-1.5e-3,null,-2E+1],"
        "\"option_map\":[2,0,1],\"extra\":{\"x\":[1,\"two\",{\"y\":false}]},\"consistency\":0}",
        "  {\"item\":\"c\",\"side\":\"word\",\"model\":\"m\",\"response\":\"The answer is B\",\"logprobs\":"
        "{\" A\":-0.1,\" B\":-2.5}, \"id\": 12345678901234567890 }\t",
        /* non-ASCII in keys, labels and string slots (the UTF-8 check of a matched line) */
        "{\"model\":\"m\",\"item\":\"caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e\",\"side\":\"word\","
        "\"d\xc3\xa9j\xc3\xa0\":\"\xe2\x82\xac\",\"trial\":1,\"response\":\"\xe6\x97\xa5\xe6\x9c\xac B\",\"choice\":1,"
        "\"logprobs\":[-1e-7,-16.118095650958319]}",
    };
    static const char bytes[] = {'"', '\\', ' ', '0', '1', '9', '-', '+', '.', 'e', 'E', 'x', '}', '{', ']', '[',
                                 ',', ':', 'n', 't', 'A', 0x7f, 0x1f, '\t', '/', 0, '\n', '\r', (char)0x80,
                                 (char)0xa9, (char)0xc3, (char)0xe2, (char)0xff};
    static const char *const numbers[] = {"0", "-0", "01", "-01", "1.", "1.e5", ".5", "1e", "1e+", "1E-", "-",
                                          "--1", "1.5E-3", "2e+22", "1e400", "-1e-400", "123456789012345678901234",
                                          "0.0000001", "9007199254740993", "1.0", "-0.0e0", "0x10", "1 2", "NaN",
                                          "Infinity", "1e5.5", "+1", "0.5e-2", "7e22", "12.34e-5", "1e22", "1e23",
                                          "-1E+022", "0e999", "-0.0", "4.9e-324", "2.2250738585072014e-308",
                                          "1.7976931348623157e308", "9007199254740992", "9007199254740992.5",
                                          "-900719925474099.3", "0.00000000000000000001234", "1234567890123456789",
                                          "12345678901234567890", "18446744073709551616", "0.1e-22", "3.0e-23",
                                          "1.00000000000000000000000000000000000000000000000000000000000000000001",
                                          "-0.994858e0", "123456789012345e-22", "5e-1", "1e-0", "1E00022", "1e1e1",
                                          "1.5.", "-.5", "1ee5", "1e-+5", "0.12345678", "-0.1234567812345678",
                                          "12345678", "1234567.8", "-87654321.123456789", "0.000000011"};
    saydo_read_opts_t o = jsonl_opts();
    o.keep_text = 1;
    saydo_jsonl_chunk_t *fast = NULL, *slow = NULL;
    assert_int_equal(saydo_jsonl_chunk_create("s.jsonl", &o, &fast), SAYDO_OK);
    assert_int_equal(saydo_jsonl_chunk_create("s.jsonl", &o, &slow), SAYDO_OK);
    saydo_jsonl_chunk_set_shapes(slow, 0);
    char line[1024], a[4096], b[4096];
    int64_t hits = 0, cases = 0;
    for (size_t t = 0; t < sizeof tmpl / sizeof *tmpl; t++) {
        const char *base = tmpl[t];
        size_t bl = strlen(base);
        /* the template itself: taken by the fast path */
        assert_int_equal(parse_after(fast, base, base, bl, a, sizeof a), 1);
        parse_after(slow, base, base, bl, b, sizeof b);
        assert_string_equal(a, b);
        for (size_t p = 0; p <= bl; p++)
            for (size_t x = 0; x <= sizeof bytes; x++)
                for (int op = 0; op < 3; op++) {
                    size_t n;
                    if (op == 0) {   /* replace the byte at p */
                        if (p == bl || x == sizeof bytes) continue;
                        memcpy(line, base, bl);
                        line[p] = bytes[x];
                        n = bl;
                    } else if (op == 1) {   /* insert before p */
                        if (x == sizeof bytes) continue;
                        memcpy(line, base, p);
                        line[p] = bytes[x];
                        memcpy(line + p + 1, base + p, bl - p);
                        n = bl + 1;
                    } else {   /* delete the byte at p */
                        if (p == bl || x != 0) continue;
                        memcpy(line, base, p);
                        memcpy(line + p, base + p + 1, bl - p - 1);
                        n = bl - 1;
                    }
                    hits += parse_after(fast, base, line, n, a, sizeof a);
                    parse_after(slow, base, line, n, b, sizeof b);
                    cases++;
                    if (strcmp(a, b) != 0)
                        fail_msg("template %zu, op %d at %zu (0x%02x): shapes '%s', yajl '%s'", t, op, p,
                                 (unsigned char)bytes[x == sizeof bytes ? 0 : x], a, b);
                }
        /* every number slot respelled */
        for (size_t p = 0; p < bl; p++) {
            if (!(base[p] == '-' || (base[p] >= '0' && base[p] <= '9')) || (p && strchr("0123456789.-eE+", base[p - 1])))
                continue;
            size_t e = p;
            while (e < bl && strchr("0123456789.-eE+", base[e])) e++;
            if (p && base[p - 1] != ':' && base[p - 1] != ' ' && base[p - 1] != '[' && base[p - 1] != ',') continue;
            for (size_t k = 0; k < sizeof numbers / sizeof *numbers; k++) {
                size_t nl = strlen(numbers[k]);
                memcpy(line, base, p);
                memcpy(line + p, numbers[k], nl);
                memcpy(line + p + nl, base + e, bl - e);
                size_t n = p + nl + bl - e;
                hits += parse_after(fast, base, line, n, a, sizeof a);
                parse_after(slow, base, line, n, b, sizeof b);
                cases++;
                if (strcmp(a, b) != 0)
                    fail_msg("template %zu, number '%s' at %zu: shapes '%s', yajl '%s'", t, numbers[k], p, a, b);
            }
        }
    }
    /* the fast path took a good share of the cases (the rest went to yajl) */
    assert_true(hits > cases / 10);
    assert_int_equal(saydo_jsonl_chunk_shape_hits(slow), 0);
    saydo_jsonl_chunk_free(fast);
    saydo_jsonl_chunk_free(slow);
}

/* A token that starts after the object and runs to the line's end stays in
 * yajl's lexer without a callback: it must make its own line bad, not the
 * next one (a number, an unterminated string, a cut literal; spaces are fine). */
static void test_text_after_object(void **state)
{
    (void)state;
    static const char log[] = "{\"model\":\"m\",\"item\":\"a\",\"side\":\"word\"}5\n"
                              "{\"model\":\"m\",\"item\":\"b\",\"side\":\"word\"}\n"
                              "{\"model\":\"m\",\"item\":\"c\",\"side\":\"word\"}\"ab}\n"
                              "{\"model\":\"m\",\"item\":\"d\",\"side\":\"word\"} \t\r\n"
                              "{\"model\":\"m\",\"item\":\"e\",\"side\":\"word\"}tru\n"
                              "{\"model\":\"m\",\"item\":\"f\",\"side\":\"word\"}\n";
    for (int shapes = 0; shapes < 2; shapes++) {
        saydo_read_opts_t o = jsonl_opts();
        saydo_jsonl_chunk_t *c = NULL;
        saydo_record_t rec;
        assert_int_equal(saydo_jsonl_chunk_create("t.jsonl", &o, &c), SAYDO_OK);
        saydo_jsonl_chunk_set_shapes(c, shapes);
        saydo_jsonl_chunk_reset(c, log, sizeof log - 1, 1);
        for (int line = 1; line <= 6; line++) {
            saydo_status st = saydo_jsonl_chunk_next(c, &rec);
            if (line % 2) {
                assert_int_equal(st, SAYDO_E_PARSE);
                assert_int_equal(saydo_jsonl_chunk_bad(c)->line, line);
                assert_string_equal(saydo_jsonl_chunk_bad(c)->reason, "text after the JSON object");
            } else {
                assert_int_equal(st, SAYDO_OK);
                assert_int_equal(rec.item[0], "abcdef"[line - 1]);
            }
        }
        assert_int_equal(saydo_jsonl_chunk_next(c, &rec), SAYDO_EOF);
        saydo_jsonl_chunk_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_exact),
        cmocka_unit_test(test_line_scan),
        cmocka_unit_test(test_chunks_match_reader),
        cmocka_unit_test(test_chunk_long_line),
        cmocka_unit_test(test_shapes_match_yajl),
        cmocka_unit_test(test_text_after_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
