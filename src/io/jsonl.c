/* JSONL reader: one response object a line, parsed with yajl's event API.
 *
 * One yajl handle reads the whole file (allow_multiple_values), fed a line at
 * a time, so a bad line is reported with its number and the handle is
 * replaced only after an error. Strings are copied into a per-line arena
 * sized from the line, so record pointers stay valid until the next read.
 * Keys are matched through a per-position cache: lines of one file almost
 * always repeat the same keys in the same order.
 *
 * Speed (the ingest benchmark parses ~200-byte lines): yajl does not check
 * UTF-8 itself; one word-at-a-time pass over the line looks for NUL and
 * non-ASCII bytes and only lines with the latter get the full UTF-8 check.
 * Numbers take Clinger's exact fast path before falling back to strtod.
 * Lines of one log nearly always repeat one layout (same keys, same order,
 * same spacing; only the values differ): yajl parses a line, and the layout
 * it saw is kept as a "shape" (see the shape section below) that later lines
 * are matched against byte for byte, so yajl only sees lines of a new layout.
 * The same line parser also serves chunks of a file in memory
 * (jsonl_chunk.h), which the ingest driver parses on several threads. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "io/jsonl_chunk.h"
#include "io/reader_impl.h"
#include "saydo/extract.h"
#include "util/try.h"

enum { KEY_CACHE = 32, KEY_MAX = 48 };
enum { MAX_DEPTH = 64 };   /* deeper nesting is refused: no response log needs it */
enum { SUB_NONE = 0, SUB_LOGP, SUB_PROB, SUB_MAP };
enum { SHAPES = 4, SHAPE_EVENTS = 64, SHAPE_MAX_LINE = 4096 };

/* One scalar yajl reported on a shape's line, with the parser state at the
 * time (what on_scalar() reads besides the value). A value ('s' string or
 * 'n' number) is a slot whose bytes differ from line to line; a literal
 * ('0' null, 'b' true/false) has its bytes in the glue, like keys and
 * punctuation. */
typedef struct shape_ev {
    uint32_t glue_off, glue_len;   /* the literal bytes before the slot, in shape->glue */
    char kind, boolean, noop;      /* noop: on_scalar() ignores it (nested or unmapped) */
    int8_t depth, sub;
    int field, label, sub_index, sub_count;
} shape_ev_t;

typedef struct shape {
    shape_ev_t ev[SHAPE_EVENTS];
    int n_ev;
    uint32_t tail_off, tail_len;   /* the glue after the last slot */
    char glue[SHAPE_MAX_LINE];
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

static char *arena_put(jsonl_t *j, const unsigned char *s, size_t n)
{
    /* the arena is sized so the strings of one line always fit */
    char *d = j->arena + j->arena_len;
    memcpy(d, s, n);
    d[n] = '\0';
    j->arena_len += n + 1;
    return d;
}

static int fail(jsonl_t *j, const char *msg)
{
    snprintf(j->err, sizeof j->err, "%s", msg);
    return 0;   /* cancels the parse */
}

/* Exact powers of ten: every 10^k for k <= 22 is a double without rounding. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod on a bounded copy (yajl hands numbers without a terminator). */
static int slow_double(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0';
}

/* Clinger's fast path: a decimal m * 10^e with m <= 2^53 and |e| <= 22 is
 * rounded correctly by one IEEE multiply or divide, because both m and 10^|e|
 * are exact doubles. Logprobs like -0.994858 (m = 994858, e = -6) all take
 * it; anything else (long mantissas, large exponents) goes to strtod. yajl
 * has already checked the JSON number syntax. */
static int parse_double(const char *s, size_t n, double *out)
{
    if (n == 0 || n >= 64) return 0;   /* as before: longer spellings are refused */
    const char *p = s, *e = s + n;
    int neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    int exp10 = 0;
    const char *first = p;
    for (; p < e && (unsigned)(*p - '0') < 10; p++) m = m * 10 + (unsigned)(*p - '0');
    int digits = (int)(p - first);
    if (p < e && *p == '.') {
        const char *frac = ++p;
        for (; p < e && (unsigned)(*p - '0') < 10; p++) m = m * 10 + (unsigned)(*p - '0');
        exp10 = -(int)(p - frac);
        digits -= exp10;
    }
    if (digits > 19) return slow_double(s, n, out);   /* m may have wrapped (or leading zeros: rare) */
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = p < e && *p == '-';
        if (p < e && (*p == '-' || *p == '+')) p++;
        int ev = 0;
        for (; p < e && (unsigned)(*p - '0') < 10; p++)
            if (ev < 100000) ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) return slow_double(s, n, out);
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (m > (1ull << 53) || exp10 < -22 || exp10 > 22) return slow_double(s, n, out);
    double d = (double)m;
    if (exp10 < 0) d /= pow10_exact[-exp10];
    else d *= pow10_exact[exp10];
    *out = neg ? -d : d;
    return 1;
}

