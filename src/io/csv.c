/* Streaming RFC 4180 CSV parser (see csv.h for what it accepts) and the
 * generic CSV record reader, format "csv". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/csv.h"
#include "io/reader_impl.h"
#include "saydo/extract.h"
#include "util/try.h"

/* ---- parser --------------------------------------------------------- */

enum { CSV_CHUNK = 256 << 10 };

/* Parser states, after Python's csv module (Modules/_csv.c). */
enum csv_state { ST_RECORD, ST_FIELD, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_IN_QUOTED };

struct saydo_csv {
    saydo_src_t *src;
    char delim;
    size_t max_record;
    unsigned char *in;          /* input buffer: unread bytes are in[in_pos, in_len) */
    size_t in_cap, in_pos, in_len, chunk;
    int eof, started, pending_cr;
    int64_t line;               /* line breaks consumed so far */
    char *raw;                  /* the current record as read */
    size_t raw_len, raw_cap;
    char *data;                 /* unescaped fields, each NUL-terminated */
    size_t data_len, data_cap;
    size_t *off, *flen;
    char **fptr;
    size_t nf, nf_cap;
};

saydo_status saydo_csv_create(saydo_src_t *src, char delim, size_t max_record, saydo_csv_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_csv_t *c = NULL;
    *out = NULL;
    SAYDO_NEW(c, 1);
    c->src = src;
    c->delim = delim;
    c->max_record = max_record ? max_record : ((size_t)64 << 20);
    c->chunk = CSV_CHUNK;
    c->in_cap = CSV_CHUNK;
    SAYDO_NEW(c->in, c->in_cap);
    *out = c;
    c = NULL;
cleanup:
    saydo_csv_free(c);
    return st;
}

void saydo_csv_set_chunk(saydo_csv_t *c, size_t chunk)
{
    c->chunk = chunk < 1 ? 1 : chunk > c->in_cap ? c->in_cap : chunk;
}

int64_t saydo_csv_lines(const saydo_csv_t *c) { return c->line; }

void saydo_csv_free(saydo_csv_t *c)
{
    if (!c) return;
    free(c->in);
    free(c->raw);
    free(c->data);
    free(c->off);
    free(c->flen);
    free(c->fptr);
    free(c);
}

/* Reads more input after the unread bytes; sets eof when the source is dry. */
static saydo_status csv_fill(saydo_csv_t *c)
{
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    size_t want = c->in_cap - c->in_len;
    if (want > c->chunk) want = c->chunk;
    size_t got = 0;
    saydo_status st = saydo_src_read(c->src, c->in + c->in_len, want, &got);
    if (st < 0) return st;
    if (got == 0) c->eof = 1;
    c->in_len += got;
    return SAYDO_OK;
}

/* Grows an array to hold need elements (doubling); SAYDO_E_NOMEM on failure. */
static saydo_status grow_bytes(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return SAYDO_OK;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    *p = np;
    *cap = ncap;
    return SAYDO_OK;
}

#define GROW(ptr, cap, need)                                                        \
    do {                                                                            \
        void *gp_ = (ptr);                                                          \
        saydo_status gst_ = grow_bytes(&gp_, &(cap), (need), sizeof *(ptr));        \
        (ptr) = gp_;                                                                \
        if (gst_ < 0) return gst_;                                                  \
    } while (0)

/* Per-record bookkeeping while the state machine runs. */
typedef struct {
    int overflow;
    size_t field_start;
} rec_state;

static saydo_status end_field(saydo_csv_t *c, rec_state *rs)
{
    if (rs->overflow) return SAYDO_OK;
    GROW(c->data, c->data_cap, c->data_len + 1);
    if (c->nf + 1 > c->nf_cap) {
        size_t cap = c->nf_cap;
        GROW(c->off, cap, c->nf + 1);
        cap = c->nf_cap;
        GROW(c->flen, cap, c->nf + 1);
        cap = c->nf_cap;
        GROW(c->fptr, cap, c->nf + 1);
        c->nf_cap = cap;
    }
    c->off[c->nf] = rs->field_start;
    c->flen[c->nf] = c->data_len - rs->field_start;
    c->nf++;
    c->data[c->data_len++] = '\0';
    rs->field_start = c->data_len;
    return SAYDO_OK;
}

