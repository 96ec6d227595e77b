/* JSONL reader: one response object a line.
 *
 * A line is checked (NUL bytes, UTF-8), then parsed by replaying a learned
 * layout (jsonl_shape.c) or, failing that, by yajl (jsonl_yajl.c); both feed
 * the record builder (jsonl_value.c). See jsonl_impl.h for the parts.
 *
 * Speed (the ingest benchmark parses ~200-byte lines): lines of one log
 * nearly always repeat one layout, so yajl only sees lines of a new layout;
 * the others are checked and read in one pass by the shape match. yajl does
 * not check UTF-8 itself: for the lines it gets, one word-at-a-time pass
 * looks for NUL and non-ASCII bytes and only lines with the latter get the
 * full UTF-8 check. The same line parser also serves chunks of a file in
 * memory (jsonl_chunk.c), which the ingest driver parses on several threads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "io/jsonl_impl.h"
#include "util/try.h"

/* Bit flags of scan_line(). */
enum { LINE_NUL = 1, LINE_HIGH = 2 };

/* One pass, 16 (SSE2) or 8 bytes at a time: is there a NUL byte, a byte >= 0x80?
 * (test_jsonl.c puts a NUL and bad UTF-8 at every offset of a word.) */
static int scan_line(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t any = 0, zero = 0;
    size_t i = 0;
#ifdef __SSE2__
    __m128i vz = _mm_setzero_si128(), vany = vz, vzero = vz;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        vany = _mm_or_si128(vany, v);
        vzero = _mm_or_si128(vzero, _mm_cmpeq_epi8(v, vz));
    }
    if (_mm_movemask_epi8(vzero)) zero = highs;
    if (_mm_movemask_epi8(vany)) any = highs;
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        any |= w;
        zero |= (w - ones) & ~w;   /* the high bit of a byte that was 0 (exact for "any zero") */
    }
    int flags = (zero & highs) ? LINE_NUL : 0;
    if (any & highs) flags |= LINE_HIGH;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0) flags |= LINE_NUL;
        if (c >= 0x80) flags |= LINE_HIGH;
    }
    return flags;
}

/* The per-line state, for a line of len bytes (or up to len: the open path). */
static void line_begin(jsonl_t *j, const char *line, size_t len, saydo_record_t *rec)
{
    /* decoded strings are never longer than their JSON spelling, plus a NUL each */
    j->arena_len = 0;
    /* only what finish() and the writer read: cheaper than saydo_record_clear()'s memset */
    rec->model = rec->condition = rec->item = rec->side = NULL;
    rec->variant = "";
    rec->trial = 0;
    rec->choice = SAYDO_CHOICE_MISSING;
    rec->n_options = rec->n_logp = rec->n_labels = rec->has_option_map = 0;
    rec->text = NULL;
    rec->text_len = 0;
    rec->domain = rec->method = rec->trained_side = NULL;
    rec->round = -1;
    j->rec = rec;
    j->line = line;
    j->line_end = line + len;
    j->depth = j->values = 0;
    j->field = SAYDO_F_NONE;
    j->label = -1;
    j->sub = SUB_NONE;
    j->key_pos = 0;
    j->have_choice = j->status = 0;
    j->response = NULL;
    j->consistency = -1;
    j->n_map = j->n_opt = 0;
    j->val_set = 0;
    j->err[0] = '\0';
    rec->line = j->r->lines;
}