/* Whole numbers: plain digits directly; "1.0" or "1e2" through the double path. */
static int parse_long(const char *s, size_t n, long *out)
{
    if (n > 0 && n <= 9) {
        size_t i = s[0] == '-';
        long v = 0;
        for (size_t k = i; k < n; k++) {
            unsigned d = (unsigned)(s[k] - '0');
            if (d > 9) goto general;
            v = v * 10 + (long)d;
        }
        if (i == n) return 0;
        *out = i ? -v : v;
        return 1;
    }
general:;
    double d;
    if (!parse_double(s, n, &d) || d != floor(d) || fabs(d) > 2e9) return 0;
    *out = (long)d;
    return 1;
}

static int put_option_value(jsonl_t *j, double v)
{
    int i = j->sub_index;
    if (j->sub == SUB_MAP) {
        if (i >= SAYDO_MAX_OPTIONS || v != floor(v) || v < 0 || v >= SAYDO_MAX_OPTIONS)
            return fail(j, "option_map entries must be option indexes 0..25");
        j->map[i] = (int8_t)v;
        j->n_map = i + 1;
        j->sub_index++;
        return 1;
    }
    if (i < 0 || i >= SAYDO_MAX_OPTIONS) return fail(j, "more than 26 options in logprobs/probs");
    j->val[i] = v;
    j->val_set |= 1ull << i;
    j->val_kind = j->sub;
    if (i + 1 > j->n_opt) j->n_opt = i + 1;
    if (j->sub_count) j->sub_index++;   /* arrays advance; objects set the index per key */
    return 1;
}

static void shape_note(jsonl_t *j, int kind, const char *s, size_t n, int boolean);