/* Appends one byte to a record buffer (the buffers only grow). */
static saydo_status put_byte(char **buf, size_t *len, size_t *cap, unsigned char ch)
{
    if (*len + 2 > *cap) {
        void *p = *buf;
        saydo_status st = grow_bytes(&p, cap, *len + 2, 1);
        *buf = p;
        if (st < 0) return st;
    }
    (*buf)[(*len)++] = (char)ch;
    return SAYDO_OK;
}

/* Appends a run of ordinary field bytes to both the raw and the field buffers. */
static saydo_status put_run(saydo_csv_t *c, rec_state *rs, const unsigned char *p, size_t n)
{
    if (rs->overflow) return SAYDO_OK;
    if (c->raw_len + n > c->max_record) {
        rs->overflow = 1;
        return SAYDO_OK;
    }
    void *rp = c->raw, *dp = c->data;
    saydo_status st = grow_bytes(&rp, &c->raw_cap, c->raw_len + n + 1, 1);
    c->raw = rp;
    if (st < 0) return st;
    st = grow_bytes(&dp, &c->data_cap, c->data_len + n + 2, 1);
    c->data = dp;
    if (st < 0) return st;
    memcpy(c->raw + c->raw_len, p, n);
    memcpy(c->data + c->data_len, p, n);
    c->raw_len += n;
    c->data_len += n;
    return SAYDO_OK;
}

saydo_status saydo_csv_next(saydo_csv_t *c, saydo_csv_row_t *row)
{
    saydo_status st = SAYDO_OK;
    enum csv_state s = ST_RECORD;
    rec_state rs = {0, 0};
    int64_t start_line = 0;
    memset(row, 0, sizeof *row);
    c->raw_len = c->data_len = c->nf = 0;

    if (!c->started) {   /* skip a UTF-8 byte-order mark */
        c->started = 1;
        while (c->in_len < 3 && !c->eof) SAYDO_TRY(csv_fill(c));
        if (c->in_len >= 3 && c->in[0] == 0xEF && c->in[1] == 0xBB && c->in[2] == 0xBF) c->in_pos = 3;
    }
    for (;;) {
        if (c->in_pos == c->in_len) {
            if (!c->eof) SAYDO_TRY(csv_fill(c));
            if (c->in_pos == c->in_len) break;   /* end of input */
        }
        /* fast path: copy a run of bytes that cannot change the state */
        if ((s == ST_QUOTED || s == ST_UNQUOTED) && !c->pending_cr) {
            const unsigned char *p = c->in + c->in_pos, *end = c->in + c->in_len, *q = p;
            const unsigned char d = (unsigned char)c->delim;
            if (s == ST_QUOTED) {
                for (; q < end && *q != '"'; q++) c->line += *q == '\n';
            } else {
                while (q < end && *q != d && *q != '\n' && *q != '\r') q++;
            }
            if (q > p) {
                SAYDO_TRY(put_run(c, &rs, p, (size_t)(q - p)));
                c->in_pos += (size_t)(q - p);
                continue;
            }
        }
        unsigned char ch = c->in[c->in_pos++];
        if (c->pending_cr) {   /* the '\n' of a "\r\n" that already ended a line */
            c->pending_cr = 0;
            if (ch == '\n' && s != ST_QUOTED) continue;
        }
        int is_break = (ch == '\n' || ch == '\r') && s != ST_QUOTED;
        if (s == ST_RECORD) {
            if (is_break) {   /* blank line */
                c->line++;
                c->pending_cr = ch == '\r';
                continue;
            }
            start_line = c->line + 1;
            s = ST_FIELD;
        }
        if (is_break) {
            c->line++;
            c->pending_cr = ch == '\r';
            SAYDO_TRY(end_field(c, &rs));
            goto record_done;
        }
        if (ch == '\n') c->line++;   /* inside quotes */
        /* keep the raw bytes of the record, within the bound */
        if (!rs.overflow) {
            if (c->raw_len + 1 > c->max_record) {
                rs.overflow = 1;
            } else {
                SAYDO_TRY(put_byte(&c->raw, &c->raw_len, &c->raw_cap, ch));
            }
        }
        int add = 0;
        switch (s) {
        case ST_FIELD:
            if (ch == '"') s = ST_QUOTED;
            else if (ch == (unsigned char)c->delim) SAYDO_TRY(end_field(c, &rs));
            else { add = 1; s = ST_UNQUOTED; }
            break;
        case ST_UNQUOTED:   /* a quote here is text, as in Python's csv */
            if (ch == (unsigned char)c->delim) { SAYDO_TRY(end_field(c, &rs)); s = ST_FIELD; }
            else add = 1;
            break;
        case ST_QUOTED:
            if (ch == '"') s = ST_QUOTE_IN_QUOTED;
            else add = 1;
            break;
        case ST_QUOTE_IN_QUOTED:
            if (ch == '"') { add = 1; s = ST_QUOTED; }                 /* "" is one quote */
            else if (ch == (unsigned char)c->delim) { SAYDO_TRY(end_field(c, &rs)); s = ST_FIELD; }
            else { add = 1; s = ST_UNQUOTED; }                        /* text after the quote */
            break;
        case ST_RECORD:
            break;
        }
        if (add && !rs.overflow) SAYDO_TRY(put_byte(&c->data, &c->data_len, &c->data_cap, ch));
    }
    /* end of input */
    if (s == ST_RECORD) return SAYDO_EOF;
    row->line = start_line;
    if (s == ST_QUOTED) {
        row->why = "unterminated quoted field at end of input";
        return saydo_set_error(SAYDO_E_PARSE, "%s:%lld: %s", c->src->name, (long long)start_line, row->why);
    }
    SAYDO_TRY(end_field(c, &rs));

record_done:
    row->line = start_line;
    if (rs.overflow) {
        row->why = "record longer than the maximum record size";
        return saydo_set_error(SAYDO_E_PARSE, "%s:%lld: record longer than %zu bytes", c->src->name,
                               (long long)start_line, c->max_record);
    }
    for (size_t i = 0; i < c->nf; i++) c->fptr[i] = c->data + c->off[i];
    row->n = c->nf;
    row->field = c->fptr;
    row->len = c->flen;
    row->raw = c->raw ? c->raw : "";
    row->raw_len = c->raw_len;
    return SAYDO_OK;
cleanup:
    return st;
}

