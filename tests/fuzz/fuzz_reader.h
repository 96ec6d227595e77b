/* A reader target in one call: opens data as format fmt under file name
 * name, drains it with every record's contract checked (fuzz_util.h), and
 * frees it. The per-format targets (fuzz_lmeval.c, fuzz_inspect.c, ...) are
 * this with their format, names and options. */
#ifndef SAYDO_FUZZ_READER_H
#define SAYDO_FUZZ_READER_H
#include "fuzz_util.h"

static inline void fuzz_reader_run(const char *fmt, const char *name, const uint8_t *data, size_t size,
                                   saydo_read_opts_t *o)
{
    saydo_reader_t *rd = NULL;
    fuzz_quiet();
    o->format = fmt;
    o->quiet = 1;
    if (saydo_reader_open_mem(name, data, size, o, &rd) != SAYDO_OK) {
        FUZZ_CHECK(rd == NULL && saydo_last_error()[0]);
        return;
    }
    /* some formats give several records per input byte (a zip member inflates;
     * one JSON object lists many samples): bound the loop by records, not bytes */
    saydo_record_t rec;
    long steps = 0;
    for (;;) {
        saydo_status st = saydo_reader_next(rd, &rec);
        FUZZ_CHECK(++steps <= 64 * (long)size + 10000);   /* a reader that stops advancing loops */
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
    }
    (void)saydo_reader_format(rd);
    (void)saydo_reader_lines(rd);
    saydo_reader_free(rd);
}
#endif