/* A scalar at depth 1 (a field value) or depth 2 (inside logprobs/probs/option_map). */
static int on_scalar(jsonl_t *j, int kind, const char *s, size_t n, int boolean)
{
    if (j->rec_on) shape_note(j, kind, s, n, boolean);
    if (j->depth == 0) return fail(j, "line is not a JSON object");
    if (j->depth == 2 && j->sub != SUB_NONE) {
        double v;
        if (kind != 'n' || !parse_double(s, n, &v)) {
            if (kind == '0' && j->sub != SUB_MAP) { j->sub_index += j->sub_count; return 1; }  /* null: not logged */
            return fail(j, "logprobs/probs/option_map values must be numbers");
        }
        return put_option_value(j, v);
    }
    if (j->depth != 1) return 1;   /* nested content we do not read */
    saydo_record_t *rec = j->rec;
    if (j->label >= 0) {
        if (kind == 's' || kind == 'n') {
            if (rec->n_labels < SAYDO_MAX_LABELS) {
                rec->label_name[rec->n_labels] = j->r->map->label_dst[j->label];
                rec->label_value[rec->n_labels++] = arena_put(j, (const unsigned char *)s, n);
            }
        }
        return 1;
    }
    long lv;
    switch (j->field) {
    case SAYDO_F_NONE: return 1;
    case SAYDO_F_MODEL: case SAYDO_F_CONDITION: case SAYDO_F_ITEM: case SAYDO_F_SIDE:
    case SAYDO_F_VARIANT: case SAYDO_F_DOMAIN: case SAYDO_F_METHOD: case SAYDO_F_TRAINED_SIDE: {
        if (kind == '0') return 1;
        if (kind != 's' && kind != 'n') return fail(j, "expected a string");
        const char *v = arena_put(j, (const unsigned char *)s, n);
        if (j->field == SAYDO_F_MODEL) rec->model = v;
        else if (j->field == SAYDO_F_CONDITION) rec->condition = v;
        else if (j->field == SAYDO_F_ITEM) rec->item = v;
        else if (j->field == SAYDO_F_SIDE) rec->side = v;
        else if (j->field == SAYDO_F_VARIANT) rec->variant = v;
        else if (j->field == SAYDO_F_DOMAIN) rec->domain = v;
        else if (j->field == SAYDO_F_METHOD) rec->method = v;
        else rec->trained_side = v;
        return 1;
    }
    case SAYDO_F_TRIAL: case SAYDO_F_ROUND: case SAYDO_F_N_OPTIONS:
        if (kind == '0') return 1;
        if (!parse_long(s, n, &lv) || lv < 0) return fail(j, "trial, round and n_options must be whole numbers >= 0");
        if (j->field == SAYDO_F_TRIAL) rec->trial = (int32_t)lv;
        else if (j->field == SAYDO_F_ROUND) rec->round = (int)lv;
        else {
            if (lv > SAYDO_MAX_OPTIONS) return fail(j, "n_options above 26");
            rec->n_options = (int)lv;
        }
        return 1;
    case SAYDO_F_CHOICE:
        if (kind == '0') { j->have_choice = 1; j->choice_index = SAYDO_CHOICE_MISSING; return 1; }
        if (kind == 'n') {
            if (!parse_long(s, n, &lv) || lv < 0) return fail(j, "a numeric choice must be an option index >= 0");
            j->have_choice = 1;
            j->choice_index = (int)(lv < 1000 ? lv : 1000);
            return 1;
        }
        if (kind == 's') {
            j->have_choice = 1;
            if (n == 0) { j->choice_index = SAYDO_CHOICE_MISSING; return 1; }
            if (n != 1 || saydo_letter_index(s[0]) < 0 || s[0] > 'Z') return fail(j, "choice must be a capital letter A-Z, an index or null");
            j->choice_index = s[0] - 'A';
            return 1;
        }
        return fail(j, "choice must be a letter, an index or null");
    case SAYDO_F_STATUS:
        if (kind != 's') return kind == '0' ? 1 : fail(j, "status must be a string");
        if (n == 7 && memcmp(s, "refused", 7) == 0) j->status = SAYDO_CHOICE_REFUSED;
        else if (n == 8 && memcmp(s, "unparsed", 8) == 0) j->status = SAYDO_CHOICE_UNPARSED;
        else if (n == 7 && memcmp(s, "missing", 7) == 0) j->status = SAYDO_CHOICE_MISSING;
        else if (!(n == 2 && memcmp(s, "ok", 2) == 0)) return fail(j, "status must be ok, refused, unparsed or missing");
        return 1;
    case SAYDO_F_RESPONSE:
        if (kind == '0') return 1;
        if (kind != 's') return fail(j, "response must be a string");
        /* read with its length (extraction, record text): the line's own bytes
         * do while the line is parsed; yajl's decoded copy must be kept */
        j->response = s >= j->line && s + n <= j->line_end ? s : arena_put(j, (const unsigned char *)s, n);
        j->response_len = n;
        return 1;
    case SAYDO_F_CONSISTENCY:
        if (kind == 'b') { j->consistency = boolean; return 1; }
        if (kind == 'n' && parse_long(s, n, &lv) && (lv == 0 || lv == 1)) { j->consistency = (int)lv; return 1; }
        if (kind == '0') return 1;
        return fail(j, "consistency must be 0 or 1");
    default:
        return kind == '0' ? 1 : fail(j, "logprobs, probs and option_map must be objects or arrays");
    }
}

/* Nesting past MAX_DEPTH. Inside a field that must hold a string the record
 * has no usable value for it, and the reason says so. */
static int too_deep(jsonl_t *j)
{
    if (j->field == SAYDO_F_MODEL || j->field == SAYDO_F_ITEM || j->field == SAYDO_F_SIDE) {
        const char *name = j->field == SAYDO_F_MODEL ? "model" : j->field == SAYDO_F_ITEM ? "item" : "side";
        snprintf(j->err, sizeof j->err, "no %s field (its value is JSON nested deeper than %d levels)", name,
                 MAX_DEPTH);
        return 0;
    }
    return fail(j, "JSON nested deeper than 64 levels");
}