/* ---- cell helpers ----------------------------------------------------- */

void saydo_csv_trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)(*s)[0])) { (*s)++; (*len)--; }
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

static int eq_ci(const char *s, size_t len, const char *word)
{
    size_t m = strlen(word);
    if (m != len) return 0;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)s[i]) != word[i]) return 0;
    return 1;
}

int saydo_csv_is_na(const char *s, size_t len)
{
    saydo_csv_trim(&s, &len);
    return len == 0 || eq_ci(s, len, "nan") || eq_ci(s, len, "none") || eq_ci(s, len, "null") ||
           eq_ci(s, len, "na") || eq_ci(s, len, "n/a");
}

int saydo_csv_parse_double(const char *s, size_t len, double *out)
{
    char buf[64];
    saydo_csv_trim(&s, &len);
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);   /* cells may hold NULs or go on; strtod needs its own copy */
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len) return 0;
    if (errno == ERANGE && v != 0) return 0;   /* overflow; underflow to 0 is fine */
    *out = v;
    return 1;
}

int saydo_csv_parse_long(const char *s, size_t len, long *out)
{
    char buf[32];
    saydo_csv_trim(&s, &len);
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (end == buf || errno == ERANGE) return 0;
    if (*end == '.') {   /* "3.0": pandas writes integer columns holding NaN as floats */
        end++;
        while (*end == '0') end++;
    }
    if (*end) return 0;
    *out = v;
    return 1;
}

