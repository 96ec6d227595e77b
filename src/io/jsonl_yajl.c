/* JSONL through yajl's event API: the callbacks that feed jsonl_on_scalar()
 * and the parse of a line yajl reads, with the messages for its errors.
 *
 * One yajl handle reads the whole file (allow_multiple_values), fed a line at
 * a time, so a bad line is reported with its number and the handle is
 * replaced only after an error. Keys are matched through a per-position
 * cache: lines of one file almost always repeat the same keys in the same
 * order. yajl does not check UTF-8 itself (jsonl.c does, before). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/jsonl_impl.h"
#include "util/try.h"

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
    return jsonl_fail(j, "JSON nested deeper than 64 levels");
}

static int cb_null(void *ctx) { return jsonl_on_scalar(ctx, '0', NULL, 0, 0); }
static int cb_bool(void *ctx, int b) { return jsonl_on_scalar(ctx, 'b', NULL, 0, b); }
static int cb_number(void *ctx, const char *s, size_t n) { return jsonl_on_scalar(ctx, 'n', s, n, 0); }
static int cb_string(void *ctx, const unsigned char *s, size_t n)
{
    jsonl_t *j = ctx;
    /* yajl hands a string inside the line unless it decoded escapes into its
     * own buffer; only then can a NUL (from \u0000) appear: the line has none.
     * A NUL would cut the value short where it is used as a C string. */
    const char *c = (const char *)s;
    if ((c < j->line || c >= j->line_end) && memchr(c, '\0', n))
        return jsonl_fail(j, "NUL (\\u0000) inside a string");
    return jsonl_on_scalar(ctx, 's', c, n, 0);
}

static int cb_start_map(void *ctx)
{
    jsonl_t *j = ctx;
    if (j->depth == 0 && ++j->values > 1) return jsonl_fail(j, "more than one JSON value on the line");
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
    if (j->depth == 0) return jsonl_fail(j, "line is not a JSON object");
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
        else return jsonl_fail(j, "logprobs/probs keys must be option letters A-Z or indexes");
        return 1;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

saydo_status jsonl_new_handle(jsonl_t *j)
{
    if (j->h) yajl_free(j->h);
    j->h = yajl_alloc(&callbacks, NULL, j);
    if (!j->h) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    yajl_config(j->h, yajl_allow_multiple_values, 1);
    yajl_config(j->h, yajl_dont_validate_strings, 1);   /* scan_line() and saydo_utf8_valid() do it */
    return SAYDO_OK;
}

/* The yajl half of parsing a line: parse_line() in jsonl.c set the line up. */
saydo_status jsonl_yajl_line(jsonl_t *j, const char *line, size_t len)
{
    struct saydo_reader *r = j->r;
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
        saydo_status hs = jsonl_new_handle(j);
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
        saydo_status hs = jsonl_new_handle(j);
        if (hs < 0) return hs;
        return saydo_reader_set_bad(r, r->lines, line, len, "%s", msg);
    }
    if (j->rec_ok) jsonl_shape_learn(j, line, len);
    return SAYDO_OK;
}