static int cb_null(void *ctx) { return on_scalar(ctx, '0', NULL, 0, 0); }
static int cb_bool(void *ctx, int b) { return on_scalar(ctx, 'b', NULL, 0, b); }
static int cb_number(void *ctx, const char *s, size_t n) { return on_scalar(ctx, 'n', s, n, 0); }
static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    jsonl_t *j = ctx;
    /* yajl hands a string inside the line unless it decoded escapes into its
     * own buffer; only then can a NUL (from \u0000) appear: the line has none.
     * A NUL would cut the value short where it is used as a C string. */
    const char *c = (const char *)s;
    if ((c < j->line || c >= j->line_end) && memchr(c, '\0', n))
        return fail(j, "NUL (\\u0000) inside a string");
    return on_scalar(ctx, 's', c, n, 0);
}

static int cb_start_map(void *ctx)
{
    jsonl_t *j = ctx;
    if (j->depth == 0 && ++j->values > 1) return fail(j, "more than one JSON value on the line");
    if (++j->depth > MAX_DEPTH) return too_deep(j);
    if (j->depth == 2) {
        j->sub = j->field == SAYDO_F_LOGPROBS ? SUB_LOGP : j->field == SAYDO_F_PROBS ? SUB_PROB : SUB_NONE;
        j->sub_count = 0;
        j->sub_index = -1;
    }
    j->key_pos = j->depth == 1 ? 0 : j->key_pos;
    return 1;
}

static int cb_start_array(void *ctx)
{
    jsonl_t *j = ctx;
    if (j->depth == 0) return fail(j, "line is not a JSON object");
    if (++j->depth > MAX_DEPTH) return too_deep(j);
    if (j->depth == 2) {
        j->sub = j->field == SAYDO_F_LOGPROBS ? SUB_LOGP : j->field == SAYDO_F_PROBS ? SUB_PROB
               : j->field == SAYDO_F_OPTION_MAP ? SUB_MAP : SUB_NONE;
        j->sub_count = 1;
        j->sub_index = 0;
    }
    return 1;
}

static int cb_end(void *ctx)
{
    jsonl_t *j = ctx;
    j->depth--;
    if (j->depth == 1) j->sub = SUB_NONE;
    if (j->depth == 0) j->obj_end = yajl_get_bytes_consumed(j->h);   /* just past the object's '}' */
    return 1;
}

/* yajl's whitespace */
static int only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\n\r\v\f", s[i]) || s[i] == '\0') return 0;
    return 1;
}

