/* Reader dispatch: open a source, sniff or take its format, hand records out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/reader_impl.h"
#include "util/try.h"

typedef saydo_status (*open_fn)(struct saydo_reader *r);

/* The WDCT authors' metrics_*.csv hold their printed figures, not responses:
 * they sit beside the result files, so a glob over *.csv meets them. Reading
 * one yields no record, with a message, instead of failing the whole run. */
static saydo_status metrics_next(struct saydo_reader *r, saydo_record_t *rec)
{
    (void)r;
    (void)rec;
    return SAYDO_EOF;
}
static const saydo_reader_vt metrics_vt = {"wdct-metrics", metrics_next, NULL};
static saydo_status metrics_open(struct saydo_reader *r)
{
    if (!r->opts.quiet)
        saydo_log(SAYDO_LOG_INFO, __func__, "%s: the WDCT authors' printed metrics, not responses: nothing to ingest "
                  "(compare them with saydo score)", r->src->name);
    r->vt = &metrics_vt;
    return SAYDO_OK;
}

static const struct { const char *name; open_fn open; } formats[] = {
    {"wdct-metrics", metrics_open},
    {"jsonl", saydo_jsonl_open},
    {"csv", saydo_csv_open},
    {"wdct", saydo_wdct_open},
    {"valueaction-t1", saydo_va_t1_open},
    {"valueaction-t2", saydo_va_t2_open},
    {"valueaction-t2-log", saydo_va_t2_log_open},
    {"statedrevealed", saydo_sr_open},
    {"lmeval", saydo_lmeval_open},
    {"inspect", saydo_inspect_open},
    {"batch", saydo_batch_open},
    {"helm", saydo_helm_open},
    {"lmeval-results", saydo_lmeval_results_open},
    {"helm-aux", saydo_helm_aux_open},
};

/* ---- sniffing the harness formats (lm-eval, inspect, batch, HELM) ---- */

enum { SNIFF_BYTES = 4096, SNIFF_KEYS = 8, SNIFF_KEY_LEN = 24 };

static size_t skip_ws(const unsigned char *h, size_t n, size_t i)
{
    while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n')) i++;
    return i;
}

/* Skips one JSON value at h[i] (best effort: the head may end inside it). */
static size_t skip_value(const unsigned char *h, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        unsigned char c = h[i++];
        if (c == '"') {
            while (i < n && h[i] != '"') i += h[i] == '\\' ? 2 : 1;
            i++;
            if (depth == 0) return i;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return depth < 0 ? i - 1 : i;
        } else if (depth == 0 && c == ',') {
            return i - 1;
        }
    }
    return n;
}

/* The first member names of the JSON object that opens at h[i]. */
static int object_keys(const unsigned char *h, size_t n, size_t i, char keys[][SNIFF_KEY_LEN])
{
    int k = 0;
    i = skip_ws(h, n, i + 1);
    while (i < n && k < SNIFF_KEYS && h[i] == '"') {
        size_t j = ++i;
        while (j < n && h[j] != '"') j += h[j] == '\\' ? 2 : 1;
        if (j >= n) break;
        size_t len = j - i < SNIFF_KEY_LEN - 1 ? j - i : SNIFF_KEY_LEN - 1;
        memcpy(keys[k], h + i, len);
        keys[k++][len] = '\0';
        i = skip_ws(h, n, j + 1);
        if (i >= n || h[i] != ':') break;
        i = skip_ws(h, n, skip_value(h, n, skip_ws(h, n, i + 1)));
        if (i >= n || h[i] != ',') break;
        i = skip_ws(h, n, i + 1);
    }
    return k;
}

static int has_key(char keys[][SNIFF_KEY_LEN], int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0) return 1;
    return 0;
}

/* A JSON object's format from its first member names; NULL: saydo's own JSONL. */
static const char *sniff_object(const unsigned char *h, size_t n, size_t i)
{
    char keys[SNIFF_KEYS][SNIFF_KEY_LEN];
    int k = object_keys(h, n, i, keys);
    if (has_key(keys, k, "doc_id")) return "lmeval";   /* lm-eval writes doc_id first */
    if (k >= 1 && strcmp(keys[0], "version") == 0 && (has_key(keys, k, "eval") || has_key(keys, k, "status")))
        return "inspect";                              /* EvalLog: version, status, eval, ... */
    if (has_key(keys, k, "custom_id") &&
        (has_key(keys, k, "response") || has_key(keys, k, "result") || has_key(keys, k, "error")))
        return "batch";
    /* companion files (no per-sample records): lm-eval's results_<date>.json opens with "results" (its
     * value may fill the whole sniffed head); HELM's run_spec.json, scenario.json and stats.json */
    if (k >= 1 && strcmp(keys[0], "results") == 0 &&
        (k == 1 || has_key(keys, k, "configs") || has_key(keys, k, "versions") || has_key(keys, k, "groups") ||
         has_key(keys, k, "group_subtasks") || has_key(keys, k, "config")))
        return "lmeval-results";
    if (has_key(keys, k, "scenario_spec") || has_key(keys, k, "definition_path") ||
        (k >= 1 && strcmp(keys[0], "name") == 0 && has_key(keys, k, "adapter_spec")) ||
        (has_key(keys, k, "sum_squared") && has_key(keys, k, "count")))
        return "helm-aux";
    if (has_key(keys, k, "adapter_spec") || has_key(keys, k, "request_states")) return "helm";
    if (has_key(keys, k, "instance_id") && has_key(keys, k, "train_trial_index")) return "helm";
    return NULL;
}

