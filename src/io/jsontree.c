/* JSON tree (strict JSON plus NaN/Infinity/-Infinity) and the top-level
 * value splitter; see jsontree.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "io/jsontree.h"
#include "util/try.h"

enum { JT_MAX_DEPTH = 512 };

void saydo_jt_init(saydo_jt *jt) { memset(jt, 0, sizeof *jt); }

void saydo_jt_free(saydo_jt *jt)
{
    if (!jt) return;
    free(jt->nodes);
    free(jt->arena);
    memset(jt, 0, sizeof *jt);
}

/* ---- parser ------------------------------------------------------------ */

typedef struct {
    saydo_jt *jt;
    const char *p, *end;
    size_t nstr;          /* string nodes and keys: each decoded string needs a NUL */
} parser;

static int perr(parser *ps, const char *at, const char *msg)
{
    saydo_jt *jt = ps->jt;
    /* the text ran out where more was due: say so rather than what was expected
     * there (a cut file, not a malformed one); an unterminated string starts
     * inside the text but runs to its end */
    if (strcmp(msg, "unterminated string") == 0) msg = "a string runs to the end of the text (cut short: truncated?)";
    else if (at >= ps->end && strcmp(msg, "out of memory") != 0)
        msg = "the text ends inside a JSON value (cut short: truncated?)";
    jt->err_off = (size_t)((at < ps->end ? at : ps->end) - jt->text);
    snprintf(jt->err, sizeof jt->err, "%s", msg);
    return -1;
}

static void skip_ws(parser *ps)
{
    const char *p = ps->p;
    while (p < ps->end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
    ps->p = p;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Scans a string body after its opening quote: sets *s, *len, *esc and
 * leaves ps->p after the closing quote. Two memchr calls per run of plain
 * bytes keep long document texts cheap. */
static int scan_string(parser *ps, const char **s, uint32_t *len, int *esc)
{
    const char *start = ps->p, *p = ps->p, *end = ps->end;
    *esc = 0;
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) return perr(ps, start - 1, "unterminated string");
        const char *b = memchr(p, '\\', (size_t)(q - p));
        if (!b) {
            if ((size_t)(q - start) > UINT32_MAX) return perr(ps, start, "string longer than 4 GiB");
            *s = start;
            *len = (uint32_t)(q - start);
            ps->p = q + 1;
            return 0;
        }
        *esc = 1;
        if (b + 1 >= end) return perr(ps, b, "unterminated string");
        char e = b[1];
        if (e == 'u') {
            if (b + 6 > end || hexval(b[2]) < 0 || hexval(b[3]) < 0 || hexval(b[4]) < 0 || hexval(b[5]) < 0)
                return perr(ps, b, "bad \\u escape");
            p = b + 6;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
            p = b + 2;
        } else {
            return perr(ps, b, "bad escape in string");
        }
    }
}

static int new_node(parser *ps, size_t *idx)
{
    saydo_jt *jt = ps->jt;
    if (jt->n == jt->cap) {
        size_t nc = jt->cap ? jt->cap * 2 : 256;
        saydo_jt_node *nn = realloc(jt->nodes, nc * sizeof *nn);
        if (!nn) return perr(ps, ps->p, "out of memory");
        jt->nodes = nn;
        jt->cap = nc;
    }
    if (jt->n >= UINT32_MAX) return perr(ps, ps->p, "too many JSON values");
    *idx = jt->n++;
    memset(&jt->nodes[*idx], 0, sizeof jt->nodes[*idx]);
    return 0;
}

static int match_word(parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return 0;
    ps->p += n;
    return 1;
}

static int parse_value(parser *ps, const char *key, uint32_t klen, int kesc, int depth);