/* ---- the "csv" record reader ------------------------------------------ *
 *
 * The header row names the columns; each name goes through the field map
 * (saydo_fieldmap_lookup: model, condition, item, side, trial, variant,
 * choice, logprobs, probs, response, domain, consistency, option_map,
 * n_options, status, method, round, trained_side, and labels). Unknown
 * columns are ignored; when several aliases of one field are present, the
 * one listed first in the map wins. item and side columns are required;
 * model may come from the options instead, condition defaults to them.
 *
 * Cells:
 *   choice      a letter A-Z (either case), a 0-based index, "refused",
 *               "unparsed", "missing", or empty (also nan/none/null/na) ->
 *               extracted from the response cell with the WDCT rules over the
 *               item's options (2 when unknown), else SAYDO_CHOICE_MISSING
 *   status      refused/refusal, unparsed, missing override the choice;
 *               ok/answered/parsed/valid/empty leave it; anything else is bad
 *   n_options   2..26; without it, the number of per-option columns
 *   logprobs / probs   a list cell: "[-0.1, -2.3]", "0.2;0.8", "0.2 0.8"
 *   per-option columns <prefix><sep><option>: prefix logprob, logp, logit
 *               (log scale: stored as is; -inf allowed) or prob, p
 *               (probability in [0, 1]: stored as its log), any case; sep
 *               '_' or '.'; option a letter (logprob_A) or a 0-based index
 *               (prob_0). Columns must cover A.. without gaps; an empty cell
 *               ends the logged options (a gap before a later value is bad).
 *   consistency 0/1: the WDCT flag map over the item's options
 *   option_map  a permutation list ("1 0", "[2,0,1]")
 *   trial 0-based count; round an integer (-1 unknown)
 * Bad rows (SAYDO_E_PARSE, the row skipped): a field count unlike the
 * header's, invalid UTF-8, an empty item or side, a choice outside the
 * options, a negative, > 1 or non-finite probability, a NaN or +inf
 * log-probability, or any cell above that does not parse. */
enum { LP_NONE = 0, LP_LOG = 1, LP_PROB = 2 };

typedef struct csv_impl {
    saydo_csv_t *p;
    size_t ncol;
    int col[SAYDO_F_COUNT];          /* column feeding each field; -1 none */
    int rank[SAYDO_F_COUNT];         /* alias rank of that column (lower wins) */
    int label_col[SAYDO_MAX_LABELS];
    int opt_col[SAYDO_MAX_OPTIONS];  /* per-option probability columns; -1 none */
    int opt_kind;                    /* LP_LOG or LP_PROB */
    int n_opt_cols;
    saydo_extract_opts_t ex;
} csv_impl;

static void csv_impl_free(void *p)
{
    csv_impl *im = p;
    if (!im) return;
    saydo_csv_free(im->p);
    free(im);
}

/* Returns the option index a per-option header names (and its kind), or -1. */
static int option_column(const char *h, size_t len, int *kind)
{
    static const struct { const char *prefix; int kind; } pre[] = {
        {"logprob", LP_LOG}, {"logp", LP_LOG}, {"logit", LP_LOG}, {"prob", LP_PROB}, {"p", LP_PROB},
    };
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        size_t m = strlen(pre[k].prefix);
        if (len < m + 2 || (h[m] != '_' && h[m] != '.')) continue;
        size_t i = 0;
        while (i < m && tolower((unsigned char)h[i]) == pre[k].prefix[i]) i++;
        if (i < m) continue;
        const char *o = h + m + 1;
        size_t olen = len - m - 1;
        int idx = -1;
        if (olen == 1 && isalpha((unsigned char)o[0])) idx = saydo_letter_index(o[0]);
        else if (olen <= 2 && isdigit((unsigned char)o[0]) && (olen == 1 || isdigit((unsigned char)o[1])))
            idx = olen == 1 ? o[0] - '0' : (o[0] - '0') * 10 + (o[1] - '0');
        if (idx < 0 || idx >= SAYDO_MAX_OPTIONS) return -1;
        *kind = pre[k].kind;
        return idx;
    }
    return -1;
}

/* Whether name equals the len bytes of key. A key may hold NUL bytes (a
 * hostile header or a "\u0000" escape): lengths are compared first, so the
 * comparison never reads past the end of name. */
static int name_is(const char *name, const char *key, size_t len)
{
    return strlen(name) == len && memcmp(name, key, len) == 0;
}

static int alias_rank(const saydo_fieldmap_t *map, int f, const char *key, size_t len)
{
    for (int a = 0; a < SAYDO_MAX_ALIASES && map->name[f][a]; a++)
        if (name_is(map->name[f][a], key, len)) return a;
    return SAYDO_MAX_ALIASES;
}

static void alias_list(const saydo_fieldmap_t *map, int f, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int a = 0; a < SAYDO_MAX_ALIASES && map->name[f][a]; a++) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s", a ? ", " : "", map->name[f][a]);
    }
}