static int cb_map_key(void *ctx, const unsigned char *key, size_t n)
{
    jsonl_t *j = ctx;
    if (j->depth == 1) {
        int pos = j->key_pos++;
        if (pos < KEY_CACHE && j->cache[pos].len == n && memcmp(j->cache[pos].key, key, n) == 0) {
            j->field = j->cache[pos].field;
            j->label = j->cache[pos].label;
            return 1;
        }
        j->field = saydo_fieldmap_lookup(j->r->map, (const char *)key, n, &j->label);
        if (pos < KEY_CACHE && n < KEY_MAX) {
            memcpy(j->cache[pos].key, key, n);
            j->cache[pos].len = n;
            j->cache[pos].field = j->field;
            j->cache[pos].label = j->label;
        }
        return 1;
    }
    if (j->depth == 2 && (j->sub == SUB_LOGP || j->sub == SUB_PROB)) {
        /* option keys: "A", " A" (a token with its space), or "0".."25" */
        while (n > 0 && (*key == ' ' || *key == '\t')) { key++; n--; }
        if (n == 1 && key[0] >= 'A' && key[0] <= 'Z') j->sub_index = key[0] - 'A';
        else if (n >= 1 && n <= 2 && key[0] >= '0' && key[0] <= '9' && (n == 1 || (key[1] >= '0' && key[1] <= '9')))
            j->sub_index = (int)strtol((const char *)key, NULL, 10);
        else return fail(j, "logprobs/probs keys must be option letters A-Z or indexes");
        return 1;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

static saydo_status new_handle(jsonl_t *j)
{
    if (j->h) yajl_free(j->h);
    j->h = yajl_alloc(&callbacks, NULL, j);
    if (!j->h) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    yajl_config(j->h, yajl_allow_multiple_values, 1);
    yajl_config(j->h, yajl_dont_validate_strings, 1);   /* scan_line() and saydo_utf8_valid() do it */
    return SAYDO_OK;
}

/* Turns the collected values into a valid record, or says why it is not one. */
static const char *finish(jsonl_t *j)
{
    saydo_record_t *rec = j->rec;
    struct saydo_reader *r = j->r;
    if (!rec->model) rec->model = r->opts.model;
    if (!rec->condition) rec->condition = r->opts.condition ? r->opts.condition : "base";
    if (!rec->trained_side && r->opts.trained_side) rec->trained_side = r->opts.trained_side;
    if (!rec->model) return "no model field (name one with --model)";
    if (!rec->item) return "no item field";
    if (!rec->side) return "no side field";
    rec->side = saydo_fieldmap_side(r->map, rec->side);
    if (!rec->n_options) rec->n_options = j->n_opt > j->n_map ? j->n_opt : j->n_map;
    int nopt = rec->n_options;
    if (j->val_set) {
        if (j->n_opt > nopt) return "more logprobs/probs than n_options";
        for (int i = 0; i < j->n_opt; i++) {
            if (!(j->val_set >> i & 1)) { rec->logp[i] = NAN; continue; }
            double v = j->val[i];
            if (j->val_kind == SUB_PROB) {
                if (!(v >= 0.0) || !isfinite(v)) return "a probability is negative or not finite";
                if (v > 1 + 1e-6) return "a probability is above 1";   /* the CSV reader's tolerance */
                rec->logp[i] = log(v);
            } else {
                if (isnan(v) || v == INFINITY) return "a log-probability is NaN or +inf";
                rec->logp[i] = v;
            }
        }
        rec->n_logp = j->n_opt;
    }
    if (j->status) rec->choice = j->status;
    else if (j->have_choice) rec->choice = j->choice_index;
    else if (j->response) {
        saydo_extract_opts_t eo = j->extract;
        eo.n_letters = r->opts.letters > 0 ? r->opts.letters : nopt >= 2 ? nopt : 2;
        rec->choice = saydo_extract_answer(j->response, j->response_len, &eo);
    }
    if (rec->choice >= 0 && nopt > 0 && rec->choice >= nopt) return "choice outside the item's options";
    if (rec->choice >= SAYDO_MAX_OPTIONS) return "choice outside A-Z";
    if (rec->choice >= 0 && rec->n_options == 0) rec->n_options = nopt = rec->choice + 1 > 2 ? rec->choice + 1 : 2;
    if (j->n_map) {
        unsigned seen = 0;
        for (int i = 0; i < j->n_map; i++) {
            if (j->map[i] >= j->n_map || (seen >> j->map[i] & 1)) return "option_map is not a permutation";
            seen |= 1u << j->map[i];
            rec->option_map[i] = j->map[i];
        }
        for (int i = j->n_map; i < SAYDO_MAX_OPTIONS; i++) rec->option_map[i] = (int8_t)i;
        rec->has_option_map = 1;
    } else if (j->consistency >= 0) {
        saydo_record_set_flag_map(rec, j->consistency, nopt >= 2 ? nopt : 2);
    }
    if (j->response && r->opts.keep_text) {
        rec->text = j->response;
        rec->text_len = j->response_len;
    }
    return NULL;
}

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

/* ---- shapes: the yajl parse of one line, replayed on lines laid out alike ----
 *
 * While yajl parses a line, every scalar it reports is noted with the parser
 * state (shape_note). A string whose bytes yajl handed from inside the line
 * (no escapes) or a number becomes a slot at its offset; everything between
 * slots (braces, keys, colons, commas, spaces, null/true/false) is glue. A
 * later line matches the shape when its bytes are the glue, in order, with
 * each slot holding a string free of quotes, backslashes and control bytes or
 * a number in JSON's grammar: then yajl would report exactly the same
 * scalars, in the same order, in the same state, with the slots' bytes as
 * values, and replaying them through on_scalar() builds the record yajl's
 * parse would. Any other line (new keys, other spacing, an escape, a syntax
 * error) goes to yajl, and its layout becomes a shape in turn. The line
 * checks before (NUL, UTF-8) are the same for both paths. */

static void shape_note(jsonl_t *j, int kind, const char *s, size_t n, int boolean)
{
    if (!j->rec_ok) return;
    if (j->n_rec == SHAPE_EVENTS) {
        j->rec_ok = 0;
        return;
    }
    int slot = kind == 's' || kind == 'n';
    if (slot && (s < j->line || s + n > j->line_end)) {   /* decoded escapes: not the line's bytes */
        j->rec_ok = 0;
        return;
    }
    shape_ev_t *e = &j->rec_ev[j->n_rec];
    e->kind = (char)kind;
    e->boolean = (char)boolean;
    e->depth = (int8_t)j->depth;
    e->sub = (int8_t)j->sub;
    e->field = j->field;
    e->label = j->label;
    e->sub_index = j->sub_index;
    e->sub_count = j->sub_count;
    /* the cases on_scalar() returns from without looking at the value */
    e->noop = (char)(j->depth != 1 && !(j->depth == 2 && j->sub != SUB_NONE)) ||
              (j->depth == 1 && j->label < 0 && j->field == SAYDO_F_NONE);
    j->rec_pos[j->n_rec] = slot ? (uint32_t)(s - j->line) : 0;
    j->rec_len[j->n_rec] = slot ? (uint32_t)n : 0;
    j->n_rec++;
}

/* Keeps the layout of the line yajl just parsed as a shape (the oldest one
 * gives way once SHAPES are kept). */
static void shape_learn(jsonl_t *j, const char *line, size_t len)
{
    if (!j->rec_ok || len > SHAPE_MAX_LINE) return;
    shape_t *sh = j->shape[j->next_shape];
    if (!sh && !(sh = j->shape[j->next_shape] = malloc(sizeof *sh))) return;   /* no memory: no shape */
    size_t at = 0, g = 0;   /* at: offset in the line; g: glue bytes kept */
    for (int k = 0; k < j->n_rec; k++) {
        shape_ev_t *e = &sh->ev[k];
        *e = j->rec_ev[k];
        e->glue_off = (uint32_t)g;
        e->glue_len = 0;
        if (e->kind != 's' && e->kind != 'n') continue;
        size_t pos = j->rec_pos[k], end = pos + j->rec_len[k];
        /* slots come in line order; a string slot is closed by its quote */
        if (pos < at || (e->kind == 's' && (end >= len || line[end] != '"'))) {
            sh->n_ev = 0;
            return;
        }
        memcpy(sh->glue + g, line + at, pos - at);
        e->glue_len = (uint32_t)(pos - at);
        g += pos - at;
        at = end;
    }
    memcpy(sh->glue + g, line + at, len - at);
    sh->tail_off = (uint32_t)g;
    sh->tail_len = (uint32_t)(len - at);
    sh->n_ev = j->n_rec;
    if (j->next_shape >= j->n_shapes) j->n_shapes = j->next_shape + 1;
    j->last_hit = j->next_shape;
    j->next_shape = (j->next_shape + 1) % SHAPES;
}

/* memcmp(a, b, n) == 0 for the short runs of glue: whole words, the last
 * one overlapping the one before (never a byte outside either run). */
static int same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) return 0;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u, v, u2, v2;
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        memcpy(&u2, a + n - 4, 4);
        memcpy(&v2, b + n - 4, 4);
        return u == v && u2 == v2;
    }
    for (; n; n--)
        if (*a++ != *b++) return 0;
    return 1;
}

