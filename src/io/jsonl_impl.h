/* Internal: the JSONL line parser's state, shared by its files.
 *
 *   jsonl.c         a line: checks, the fast path or yajl, the record; the reader
 *   jsonl_chunk.c   the same parser over spans of memory (jsonl_chunk.h)
 *   jsonl_value.c   record building: one scalar at a time (on_scalar), numbers, finish
 *   jsonl_yajl.c    yajl's callbacks and the yajl parse of a line, with its messages
 *   jsonl_shape.c   layouts ("shapes") learned from yajl's parses and replayed
 *
 * A line is parsed either by yajl, whose callbacks feed jsonl_on_scalar() and
 * note the layout, or by replaying a learned layout through jsonl_on_scalar()
 * in the same parser state: both build the same record. */
#ifndef SAYDO_JSONL_IMPL_H
#define SAYDO_JSONL_IMPL_H
#include <stdint.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include "io/reader_impl.h"
#include "saydo/extract.h"

enum { KEY_CACHE = 32, KEY_MAX = 48 };
enum { MAX_DEPTH = 64 };   /* deeper nesting is refused: no response log needs it */
enum { SUB_NONE = 0, SUB_LOGP, SUB_PROB, SUB_MAP };
enum { SHAPES = 4, SHAPE_EVENTS = 64, SHAPE_MAX_LINE = 4096 };

/* One scalar yajl reported on a shape's line, with the parser state at the
 * time (what jsonl_on_scalar() reads besides the value). A value ('s' string
 * or 'n' number) is a slot whose bytes differ from line to line; a literal
 * ('0' null, 'b' true/false) has its bytes in the glue, like keys and
 * punctuation. */
typedef struct shape_ev {
    uint32_t glue_off, glue_len;   /* the literal bytes before the slot, in shape->glue */
    char kind, boolean, noop;      /* noop: jsonl_on_scalar() ignores it (nested or unmapped) */
    int8_t depth, sub;
    uint8_t op;                    /* what the replay does with it: SHAPE_OP_* (jsonl_shape.c) */
    uint16_t rec_off;              /* SHAPE_OP_STR: offset of the record's string field */
    int field, label, sub_index, sub_count;
} shape_ev_t;

typedef struct shape {
    shape_ev_t ev[SHAPE_EVENTS];
    int n_ev, n_slots;
    uint8_t slot[SHAPE_EVENTS];    /* the events that are slots, in line order */
    uint32_t tail_off, tail_len;   /* the glue after the last slot */
    char glue[SHAPE_MAX_LINE + 16];   /* + 16: glue is compared 16 bytes at a time */
} shape_t;

typedef struct jsonl {
    struct saydo_reader *r;
    saydo_lines_t *lines;      /* NULL for chunk parsers */
    int at_file_start;         /* line 1 is the file's first line (a BOM may open it) */
    yajl_handle h;
    char *arena;
    size_t arena_len, arena_cap;
    char err[256];
    saydo_extract_opts_t extract;

    /* per-line state */
    const char *line, *line_end;   /* the line being parsed */
    saydo_record_t *rec;
    int depth, values, field, label, sub, sub_index, sub_count;
    size_t obj_end;                /* offset just past the line's object (yajl's count) */
    int key_pos;
    int have_choice, choice_index, status;
    const char *choice_letter;
    const char *response;
    size_t response_len;
    int consistency, n_map;
    int8_t map[SAYDO_MAX_OPTIONS];
    int n_opt;
    double val[SAYDO_MAX_OPTIONS];
    unsigned long long val_set;
    int val_kind;   /* SUB_LOGP or SUB_PROB */

    struct { char key[KEY_MAX]; size_t len; int field, label; } cache[KEY_CACHE];

    /* shapes: recorded while yajl parses a line, matched before yajl is asked */
    int fast;                      /* the shape fast path is on */
    int rec_on, rec_ok, n_rec;     /* recording the current yajl parse */
    shape_ev_t rec_ev[SHAPE_EVENTS];
    uint32_t rec_pos[SHAPE_EVENTS], rec_len[SHAPE_EVENTS];
    shape_t *shape[SHAPES];
    int n_shapes, next_shape, last_hit;
    int64_t shape_hits;            /* lines the fast path parsed */
} jsonl_t;