/* Parses one line (see jsonl_impl.h). */
saydo_status jsonl_parse_line(jsonl_t *j, const char *line, size_t len, size_t avail, saydo_record_t *rec)
{
    struct saydo_reader *r = j->r;
    if (r->lines == 1 && j->at_file_start && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
        avail -= 3;
    }
    size_t k = 0;
    while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
    if (k == len) return LINE_BLANK;

    if (j->arena_cap < len + 64) {
        free(j->arena);
        j->arena_cap = len + 64 > 4096 ? len + 64 : 4096;
        j->arena = malloc(j->arena_cap);
        if (!j->arena) {
            j->arena_cap = 0;
            return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        }
    }
    line_begin(j, line, len, rec);

    if (j->fast) {   /* a line that matches a shape is checked there (jsonl_shape_try) */
        int m = jsonl_shape_try(j, line, len, avail);
        if (m < 0) return saydo_reader_set_bad(r, r->lines, line, len, "%s", j->err);
        if (m > 0) goto parsed;
    }
    int flags = scan_line(line, len);
    if (flags & LINE_NUL) return saydo_reader_set_bad(r, r->lines, line, len, "NUL byte in the line");
    if ((flags & LINE_HIGH) && !saydo_utf8_valid(line, len))
        return saydo_reader_set_bad(r, r->lines, line, len, "invalid UTF-8");
    saydo_status st = jsonl_yajl_line(j, line, len);
    if (st != SAYDO_OK) return st;
parsed:;
    const char *why = jsonl_finish(j);
    if (why) return saydo_reader_set_bad(r, r->lines, line, len, "%s", why);
    return SAYDO_OK;
}

/* A line whose end is not known yet (see jsonl_impl.h). */
saydo_status jsonl_parse_open(jsonl_t *j, const char *line, size_t avail, size_t max_line, size_t *raw_len,
                              saydo_record_t *rec)
{
    struct saydo_reader *r = j->r;
    size_t len = 0;
    line_begin(j, line, avail, rec);
    int m = jsonl_shape_try_open(j, line, avail, max_line, &len, raw_len);
    if (m == 0) return LINE_UNKNOWN;
    if (m < 0) return saydo_reader_set_bad(r, r->lines, line, len, "%s", j->err);
    const char *why = jsonl_finish(j);
    if (why) return saydo_reader_set_bad(r, r->lines, line, len, "%s", why);
    return SAYDO_OK;
}

static saydo_status jsonl_next(struct saydo_reader *r, saydo_record_t *rec)
{
    jsonl_t *j = r->impl;
    for (;;) {
        const char *line;
        size_t len;
        saydo_status st = saydo_lines_next(j->lines, &line, &len);
        r->lines = saydo_lines_number(j->lines);
        if (st == SAYDO_EOF) return st;
        if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, r->lines, NULL, 0, "%s", "line too long");
        if (st < 0) return st;
        st = jsonl_parse_line(j, line, len, len, rec);
        if (st != LINE_BLANK) return st;
    }
}

void jsonl_free(void *impl)
{
    jsonl_t *j = impl;
    if (!j) return;
    if (j->h) yajl_free(j->h);
    saydo_lines_free(j->lines);
    free(j->arena);
    for (int k = 0; k < SHAPES; k++) free(j->shape[k]);
    free(j);
}

const saydo_reader_vt jsonl_vt = {"jsonl", jsonl_next, jsonl_free};

saydo_status jsonl_new(struct saydo_reader *r, jsonl_t **out)
{
    saydo_status st = SAYDO_OK;
    jsonl_t *j = NULL;
    *out = NULL;
    SAYDO_NEW(j, 1);
    j->r = r;
    j->at_file_start = 1;
    /* SAYDO_JSONL_SHAPES=0 sends every line through yajl (benchmarks compare the two) */
    const char *fast = getenv("SAYDO_JSONL_SHAPES");
    j->fast = !(fast && strcmp(fast, "0") == 0);
    saydo_extract_opts_default(&j->extract);
    SAYDO_TRY(jsonl_new_handle(j));
    *out = j;
    j = NULL;
cleanup:
    jsonl_free(j);
    return st;
}

saydo_status saydo_jsonl_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    jsonl_t *j = NULL;
    SAYDO_TRY(jsonl_new(r, &j));
    SAYDO_TRY(saydo_lines_create(r->src, r->opts.max_line, &j->lines));
    r->impl = j;
    r->vt = &jsonl_vt;
    j = NULL;
cleanup:
    jsonl_free(j);
    return st;
}