/* The closing quote of a string slot from s[pos]: the first byte that is a
 * quote, a backslash or a control byte (< 0x20) must be a quote. SIZE_MAX
 * otherwise (an escape or an error: yajl's case). */
static size_t string_end(const char *s, size_t pos, size_t len)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
    for (; pos + 16 <= len; pos += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        int bits = _mm_movemask_epi8(m);
        if (bits) {
            pos += (size_t)__builtin_ctz((unsigned)bits);
            return s[pos] == '"' ? pos : SIZE_MAX;
        }
    }
#endif
    for (; pos < len; pos++) {
        unsigned char c = (unsigned char)s[pos];
        if (c == '"') return pos;
        if (c == '\\' || c < 0x20) return SIZE_MAX;
    }
    return SIZE_MAX;
}

/* The end of a number slot from s[pos]: JSON's grammar as yajl's lexer reads
 * it, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, stopping at the first
 * byte that cannot continue it; SIZE_MAX where yajl reports an error. */
static size_t number_end(const char *s, size_t pos, size_t len)
{
#define DIGIT(i) ((i) < len && (unsigned)(s[i] - '0') < 10)
    if (pos < len && s[pos] == '-') pos++;
    if (pos < len && s[pos] == '0') pos++;
    else if (DIGIT(pos) && s[pos] != '0') {
        while (DIGIT(pos)) pos++;
    } else return SIZE_MAX;
    if (pos < len && s[pos] == '.') {
        pos++;
        if (!DIGIT(pos)) return SIZE_MAX;
        while (DIGIT(pos)) pos++;
    }
    if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
        pos++;
        if (pos < len && (s[pos] == '+' || s[pos] == '-')) pos++;
        if (!DIGIT(pos)) return SIZE_MAX;
        while (DIGIT(pos)) pos++;
    }
    return pos;