static int parse_container(parser *ps, size_t idx, int is_obj, int depth)
{
    saydo_jt *jt = ps->jt;
    char close = is_obj ? '}' : ']';
    uint32_t count = 0;
    ps->p++;   /* the opening bracket */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
    } else {
        for (;;) {
            const char *k = NULL;
            uint32_t kl = 0;
            int ke = 0;
            skip_ws(ps);
            if (is_obj) {
                if (ps->p >= ps->end || *ps->p != '"') return perr(ps, ps->p, "expected a member name");
                ps->p++;
                if (scan_string(ps, &k, &kl, &ke) < 0) return -1;
                ps->nstr++;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') return perr(ps, ps->p, "expected ':'");
                ps->p++;
            }
            if (parse_value(ps, k, kl, ke, depth + 1) < 0) return -1;
            count++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == close) { ps->p++; break; }
            return perr(ps, ps->p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    jt->nodes[idx].n = count;
    jt->nodes[idx].end = (uint32_t)jt->n;
    return 0;
}

static int parse_number(parser *ps, const char **s, uint32_t *len)
{
    const char *p = ps->p, *start = p, *end = ps->end;
    if (p < end && *p == '-') p++;
    if (p < end && *p == 'I') {   /* -Infinity */
        ps->p = p;
        if (!match_word(ps, "Infinity")) return perr(ps, start, "invalid literal");
        *s = start;
        *len = (uint32_t)(ps->p - start);
        return 0;
    }
    const char *d0 = p;
    while (p < end && *p >= '0' && *p <= '9') p++;
    if (p == d0) return perr(ps, start, "invalid value");
    if (p < end && *p == '.') {
        const char *f0 = ++p;
        while (p < end && *p >= '0' && *p <= '9') p++;
        if (p == f0) return perr(ps, start, "digits expected after '.'");
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        const char *e0 = p;
        while (p < end && *p >= '0' && *p <= '9') p++;
        if (p == e0) return perr(ps, start, "digits expected in exponent");
    }
    *s = start;
    *len = (uint32_t)(p - start);
    ps->p = p;
    return 0;
}

static int parse_value(parser *ps, const char *key, uint32_t klen, int kesc, int depth)
{
    size_t idx = 0;
    if (depth > JT_MAX_DEPTH) return perr(ps, ps->p, "nested deeper than 512 levels");
    skip_ws(ps);
    if (ps->p >= ps->end) return perr(ps, ps->p, "unexpected end of input");
    if (new_node(ps, &idx) < 0) return -1;
    saydo_jt_node *nd = &ps->jt->nodes[idx];
    nd->key = key;
    nd->klen = klen;
    if (kesc) nd->flags |= SAYDO_JT_F_KESC;
    nd->s = ps->p;
    char c = *ps->p;
    int esc = 0;
    switch (c) {
    case '{':
    case '[':
        nd->type = c == '{' ? SAYDO_JT_OBJ : SAYDO_JT_ARR;
        if (parse_container(ps, idx, c == '{', depth) < 0) return -1;
        nd = &ps->jt->nodes[idx];   /* the array may have moved */
        nd->len = (uint32_t)((size_t)(ps->p - nd->s) > UINT32_MAX ? UINT32_MAX : (size_t)(ps->p - nd->s));
        return 0;
    case '"':
        ps->p++;
        nd->type = SAYDO_JT_STR;
        if (scan_string(ps, &nd->s, &nd->len, &esc) < 0) return -1;
        ps->jt->nodes[idx].flags |= esc ? SAYDO_JT_F_ESC : 0;
        ps->nstr++;
        break;
    case 't':
        if (!match_word(ps, "true")) return perr(ps, ps->p, "invalid literal");
        nd->type = SAYDO_JT_BOOL;
        nd->flags |= SAYDO_JT_F_TRUE;
        nd->len = 4;
        break;
    case 'f':
        if (!match_word(ps, "false")) return perr(ps, ps->p, "invalid literal");
        nd->type = SAYDO_JT_BOOL;
        nd->len = 5;
        break;
    case 'n':
        if (!match_word(ps, "null")) return perr(ps, ps->p, "invalid literal");
        nd->type = SAYDO_JT_NULL;
        nd->len = 4;
        break;
    case 'N':
        if (!match_word(ps, "NaN")) return perr(ps, ps->p, "invalid literal");
        nd->type = SAYDO_JT_NUM;
        nd->len = 3;
        break;
    case 'I':
        if (!match_word(ps, "Infinity")) return perr(ps, ps->p, "invalid literal");
        nd->type = SAYDO_JT_NUM;
        nd->len = 8;
        break;
    default:
        nd->type = SAYDO_JT_NUM;
        if (parse_number(ps, &nd->s, &nd->len) < 0) return -1;
        break;
    }
    ps->jt->nodes[idx].end = (uint32_t)(idx + 1);
    return 0;
}

saydo_status saydo_jt_parse(saydo_jt *jt, const char *text, size_t len)
{
    parser ps = {jt, text, text + len, 0};
    jt->n = 0;
    jt->text = text;
    jt->text_len = len;
    jt->arena_len = 0;
    jt->err[0] = '\0';
    if (parse_value(&ps, NULL, 0, 0, 0) < 0) {
        if (strcmp(jt->err, "out of memory") == 0) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        return SAYDO_E_PARSE;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        perr(&ps, ps.p, "more than one JSON value");
        return SAYDO_E_PARSE;
    }
    /* decoded strings are never longer than their raw spelling, plus a NUL each */
    size_t need = len + ps.nstr + 1;
    if (need > jt->arena_cap) {
        free(jt->arena);
        jt->arena_cap = need + need / 4;
        jt->arena = malloc(jt->arena_cap);
        if (!jt->arena) {
            jt->arena_cap = 0;
            return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        }
    }
    return SAYDO_OK;
}

/* ---- access ------------------------------------------------------------ */

static void put_utf8(char **o, unsigned long cp)
{
    char *d = *o;
    if (cp < 0x80) *d++ = (char)cp;
    else if (cp < 0x800) { *d++ = (char)(0xC0 | (cp >> 6)); *d++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | (cp >> 12));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | (cp >> 18));
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    *o = d;
}

