/* Shared by the libFuzzer targets in tests/fuzz (and by the regression test
 * tests/unit/test_hostile_fuzz.c, which replays saved inputs through the
 * same targets without libFuzzer).
 *
 * Besides "no crash, no sanitizer report", each target checks the contract
 * the readers promise: a record handed out has the fields the store needs,
 * strings that are readable to their NUL, counts within 0..26, a choice that
 * is an option index or a status, and an option map that is a permutation.
 * A broken promise aborts (FUZZ_CHECK), which libFuzzer reports as a crash. */
#ifndef SAYDO_FUZZ_UTIL_H
#define SAYDO_FUZZ_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "saydo/reader.h"
#include "saydo/record.h"
#include "saydo/status.h"

#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz: contract broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* Silences saydo's stderr logger once (inference messages would flood the fuzzer's log). */
static inline void fuzz_quiet(void)
{
    saydo_log_set_level(SAYDO_LOG_ERROR);
}

/* Reads a string to its end so ASan sees every byte; NULL is allowed when may_be_null. */
static inline size_t fuzz_touch_str(const char *s, int may_be_null)
{
    if (!s) {
        FUZZ_CHECK(may_be_null);
        return 0;
    }
    return strlen(s);
}

/* The promise of every reader's SAYDO_OK record (see saydo/record.h and ingest). */
static inline void fuzz_check_record(const saydo_record_t *rec)
{
    size_t sum = 0;
    sum += fuzz_touch_str(rec->model, 0);
    sum += fuzz_touch_str(rec->condition, 0);
    sum += fuzz_touch_str(rec->item, 0);
    sum += fuzz_touch_str(rec->side, 0);
    sum += fuzz_touch_str(rec->variant, 1);
    sum += fuzz_touch_str(rec->domain, 1);
    sum += fuzz_touch_str(rec->method, 1);
    sum += fuzz_touch_str(rec->trained_side, 1);
    FUZZ_CHECK(rec->n_labels >= 0 && rec->n_labels <= SAYDO_MAX_LABELS);
    for (int i = 0; i < rec->n_labels; i++) {
        sum += fuzz_touch_str(rec->label_name[i], 0);
        sum += fuzz_touch_str(rec->label_value[i], 0);
    }
    FUZZ_CHECK(rec->n_options >= 0 && rec->n_options <= SAYDO_MAX_OPTIONS);
    FUZZ_CHECK(rec->n_logp >= 0 && rec->n_logp <= SAYDO_MAX_OPTIONS);
    FUZZ_CHECK(rec->choice >= SAYDO_CHOICE_UNPARSED && rec->choice < SAYDO_MAX_OPTIONS);
    FUZZ_CHECK(rec->choice < 0 || rec->n_options == 0 || rec->choice < rec->n_options);
    FUZZ_CHECK(rec->trial >= 0);
    for (int k = 0; k < rec->n_logp; k++) FUZZ_CHECK(!(rec->logp[k] > 0 && isinf(rec->logp[k])));
    if (rec->has_option_map) {
        unsigned seen = 0;
        for (int k = 0; k < SAYDO_MAX_OPTIONS; k++) {
            int m = rec->option_map[k];
            FUZZ_CHECK(m >= 0 && m < SAYDO_MAX_OPTIONS && !(seen >> m & 1));
            seen |= 1u << m;
        }
    }
    if (rec->text) {
        volatile unsigned char x = 0;
        for (size_t i = 0; i < rec->text_len; i++) x ^= (unsigned char)rec->text[i];
        (void)x;
    }
    FUZZ_CHECK(rec->line >= 0);   /* 0: not line-based (a zip member, a whole-file JSON) */
    (void)sum;
}

/* Checks what a reader says about a skipped record: a reason, a line, readable raw bytes. */
static inline void fuzz_check_bad(const saydo_reader_t *rd)
{
    const saydo_bad_t *bad = saydo_reader_bad(rd);
    FUZZ_CHECK(bad && bad->file && bad->reason && bad->reason[0]);
    FUZZ_CHECK(bad->line >= 0);
    if (bad->raw) {
        volatile unsigned char x = 0;
        for (size_t i = 0; i < bad->raw_len; i++) x ^= (unsigned char)bad->raw[i];
        (void)x;
    }
}

/* Drains a reader, checking every record and every skip; returns the records read.
 * Fatal errors must carry a message. A reader must make progress: the loop is
 * bounded by the input size (one record or skip per byte at most, plus slack). */
static inline long fuzz_drain(saydo_reader_t *rd, size_t input_len)
{
    saydo_record_t rec;
    long n = 0, steps = 0;
    for (;;) {
        saydo_status st = saydo_reader_next(rd, &rec);
        FUZZ_CHECK(++steps <= 2 * (long)input_len + 8);   /* wdct gives 2 records a row */
        if (st == SAYDO_EOF) break;
        if (st == SAYDO_E_PARSE) {
            fuzz_check_bad(rd);
            continue;
        }
        if (st < 0) {
            FUZZ_CHECK(saydo_last_error()[0] != '\0');
            break;
        }
        FUZZ_CHECK(st == SAYDO_OK);
        fuzz_check_record(&rec);
        n++;
    }
    (void)saydo_reader_lines(rd);
    FUZZ_CHECK(saydo_reader_bytes(rd) <= input_len);
    return n;
}

/* A private scratch file for targets whose API takes a path (mapping files,
 * stores). One per process: libFuzzer runs inputs one after another. */
static inline const char *fuzz_scratch_path(const char *tag)
{
    static char path[512];
    const char *dir = getenv("SAYDO_TMP");
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    snprintf(path, sizeof path, "%s/saydo-fuzz-%s-%ld", dir, tag, (long)getpid());
    return path;
}

static inline int fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    int rc = fclose(f);
    return (w == size && rc == 0) ? 0 : -1;
}

#endif
