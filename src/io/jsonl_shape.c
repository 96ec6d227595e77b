/* JSONL shapes: the yajl parse of one line, replayed on lines laid out alike.
 *
 * Lines of one log nearly always repeat one layout (same keys, same order,
 * same spacing; only the values differ). While yajl parses a line, every
 * scalar it reports is noted with the parser state (jsonl_shape_note). A
 * string whose bytes yajl handed from inside the line (no escapes) or a
 * number becomes a slot at its offset; everything between slots (braces,
 * keys, colons, commas, spaces, null/true/false) is glue. A later line
 * matches the shape when its bytes are the glue, in order, with each slot
 * holding a string free of quotes, backslashes and control bytes or a number
 * in JSON's grammar: then yajl would report exactly the same scalars, in the
 * same order, in the same state, with the slots' bytes as values, and
 * replaying them through jsonl_on_scalar() builds the record yajl's parse
 * would. Any other line (new keys, other spacing, an escape, a syntax error)
 * goes to yajl, and its layout becomes a shape in turn.
 *
 * Speed: the match is the only pass over a matching line. It finds the
 * line's end (the chunk reader does not search for the newline first), does
 * the line checks (a NUL cannot match; a string slot with a byte >= 0x80
 * sends the line to the UTF-8 check), and reads numbers while it finds their
 * end (jsonl_num.h). The replay does the common fields in place (an op
 * chosen per event when the shape is learned) and the rest through
 * jsonl_on_scalar(). test_jsonl.c holds every path to what yajl gives. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "io/jsonl_impl.h"
#include "io/jsonl_num.h"

void jsonl_shape_note(jsonl_t *j, int kind, const char *s, size_t n, int boolean)
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

/* What the replay does with an event: most are done in place; the rest go
 * through jsonl_on_scalar() with the parser state yajl had. */
enum { SHAPE_OP_SKIP, SHAPE_OP_GENERIC, SHAPE_OP_STR, SHAPE_OP_RESPONSE, SHAPE_OP_OPTION, SHAPE_OP_WHOLE,
       SHAPE_OP_LETTER };

static int event_op(const shape_ev_t *e, uint16_t *rec_off)
{
    if (e->noop) return SHAPE_OP_SKIP;
    int slot = e->kind == 's' || e->kind == 'n';
    /* jsonl_on_scalar(): a depth-2 number of logprobs/probs is an option's value */
    if (e->kind == 'n' && e->depth == 2 && (e->sub == SUB_LOGP || e->sub == SUB_PROB)) return SHAPE_OP_OPTION;
    if (!slot || e->depth != 1 || e->label >= 0) return SHAPE_OP_GENERIC;
    size_t off;
    switch (e->field) {
    case SAYDO_F_MODEL: off = offsetof(saydo_record_t, model); break;
    case SAYDO_F_CONDITION: off = offsetof(saydo_record_t, condition); break;
    case SAYDO_F_ITEM: off = offsetof(saydo_record_t, item); break;
    case SAYDO_F_SIDE: off = offsetof(saydo_record_t, side); break;
    case SAYDO_F_VARIANT: off = offsetof(saydo_record_t, variant); break;
    case SAYDO_F_DOMAIN: off = offsetof(saydo_record_t, domain); break;
    case SAYDO_F_METHOD: off = offsetof(saydo_record_t, method); break;
    case SAYDO_F_TRAINED_SIDE: off = offsetof(saydo_record_t, trained_side); break;
    case SAYDO_F_RESPONSE: return e->kind == 's' ? SHAPE_OP_RESPONSE : SHAPE_OP_GENERIC;
    case SAYDO_F_TRIAL: case SAYDO_F_ROUND: case SAYDO_F_N_OPTIONS:
        return e->kind == 'n' ? SHAPE_OP_WHOLE : SHAPE_OP_GENERIC;
    case SAYDO_F_CHOICE: return e->kind == 's' ? SHAPE_OP_LETTER : SHAPE_OP_GENERIC;
    default: return SHAPE_OP_GENERIC;
    }
    *rec_off = (uint16_t)off;
    return SHAPE_OP_STR;
}

/* Keeps the layout of the line yajl just parsed as a shape (the oldest one
 * gives way once SHAPES are kept). */