/* Decodes the escapes of a validated string body into dst (room for n + 1).
 * A lone surrogate becomes U+FFFD, as Python's decoder would not make it
 * representable in UTF-8 either. */
static size_t decode(const char *s, size_t n, char *dst)
{
    char *o = dst;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') { *o++ = s[i++]; continue; }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned long cp = (unsigned long)(hexval(s[i]) << 12 | hexval(s[i + 1]) << 8 | hexval(s[i + 2]) << 4 |
                                               hexval(s[i + 3]));
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                unsigned long lo = (unsigned long)(hexval(s[i + 2]) << 12 | hexval(s[i + 3]) << 8 |
                                                   hexval(s[i + 4]) << 4 | hexval(s[i + 5]));
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = e; break;   /* " \ / */
        }
    }
    *o = '\0';
    return (size_t)(o - dst);
}

const char *saydo_jt_str(saydo_jt *jt, saydo_jt_node *nd, size_t *len)
{
    if (!nd || nd->type != SAYDO_JT_STR) return NULL;
    if (!nd->dec) {
        char *d = jt->arena + jt->arena_len;
        size_t n = (nd->flags & SAYDO_JT_F_ESC) ? decode(nd->s, nd->len, d) : (memcpy(d, nd->s, nd->len), d[nd->len] = '\0', nd->len);
        nd->dec = d;
        nd->len = (uint32_t)n;   /* from now on len is the decoded length */
        nd->flags &= (uint8_t)~SAYDO_JT_F_ESC;
        jt->arena_len += n + 1;
    }
    if (len) *len = nd->len;
    return nd->dec;
}

static int key_equals(const saydo_jt_node *nd, const char *key, size_t klen)
{
    if (!(nd->flags & SAYDO_JT_F_KESC)) return nd->klen == klen && memcmp(nd->key, key, klen) == 0;
    if (nd->klen > 512) return 0;
    char buf[520];
    size_t n = decode(nd->key, nd->klen, buf);
    return n == klen && memcmp(buf, key, klen) == 0;
}

const char *saydo_jt_key(saydo_jt *jt, saydo_jt_node *nd, char *buf, size_t cap)
{
    (void)jt;
    if (!nd->key || nd->klen + 1 > cap) return NULL;
    if (nd->flags & SAYDO_JT_F_KESC) decode(nd->key, nd->klen, buf);
    else { memcpy(buf, nd->key, nd->klen); buf[nd->klen] = '\0'; }
    return buf;
}

