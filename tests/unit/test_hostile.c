/* Hostile and damaged input through the readers, in memory: what each
 * reader must do with it (a record, or a skip with line and reason, or a
 * refusal to open with a reason), never a crash or a silently changed value.
 *
 * Expected values are written by hand from the input bytes: line numbers are
 * counted in the literals, reasons are the readers' documented messages.
 * The same cases run end to end (ingest, info, store unchanged) in
 * tests/cli/hostile_*.sh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "saydo/reader.h"
#include "saydo/status.h"
#include "saydo/valueaction.h"

/* What a reader gave for one input: records and skips, in order. */
enum { MAXR = 16 };
typedef struct {
    int n_ok, n_bad;
    char item[MAXR][64], side[MAXR][16], text[MAXR][64], model[MAXR][32];
    int choice[MAXR], n_logp[MAXR];
    double logp0[MAXR];
    int64_t ok_line[MAXR], bad_line[MAXR];
    char reason[MAXR][256];
    int order[2 * MAXR];   /* 'o' or 'b' per step */
    int steps;
} got_t;

static saydo_status read_all(const char *fmt, const char *name, const char *data, size_t len,
                             const saydo_read_opts_t *extra, got_t *g)
{
    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    saydo_status st;
    memset(g, 0, sizeof *g);
    if (extra) o = *extra;
    else memset(&o, 0, sizeof o);
    o.format = fmt;
    o.quiet = 1;
    st = saydo_reader_open_mem(name, data, len, &o, &rd);
    if (st != SAYDO_OK) {
        assert_null(rd);
        return st;
    }
    while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
        assert_true(g->steps < 2 * MAXR);
        if (st == SAYDO_E_PARSE) {
            const saydo_bad_t *bad = saydo_reader_bad(rd);
            assert_true(g->n_bad < MAXR);
            assert_string_equal(bad->file, name);
            g->bad_line[g->n_bad] = bad->line;
            snprintf(g->reason[g->n_bad], sizeof g->reason[0], "%s", bad->reason);
            g->n_bad++;
            g->order[g->steps++] = 'b';
            continue;
        }
        assert_int_equal(st, SAYDO_OK);
        assert_true(g->n_ok < MAXR);
        int i = g->n_ok++;
        snprintf(g->item[i], sizeof g->item[0], "%s", rec.item);
        snprintf(g->side[i], sizeof g->side[0], "%s", rec.side);
        snprintf(g->model[i], sizeof g->model[0], "%s", rec.model);
        if (rec.text) snprintf(g->text[i], sizeof g->text[0], "%.*s", (int)rec.text_len, rec.text);
        g->choice[i] = rec.choice;
        g->n_logp[i] = rec.n_logp;
        g->logp0[i] = rec.n_logp ? rec.logp[0] : NAN;
        g->ok_line[i] = rec.line;
        g->order[g->steps++] = 'o';
    }
    saydo_reader_free(rd);
    return SAYDO_OK;
}

#define READ(fmt, lit, opts, g) read_all(fmt, "hostile." fmt, lit, sizeof(lit) - 1, opts, g)

static void assert_contains(const char *s, const char *part)
{
    if (!strstr(s, part)) fail_msg("'%s' does not contain '%s'", s, part);
}

/* ---- the error detail -------------------------------------------------------- */

/* Chaining the previous detail into a new one must not garble it: the
 * store reader does exactly this ("%s: %s", path, saydo_last_error()), and
 * formatting into the buffer being read printed "x.h5: x.h5:  opened". */
static void test_error_chaining(void **state)
{
    (void)state;
    assert_int_equal(saydo_set_error(SAYDO_E_SCHEMA, "dataset %s cannot be opened", "choice"), SAYDO_E_SCHEMA);
    assert_int_equal(saydo_set_error(SAYDO_E_SCHEMA, "%s: %s", "store.h5", saydo_last_error()), SAYDO_E_SCHEMA);
    assert_string_equal(saydo_last_error(), "store.h5: dataset choice cannot be opened");
    saydo_set_error(SAYDO_E_IO, "%s|%s|%s", saydo_last_error(), "mid", saydo_last_error());
    assert_string_equal(saydo_last_error(),
                        "store.h5: dataset choice cannot be opened|mid|store.h5: dataset choice cannot be opened");
}

/* ---- field names holding NUL bytes ------------------------------------------- */