void jsonl_shape_learn(jsonl_t *j, const char *line, size_t len)
{
    if (!j->rec_ok || len > SHAPE_MAX_LINE) return;
    shape_t *sh = j->shape[j->next_shape];
    if (!sh && !(sh = j->shape[j->next_shape] = malloc(sizeof *sh))) return;   /* no memory: no shape */
    size_t at = 0, g = 0;   /* at: offset in the line; g: glue bytes kept */
    sh->n_slots = 0;
    for (int k = 0; k < j->n_rec; k++) {
        shape_ev_t *e = &sh->ev[k];
        *e = j->rec_ev[k];
        e->glue_off = (uint32_t)g;
        e->glue_len = 0;
        e->rec_off = 0;
        e->op = (uint8_t)event_op(e, &e->rec_off);
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
        sh->slot[sh->n_slots++] = (uint8_t)k;
    }
    memcpy(sh->glue + g, line + at, len - at);
    memset(sh->glue + g + (len - at), 0, 16);   /* read, never compared */
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

/* Whether line[0, n) is glue[0, n): n <= room, the bytes readable at line;
 * glue may be read 16 bytes past n (shape_t pads it). */
static inline int glue_eq(const char *line, const char *glue, size_t n, size_t room)
{
#ifdef __SSE2__
#define EQ16(a, b) (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(a)), \
                                                     _mm_loadu_si128((const __m128i *)(const void *)(b)))))
    if (n <= 16 && room >= 16)   /* one compare, the bytes past n masked off */
        return (~(unsigned)EQ16(line, glue) & ((1u << n) - 1)) == 0;
    if (n > 16) {   /* whole blocks, the last one overlapping the one before */
        for (size_t i = 0; i + 16 < n; i += 16)
            if (EQ16(line + i, glue + i) != 0xFFFF) return 0;
        return EQ16(line + n - 16, glue + n - 16) == 0xFFFF;
    }
#undef EQ16
#endif
    (void)room;
    return same_bytes(line, glue, n);
}

/* The closing quote of a string slot from s[pos]: the first byte that is a
 * quote, a backslash or a control byte (< 0x20) must be a quote. SIZE_MAX
 * otherwise (an escape or an error: yajl's case). *high is set when a byte
 * >= 0x80 comes before it (the line's UTF-8 must then be checked). */
static inline size_t string_end(const char *s, size_t pos, size_t len, int *high)
{
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
    for (; pos + 16 <= len; pos += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        unsigned bits = (unsigned)_mm_movemask_epi8(m), hb = (unsigned)_mm_movemask_epi8(v);
        if (bits) {
            unsigned at = (unsigned)__builtin_ctz(bits);
            if (hb & ((1u << at) - 1)) *high = 1;
            pos += at;
            return s[pos] == '"' ? pos : SIZE_MAX;
        }
        if (hb) *high = 1;
    }
#endif
    for (; pos < len; pos++) {
        unsigned char c = (unsigned char)s[pos];
        if (c == '"') return pos;
        if (c == '\\' || c < 0x20) return SIZE_MAX;
        if (c >= 0x80) *high = 1;
    }
    return SIZE_MAX;
}

/* The leading decimal digits of the 8 bytes at p (little-endian words):
 * how many (0..8, at most max) and, when not 0, their value. Bytes past the
 * first non-digit never count (a borrow or carry only runs upwards). */