static saydo_status csv_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt csv_vt = {"csv", csv_next, csv_impl_free};

saydo_status saydo_csv_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    csv_impl *im = NULL;
    saydo_csv_row_t h;
    const char *name = r->src->name;
    char names[256];
    SAYDO_NEW(im, 1);
    for (int f = 0; f < SAYDO_F_COUNT; f++) im->col[f] = -1, im->rank[f] = SAYDO_MAX_ALIASES + 1;
    for (int i = 0; i < SAYDO_MAX_LABELS; i++) im->label_col[i] = -1;
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) im->opt_col[i] = -1;
    saydo_extract_opts_default(&im->ex);
    SAYDO_TRY(saydo_csv_create(r->src, ',', r->opts.max_line, &im->p));
    st = saydo_csv_next(im->p, &h);
    r->lines = saydo_csv_lines(im->p);
    SAYDO_FAIL_IF(st == SAYDO_EOF, SAYDO_E_PARSE, "%s: empty file: a CSV needs a header row", name);
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s: unreadable header row: %s", name, h.why);
    if (st < 0) goto cleanup;
    SAYDO_FAIL_IF(h.n > 100000, SAYDO_E_PARSE, "%s: %zu columns is not a header row", name, h.n);
    SAYDO_FAIL_IF(!saydo_utf8_valid(h.raw, h.raw_len), SAYDO_E_PARSE, "%s:%lld: header is not valid UTF-8",
                  name, (long long)h.line);
    im->ncol = h.n;
    for (size_t j = 0; j < h.n; j++) {
        const char *key = h.field[j];
        size_t len = h.len[j];
        saydo_csv_trim(&key, &len);
        int label = -1, kind = LP_NONE;
        saydo_field f = saydo_fieldmap_lookup(r->map, key, len, &label);
        if (f != SAYDO_F_NONE) {
            int rk = alias_rank(r->map, f, key, len);
            if (rk < im->rank[f]) im->col[f] = (int)j, im->rank[f] = rk;
        } else if (label >= 0) {
            if (im->label_col[label] < 0) im->label_col[label] = (int)j;
        } else {
            int o = option_column(key, len, &kind);
            if (o < 0) continue;   /* a column saydo does not use */
            SAYDO_FAIL_IF(im->opt_kind && im->opt_kind != kind, SAYDO_E_PARSE,
                          "%s: both probability and log-probability columns (column %zu '%.*s')", name, j + 1,
                          (int)len, key);
            SAYDO_FAIL_IF(im->opt_col[o] >= 0, SAYDO_E_PARSE, "%s: two columns for option %c ('%.*s')", name,
                          'A' + o, (int)len, key);
            im->opt_kind = kind;
            im->opt_col[o] = (int)j;
            if (o + 1 > im->n_opt_cols) im->n_opt_cols = o + 1;
        }
    }
    for (int o = 0; o < im->n_opt_cols; o++)
        SAYDO_FAIL_IF(im->opt_col[o] < 0, SAYDO_E_PARSE, "%s: per-option columns skip option %c", name, 'A' + o);
    SAYDO_FAIL_IF(im->n_opt_cols && (im->col[SAYDO_F_LOGPROBS] >= 0 || im->col[SAYDO_F_PROBS] >= 0),
                  SAYDO_E_PARSE, "%s: both a list column and per-option columns of probabilities", name);
    SAYDO_FAIL_IF(im->col[SAYDO_F_LOGPROBS] >= 0 && im->col[SAYDO_F_PROBS] >= 0, SAYDO_E_PARSE,
                  "%s: both a probability and a log-probability column", name);
    alias_list(r->map, SAYDO_F_ITEM, names, sizeof names);
    SAYDO_FAIL_IF(im->col[SAYDO_F_ITEM] < 0, SAYDO_E_PARSE, "%s: no item column (looked for: %s)", name, names);
    alias_list(r->map, SAYDO_F_SIDE, names, sizeof names);
    SAYDO_FAIL_IF(im->col[SAYDO_F_SIDE] < 0, SAYDO_E_PARSE, "%s: no side column (looked for: %s)", name, names);
    SAYDO_FAIL_IF(im->col[SAYDO_F_MODEL] < 0 && !r->opts.model, SAYDO_E_INVAL,
                  "%s: no model column and no model given (pass the model name)", name);
    r->impl = im;
    r->vt = &csv_vt;
    im = NULL;