/* The harness formats by content: a ZIP (inspect .eval), or a JSON object or
 * array whose first member names say which tool wrote it. */
static const char *sniff_harness(const unsigned char *head, size_t n)
{
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' &&
        ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
        return "inspect";
    size_t i = (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) ? 3 : 0;
    i = skip_ws(head, n, i);
    if (i < n && head[i] == '[') {
        i = skip_ws(head, n, i + 1);
        return i < n && head[i] == '{' ? sniff_object(head, n, i) : NULL;
    }
    return i < n && head[i] == '{' ? sniff_object(head, n, i) : NULL;
}

/* Peeks at the first bytes (without consuming a file source: files are reopened). */
static const char *sniff(const char *path, const unsigned char *head, size_t n)
{
    size_t i = 0;
    const char *harness = sniff_harness(head, n);
    if (harness) return harness;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    if (i < n && head[i] == '{') return "jsonl";
    if (n - i >= 17 && memcmp(head + i, "Type,id,speak,act", 17) == 0) return "wdct";
    if (n - i >= 22 && memcmp(head + i, "country,topic,response", 22) == 0) return "valueaction-t1";
    if (n - i >= 35 && memcmp(head + i, "country,topic,value,chosen_polarity", 35) == 0) return "valueaction-t2";
    if (n - i >= 20 && memcmp(head + i, "data num,filtered num", 20) == 0) return "wdct-metrics";
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (dot && strcmp(dot, ".csv") == 0) return "csv";
    if (dot && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0)) return "jsonl";
    return "csv";
}

static saydo_status open_common(saydo_src_t *src, const char *sniff_path, const unsigned char *head, size_t nhead,
                                const saydo_read_opts_t *opts, saydo_reader_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_reader_t *r = NULL;
    *out = NULL;
    SAYDO_NEW(r, 1);
    r->src = src;
    src = NULL;
    if (opts) r->opts = *opts;
    saydo_fieldmap_default(&r->default_map);
    r->map = r->opts.map ? r->opts.map : &r->default_map;
    r->bad.file = r->src->name;
    r->bad.reason = r->bad_reason;
    const char *fmt = r->opts.format;
    if (!fmt || strcmp(fmt, "auto") == 0) {
        fmt = sniff(sniff_path, head, nhead);
        /* JSON lines read with an action table are a ValueActionLens Task 2 log */
        if (r->opts.actions_path && strcmp(fmt, "jsonl") == 0) fmt = "valueaction-t2-log";
    }
    open_fn fn = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, fmt) == 0) fn = formats[i].open;
    SAYDO_FAIL_IF(!fn, SAYDO_E_INVAL, "unknown input format '%s' (known: jsonl, csv, wdct, valueaction-t1, valueaction-t2, "
                  "valueaction-t2-log, statedrevealed, lmeval, inspect, batch, helm, lmeval-results, helm-aux)", fmt);
    SAYDO_TRY(fn(r));
    *out = r;
    r = NULL;
cleanup:
    saydo_src_free(src);
    saydo_reader_free(r);
    return st;
}

saydo_status saydo_reader_open(const char *path, const saydo_read_opts_t *opts, saydo_reader_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_src_t *src = NULL;
    unsigned char head[SNIFF_BYTES];
    size_t nhead = 0;
    char *inner = NULL;
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* a HELM run directory: its scenario_state.json holds the requests */
        size_t n = strlen(path) + 32;
        inner = malloc(n);
        SAYDO_FAIL_IF(!inner, SAYDO_E_NOMEM, "out of memory");
        snprintf(inner, n, "%s/scenario_state.json", path);
        SAYDO_FAIL_IF(access(inner, R_OK) != 0, SAYDO_E_IO,
                      "%s: a directory without scenario_state.json (saydo reads HELM run directories; "
                      "name the files of other formats)", path);
        path = inner;
    }
    SAYDO_TRY(saydo_src_open_file(path, &src));
    SAYDO_TRY(saydo_src_read(src, head, sizeof head, &nhead));
    saydo_src_free(src);   /* reopen so the format reads from byte 0 */
    src = NULL;
    SAYDO_TRY(saydo_src_open_file(path, &src));
    st = open_common(src, path, head, nhead, opts, out);
    src = NULL;
cleanup:
    saydo_src_free(src);
    free(inner);
    return st;
}