saydo_jt_node *saydo_jt_child(saydo_jt *jt, const saydo_jt_node *nd)
{
    (void)jt;   /* children follow their parent in the node array */
    if (!nd || (nd->type != SAYDO_JT_ARR && nd->type != SAYDO_JT_OBJ) || nd->n == 0) return NULL;
    return (saydo_jt_node *)nd + 1;
}

saydo_jt_node *saydo_jt_next(saydo_jt *jt, const saydo_jt_node *parent, const saydo_jt_node *c)
{
    if (!c || c->end >= parent->end) return NULL;
    return &jt->nodes[c->end];
}

static saydo_jt_node *get_n(saydo_jt *jt, const saydo_jt_node *obj, const char *key, size_t klen)
{
    if (!obj || obj->type != SAYDO_JT_OBJ) return NULL;
    for (saydo_jt_node *c = saydo_jt_child(jt, obj); c; c = saydo_jt_next(jt, obj, c))
        if (key_equals(c, key, klen)) return c;
    return NULL;
}

saydo_jt_node *saydo_jt_get(saydo_jt *jt, const saydo_jt_node *obj, const char *key)
{
    return get_n(jt, obj, key, strlen(key));
}

saydo_jt_node *saydo_jt_at(saydo_jt *jt, const saydo_jt_node *nd, size_t i)
{
    if (!nd || i >= nd->n) return NULL;
    saydo_jt_node *c = saydo_jt_child(jt, nd);
    while (c && i--) c = saydo_jt_next(jt, nd, c);
    return c;
}

saydo_jt_node *saydo_jt_path(saydo_jt *jt, const saydo_jt_node *nd, const char *path)
{
    saydo_jt_node *cur = (saydo_jt_node *)nd;
    const char *p = path;
    while (cur && *p) {
        size_t n = strcspn(p, ".");
        int digits = n > 0 && n < 10;
        for (size_t i = 0; i < n && digits; i++) digits = p[i] >= '0' && p[i] <= '9';
        if (cur->type == SAYDO_JT_ARR && digits) cur = saydo_jt_at(jt, cur, (size_t)strtoul(p, NULL, 10));
        else cur = get_n(jt, cur, p, n);
        p += n;
        if (*p == '.') p++;
    }
    return cur;
}

/* Python's float() and str(bool) spellings, trimmed: what lm-eval's
 * sanitize_list writes ("-10.125", "-inf", "nan", "1e-05", "False"). */
static int parse_pynum(const char *s, size_t n, double *out)
{
    char buf[64];
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (strcmp(buf, "True") == 0 || strcmp(buf, "true") == 0) { *out = 1; return 1; }
    if (strcmp(buf, "False") == 0 || strcmp(buf, "false") == 0) { *out = 0; return 1; }
    const char *q = buf[0] == '-' || buf[0] == '+' ? buf + 1 : buf;
    double sign = buf[0] == '-' ? -1.0 : 1.0;
    if (strcasecmp(q, "inf") == 0 || strcasecmp(q, "infinity") == 0) { *out = sign * INFINITY; return 1; }
    if (strcasecmp(q, "nan") == 0) { *out = NAN; return 1; }
    /* strtod alone would also take hex floats and "infinity" spellings; digits first keeps it to decimals */
    if (!((*q >= '0' && *q <= '9') || (*q == '.' && q[1] >= '0' && q[1] <= '9'))) return 0;
    if (strpbrk(q, "xXpP")) return 0;   /* no hex floats */
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0';
}

int saydo_jt_num(saydo_jt *jt, saydo_jt_node *nd, double *out)
{
    if (!nd) return 0;
    switch (nd->type) {
    case SAYDO_JT_NUM: return parse_pynum(nd->s, nd->len, out);
    case SAYDO_JT_BOOL: *out = (nd->flags & SAYDO_JT_F_TRUE) ? 1 : 0; return 1;
    case SAYDO_JT_STR: {
        size_t n;
        const char *s = saydo_jt_str(jt, nd, &n);
        return parse_pynum(s, n, out);
    }
    default: return 0;
    }
}