cleanup:
    csv_impl_free(im);
    return st;
}

/* A cell, or NULL/0 when the column is absent. */
typedef struct { const char *s; size_t len; } cell_t;

static cell_t cell(const saydo_csv_row_t *row, int col)
{
    cell_t c = {NULL, 0};
    if (col >= 0) c.s = row->field[col], c.len = row->len[col];
    return c;
}

/* A non-empty cell's text (NUL-terminated in the row buffer), else dflt. */
static const char *text_or(cell_t c, const char *dflt)
{
    return (c.s && c.len) ? c.s : dflt;
}

#define BAD(...) return saydo_reader_set_bad(r, row->line, row->raw, row->raw_len, __VA_ARGS__)

/* Parses a list cell ("[-0.1, -2.3]", "0.2;0.8", "1 0") into numbers. */
static int parse_list(const char *s, size_t len, double *out, int cap)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (isspace((unsigned char)s[i]) || s[i] == ',' || s[i] == ';' || s[i] == '[' ||
                           s[i] == ']'))
            i++;
        if (i == len) break;
        size_t j = i;
        while (j < len && !isspace((unsigned char)s[j]) && s[j] != ',' && s[j] != ';' && s[j] != ']') j++;
        if (n == cap || !saydo_csv_parse_double(s + i, j - i, &out[n])) return -1;
        n++;
        i = j;
    }
    return n;
}

/* Checks and stores one probability or log-probability for option o. */
static int store_logp(int kind, double v, double *dst)
{
    if (kind == LP_PROB) {
        if (!isfinite(v) || v < 0 || v > 1 + 1e-6) return 0;
        *dst = log(v);   /* p = 0 gives -inf, which softmax maps back to 0 */
        return 1;
    }
    if (isnan(v) || v == INFINITY) return 0;
    *dst = v;
    return 1;
}

static saydo_status row_logp(struct saydo_reader *r, const csv_impl *im, const saydo_csv_row_t *row,
                             saydo_record_t *rec)
{
    if (im->n_opt_cols) {
        int last = -1;
        for (int o = 0; o < im->n_opt_cols; o++) {
            cell_t c = cell(row, im->opt_col[o]);
            if (saydo_csv_is_na(c.s, c.len)) {
                rec->logp[o] = NAN;
                continue;
            }
            double v;
            if (!saydo_csv_parse_double(c.s, c.len, &v))
                BAD("option %c: '%.*s' is not a number", 'A' + o, (int)(c.len > 40 ? 40 : c.len), c.s);
            if (!store_logp(im->opt_kind, v, &rec->logp[o]))
                BAD("option %c: %s %g is out of range", 'A' + o,
                    im->opt_kind == LP_PROB ? "probability" : "log-probability", v);
            last = o;
        }
        for (int o = 0; o < last; o++)
            if (isnan(rec->logp[o])) BAD("no probability for option %c while a later option has one", 'A' + o);
        for (int o = last + 1; o < im->n_opt_cols; o++) rec->logp[o] = 0;
        rec->n_logp = last + 1;
        return SAYDO_OK;
    }
    int f = im->col[SAYDO_F_LOGPROBS] >= 0 ? SAYDO_F_LOGPROBS : SAYDO_F_PROBS;
    cell_t c = cell(row, im->col[f]);
    if (!c.s || saydo_csv_is_na(c.s, c.len)) return SAYDO_OK;
    double v[SAYDO_MAX_OPTIONS];
    int n = parse_list(c.s, c.len, v, SAYDO_MAX_OPTIONS);
    if (n < 0) BAD("'%.*s' is not a list of at most %d numbers", (int)(c.len > 60 ? 60 : c.len), c.s,
                   SAYDO_MAX_OPTIONS);
    for (int o = 0; o < n; o++)
        if (!store_logp(f == SAYDO_F_PROBS ? LP_PROB : LP_LOG, v[o], &rec->logp[o]))
            BAD("option %c: %s %g is out of range", 'A' + o, f == SAYDO_F_PROBS ? "probability" : "log-probability",
                v[o]);
    rec->n_logp = n;
    return SAYDO_OK;
}