static inline int digits8(const char *p, size_t max, uint64_t *val)
{
    uint64_t w;
    memcpy(&w, p, 8);
    uint64_t t = w - 0x3030303030303030ull;   /* each digit byte -> 0..9 */
    uint64_t bad = (t | (t + 0x7676767676767676ull)) & 0x8080808080808080ull;
    int n = bad ? __builtin_ctzll(bad) >> 3 : 8;
    if ((size_t)n > max) n = (int)max;
    if (n == 0) return 0;
    t <<= 8 * (8 - n);   /* the digits to the top: zeros lead */
    t = t * 10 + (t >> 8);
    t = (((t & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
         (((t >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
    *val = t;
    return n;
}

static const uint64_t pow10_u64[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

/* Reads a run of digits from s[pos] (8 at a time while `avail` bytes allow)
 * into m; returns the position after them. */
static inline size_t digit_run(const char *s, size_t pos, size_t len, size_t avail, uint64_t *m)
{
    while (pos + 8 <= avail) {
        uint64_t v;
        int n = digits8(s + pos, len - pos, &v);
        if (n == 0) return pos;
        *m = *m * pow10_u64[n] + v;   /* wraps past 19 digits, like the byte loop: those take strtod */
        pos += (size_t)n;
        if (n < 8) return pos;
    }
    while (pos < len && (unsigned)(s[pos] - '0') < 10) *m = *m * 10 + (unsigned)(s[pos++] - '0');
    return pos;
}

/* The end of a number slot from s[pos]: JSON's grammar as yajl's lexer reads
 * it, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, stopping at the first
 * byte that cannot continue it; SIZE_MAX where yajl reports an error. The
 * digits are read on the way: *v is the value and *ok whether the record
 * builder's parse_double() would accept it (the same steps, jsonl_num.h). */
static inline size_t number_end(const char *s, size_t pos, size_t len, size_t avail, double *v, int *ok)
{
#define DIGIT(i) ((i) < len && (unsigned)(s[i] - '0') < 10)
    const size_t start = pos;
    uint64_t m = 0;
    int neg = 0, digits, exp10 = 0;
    if (pos < len && s[pos] == '-') {
        neg = 1;
        pos++;
    }
    if (pos < len && s[pos] == '0') pos++;
    else if (DIGIT(pos)) pos = digit_run(s, pos, len, avail, &m);
    else return SIZE_MAX;
    digits = (int)(pos - start) - neg;
    if (pos < len && s[pos] == '.') {
        const size_t frac = ++pos;
        if (!DIGIT(pos)) return SIZE_MAX;
        pos = digit_run(s, pos, len, avail, &m);
        exp10 = -(int)(pos - frac);
        digits -= exp10;
    }
    if (pos < len && (s[pos] == 'e' || s[pos] == 'E')) {
        pos++;
        int eneg = pos < len && s[pos] == '-', ev = 0;
        if (pos < len && (s[pos] == '+' || s[pos] == '-')) pos++;
        if (!DIGIT(pos)) return SIZE_MAX;
        for (; DIGIT(pos); pos++)
            if (ev < 100000) ev = ev * 10 + (s[pos] - '0');
        exp10 += eneg ? -ev : ev;
    }
    *ok = jsonl_decimal(s + start, pos - start, neg, m, digits, exp10, v);
    return pos;
#undef DIGIT
}

/* Per-line values of a shape's slots, by event. */
typedef struct slot_vals {
    const char *s[SHAPE_EVENTS];
    uint32_t n[SHAPE_EVENTS];
    double num[SHAPE_EVENTS];
    char ok[SHAPE_EVENTS];
} slot_vals_t;

/* Whether line is laid out as sh; the slots' values go to v. *high: a
 * string slot holds a byte >= 0x80 (the glue is the UTF-8 of a checked
 * line). *end: where the match ends; len - *end bytes may follow it when
 * open (the line's end is not known), none otherwise. */
static int shape_match(const shape_t *sh, const char *line, size_t len, size_t avail, int open, slot_vals_t *v,
                       int *high, size_t *end_out)
{
    size_t pos = 0;
    for (int t = 0; t < sh->n_slots; t++) {
        const int k = sh->slot[t];
        const shape_ev_t *e = &sh->ev[k];
        if (len - pos < e->glue_len || !glue_eq(line + pos, sh->glue + e->glue_off, e->glue_len, avail - pos)) return 0;
        pos += e->glue_len;
        size_t end;
        if (e->kind == 's') end = string_end(line, pos, len, high);
        else {
            int ok = 0;
            end = number_end(line, pos, len, avail, &v->num[k], &ok);
            v->ok[k] = (char)ok;
        }
        if (end == SIZE_MAX) return 0;
        v->s[k] = line + pos;
        v->n[k] = (uint32_t)(end - pos);
        pos = end;
    }
    if (open ? len - pos < sh->tail_len : len - pos != sh->tail_len) return 0;
    *end_out = pos + sh->tail_len;
    return glue_eq(line + pos, sh->glue + sh->tail_off, sh->tail_len, avail - pos);
}

/* Replays a matched line's events: what jsonl_on_scalar() would do with each. */
static int shape_replay(jsonl_t *j, const shape_t *sh, const slot_vals_t *v)
{
    for (int i = 0; i < sh->n_ev; i++) {
        const shape_ev_t *e = &sh->ev[i];
        switch (e->op) {
        case SHAPE_OP_SKIP: continue;
        case SHAPE_OP_STR:
            *(const char **)(void *)((char *)j->rec + e->rec_off) = jsonl_arena_put(j, v->s[i], v->n[i]);
            continue;
        case SHAPE_OP_RESPONSE:   /* the line's own bytes (see jsonl_on_scalar) */
            j->response = v->s[i];
            j->response_len = v->n[i];
            continue;
        case SHAPE_OP_OPTION: {   /* jsonl_on_scalar() -> put_option_value() for logprobs/probs */
            int k = e->sub_index;
            if (!v->ok[i]) return jsonl_fail(j, "logprobs/probs/option_map values must be numbers");
            if (k < 0 || k >= SAYDO_MAX_OPTIONS) return jsonl_fail(j, "more than 26 options in logprobs/probs");
            j->val[k] = v->num[i];
            j->val_set |= 1ull << k;
            j->val_kind = e->sub;
            if (k + 1 > j->n_opt) j->n_opt = k + 1;
            continue;
        }
        case SHAPE_OP_WHOLE: {   /* jsonl_on_scalar(): trial, round, n_options, through parse_long() */
            double d = v->num[i];
            if (!v->ok[i] || d != floor(d) || fabs(d) > 2e9 || d < 0)
                return jsonl_fail(j, "trial, round and n_options must be whole numbers >= 0");
            long lv = (long)d;
            if (e->field == SAYDO_F_TRIAL) j->rec->trial = (int32_t)lv;
            else if (e->field == SAYDO_F_ROUND) {
                if (lv > SAYDO_MAX_ROUND) return jsonl_fail(j, "round above 1000000");
                j->rec->round = (int)lv;
            }
            else {
                if (lv > SAYDO_MAX_OPTIONS) return jsonl_fail(j, "n_options above 26");
                j->rec->n_options = (int)lv;
            }
            continue;
        }
        case SHAPE_OP_LETTER: {   /* jsonl_on_scalar(): a choice spelled as a string */
            const char *c = v->s[i];
            j->have_choice = 1;
            if (v->n[i] == 0) {
                j->choice_index = SAYDO_CHOICE_MISSING;
                continue;
            }
            if (v->n[i] != 1 || saydo_letter_index(c[0]) < 0 || c[0] > 'Z')
                return jsonl_fail(j, "choice must be a capital letter A-Z, an index or null");
            j->choice_index = c[0] - 'A';
            continue;
        }
        default: break;
        }
        j->depth = e->depth;
        j->sub = e->sub;
        j->field = e->field;
        j->label = e->label;
        j->sub_index = e->sub_index;
        j->sub_count = e->sub_count;
        int slot = e->kind == 's' || e->kind == 'n';
        if (!jsonl_on_scalar(j, e->kind, slot ? v->s[i] : NULL, slot ? v->n[i] : 0, e->boolean)) return 0;
    }
    return 1;
}

/* A matched line: the UTF-8 check if a slot needs it, then the replay. */
static int shape_take(jsonl_t *j, int k, const shape_t *sh, const slot_vals_t *v, int high, const char *line,
                      size_t len)
{
    if (high && !saydo_utf8_valid(line, len)) return jsonl_fail(j, "invalid UTF-8"), -1;
    j->last_hit = k;
    j->shape_hits++;
    if (!shape_replay(j, sh, v)) return -1;
    j->depth = 0;
    j->values = 1;
    j->sub = SUB_NONE;
    return 1;
}

/* The fast path (see jsonl_impl.h). The line's NUL and UTF-8 checks are
 * done here for a line that matches: its glue is a checked line's, and its
 * string slots were scanned for control bytes and bytes >= 0x80. */
int jsonl_shape_try(jsonl_t *j, const char *line, size_t len, size_t avail)
{
    slot_vals_t v;
    for (int t = 0; t < j->n_shapes; t++) {
        int k = (j->last_hit + t) % j->n_shapes;
        const shape_t *sh = j->shape[k];
        int high = 0;
        size_t end;
        if (!sh || !sh->n_ev || !shape_match(sh, line, len, avail, 0, &v, &high, &end)) continue;
        return shape_take(j, k, sh, &v, high, line, len);
    }
    return 0;
}

/* The line ends where the match does when a newline follows (the glue and
 * the slots never hold one). The chunk reader would drop one '\r' before
 * it: a match that ends in '\r' is left to that path. */
int jsonl_shape_try_open(jsonl_t *j, const char *line, size_t avail, size_t max_line, size_t *len, size_t *raw_len)
{
    slot_vals_t v;
    for (int t = 0; t < j->n_shapes; t++) {
        int k = (j->last_hit + t) % j->n_shapes;
        const shape_t *sh = j->shape[k];
        int high = 0;
        size_t e;
        if (!sh || !sh->n_ev || !shape_match(sh, line, avail, avail, 1, &v, &high, &e)) continue;
        if (e == 0 || line[e - 1] == '\r' || e >= avail) return 0;
        size_t raw = e;
        if (line[e] == '\r' && e + 1 < avail) raw++;
        if (line[raw] != '\n' || raw > max_line || e + 64 > j->arena_cap) return 0;
        *len = e;
        *raw_len = raw;
        j->line_end = line + e;
        return shape_take(j, k, sh, &v, high, line, e);
    }
    return 0;
}