const char *saydo_jt_scalar(saydo_jt *jt, saydo_jt_node *nd, char *buf, size_t cap)
{
    if (!nd) return NULL;
    if (nd->type == SAYDO_JT_STR) return saydo_jt_str(jt, nd, NULL);
    if (nd->type != SAYDO_JT_NUM && nd->type != SAYDO_JT_BOOL) return NULL;
    if (nd->len + 1 > cap) return NULL;
    memcpy(buf, nd->s, nd->len);
    buf[nd->len] = '\0';
    return buf;
}

char *saydo_jt_compact(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {   /* a string, escapes and all */
            *o++ = c;
            for (i++; i < n && s[i] != '"'; i++) {
                if (s[i] == '\\' && i + 1 < n) *o++ = s[i++];
                *o++ = s[i];
            }
            if (i < n) *o++ = '"';
        } else if (!(c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            *o++ = c;
        }
    }
    *o = '\0';
    return out;
}

int64_t saydo_jt_line_of(const char *text, size_t off, int64_t base_line)
{
    int64_t line = base_line;
    for (const char *p = text, *e = text + off; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) line++;
    return line;
}

/* ---- splitter ---------------------------------------------------------- */

enum { JT_CHUNK = 1 << 20 };

struct saydo_jt_stream {
    saydo_src_t *src;
    size_t max_value;
    char *buf;
    size_t cap, pos, len;
    int eof, started, done;
    saydo_jt_shape shape;
    int64_t line;          /* line at buf[pos] */
    char err[200];
};

saydo_status saydo_jt_stream_create(saydo_src_t *src, size_t max_value, saydo_jt_stream **out)
{
    saydo_status st = SAYDO_OK;
    saydo_jt_stream *s = NULL;
    *out = NULL;
    SAYDO_NEW(s, 1);
    s->src = src;
    s->max_value = max_value ? max_value : ((size_t)64 << 20);
    s->cap = JT_CHUNK * 2;
    s->line = 1;
    SAYDO_NEW(s->buf, s->cap);
    *out = s;
    s = NULL;
cleanup:
    saydo_jt_stream_free(s);
    return st;
}

void saydo_jt_stream_free(saydo_jt_stream *s)
{
    if (!s) return;
    free(s->buf);
    free(s);
}

const char *saydo_jt_stream_error(const saydo_jt_stream *s) { return s->err; }
saydo_jt_shape saydo_jt_stream_shape(const saydo_jt_stream *s) { return s->shape; }
int64_t saydo_jt_stream_lines(const saydo_jt_stream *s) { return s->line - 1 + (s->len > s->pos); }

/* Reads more after the unread bytes; grows the buffer when it is full. */
static saydo_status fill(saydo_jt_stream *s)
{
    if (s->pos > 0) {
        memmove(s->buf, s->buf + s->pos, s->len - s->pos);
        s->len -= s->pos;
        s->pos = 0;
    }
    if (s->cap - s->len < JT_CHUNK) {
        size_t nc = s->cap * 2;
        char *nb = realloc(s->buf, nc);
        if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        s->buf = nb;
        s->cap = nc;
    }
    size_t got = 0;
    saydo_status st = saydo_src_read(s->src, s->buf + s->len, s->cap - s->len - 1, &got);
    if (st < 0) return st;
    if (got == 0) s->eof = 1;
    s->len += got;
    return SAYDO_OK;
}

static int64_t count_nl(const char *p, size_t n)
{
    int64_t c = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) c++;
    return c;
}

/* Skips whitespace (and in an array, one separating comma) from pos; fills
 * as needed. Returns the next byte, or -1 at the end of the input. */
static int next_token(saydo_jt_stream *s, saydo_status *st)
{
    for (;;) {
        while (s->pos < s->len) {
            char c = s->buf[s->pos];
            if (c == '\n') s->line++;
            else if (!(c == ' ' || c == '\t' || c == '\r')) return (unsigned char)c;
            s->pos++;
        }
        if (s->eof) return -1;
        *st = fill(s);
        if (*st < 0) return -1;
    }
}