/* Choice cell: a letter, a 0-based index, a status word, or empty. Returns
 * 1 with *choice set, 0 for an empty cell, -1 for anything else. */
static int parse_choice(const char *s, size_t len, int *choice)
{
    long v;
    saydo_csv_trim(&s, &len);
    if (saydo_csv_is_na(s, len)) return 0;
    if (len == 1 && isalpha((unsigned char)s[0])) { *choice = saydo_letter_index(s[0]); return 1; }
    if (isdigit((unsigned char)s[0]) && saydo_csv_parse_long(s, len, &v)) {
        *choice = v > 1000 ? 1000 : (int)v;
        return 1;
    }
    if (eq_ci(s, len, "refused") || eq_ci(s, len, "refusal")) { *choice = SAYDO_CHOICE_REFUSED; return 1; }
    if (eq_ci(s, len, "unparsed")) { *choice = SAYDO_CHOICE_UNPARSED; return 1; }
    if (eq_ci(s, len, "missing")) { *choice = SAYDO_CHOICE_MISSING; return 1; }
    return -1;
}

static saydo_status csv_next(struct saydo_reader *r, saydo_record_t *rec)
{
    csv_impl *im = r->impl;
    saydo_csv_row_t rowv, *row = &rowv;
    saydo_status st = saydo_csv_next(im->p, row);
    r->lines = saydo_csv_lines(im->p);
    if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, row->line, NULL, 0, "%s", row->why);
    if (st != SAYDO_OK) return st;
    saydo_record_clear(rec);
    rec->line = row->line;
    if (row->n != im->ncol) BAD("%zu fields where the header has %zu", row->n, im->ncol);
    if (!saydo_utf8_valid(row->raw, row->raw_len)) BAD("not valid UTF-8");
    /* cells are used as C strings: "a<NUL>b" would be stored as "a" and
     * collide with another record's key */
    if (memchr(row->raw, '\0', row->raw_len)) BAD("NUL byte in the row");

    rec->model = text_or(cell(row, im->col[SAYDO_F_MODEL]), r->opts.model);
    if (!rec->model) BAD("empty model and no model given");
    rec->condition = text_or(cell(row, im->col[SAYDO_F_CONDITION]), r->opts.condition ? r->opts.condition : "base");
    rec->item = text_or(cell(row, im->col[SAYDO_F_ITEM]), NULL);
    if (!rec->item) BAD("empty item");
    const char *side = text_or(cell(row, im->col[SAYDO_F_SIDE]), NULL);
    if (!side) BAD("empty side");
    rec->side = saydo_fieldmap_side(r->map, side);
    rec->variant = text_or(cell(row, im->col[SAYDO_F_VARIANT]), "");
    rec->domain = text_or(cell(row, im->col[SAYDO_F_DOMAIN]), NULL);
    rec->method = text_or(cell(row, im->col[SAYDO_F_METHOD]), NULL);
    const char *ts = text_or(cell(row, im->col[SAYDO_F_TRAINED_SIDE]), r->opts.trained_side);
    rec->trained_side = ts ? saydo_fieldmap_side(r->map, ts) : NULL;
    for (int i = 0; i < r->map->n_labels && i < SAYDO_MAX_LABELS; i++) {
        const char *v = text_or(cell(row, im->label_col[i]), NULL);
        if (!v) continue;
        rec->label_name[rec->n_labels] = r->map->label_dst[i];
        rec->label_value[rec->n_labels++] = v;
    }

    long v;
    cell_t c = cell(row, im->col[SAYDO_F_TRIAL]);
    if (c.s && !saydo_csv_is_na(c.s, c.len)) {
        if (!saydo_csv_parse_long(c.s, c.len, &v) || v < 0 || v > INT32_MAX) BAD("trial '%.40s' is not a count", c.s);
        rec->trial = (int32_t)v;
    }
    c = cell(row, im->col[SAYDO_F_ROUND]);
    if (c.s && !saydo_csv_is_na(c.s, c.len)) {
        if (!saydo_csv_parse_long(c.s, c.len, &v) || v < -1 || v > SAYDO_MAX_ROUND) BAD("round '%.40s' is not a number", c.s);
        rec->round = (int)v;
    }
    c = cell(row, im->col[SAYDO_F_N_OPTIONS]);
    if (c.s && !saydo_csv_is_na(c.s, c.len)) {
        if (!saydo_csv_parse_long(c.s, c.len, &v) || v < 2 || v > SAYDO_MAX_OPTIONS)
            BAD("n_options '%.40s' is not 2..%d", c.s, SAYDO_MAX_OPTIONS);
        rec->n_options = (int)v;
    } else if (im->n_opt_cols) {
        rec->n_options = im->n_opt_cols < 2 ? 2 : im->n_opt_cols;
    }

    st = row_logp(r, im, row, rec);
    if (st != SAYDO_OK) return st;
    if (rec->n_options && rec->n_logp > rec->n_options)
        BAD("%d probabilities for %d options", rec->n_logp, rec->n_options);

    cell_t resp = cell(row, im->col[SAYDO_F_RESPONSE]);
    if (r->opts.keep_text && resp.s && resp.len) rec->text = resp.s, rec->text_len = resp.len;
    c = cell(row, im->col[SAYDO_F_CHOICE]);
    int got = c.s ? parse_choice(c.s, c.len, &rec->choice) : 0;
    if (got < 0) BAD("choice '%.*s' is not a letter, a 0-based index or empty", (int)(c.len > 40 ? 40 : c.len), c.s);
    if (got == 0 && resp.s) {
        saydo_extract_opts_t ex = im->ex;
        ex.n_letters = rec->n_options ? rec->n_options : 2;
        rec->choice = saydo_extract_answer(resp.s, resp.len, &ex);
    }
    if (rec->choice >= SAYDO_MAX_OPTIONS || (rec->n_options && rec->choice >= rec->n_options))
        BAD("choice %d is outside the item's %d options", rec->choice, rec->n_options ? rec->n_options : SAYDO_MAX_OPTIONS);

    c = cell(row, im->col[SAYDO_F_STATUS]);
    if (c.s && c.len) {
        const char *s = c.s;
        size_t n = c.len;
        saydo_csv_trim(&s, &n);
        if (eq_ci(s, n, "refused") || eq_ci(s, n, "refusal")) rec->choice = SAYDO_CHOICE_REFUSED;
        else if (eq_ci(s, n, "unparsed")) rec->choice = SAYDO_CHOICE_UNPARSED;
        else if (eq_ci(s, n, "missing")) rec->choice = SAYDO_CHOICE_MISSING;
        else if (!(n == 0 || eq_ci(s, n, "ok") || eq_ci(s, n, "answered") || eq_ci(s, n, "parsed") ||
                   eq_ci(s, n, "valid")))
            BAD("unknown status '%.*s' (known: ok, refused, unparsed, missing)", (int)(n > 40 ? 40 : n), s);
    }

    int n_map = rec->n_options ? rec->n_options : 2;
    c = cell(row, im->col[SAYDO_F_CONSISTENCY]);
    if (c.s && !saydo_csv_is_na(c.s, c.len)) {
        if (!saydo_csv_parse_long(c.s, c.len, &v) || (v != 0 && v != 1)) BAD("consistency '%.40s' is not 0 or 1", c.s);
        saydo_record_set_flag_map(rec, (int)v, n_map);
    }
    c = cell(row, im->col[SAYDO_F_OPTION_MAP]);
    if (c.s && !saydo_csv_is_na(c.s, c.len)) {
        double m[SAYDO_MAX_OPTIONS];
        int n = parse_list(c.s, c.len, m, SAYDO_MAX_OPTIONS), seen = 0;
        if (n < 1 || (rec->n_options && n != rec->n_options))
            BAD("option map '%.40s' does not list the item's options", c.s);
        for (int i = 0; i < n; i++) {
            if (m[i] != floor(m[i]) || m[i] < 0 || m[i] >= n || (seen >> (int)m[i] & 1))
                BAD("option map '%.40s' is not a permutation of 0..%d", c.s, n - 1);
            seen |= 1 << (int)m[i];
        }
        for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) rec->option_map[i] = (int8_t)(i < n ? (int)m[i] : i);
        rec->has_option_map = 1;
    }
    return SAYDO_OK;
}