/* Copies s[0, n) and a NUL into the line's arena (sized so the strings of
 * one line always fit: decoded strings are never longer than their spelling). */
static inline char *jsonl_arena_put(jsonl_t *j, const char *s, size_t n)
{
    char *d = j->arena + j->arena_len;
    memcpy(d, s, n);
    d[n] = '\0';
    j->arena_len += n + 1;
    return d;
}

#define LINE_BLANK ((saydo_status)2)   /* jsonl_parse_line(): the line holds no record */
#define LINE_UNKNOWN ((saydo_status)3) /* jsonl_parse_open(): no shape fits; nothing was read */

/* jsonl.c */
/** Parses one line (without its newline) into rec: SAYDO_OK, LINE_BLANK or
 *  SAYDO_E_PARSE (through saydo_reader_set_bad). j->r->lines is its number.
 *  avail >= len: the bytes readable from line (the fast path loads whole
 *  words and never lets a byte past len decide anything). */
saydo_status jsonl_parse_line(jsonl_t *j, const char *line, size_t len, size_t avail,
                              saydo_record_t *rec) SAYDO_MUST_CHECK;
/** The fast path for a line whose end is not searched for first: the bytes
 *  from line (avail of them, the line's newline among them) are matched
 *  against the shapes, and a match ends just before a '\n' (or "\r\n").
 *  Returns LINE_UNKNOWN when that fails (no shape fits, no newline right
 *  after the match, more than max_line bytes, a line the arena cannot hold:
 *  nothing was read, counted or reported; parse it with jsonl_parse_line()),
 *  else as jsonl_parse_line(), *raw_len being the line's bytes before its
 *  '\n'. Not for a line that may open with a byte order mark. */
saydo_status jsonl_parse_open(jsonl_t *j, const char *line, size_t avail, size_t max_line, size_t *raw_len,
                              saydo_record_t *rec) SAYDO_MUST_CHECK;
/** A parser for reader r (borrowed); free with jsonl_free(). */
saydo_status jsonl_new(struct saydo_reader *r, jsonl_t **out) SAYDO_MUST_CHECK;
void jsonl_free(void *impl);
extern const saydo_reader_vt jsonl_vt;

/* jsonl_value.c */
/** One scalar at depth 1 (a field value) or 2 (inside logprobs/probs/option_map):
 *  kind 's' string, 'n' number, '0' null, 'b' boolean. Returns 1, or 0 with
 *  j->err set (yajl's callbacks cancel the parse with it). */
int jsonl_on_scalar(jsonl_t *j, int kind, const char *s, size_t n, int boolean);
/** Sets j->err to msg and returns 0. */
int jsonl_fail(jsonl_t *j, const char *msg);
/** Turns the collected values into a valid record, or says why it is not one. */
const char *jsonl_finish(jsonl_t *j);

/* jsonl_yajl.c */
/** A fresh yajl handle (the old one, after an error, is freed). */
saydo_status jsonl_new_handle(jsonl_t *j) SAYDO_MUST_CHECK;
/** Parses the line with yajl (learning its shape): SAYDO_OK with the values
 *  collected, or SAYDO_E_PARSE with the reason set, or a fatal error. */
saydo_status jsonl_yajl_line(jsonl_t *j, const char *line, size_t len) SAYDO_MUST_CHECK;

/* jsonl_shape.c */
/** Notes a scalar yajl reported while a line is recorded. */
void jsonl_shape_note(jsonl_t *j, int kind, const char *s, size_t n, int boolean);
/** Keeps the layout of the line yajl just parsed as a shape. */
void jsonl_shape_learn(jsonl_t *j, const char *line, size_t len);
/** The fast path: 1 when a shape matched and replayed (values collected), -1
 *  when it matched but a value was refused (j->err says why, as yajl's
 *  cancelled parse would), 0 when no shape fits the line. avail: as for
 *  jsonl_parse_line(). */
int jsonl_shape_try(jsonl_t *j, const char *line, size_t len, size_t avail);
/** jsonl_shape_try() for jsonl_parse_open(): 0 also when the match is not
 *  followed by a newline, or the line is longer than max_line or than the
 *  arena holds; else *len is the line's length and *raw_len with its '\r'. */
int jsonl_shape_try_open(jsonl_t *j, const char *line, size_t avail, size_t max_line, size_t *len, size_t *raw_len);

#endif
