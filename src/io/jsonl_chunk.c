/* The JSONL line parser over spans of memory (jsonl_chunk.h): the ingest
 * driver's parse threads each own one and feed it the ranges they read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "io/jsonl_chunk.h"
#include "io/jsonl_impl.h"
#include "util/try.h"

struct saydo_jsonl_chunk {
    struct saydo_reader r;     /* options, field map, bad-record report; r.impl is the jsonl_t */
    const char *p, *end;       /* unread bytes */
    size_t max_line;
    int mapped;                /* the bytes are a read-only file mapping: scanned pages may be dropped */
};

void saydo_jsonl_chunk_set_mapped(saydo_jsonl_chunk_t *c, int mapped) { c->mapped = mapped; }

/* The next newline in [p, end). Over a file mapping, a long stretch without
 * one is scanned in windows whose pages are dropped behind the scan, so a
 * line of any length costs bounded resident memory (the pages come back from
 * the page cache if the line turns out short enough to parse). */
static const char *find_newline(const char *p, const char *end, int mapped)
{
    const size_t window = (size_t)8 << 20;
    if (!mapped) return memchr(p, '\n', (size_t)(end - p));
    const uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    while (p < end) {
        size_t n = (size_t)(end - p) < window ? (size_t)(end - p) : window;
        const char *nl = memchr(p, '\n', n);
        if (nl) return nl;
        uintptr_t from = ((uintptr_t)p + pg - 1) & ~(pg - 1), to = ((uintptr_t)p + n) & ~(pg - 1);
        if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
        p += n;
    }
    return NULL;
}

saydo_status saydo_jsonl_chunk_create(const char *name, const saydo_read_opts_t *opts, saydo_jsonl_chunk_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_jsonl_chunk_t *c = NULL;
    jsonl_t *j = NULL;
    *out = NULL;
    SAYDO_NEW(c, 1);
    SAYDO_TRY(saydo_src_open_mem(name, "", 0, &c->r.src));   /* carries the name for messages */
    if (opts) c->r.opts = *opts;
    saydo_fieldmap_default(&c->r.default_map);
    c->r.map = c->r.opts.map ? c->r.opts.map : &c->r.default_map;
    c->r.bad.file = c->r.src->name;
    c->r.bad.reason = c->r.bad_reason;
    c->max_line = c->r.opts.max_line ? c->r.opts.max_line : ((size_t)64 << 20);
    SAYDO_TRY(jsonl_new(&c->r, &j));
    c->r.impl = j;
    c->r.vt = &jsonl_vt;
    *out = c;
    c = NULL;
cleanup:
    saydo_jsonl_chunk_free(c);
    return st;
}

void saydo_jsonl_chunk_reset(saydo_jsonl_chunk_t *c, const char *data, size_t len, int at_file_start)
{
    jsonl_t *j = c->r.impl;
    c->p = data;
    c->end = len ? data + len : data;   /* NULL + 0 is undefined (clang's UBSan) */
    c->r.lines = 0;
    j->at_file_start = at_file_start;
}

saydo_status saydo_jsonl_chunk_next(saydo_jsonl_chunk_t *c, saydo_record_t *rec)
{
    jsonl_t *j = c->r.impl;
    while (c->p < c->end) {
        const char *line = c->p;
        c->r.lines++;
        /* a line laid out as a known shape is matched first: the match finds
         * its newline (not over a mapping, whose pages find_newline() drops) */
        if (j->n_shapes && j->fast && !c->mapped && !(c->r.lines == 1 && j->at_file_start)) {
            size_t raw;
            saydo_status st = jsonl_parse_open(j, line, (size_t)(c->end - line), c->max_line, &raw, rec);
            if (st != LINE_UNKNOWN) {
                c->p = line + raw + 1;
                return st;
            }
        }
        const char *nl = find_newline(line, c->end, c->mapped);
        size_t len = nl ? (size_t)(nl - line) : (size_t)(c->end - line);
        c->p = line + len + (nl ? 1 : 0);
        /* as saydo_lines_next(): the limit counts a '\r' before the newline */
        if (len > c->max_line) return saydo_reader_set_bad(&c->r, c->r.lines, NULL, 0, "%s", "line too long");
        if (len && line[len - 1] == '\r') len--;
        saydo_status st = jsonl_parse_line(j, line, len, (size_t)(c->end - line), rec);
        if (st != LINE_BLANK) return st;
    }
    return SAYDO_EOF;
}

void saydo_jsonl_chunk_feed(saydo_jsonl_chunk_t *c, const char *data, size_t len)
{
    c->p = data;
    c->end = data + len;
}

saydo_status saydo_jsonl_chunk_skip_long(saydo_jsonl_chunk_t *c)
{
    c->r.lines++;
    return saydo_reader_set_bad(&c->r, c->r.lines, NULL, 0, "%s", "line too long");
}

void saydo_jsonl_chunk_set_shapes(saydo_jsonl_chunk_t *c, int on)
{
    jsonl_t *j = c->r.impl;
    j->fast = on != 0;
}

int64_t saydo_jsonl_chunk_shape_hits(const saydo_jsonl_chunk_t *c) { return ((const jsonl_t *)c->r.impl)->shape_hits; }

const saydo_bad_t *saydo_jsonl_chunk_bad(const saydo_jsonl_chunk_t *c) { return &c->r.bad; }

void saydo_jsonl_chunk_strings(const saydo_jsonl_chunk_t *c, const char **base, size_t *len)
{
    const jsonl_t *j = c->r.impl;
    *base = j->arena;
    *len = j->arena ? j->arena_len : 0;
}
int64_t saydo_jsonl_chunk_lines(const saydo_jsonl_chunk_t *c) { return c->r.lines; }

void saydo_jsonl_chunk_free(saydo_jsonl_chunk_t *c)
{
    if (!c) return;
    jsonl_free(c->r.impl);
    saydo_src_free(c->r.src);
    free(c);
}