/* Finds the end of the value at pos (structure-aware, strings skipped).
 * Returns 1 with *vlen set, 0 when more input is needed, -1 when the value
 * is too long. */
static int value_extent(saydo_jt_stream *s, size_t *vlen)
{
    const char *b = s->buf + s->pos, *p = b, *e = s->buf + s->len;
    int depth = 0;
    if (*p != '{' && *p != '[' && *p != '"') {   /* a bare scalar ends at a delimiter */
        while (p < e && !(*p == ',' || *p == ']' || *p == '}' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        if (p == e && !s->eof) return (size_t)(e - b) > s->max_value ? -1 : 0;
        /* a stray ',' ']' or '}' where a value starts: hand it out as a one-byte
         * (invalid) value, so the stream moves on (found by fuzz_batch: it
         * returned the same empty value forever) */
        if (p == b) p++;
        *vlen = (size_t)(p - b);
        return 1;
    }
    while (p < e) {
        char c = *p++;
        if (c == '"') {
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(e - p));
                if (!q) return (size_t)(e - b) > s->max_value ? -1 : 0;
                const char *k = q;
                while (k > p && k[-1] == '\\') k--;
                p = q + 1;
                if (((q - k) & 1) == 0) break;   /* an even run of backslashes: the quote is real */
            }
            if (depth == 0) { *vlen = (size_t)(p - b); return 1; }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) { *vlen = (size_t)(p - b); return 1; }
        }
    }
    return (size_t)(e - b) > s->max_value ? -1 : 0;
}

static saydo_status set_bad(saydo_jt_stream *s, int64_t *line, int64_t at, const char *msg)
{
    snprintf(s->err, sizeof s->err, "%s", msg);
    *line = at;
    return SAYDO_E_PARSE;
}

/* Decides the file's shape from its first value: a '[' opens an array; a
 * first value that ends on its own first line makes the file line-delimited
 * (so a damaged line costs only that line); anything else is read as
 * values one after another. */
static saydo_status detect(saydo_jt_stream *s)
{
    saydo_status st = SAYDO_OK;
    while (s->len - s->pos < 3 && !s->eof) SAYDO_TRY(fill(s));
    if (s->len - s->pos >= 3 && memcmp(s->buf + s->pos, "\xEF\xBB\xBF", 3) == 0) s->pos += 3;
    int c = next_token(s, &st);
    if (st < 0) return st;
    if (c < 0) { s->shape = SAYDO_JT_SHAPE_LINES; return SAYDO_OK; }
    if (c == '[') {
        s->shape = SAYDO_JT_SHAPE_ARRAY;
        s->pos++;
        return SAYDO_OK;
    }
    s->shape = SAYDO_JT_SHAPE_VALUES;
    for (;;) {
        size_t vlen;
        int r = value_extent(s, &vlen);
        if (r < 0) return SAYDO_OK;
        if (r == 0) {
            if (s->eof) return SAYDO_OK;
            SAYDO_TRY(fill(s));
            continue;
        }
        const char *v = s->buf + s->pos;
        if (memchr(v, '\n', vlen)) return SAYDO_OK;
        s->shape = SAYDO_JT_SHAPE_LINES;
        return SAYDO_OK;
    }
cleanup:
    return st;
}

