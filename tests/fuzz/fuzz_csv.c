/* libFuzzer target: the streaming CSV parser and the "csv" record reader.
 *
 * 1. Differential: the parser reading 1..8 bytes at a time must yield the
 *    same records (status, line, fields, raw bytes) as with its full buffer,
 *    so no token split across reads is lost or doubled.
 * 2. The record reader over the same bytes (header mapping, cells, choices,
 *    probabilities) with its record contract checked. */
#include <stdint.h>
#include "fuzz_util.h"
#include "io/csv.h"
#include "io/reader_impl.h"

static void csv_differential(const uint8_t *data, size_t size)
{
    saydo_src_t *sa = NULL, *sb = NULL;
    saydo_csv_t *a = NULL, *b = NULL;
    size_t max = size % 2 ? 40 : 0;   /* odd sizes: a small record bound, so skips happen */
    char delim = size % 13 == 0 ? ';' : ',';
    if (saydo_src_open_mem("a.csv", data, size, &sa) != SAYDO_OK) goto done;
    if (saydo_src_open_mem("b.csv", data, size, &sb) != SAYDO_OK) goto done;
    if (saydo_csv_create(sa, delim, max, &a) != SAYDO_OK) goto done;
    if (saydo_csv_create(sb, delim, max, &b) != SAYDO_OK) goto done;
    saydo_csv_set_chunk(b, 1 + size % 8);
    for (long steps = 0;; steps++) {
        saydo_csv_row_t ra, rb;
        saydo_status s1 = saydo_csv_next(a, &ra), s2 = saydo_csv_next(b, &rb);
        FUZZ_CHECK(steps <= (long)size + 2);
        FUZZ_CHECK(s1 == s2);
        if (s1 == SAYDO_EOF) break;
        FUZZ_CHECK(ra.line == rb.line && ra.line >= 1);
        if (s1 == SAYDO_E_PARSE) {
            FUZZ_CHECK(ra.why && rb.why && strcmp(ra.why, rb.why) == 0);
            continue;
        }
        FUZZ_CHECK(s1 == SAYDO_OK);
        FUZZ_CHECK(ra.n == rb.n && ra.n >= 1);
        FUZZ_CHECK(ra.raw_len == rb.raw_len && (ra.raw_len == 0 || memcmp(ra.raw, rb.raw, ra.raw_len) == 0));
        FUZZ_CHECK(max == 0 || ra.raw_len <= max);
        for (size_t i = 0; i < ra.n; i++) {
            FUZZ_CHECK(ra.len[i] == rb.len[i]);
            FUZZ_CHECK(memcmp(ra.field[i], rb.field[i], ra.len[i]) == 0);
            FUZZ_CHECK(ra.field[i][ra.len[i]] == '\0');
            FUZZ_CHECK(ra.len[i] <= ra.raw_len);   /* unescaping never lengthens */
        }
    }
    FUZZ_CHECK(saydo_csv_lines(a) == saydo_csv_lines(b));
done:
    saydo_csv_free(a);
    saydo_csv_free(b);
    saydo_src_free(sa);
    saydo_src_free(sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    csv_differential(data, size);

    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    memset(&o, 0, sizeof o);
    o.format = "csv";
    o.quiet = 1;
    o.keep_text = (int)(size & 1);
    o.model = size % 3 ? "fuzz-model" : NULL;
    o.max_line = size % 5 == 0 ? 64 : 0;
    if (saydo_reader_open_mem("fuzz.csv", data, size, &o, &rd) != SAYDO_OK) {
        FUZZ_CHECK(rd == NULL && saydo_last_error()[0]);
        return 0;
    }
    fuzz_drain(rd, size);
    saydo_reader_free(rd);
    return 0;
}
