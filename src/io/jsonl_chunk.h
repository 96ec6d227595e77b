/* Internal: the JSONL line parser over a span of memory, for the ingest
 * driver's parallel parse of a file read in ranges. Each thread owns one
 * parser; the bytes are the caller's and must stay valid and unchanged while
 * records are read (nothing is written into them).
 *
 *   saydo_jsonl_chunk_create(path, &opts, &c);
 *   saydo_jsonl_chunk_reset(c, bytes, len, offset == 0);
 *   while ((st = saydo_jsonl_chunk_next(c, &rec)) != SAYDO_EOF) ... as saydo_reader_next()
 *   saydo_jsonl_chunk_feed(c, more, n);   the lines after, read into a buffer: numbering goes on
 *
 * Lines are numbered from 1 at each reset; the caller adds the number of
 * lines before the chunk. Records are exactly what saydo_reader_next() gives
 * for the same lines. */
#ifndef SAYDO_JSONL_CHUNK_H
#define SAYDO_JSONL_CHUNK_H
#include <stdint.h>
#include "saydo/reader.h"

typedef struct saydo_jsonl_chunk saydo_jsonl_chunk_t;

/** A parser with the reader options opts (copied; opts->map is borrowed).
 *  name is the file name for bad-record reports. Free with saydo_jsonl_chunk_free(). */
saydo_status saydo_jsonl_chunk_create(const char *name, const saydo_read_opts_t *opts,
                                      saydo_jsonl_chunk_t **out) SAYDO_MUST_CHECK;
/** Points the parser at whole lines data[0, len); at_file_start: the span opens
 *  the file (a UTF-8 byte order mark on its first line is skipped). */
void saydo_jsonl_chunk_reset(saydo_jsonl_chunk_t *c, const char *data, size_t len, int at_file_start);
/** Points the parser at more whole lines that follow the previous span in
 *  the same range: line numbers go on (no reset). */
void saydo_jsonl_chunk_feed(saydo_jsonl_chunk_t *c, const char *data, size_t len);
/** Counts one line that the caller skipped without reading it whole (longer
 *  than the maximum) and reports it as saydo_jsonl_chunk_next() would:
 *  returns SAYDO_E_PARSE, saydo_jsonl_chunk_bad() says "line too long". */
saydo_status saydo_jsonl_chunk_skip_long(saydo_jsonl_chunk_t *c);
/** Turns the shape fast path off (0) or on (1, the default): tests compare
 *  the records of both. */
void saydo_jsonl_chunk_set_shapes(saydo_jsonl_chunk_t *c, int on);
/** Lines the shape fast path parsed so far (tests, benchmarks). */
int64_t saydo_jsonl_chunk_shape_hits(const saydo_jsonl_chunk_t *c);
/** Declares the bytes a read-only private file mapping (MAP_PRIVATE, never
 *  written): the parser may then drop the pages of long lines it has scanned
 *  (madvise MADV_DONTNEED), which bounds resident memory on a huge line.
 *  Never set it for ordinary memory: dropped pages would read as zeros. */
void saydo_jsonl_chunk_set_mapped(saydo_jsonl_chunk_t *c, int mapped);
/** Next record: SAYDO_OK, SAYDO_EOF, SAYDO_E_PARSE (bad line: see saydo_jsonl_chunk_bad()),
 *  or a fatal error. rec's strings are valid until the next call. */
saydo_status saydo_jsonl_chunk_next(saydo_jsonl_chunk_t *c, saydo_record_t *rec) SAYDO_MUST_CHECK;
const saydo_bad_t *saydo_jsonl_chunk_bad(const saydo_jsonl_chunk_t *c);
/** Where the last record's strings were decoded: *len bytes from *base hold
 *  those of them that are not the options' or the field map's, each
 *  NUL-terminated (valid until the next call). The ingest copies the block
 *  whole instead of string by string. */
void saydo_jsonl_chunk_strings(const saydo_jsonl_chunk_t *c, const char **base, size_t *len);
/** Lines read since the last reset (blank ones included). */
int64_t saydo_jsonl_chunk_lines(const saydo_jsonl_chunk_t *c);
void saydo_jsonl_chunk_free(saydo_jsonl_chunk_t *c);
#endif