static saydo_status next_line(saydo_jt_stream *s, const char **text, size_t *len, int64_t *line)
{
    saydo_status st = SAYDO_OK;
    for (;;) {
        const char *nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);
        if (!nl && !s->eof) {
            if (s->len - s->pos > s->max_value) {
                /* drop the over-long line's bytes as they come */
                int64_t at = s->line;
                while (!nl && !s->eof) {
                    s->pos = s->len;
                    SAYDO_TRY(fill(s));
                    nl = memchr(s->buf + s->pos, '\n', s->len - s->pos);
                }
                s->pos = nl ? (size_t)(nl - s->buf) + 1 : s->len;
                s->line++;
                return set_bad(s, line, at, "line longer than the limit (--max-line)");
            }
            SAYDO_TRY(fill(s));
            continue;
        }
        if (s->pos == s->len) return SAYDO_EOF;
        size_t end = nl ? (size_t)(nl - s->buf) : s->len;
        const char *b = s->buf + s->pos;
        size_t n = end - s->pos;
        *line = s->line;
        s->pos = nl ? end + 1 : end;
        s->line++;
        if (n > s->max_value) return set_bad(s, line, *line, "line longer than the limit (--max-line)");
        while (n && (b[n - 1] == '\r' || b[n - 1] == ' ' || b[n - 1] == '\t')) n--;
        size_t k = 0;
        while (k < n && (b[k] == ' ' || b[k] == '\t')) k++;
        if (k == n) continue;   /* blank lines hold no record */
        *text = b + k;
        *len = n - k;
        return SAYDO_OK;
    }
cleanup:
    return st;
}

saydo_status saydo_jt_stream_next(saydo_jt_stream *s, const char **text, size_t *len, int64_t *line)
{
    saydo_status st = SAYDO_OK;
    s->err[0] = '\0';
    if (!s->started) {
        s->started = 1;
        SAYDO_TRY(detect(s));
    }
    if (s->done) return SAYDO_EOF;
    if (s->shape == SAYDO_JT_SHAPE_LINES) return next_line(s, text, len, line);
    int c = next_token(s, &st);
    if (st < 0) return st;
    if (s->shape == SAYDO_JT_SHAPE_ARRAY) {
        if (c == ',') {
            s->pos++;
            c = next_token(s, &st);
            if (st < 0) return st;
        }
        if (c == ']') {
            s->pos++;
            c = next_token(s, &st);
            if (st < 0) return st;
            s->done = 1;
            if (c >= 0) return set_bad(s, line, s->line, "data after the end of the JSON array");
            return SAYDO_EOF;
        }
        if (c < 0) {
            s->done = 1;
            return set_bad(s, line, s->line, "the file ends inside the JSON array (truncated? no closing ']')");
        }
    } else if (c < 0) {
        return SAYDO_EOF;
    }
    for (;;) {
        size_t vlen;
        int r = value_extent(s, &vlen);
        if (r < 0) {
            s->done = 1;
            return set_bad(s, line, s->line, "a JSON value longer than the limit (--max-line); stopped reading");
        }
        if (r == 0) {
            if (s->eof) {
                int64_t at = s->line;
                s->pos = s->len;
                s->done = 1;
                return set_bad(s, line, at, "the file ends inside this JSON value (truncated?)");
            }
            SAYDO_TRY(fill(s));
            continue;
        }
        *text = s->buf + s->pos;
        *len = vlen;
        *line = s->line;
        s->line += count_nl(*text, vlen);
        s->pos += vlen;
        return SAYDO_OK;
    }
cleanup:
    return st;
}

saydo_status saydo_src_slurp(saydo_src_t *src, size_t max, char **out, size_t *len)
{
    saydo_status st = SAYDO_OK;
    size_t cap = src->size ? (size_t)src->size + 1 : JT_CHUNK, n = 0;
    char *buf = NULL;
    *out = NULL;
    *len = 0;
    SAYDO_FAIL_IF(max && src->size > max, SAYDO_E_INVAL, "%s: %llu bytes is more than the limit of %zu", src->name,
                  (unsigned long long)src->size, max);
    buf = malloc(cap + 1);
    SAYDO_FAIL_IF(!buf, SAYDO_E_NOMEM, "out of memory");
    for (;;) {
        if (cap - n < 4096) {
            size_t nc = cap * 2;
            char *nb = realloc(buf, nc + 1);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            buf = nb;
            cap = nc;
        }
        size_t got = 0;
        SAYDO_TRY(saydo_src_read(src, buf + n, cap - n, &got));
        if (got == 0) break;
        n += got;
        SAYDO_FAIL_IF(max && n > max, SAYDO_E_INVAL, "%s: more than the limit of %zu bytes", src->name, max);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
cleanup:
    free(buf);
    return st;
}