#undef DIGIT
}

/* Whether line is laid out as sh; the slots' values go to vs/vn. */
static int shape_match(const shape_t *sh, const char *line, size_t len, const char **vs, uint32_t *vn)
{
    size_t pos = 0;
    for (int k = 0; k < sh->n_ev; k++) {
        const shape_ev_t *e = &sh->ev[k];
        if (e->kind != 's' && e->kind != 'n') continue;
        if (len - pos < e->glue_len || !same_bytes(line + pos, sh->glue + e->glue_off, e->glue_len)) return 0;
        pos += e->glue_len;
        size_t end = e->kind == 's' ? string_end(line, pos, len) : number_end(line, pos, len);
        if (end == SIZE_MAX) return 0;
        vs[k] = line + pos;
        vn[k] = (uint32_t)(end - pos);
        pos = end;
    }
    return len - pos == sh->tail_len && same_bytes(line + pos, sh->glue + sh->tail_off, sh->tail_len);
}

/* The fast path: 1 when a shape matched and replayed (the record is filled),
 * -1 when it matched but on_scalar() refused a value (j->err says why, as
 * yajl's cancelled parse would), 0 when no shape fits the line. */
static int shape_try(jsonl_t *j, const char *line, size_t len)
{
    const char *vs[SHAPE_EVENTS];
    uint32_t vn[SHAPE_EVENTS];
    for (int t = 0; t < j->n_shapes; t++) {
        int k = (j->last_hit + t) % j->n_shapes;
        const shape_t *sh = j->shape[k];
        if (!sh || !sh->n_ev || !shape_match(sh, line, len, vs, vn)) continue;
        j->last_hit = k;
        j->shape_hits++;
        for (int i = 0; i < sh->n_ev; i++) {
            const shape_ev_t *e = &sh->ev[i];
            if (e->noop) continue;
            j->depth = e->depth;
            j->sub = e->sub;
            j->field = e->field;
            j->label = e->label;
            j->sub_index = e->sub_index;
            j->sub_count = e->sub_count;
            int slot = e->kind == 's' || e->kind == 'n';
            if (!on_scalar(j, e->kind, slot ? vs[i] : NULL, slot ? vn[i] : 0, e->boolean)) return -1;
        }
        j->depth = 0;
        j->values = 1;
        j->sub = SUB_NONE;
        return 1;
    }
    return 0;
}

#define LINE_BLANK ((saydo_status)2)   /* parse_line(): the line holds no record */

/* Parses one line (without its newline) into rec: SAYDO_OK, LINE_BLANK or
 * SAYDO_E_PARSE (through saydo_reader_set_bad). r->lines is the line's number. */