/* A header cell or JSON key "response\0\0\0" (11 bytes) is no field name:
 * the lookup compared with strncmp, which stops at the NUL, then read
 * name[11] past the end of "response" (found by fuzz_csv). */
static void test_fieldmap_nul_key(void **state)
{
    (void)state;
    saydo_fieldmap_t map;
    int label = 7;
    saydo_fieldmap_default(&map);
    assert_int_equal(saydo_fieldmap_lookup(&map, "response\0\0\0", 11, &label), SAYDO_F_NONE);
    assert_int_equal(label, -1);
    assert_int_equal(saydo_fieldmap_lookup(&map, "culture\0x", 9, &label), SAYDO_F_NONE);
    assert_int_equal(label, -1);
    assert_int_equal(saydo_fieldmap_lookup(&map, "response", 8, &label), SAYDO_F_RESPONSE);
    assert_int_equal(saydo_fieldmap_lookup(&map, "respons", 7, &label), SAYDO_F_NONE);
    assert_int_equal(saydo_fieldmap_lookup(&map, "culture", 7, &label), SAYDO_F_NONE);
    assert_int_equal(label, 0);
    assert_int_equal(saydo_fieldmap_lookup(&map, "", 0, &label), SAYDO_F_NONE);

    /* the same header through the CSV reader: the NUL column is ignored, the rest read */
    got_t g;
    static const char csv[] = "model,item,side,choice,response\0\0\0\nm,i1,word,A,x\n";
    assert_int_equal(READ("csv", csv, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 1);
    assert_int_equal(g.choice[0], 0);
}

/* The same in the ValueActionLens value names (found by fuzz_valueaction:
 * a cell "Honest<NUL>..." read past the end of "Honest"). */
static void test_va_value_nul(void **state)
{
    (void)state;
    int honest = saydo_va_value_index("Honest", 6);
    assert_true(honest >= 0);
    assert_int_equal(saydo_va_value_index("Honest\0\0\0", 9), -1);
    assert_int_equal(saydo_va_value_index("Hones", 5), -1);
    assert_int_equal(saydo_va_value_index("", 0), -1);
}

/* Writes over the stack below the caller, as any later call does. */
static __attribute__((noinline)) void clobber_stack(void)
{
    volatile char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = 'Z';
}

/* --keep-text on a Task 1 rating given as a JSON number: the text pointed
 * into a stack buffer of the reader, dead once it returned (found by the
 * ASan replay of the seeds through fuzz_valueaction). */
static void test_va_numeric_rating_text(void **state)
{
    (void)state;
    static const char csv[] = "country,topic,response,prompt_index\n"
                              "Alphaland,Work,\"{\"\"Honest\"\": 2, \"\"Curious\"\": \"\"3\"\"}\",0\n";
    saydo_read_opts_t o = {.format = "valueaction-t1", .model = "m", .keep_text = 1, .quiet = 1};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    assert_int_equal(saydo_reader_open_mem("t1.csv", csv, sizeof csv - 1, &o, &rd), SAYDO_OK);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    clobber_stack();
    assert_non_null(rec.text);
    assert_int_equal(rec.text_len, 1);
    assert_memory_equal(rec.text, "2", 1);
    assert_int_equal(rec.choice, 1);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    clobber_stack();
    assert_memory_equal(rec.text, "3", 1);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_EOF);
    saydo_reader_free(rd);
}

/* ---- CSV ------------------------------------------------------------------- */