saydo_status saydo_reader_open_mem(const char *name, const void *data, size_t len,
                                   const saydo_read_opts_t *opts, saydo_reader_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_src_t *src = NULL;
    *out = NULL;
    SAYDO_TRY(saydo_src_open_mem(name, data, len, &src));
    st = open_common(src, name, data, len < SNIFF_BYTES ? len : SNIFF_BYTES, opts, out);
cleanup:
    return st;
}

saydo_status saydo_reader_next(saydo_reader_t *r, saydo_record_t *rec)
{
    return r->vt->next(r, rec);
}

const saydo_bad_t *saydo_reader_bad(const saydo_reader_t *r) { return &r->bad; }
int64_t saydo_reader_lines(const saydo_reader_t *r) { return r->lines; }
uint64_t saydo_reader_bytes(const saydo_reader_t *r) { return r->src->consumed; }
uint64_t saydo_reader_size(const saydo_reader_t *r) { return r->src->size; }
const char *saydo_reader_format(const saydo_reader_t *r) { return r->vt ? r->vt->format : "?"; }

saydo_status saydo_reader_set_bad(struct saydo_reader *r, int64_t line, const char *raw, size_t raw_len,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->bad_reason, sizeof r->bad_reason, fmt, ap);
    va_end(ap);
    r->bad.line = line;
    r->bad.raw = raw;
    r->bad.raw_len = raw_len;
    return saydo_set_error(SAYDO_E_PARSE, "%s:%lld: %s", r->src->name, (long long)line, r->bad_reason);
}

saydo_status saydo_reader_set_meta(struct saydo_reader *r, const char *key, const char *value)
{
    int i = 0;
    while (i < r->n_meta && strcmp(r->meta_key[i], key) != 0) i++;
    if (i == SAYDO_READER_MAX_META) return saydo_set_error(SAYDO_E_INVAL, "more than %d source facts", i);
    char *v = strdup(value ? value : "");
    if (!v) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    if (i == r->n_meta) {
        r->meta_key[i] = strdup(key);
        if (!r->meta_key[i]) {
            free(v);
            return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        }
        r->n_meta++;
    } else {
        free(r->meta_val[i]);
    }
    r->meta_val[i] = v;
    return SAYDO_OK;
}

const char *saydo_reader_meta(const saydo_reader_t *r, const char *key)
{
    for (int i = 0; i < r->n_meta; i++)
        if (strcmp(r->meta_key[i], key) == 0) return r->meta_val[i];
    return NULL;
}

/* Appends s to the growing buffer: as a JSON string, or as it is (raw). */
static int put_json(char **buf, size_t *len, size_t *cap, const char *s, int raw)
{
    size_t need = *len + strlen(s) * 6 + 8;
    if (need > *cap) {
        size_t nc = need * 2;
        char *nb = realloc(*buf, nc);
        if (!nb) return -1;
        *buf = nb;
        *cap = nc;
    }
    char *o = *buf + *len;
    if (raw) {
        size_t n = strlen(s);
        memcpy(o, s, n);
        *len += n;
        return 0;
    }
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') { *o++ = '\\'; *o++ = (char)*p; }
        else if (*p == '\n') { *o++ = '\\'; *o++ = 'n'; }
        else if (*p < 0x20) o += sprintf(o, "\\u%04x", *p);
        else *o++ = (char)*p;
    }
    *o++ = '"';
    *len = (size_t)(o - *buf);
    return 0;
}

saydo_status saydo_reader_meta_json(const saydo_reader_t *r, char **out)
{
    size_t len = 0, cap = 64;
    char *buf = malloc(cap);
    int bad = !buf;
    *out = NULL;
    if (!bad) buf[len++] = '{';
    for (int i = 0; i < r->n_meta && !bad; i++) {
        const char *v = r->meta_val[i];
        size_t vl = strlen(v);
        int raw = vl >= 2 && v[0] == '{' && v[vl - 1] == '}';   /* a task config kept as JSON text */
        bad = (i && put_json(&buf, &len, &cap, ",", 1) < 0) || put_json(&buf, &len, &cap, r->meta_key[i], 0) < 0 ||
              put_json(&buf, &len, &cap, ":", 1) < 0 || put_json(&buf, &len, &cap, v, raw) < 0;
    }
    if (!bad) bad = put_json(&buf, &len, &cap, "}", 1) < 0;
    if (bad) {
        free(buf);
        return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    }
    buf[len] = '\0';
    *out = buf;
    return SAYDO_OK;
}

void saydo_reader_free(saydo_reader_t *r)
{
    if (!r) return;
    for (int i = 0; i < r->n_meta; i++) {
        free(r->meta_key[i]);
        free(r->meta_val[i]);
    }
    if (r->vt && r->vt->free_impl) r->vt->free_impl(r->impl);
    saydo_src_free(r->src);
    free(r);
}

/* RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int saydo_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEC) need = 2;
        else if (c == 0xED) { need = 2; hi = 0x9F; }
        else if (c >= 0xEE && c <= 0xEF) need = 2;
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        else return 0;
        if (i + need >= len) return 0;   /* truncated sequence */
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
        i += need + 1;
    }
    return 1;
}
