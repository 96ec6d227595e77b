/* Internal: a small JSON tree for the harness readers, and a splitter that
 * cuts a byte source into top-level JSON values.
 *
 * Why not yajl_tree: the logs harnesses write are Python's json.dumps output,
 * which spells non-finite floats as bare NaN, Infinity and -Infinity (inspect
 * serialises with ser_json_inf_nan="constants"; old lm-eval wrote native
 * floats). yajl rejects those tokens. This parser accepts them and is
 * otherwise strict JSON. It is also cheap: one pass that records spans, and
 * strings are decoded only when asked for.
 *
 * Nodes sit in one array in document order; a node's children follow it and
 * `end` is the index one past its subtree, so the next sibling of child c is
 * nodes[c.end]. Nothing in a node points into memory the tree does not own or
 * borrow: the text stays the caller's and must outlive the tree's use.
 *
 * Ownership: saydo_jt_init() / saydo_jt_free() pair (free of a zeroed tree is
 * a no-op); a tree is reused for every value (no malloc once warmed up).
 * saydo_jt_stream_create() / saydo_jt_stream_free() likewise. */
#ifndef SAYDO_IO_JSONTREE_H
#define SAYDO_IO_JSONTREE_H

#include <stddef.h>
#include <stdint.h>
#include "io/reader_impl.h"

typedef enum { SAYDO_JT_NULL = 0, SAYDO_JT_BOOL, SAYDO_JT_NUM, SAYDO_JT_STR, SAYDO_JT_ARR, SAYDO_JT_OBJ } saydo_jt_type;

typedef struct saydo_jt_node {
    const char *key;     /* raw member name (between its quotes); NULL outside objects */
    const char *s;       /* raw value text: strings without quotes, numbers and literals as spelled */
    char *dec;           /* decoded string (NUL-terminated), once asked for */
    uint32_t klen, len;
    uint32_t end;        /* one past the subtree */
    uint32_t n;          /* members or elements */
    uint8_t type;
    uint8_t flags;       /* JT_F_* */
} saydo_jt_node;

enum { SAYDO_JT_F_ESC = 1, SAYDO_JT_F_KESC = 2, SAYDO_JT_F_TRUE = 4 };

typedef struct saydo_jt {
    saydo_jt_node *nodes;
    size_t n, cap;
    char *arena;          /* decoded strings; sized at parse so pointers stay valid */
    size_t arena_len, arena_cap;
    const char *text;
    size_t text_len;
    size_t err_off;       /* byte offset of a parse error */
    char err[160];
} saydo_jt;

void saydo_jt_init(saydo_jt *jt);
void saydo_jt_free(saydo_jt *jt);

/** Parses text[0..len) as one JSON value (surrounding whitespace allowed).
 *  @return SAYDO_OK; SAYDO_E_PARSE with jt->err and jt->err_off; SAYDO_E_NOMEM. */
saydo_status saydo_jt_parse(saydo_jt *jt, const char *text, size_t len) SAYDO_MUST_CHECK;

/** The root node (valid after a successful parse). */
static inline saydo_jt_node *saydo_jt_root(saydo_jt *jt) { return jt->n ? &jt->nodes[0] : NULL; }

/** Member key of an object (NULL if obj is not an object or has no such key). */
saydo_jt_node *saydo_jt_get(saydo_jt *jt, const saydo_jt_node *obj, const char *key);
/** Element i of an array or member i of an object (NULL when out of range). */
saydo_jt_node *saydo_jt_at(saydo_jt *jt, const saydo_jt_node *node, size_t i);
/** First child of an array or object, and the child after c (NULL at the end). */
saydo_jt_node *saydo_jt_child(saydo_jt *jt, const saydo_jt_node *node);
saydo_jt_node *saydo_jt_next(saydo_jt *jt, const saydo_jt_node *parent, const saydo_jt_node *c);
/** Follows a dotted path ("doc.meta.id", "choices.0.text"): object keys, or
 *  array indexes for all-digit segments. NULL when any step is missing. */
saydo_jt_node *saydo_jt_path(saydo_jt *jt, const saydo_jt_node *node, const char *path);

/** A string node's decoded text, NUL-terminated (NULL for other types).
 *  @param len  receives the byte length (may be NULL) */
const char *saydo_jt_str(saydo_jt *jt, saydo_jt_node *node, size_t *len);
/** Decoded member key of node (which must be an object member). */
const char *saydo_jt_key(saydo_jt *jt, saydo_jt_node *node, char *buf, size_t cap);
/** A number as double. Also reads what Python's str() makes of numbers and
 *  booleans inside strings ("-10.125", "-inf", "nan", "1e-05", "True",
 *  "False") and bare NaN/Infinity; true/false give 1/0.
 *  @return 1 when *out was set, 0 otherwise */
int saydo_jt_num(saydo_jt *jt, saydo_jt_node *node, double *out);
/** A scalar as text: strings decoded, numbers as spelled, true/false; NULL
 *  for null, arrays and objects, or when it does not fit in cap. */
const char *saydo_jt_scalar(saydo_jt *jt, saydo_jt_node *node, char *buf, size_t cap);
/** A copy of the JSON text s[0..n) without the whitespace between tokens
 *  (strings kept as they are), NUL-terminated; NULL when out of memory.
 *  The caller frees it. */
char *saydo_jt_compact(const char *s, size_t n);
/** Line (1-based, counted from base_line at text[0]) of a byte offset. */
int64_t saydo_jt_line_of(const char *text, size_t off, int64_t base_line);

/* ---- splitting a source into top-level values ------------------------- */

typedef enum {
    SAYDO_JT_SHAPE_UNKNOWN = 0,
    SAYDO_JT_SHAPE_LINES,    /* one value per line (JSONL, whatever the file is named) */
    SAYDO_JT_SHAPE_ARRAY,    /* one JSON array whose elements are the values */
    SAYDO_JT_SHAPE_VALUES,   /* values one after another, spanning lines (pretty-printed) */
} saydo_jt_shape;

typedef struct saydo_jt_stream saydo_jt_stream;

/** Creates a splitter over src (borrowed).
 *  @param max_value longest value in bytes; 0 = 64 MiB */
saydo_status saydo_jt_stream_create(saydo_src_t *src, size_t max_value, saydo_jt_stream **out) SAYDO_MUST_CHECK;
/** The next value's bytes (valid until the next call) and its first line.
 *  @return SAYDO_OK; SAYDO_EOF; SAYDO_E_PARSE when a value was skipped
 *          (saydo_jt_stream_error() says why, *line where; reading may go on);
 *          or a fatal error */
saydo_status saydo_jt_stream_next(saydo_jt_stream *s, const char **text, size_t *len, int64_t *line) SAYDO_MUST_CHECK;
const char *saydo_jt_stream_error(const saydo_jt_stream *s);
saydo_jt_shape saydo_jt_stream_shape(const saydo_jt_stream *s);
/** Lines consumed so far. */
int64_t saydo_jt_stream_lines(const saydo_jt_stream *s);
void saydo_jt_stream_free(saydo_jt_stream *s);

/** Reads a whole source into a malloc'd buffer (NUL-terminated).
 *  @param max refuse sources larger than this many bytes (0 = no limit) */
saydo_status saydo_src_slurp(saydo_src_t *src, size_t max, char **out, size_t *len) SAYDO_MUST_CHECK;

#endif