static void test_csv_quoted_newline(void **state)
{
    (void)state;
    got_t g;
    saydo_read_opts_t o = {.keep_text = 1};
    static const char csv[] = "model,item,side,choice,response\n"
                              "m,i1,word,A,\"line one\nline two\"\n"   /* lines 2-3 */
                              "m,i2,deed,,\"Answer:\r\nB\"\n";         /* lines 4-5 */
    assert_int_equal(READ("csv", csv, &o, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 2);
    assert_int_equal(g.n_bad, 0);
    assert_string_equal(g.text[0], "line one\nline two");
    assert_int_equal(g.ok_line[0], 2);
    assert_int_equal(g.ok_line[1], 4);
    /* "Answer:" is followed by a line break: '.*?' does not cross it, so the
     * first bare letter decides: the 'A' of "Answer" */
    assert_int_equal(g.choice[1], 0);
}

static void test_csv_ragged(void **state)
{
    (void)state;
    got_t g;
    static const char csv[] = "model,item,side,choice,response\n"
                              "m,i1,word,A\n"              /* line 2: 4 fields */
                              "m,i2,word,A,ok,extra\n"     /* line 3: 6 fields */
                              "m,i3,word,B,fine\n";        /* line 4 */
    assert_int_equal(READ("csv", csv, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_bad, 2);
    assert_int_equal(g.bad_line[0], 2);
    assert_string_equal(g.reason[0], "4 fields where the header has 5");
    assert_int_equal(g.bad_line[1], 3);
    assert_string_equal(g.reason[1], "6 fields where the header has 5");
    assert_int_equal(g.n_ok, 1);
    assert_string_equal(g.item[0], "i3");
    assert_int_equal(g.ok_line[0], 4);
}

static void test_csv_header_missing_or_alone(void **state)
{
    (void)state;
    got_t g;
    /* data where the header should be: the reader names what it looked for */
    static const char nohead[] = "m,i1,word,A\nm,i2,deed,B\n";
    assert_int_equal(READ("csv", nohead, NULL, &g), SAYDO_E_PARSE);
    assert_contains(saydo_last_error(), "hostile.csv: no item column (looked for: item, item_id, id)");
    /* a header and nothing else: a valid empty file */
    static const char head[] = "model,item,side,choice\n";
    assert_int_equal(READ("csv", head, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok + g.n_bad, 0);
    static const char head_nonl[] = "model,item,side,choice";
    assert_int_equal(READ("csv", head_nonl, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok + g.n_bad, 0);
    /* nothing at all */
    assert_int_equal(read_all("csv", "empty.csv", "", 0, NULL, &g), SAYDO_E_PARSE);
    assert_contains(saydo_last_error(), "empty.csv: empty file: a CSV needs a header row");
    static const char blank[] = "\n\r\n\n";
    assert_int_equal(READ("csv", blank, NULL, &g), SAYDO_E_PARSE);
    assert_contains(saydo_last_error(), "empty file");
}

static void test_csv_bytes(void **state)
{
    (void)state;
    got_t g;
    /* BOM and CRLF: the first column is still "model" */
    static const char bom[] = "\xEF\xBB\xBFmodel,item,side,choice\r\nm,i1,word,B\r\n";
    assert_int_equal(READ("csv", bom, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 1);
    assert_string_equal(g.model[0], "m");
    assert_string_equal(g.item[0], "i1");
    assert_int_equal(g.choice[0], 1);

    /* a NUL inside a cell: "x<NUL>a" and "x<NUL>b" must not both become item "x" */
    static const char nul[] = "model,item,side,choice\nm,x\0a,word,A\nm,x\0b,word,A\nm,ok,word,A\n";
    assert_int_equal(READ("csv", nul, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_bad, 2);
    assert_int_equal(g.bad_line[0], 2);
    assert_string_equal(g.reason[0], "NUL byte in the row");
    assert_int_equal(g.bad_line[1], 3);
    assert_int_equal(g.n_ok, 1);
    assert_string_equal(g.item[0], "ok");

    /* invalid UTF-8 (a lone continuation byte, an overlong '/') */
    static const char bad8[] = "model,item,side,choice\nm,\x80x,word,A\nm,\xC0\xAF,word,A\nm,\xC3\xA9t\xC3\xA9,word,A\n";
    assert_int_equal(READ("csv", bad8, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_bad, 2);
    assert_string_equal(g.reason[0], "not valid UTF-8");
    assert_int_equal(g.bad_line[1], 3);
    assert_int_equal(g.n_ok, 1);
    assert_string_equal(g.item[0], "\xC3\xA9t\xC3\xA9");

    /* an unterminated quote runs to the end of the input: one skip, at its start line */
    static const char open[] = "model,item,side,choice\nm,i1,word,A\nm,\"i2,word,A\nm,i3,word,B\n";
    assert_int_equal(READ("csv", open, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 1);
    assert_int_equal(g.n_bad, 1);
    assert_int_equal(g.bad_line[0], 3);
    assert_string_equal(g.reason[0], "unterminated quoted field at end of input");
}

static void test_csv_numbers(void **state)
{
    (void)state;
    got_t g;
    static const char csv[] = "model,item,side,choice,logprob_A,logprob_B\n"
                              "m,big,word,A,1e999,-1\n"      /* line 2: overflows to inf */
                              "m,negz,word,A,-0,-1\n"        /* line 3: -0 is a log-probability (p = 1) */
                              "m,pinf,word,A,inf,-1\n"       /* line 4: +inf is no log-probability */
                              "m,tiny,word,A,-1e-999,-1\n";  /* line 5: underflows to -0 */
    assert_int_equal(READ("csv", csv, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_bad, 2);
    assert_int_equal(g.bad_line[0], 2);
    assert_string_equal(g.reason[0], "option A: '1e999' is not a number");
    assert_int_equal(g.bad_line[1], 4);
    assert_string_equal(g.reason[1], "option A: log-probability inf is out of range");
    assert_int_equal(g.n_ok, 2);
    assert_string_equal(g.item[0], "negz");
    assert_true(g.logp0[0] == 0.0 && signbit(g.logp0[0]));
    assert_string_equal(g.item[1], "tiny");
    assert_true(g.logp0[1] == 0.0);
}

/* ---- JSONL (what the reader does today; see test_hostile_jsonl.c for more) ------ */

static void test_jsonl_bytes(void **state)
{
    (void)state;
    got_t g;
    static const char jl[] =
        "\xEF\xBB\xBF{\"model\":\"m\",\"item\":\"bom\",\"side\":\"word\",\"choice\":\"A\"}\r\n"   /* 1 */
        "{\"model\":\"m\",\"item\":\"crlf\",\"side\":\"word\",\"choice\":\"B\"}\r\n"               /* 2 */
        "{\"model\":\"m\",\"item\":\"raw\0nul\",\"side\":\"word\",\"choice\":\"A\"}\n"            /* 3 */
        "{\"model\":\"m\",\"item\":\"bad\xFF\xFE\",\"side\":\"word\",\"choice\":\"A\"}\n"         /* 4 */
        "{\"model\":\"m\",\"item\":\"ok\",\"side\":\"deed\",\"choice\":\"A\"}\r\n";               /* 5 */
    assert_int_equal(READ("jsonl", jl, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 3);
    assert_string_equal(g.item[0], "bom");
    assert_int_equal(g.ok_line[0], 1);
    assert_string_equal(g.item[1], "crlf");
    assert_int_equal(g.choice[1], 1);
    assert_string_equal(g.item[2], "ok");
    assert_string_equal(g.side[2], "deed");
    assert_int_equal(g.ok_line[2], 5);
    assert_int_equal(g.n_bad, 2);
    assert_int_equal(g.bad_line[0], 3);
    assert_contains(g.reason[0], "NUL");
    assert_int_equal(g.bad_line[1], 4);
    assert_contains(g.reason[1], "UTF-8");
}

static void test_jsonl_numbers(void **state)
{
    (void)state;
    got_t g;
    static const char jl[] =
        "{\"model\":\"m\",\"item\":\"big\",\"side\":\"word\",\"logprobs\":[1e999,-1],\"choice\":\"A\"}\n"   /* 1 */
        "{\"model\":\"m\",\"item\":\"negz\",\"side\":\"word\",\"logprobs\":[-0,-1],\"choice\":\"A\"}\n"   /* 2 */
        "{\"model\":\"m\",\"item\":\"nan\",\"side\":\"word\",\"logprobs\":[NaN,-1],\"choice\":\"A\"}\n"  /* 3 */
        "{\"model\":\"m\",\"item\":\"trial\",\"side\":\"word\",\"trial\":1e999,\"choice\":\"A\"}\n"      /* 4 */
        "{\"model\":\"m\",\"item\":\"t0\",\"side\":\"word\",\"trial\":-0,\"choice\":-0}\n"               /* 5 */
        "{\"model\":\"m\",\"item\":\"pbig\",\"side\":\"word\",\"probs\":[1e999,0],\"choice\":\"A\"}\n"   /* 6 */
        "{\"model\":\"m\",\"item\":\"c\",\"side\":\"word\",\"choice\":1e999}\n"                          /* 7 */
        "{\"model\":\"m\",\"item\":\"inf\",\"side\":\"word\",\"logprobs\":[Infinity,-1]}\n";             /* 8 */
    assert_int_equal(READ("jsonl", jl, NULL, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 2);
    assert_string_equal(g.item[0], "negz");
    assert_true(g.logp0[0] == 0.0 && signbit(g.logp0[0]));
    assert_string_equal(g.item[1], "t0");
    assert_int_equal(g.choice[1], 0);
    assert_int_equal(g.n_bad, 6);
    static const int64_t lines[] = {1, 3, 4, 6, 7, 8};
    for (int i = 0; i < 6; i++) assert_int_equal(g.bad_line[i], lines[i]);
    assert_string_equal(g.reason[0], "a log-probability is NaN or +inf");
    assert_contains(g.reason[1], "invalid JSON");
    assert_contains(g.reason[2], "whole numbers");
    assert_string_equal(g.reason[3], "a probability is negative or not finite");
    assert_contains(g.reason[4], "option index");
    assert_contains(g.reason[5], "invalid JSON");
}

/* Nesting thousands deep, in a field saydo does not read and as a whole
 * line: never a crash (yajl's parser is not recursive), bounded by the line. */
static void test_jsonl_deep(void **state)
{
    (void)state;
    enum { DEPTH = 100000 };
    const char *head = "{\"model\":\"m\",\"item\":\"deep\",\"side\":\"word\",\"x\":";
    const char *tail = ",\"choice\":\"A\"}\n{\"model\":\"m\",\"item\":\"after\",\"side\":\"word\",\"choice\":\"B\"}\n";
    size_t hl = strlen(head), tl = strlen(tail), n = hl + 2 * DEPTH + tl + DEPTH + 2;
    char *buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, head, hl);
    memset(buf + hl, '[', DEPTH);
    memset(buf + hl + DEPTH, ']', DEPTH);
    memcpy(buf + hl + 2 * DEPTH, tail, tl);
    memset(buf + hl + 2 * DEPTH + tl, '[', DEPTH);   /* line 3: an unclosed array, not an object */
    buf[n - 2] = '\n';
    buf[n - 1] = '\0';
    got_t g;
    assert_int_equal(read_all("jsonl", "deep.jsonl", buf, n - 1, NULL, &g), SAYDO_OK);
    free(buf);
    /* line 1 holds a record whatever the policy on deep nesting; line 2 is one */
    assert_int_equal(g.n_ok + g.n_bad, 3);
    assert_string_equal(g.item[g.n_ok - 1], "after");
    assert_int_equal(g.bad_line[g.n_bad - 1], 3);
    assert_string_equal(g.reason[g.n_bad - 1], "line is not a JSON object");
}

/* ---- WDCT ------------------------------------------------------------------ */

/* --letters 3 over questions that list A and B: an answer "C" is option 2,
 * so the record's n_options must be 3, not the 2 the question lists (a
 * choice at or above n_options breaks pairing; found by fuzz_wdct). */
static void test_wdct_letters_beyond_listed(void **state)
{
    (void)state;
    got_t g;
    static const char csv[] = "Type,id,speak,act,speak_answer,act_answer,consistency\n"
                              "t,q1,\"Q?\nA. x\nB. y\",\"Q?\nA. x\nB. y\",C.,A.,1\n";
    saydo_read_opts_t o = {.letters = 3, .model = "m"};
    saydo_reader_t *rd = NULL;
    saydo_record_t rec;
    o.format = "wdct";
    o.quiet = 1;
    assert_int_equal(saydo_reader_open_mem("w.csv", csv, sizeof csv - 1, &o, &rd), SAYDO_OK);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 2);
    assert_int_equal(rec.n_options, 3);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_OK);
    assert_int_equal(rec.choice, 0);
    assert_int_equal(rec.n_options, 3);
    assert_int_equal(saydo_reader_next(rd, &rec), SAYDO_EOF);
    saydo_reader_free(rd);
    /* without --letters the authors' A/B rule: "C." is no answer */
    o.letters = 0;
    assert_int_equal(READ("wdct", csv, &o, &g), SAYDO_OK);
    assert_int_equal(g.n_ok, 2);
    assert_int_equal(g.choice[0], -3);
    (void)g;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_chaining),
        cmocka_unit_test(test_fieldmap_nul_key),
        cmocka_unit_test(test_va_value_nul),
        cmocka_unit_test(test_va_numeric_rating_text),
        cmocka_unit_test(test_csv_quoted_newline),
        cmocka_unit_test(test_csv_ragged),
        cmocka_unit_test(test_csv_header_missing_or_alone),
        cmocka_unit_test(test_csv_bytes),
        cmocka_unit_test(test_csv_numbers),
        cmocka_unit_test(test_jsonl_bytes),
        cmocka_unit_test(test_jsonl_numbers),
        cmocka_unit_test(test_jsonl_deep),
        cmocka_unit_test(test_wdct_letters_beyond_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