static saydo_status parse_line(jsonl_t *j, const char *line, size_t len, saydo_record_t *rec)
{
    struct saydo_reader *r = j->r;
    if (r->lines == 1 && j->at_file_start && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
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
    rec->line = r->lines;

    int flags = scan_line(line, len);
    if (flags & LINE_NUL) return saydo_reader_set_bad(r, r->lines, line, len, "NUL byte in the line");
    if ((flags & LINE_HIGH) && !saydo_utf8_valid(line, len))
        return saydo_reader_set_bad(r, r->lines, line, len, "invalid UTF-8");
    if (j->fast) {
        int m = shape_try(j, line, len);
        if (m < 0) return saydo_reader_set_bad(r, r->lines, line, len, "%s", j->err);
        if (m > 0) goto parsed;
    }
    j->rec_on = j->rec_ok = j->fast && len <= SHAPE_MAX_LINE;
    j->n_rec = 0;
    j->obj_end = 0;
    yajl_status ys = yajl_parse(j->h, (const unsigned char *)line, len);
    j->rec_on = 0;
    /* A token that starts after the object and runs to the end of the line
     * (`{...}5`, `{...}"abc`) stays in yajl's lexer with no callback: the
     * line would pass and the token would open the next line. Only
     * whitespace may follow the object. */
    if (ys == yajl_status_ok && j->depth == 0 && j->values == 1 && !only_space(line + j->obj_end, len - j->obj_end)) {
        saydo_status hs = new_handle(j);
        if (hs < 0) return hs;
        return saydo_reader_set_bad(r, r->lines, line, len, "text after the JSON object");
    }
    if (ys != yajl_status_ok || j->depth != 0 || j->values != 1) {
        char msg[256];
        if (ys == yajl_status_client_canceled) snprintf(msg, sizeof msg, "%s", j->err);
        else if (ys == yajl_status_error) {
            unsigned char *e = yajl_get_error(j->h, 0, NULL, 0);
            snprintf(msg, sizeof msg, "invalid JSON: %s", e ? (const char *)e : "?");
            if (e) yajl_free_error(j->h, e);
            /* yajl ends its message with a newline */
            size_t ml = strlen(msg);
            while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == ' ')) msg[--ml] = '\0';
        } else snprintf(msg, sizeof msg, "%s", j->values == 0 ? "line is not a JSON object"
                                                                : "truncated JSON object (the line ends inside it)");
        saydo_status hs = new_handle(j);
        if (hs < 0) return hs;
        return saydo_reader_set_bad(r, r->lines, line, len, "%s", msg);
    }
    if (j->rec_ok) shape_learn(j, line, len);
parsed:;
    const char *why = finish(j);
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
        st = parse_line(j, line, len, rec);
        if (st != LINE_BLANK) return st;
    }
}

static void jsonl_free(void *impl)
{
    jsonl_t *j = impl;
    if (!j) return;
    if (j->h) yajl_free(j->h);
    saydo_lines_free(j->lines);
    free(j->arena);
    for (int k = 0; k < SHAPES; k++) free(j->shape[k]);
    free(j);
}

static const saydo_reader_vt jsonl_vt = {"jsonl", jsonl_next, jsonl_free};

static saydo_status jsonl_new(struct saydo_reader *r, jsonl_t **out)
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
    SAYDO_TRY(new_handle(j));
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

/* ---- chunks of a file in memory (jsonl_chunk.h) ----------------------- */

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
        const char *nl = find_newline(line, c->end, c->mapped);
        size_t len = nl ? (size_t)(nl - line) : (size_t)(c->end - line);
        c->p = line + len + (nl ? 1 : 0);
        c->r.lines++;
        /* as saydo_lines_next(): the limit counts a '\r' before the newline */
        if (len > c->max_line) return saydo_reader_set_bad(&c->r, c->r.lines, NULL, 0, "%s", "line too long");
        if (len && line[len - 1] == '\r') len--;
        saydo_status st = parse_line(j, line, len, rec);
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
int64_t saydo_jsonl_chunk_lines(const saydo_jsonl_chunk_t *c) { return c->r.lines; }

void saydo_jsonl_chunk_free(saydo_jsonl_chunk_t *c)
{
    if (!c) return;
    jsonl_free(c->r.impl);
    saydo_src_free(c->r.src);
    free(c);
}
