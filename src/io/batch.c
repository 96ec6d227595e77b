/* Batch API results: OpenAI Batch output JSONL (also vLLM run_batch) and
 * Anthropic Message Batches results.
 *
 *   OpenAI:    {id, custom_id, response{status_code, request_id, body}|null, error{code, message}|null}
 *              body: chat.completion, text_completion (legacy) or response (/v1/responses)
 *   Anthropic: {custom_id, result{type: succeeded|errored|canceled|expired, message|error}}
 *
 * Lines come back in any order, so a line is matched to its request by
 * custom_id, never by position: the request file (`batch.requests = FILE` in
 * the mapping, or the output's name with "output" -> "input" / "results" ->
 * "requests" beside it) gives the prompt (its option lines count the
 * options) and whatever the mapping reads with `request.` paths. A failed
 * line (error set, status_code not 200, result not succeeded) is quarantined
 * with its error. The answer text goes through answer extraction; token
 * logprobs, when requested, give the option distribution at the first answer
 * token (harness.h). custom_id may be cut into fields with a template:
 * `batch.custom_id = {side}:{item}:{trial}`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/harness.h"
#include "saydo/extract.h"
#include "util/strmap.h"
#include "util/try.h"

enum { TPL_MAX = 8 };

typedef struct batch {
    struct saydo_reader *r;
    saydo_hx_t hx;
    saydo_jt jt, rq;              /* the output line, its request line */
    saydo_jt_stream *stream;
    char *req;                    /* the request lines, one after another (NUL after each) */
    size_t req_len, req_buf_cap;
    saydo_strmap_t ids;           /* custom_id -> request index */
    size_t *req_off, *req_n, n_req, req_cap;
    char *req_path;
    /* custom_id template: lit[0] {field[0]} lit[1] {field[1]} ... lit[n] */
    int n_tpl;
    char *tpl_buf;
    const char *tpl_lit[TPL_MAX + 1];
    int tpl_field[TPL_MAX];
    char tpl_val[TPL_MAX][SAYDO_HX_SLOT];
    char id[SAYDO_HX_SLOT];
} batch_t;

static void batch_free(void *p)
{
    batch_t *b = p;
    if (!b) return;
    saydo_hx_free(&b->hx);
    saydo_jt_free(&b->jt);
    saydo_jt_free(&b->rq);
    saydo_jt_stream_free(b->stream);
    free(b->req);
    saydo_strmap_free(&b->ids);
    free(b->req_off);
    free(b->req_n);
    free(b->req_path);
    free(b->tpl_buf);
    free(b);
}

static const struct { const char *name; saydo_field f; } tpl_names[] = {
    {"side", SAYDO_F_SIDE}, {"item", SAYDO_F_ITEM}, {"trial", SAYDO_F_TRIAL}, {"variant", SAYDO_F_VARIANT},
    {"model", SAYDO_F_MODEL}, {"condition", SAYDO_F_CONDITION}, {"domain", SAYDO_F_DOMAIN},
};

/* "{side}:{item}:{trial}" -> literals and fields; fields must be separated by a literal. */
static saydo_status parse_template(batch_t *b, const char *tpl)
{
    saydo_status st = SAYDO_OK;
    b->tpl_buf = strdup(tpl);
    SAYDO_FAIL_IF(!b->tpl_buf, SAYDO_E_NOMEM, "out of memory");
    char *p = b->tpl_buf;
    b->tpl_lit[0] = p;
    for (;;) {
        char *o = strchr(p, '{');
        if (!o) break;
        char *c = strchr(o, '}');
        SAYDO_FAIL_IF(!c, SAYDO_E_INVAL, "mapping: batch.custom_id '%s': a '{' without '}'", tpl);
        SAYDO_FAIL_IF(b->n_tpl >= TPL_MAX, SAYDO_E_INVAL, "mapping: batch.custom_id: more than %d fields", TPL_MAX);
        SAYDO_FAIL_IF(b->n_tpl > 0 && o == p, SAYDO_E_INVAL,
                      "mapping: batch.custom_id '%s': two fields need a separator between them", tpl);
        *o = '\0';
        *c = '\0';
        int f = -1;
        for (size_t i = 0; i < sizeof tpl_names / sizeof tpl_names[0]; i++)
            if (strcmp(o + 1, tpl_names[i].name) == 0) f = (int)tpl_names[i].f;
        SAYDO_FAIL_IF(f < 0, SAYDO_E_INVAL, "mapping: batch.custom_id: unknown field {%s} (side, item, trial, "
                      "variant, model, condition, domain)", o + 1);
        b->tpl_field[b->n_tpl++] = f;
        p = c + 1;
        b->tpl_lit[b->n_tpl] = p;
    }
cleanup:
    return st;
}

/* Cuts a custom_id with the template. Returns 0 when it does not fit. */
static int match_template(batch_t *b, const char *id)
{
    const char *p = id;
    size_t l0 = strlen(b->tpl_lit[0]);
    if (strncmp(p, b->tpl_lit[0], l0) != 0) return 0;
    p += l0;
    for (int i = 0; i < b->n_tpl; i++) {
        const char *lit = b->tpl_lit[i + 1];
        size_t ll = strlen(lit);
        const char *e;
        if (i == b->n_tpl - 1) {   /* the last field runs to the closing literal */
            size_t n = strlen(p);
            if (n < ll || strcmp(p + n - ll, lit) != 0) return 0;
            e = p + n - ll;
        } else {
            e = strstr(p, lit);
            if (!e) return 0;
        }
        if (e == p || (size_t)(e - p) >= SAYDO_HX_SLOT) return 0;
        memcpy(b->tpl_val[i], p, (size_t)(e - p));
        b->tpl_val[i][e - p] = '\0';
        p = e + ll;
    }
    return 1;
}

/* Looks for the request file: the option, else the output's name with
 * output -> input or results -> requests, in the same folder. */
static int find_requests(batch_t *b, char *path, size_t cap)
{
    struct saydo_reader *r = b->r;
    char dir[4096];
    saydo_hx_dir(r->src->name, dir, sizeof dir);
    const char *opt = saydo_fieldmap_option(r->map, "batch.requests");
    if (opt) {
        if (opt[0] == '/') snprintf(path, cap, "%s", opt);
        else snprintf(path, cap, "%s/%s", dir, opt);
        return 1;
    }
    if (r->src->fd < 0) return 0;
    const char *base = strrchr(r->src->name, '/');
    base = base ? base + 1 : r->src->name;
    static const char *swaps[][2] = {{"output", "input"}, {"results", "requests"}, {"result", "request"}};
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        const char *hit = NULL;
        for (const char *q = base; (q = strstr(q, swaps[i][0])) != NULL; q++) hit = q;
        if (!hit) continue;
        snprintf(path, cap, "%s/%.*s%s%s", dir, (int)(hit - base), base, swaps[i][1], hit + strlen(swaps[i][0]));
        if (access(path, R_OK) == 0) return 1;
    }
    return 0;
}

static saydo_status load_requests(batch_t *b)
{
    saydo_status st = SAYDO_OK;
    struct saydo_reader *r = b->r;
    char path[4352];
    saydo_src_t *src = NULL, *mem = NULL;
    saydo_jt_stream *split = NULL;
    char *whole = NULL;
    size_t whole_len = 0;
    if (!find_requests(b, path, sizeof path)) {
        if (!r->opts.quiet)
            SAYDO_LOG_INFO("%s: no request file found (name one with `batch.requests = FILE` in the --map): "
                           "options are counted from the answers only", r->src->name);
        goto cleanup;
    }
    SAYDO_TRY(saydo_src_open_file(path, &src));
    SAYDO_TRY(saydo_src_slurp(src, 0, &whole, &whole_len));
    SAYDO_TRY(saydo_src_open_mem(path, whole, whole_len, &mem));
    /* the splitter hands out copies: keep each request's bytes in b->req, found again by offset */
    b->req_buf_cap = whole_len + 1;
    b->req = malloc(b->req_buf_cap);
    SAYDO_FAIL_IF(!b->req, SAYDO_E_NOMEM, "out of memory");
    SAYDO_TRY(saydo_jt_stream_create(mem, 0, &split));
    for (;;) {
        const char *text;
        size_t len;
        int64_t line;
        st = saydo_jt_stream_next(split, &text, &len, &line);
        if (st == SAYDO_EOF) break;
        SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s:%lld: %s", path, (long long)line,
                      saydo_jt_stream_error(split));
        SAYDO_TRY(st);
        st = saydo_jt_parse(&b->rq, text, len);
        SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s:%lld: invalid JSON: %s", path,
                      (long long)saydo_jt_line_of(text, b->rq.err_off, line), b->rq.err);
        SAYDO_TRY(st);
        char nb[64];
        const char *id = saydo_jt_scalar(&b->rq, saydo_jt_get(&b->rq, saydo_jt_root(&b->rq), "custom_id"), nb, sizeof nb);
        SAYDO_FAIL_IF(!id, SAYDO_E_PARSE, "%s:%lld: a request without custom_id", path, (long long)line);
        int32_t code;
        int added;
        SAYDO_TRY(saydo_strmap_put(&b->ids, id, &code, &added));
        SAYDO_FAIL_IF(!added, SAYDO_E_PARSE, "%s:%lld: custom_id %s appears twice: lines cannot be matched to "
                      "requests", path, (long long)line, id);
        if (b->n_req == b->req_cap) {
            size_t nc = b->req_cap ? b->req_cap * 2 : 1024;
            size_t *no = realloc(b->req_off, nc * sizeof *no);
            if (no) b->req_off = no;
            size_t *nn = realloc(b->req_n, nc * sizeof *nn);
            if (nn) b->req_n = nn;
            SAYDO_FAIL_IF(!no || !nn, SAYDO_E_NOMEM, "out of memory");
            b->req_cap = nc;
        }
        if (b->req_len + len + 1 > b->req_buf_cap) {   /* a JSON array's elements lose their commas, never grow */
            size_t nc = (b->req_len + len + 1) * 2;
            char *nb = realloc(b->req, nc);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            b->req = nb;
            b->req_buf_cap = nc;
        }
        memcpy(b->req + b->req_len, text, len);
        b->req[b->req_len + len] = '\0';
        b->req_off[b->n_req] = b->req_len;
        b->req_n[b->n_req++] = len;
        b->req_len += len + 1;
    }
    st = SAYDO_OK;
    b->req_path = strdup(path);
    SAYDO_FAIL_IF(!b->req_path, SAYDO_E_NOMEM, "out of memory");
    SAYDO_TRY(saydo_reader_set_meta(r, "requests_file", path));
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: %zu requests in %s, matched by custom_id", r->src->name, b->n_req, path);
cleanup:
    saydo_jt_stream_free(split);
    saydo_src_free(mem);
    saydo_src_free(src);
    free(whole);
    return st;
}

static saydo_status batch_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt batch_vt = {"batch", batch_next, batch_free};

saydo_status saydo_batch_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    batch_t *b = NULL;
    SAYDO_NEW(b, 1);
    b->r = r;
    saydo_jt_init(&b->jt);
    saydo_jt_init(&b->rq);
    saydo_strmap_init(&b->ids);
    SAYDO_TRY(saydo_hx_init(&b->hx, r));
    const char *tpl = saydo_fieldmap_option(r->map, "batch.custom_id");
    if (tpl) SAYDO_TRY(parse_template(b, tpl));
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "batch"));
    SAYDO_TRY(load_requests(b));
    saydo_hx_set_virtual(&b->hx, "file", b->hx.stem);
    b->hx.alt_prefix = "request.";
    b->hx.alt_jt = &b->rq;
    SAYDO_TRY(saydo_jt_stream_create(r->src, r->opts.max_line, &b->stream));
    r->impl = b;
    r->vt = &batch_vt;
    b = NULL;
cleanup:
    batch_free(b);
    return st;
}

/* The prompt of a request: the last message's text, the prompt, or the input. */
static const char *prompt_text(saydo_jt *jt, saydo_jt_node *body, size_t *len)
{
    saydo_jt_node *msgs = saydo_jt_get(jt, body, "messages");
    saydo_jt_node *last = msgs && msgs->n ? saydo_jt_at(jt, msgs, msgs->n - 1) : NULL;
    saydo_jt_node *c = last ? saydo_jt_get(jt, last, "content") : saydo_jt_get(jt, body, "prompt");
    if (!c) c = saydo_jt_get(jt, body, "input");
    if (c && c->type == SAYDO_JT_ARR) {   /* parts, or a list of messages (/v1/responses input) */
        saydo_jt_node *e = saydo_jt_at(jt, c, c->n - 1);
        saydo_jt_node *t = saydo_jt_get(jt, e, "text");
        if (!t) t = saydo_jt_get(jt, e, "content");
        if (t && t->type == SAYDO_JT_ARR) t = saydo_jt_get(jt, saydo_jt_at(jt, t, t->n - 1), "text");
        c = t;
    }
    return saydo_jt_str(jt, c, len);
}

/* Options a prompt lists as "A. ..." lines; 0 when it lists none. */
static int prompt_options(const char *s, size_t n)
{
    if (!s) return 0;
    int has = n >= 3 && s[0] == 'A' && s[1] == '.' && s[2] == ' ';
    for (size_t i = 0; !has && i + 3 < n; i++)
        has = s[i] == '\n' && s[i + 1] == 'A' && s[i + 2] == '.' && s[i + 3] == ' ';
    return has ? saydo_count_options(s, n) : 0;
}

#define BAD(...) return saydo_reader_set_bad(r, line, text, len, __VA_ARGS__)

static saydo_status batch_next(struct saydo_reader *r, saydo_record_t *rec)
{
    batch_t *b = r->impl;
    saydo_jt *jt = &b->jt;
    const char *text;
    size_t len;
    int64_t line;
    saydo_status st = saydo_jt_stream_next(b->stream, &text, &len, &line);
    r->lines = saydo_jt_stream_lines(b->stream);
    if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, line, NULL, 0, "%s", saydo_jt_stream_error(b->stream));
    if (st != SAYDO_OK) return st;
    st = saydo_jt_parse(jt, text, len);
    if (st == SAYDO_E_PARSE) BAD("invalid JSON: %s", jt->err);
    if (st < 0) return st;
    saydo_jt_node *root = saydo_jt_root(jt);
    const char *id = saydo_jt_scalar(jt, saydo_jt_get(jt, root, "custom_id"), b->id, sizeof b->id);
    if (root->type != SAYDO_JT_OBJ || !id) BAD("a line without custom_id");
    saydo_record_clear(rec);
    rec->line = line;

    /* the request, by custom_id */
    saydo_jt_node *req_body = NULL;
    b->hx.alt_root = NULL;
    if (b->n_req) {
        int32_t code = saydo_strmap_get(&b->ids, id);
        if (code < 0) BAD("custom_id %s is not in the request file %s", id, b->req_path);
        st = saydo_jt_parse(&b->rq, b->req + b->req_off[code], b->req_n[code]);
        if (st < 0) return st;
        b->hx.alt_root = saydo_jt_root(&b->rq);
        req_body = saydo_jt_get(&b->rq, b->hx.alt_root, "body");
        if (!req_body) req_body = saydo_jt_get(&b->rq, b->hx.alt_root, "params");   /* Anthropic */
    }

    /* failures are quarantined with their error */
    saydo_jt_node *res = saydo_jt_get(jt, root, "result"), *body = NULL, *msg = NULL;
    char eb[256];
    if (res) {
        const char *type = saydo_jt_str(jt, saydo_jt_get(jt, res, "type"), NULL);
        if (!type || strcmp(type, "succeeded") != 0) {
            const char *et = saydo_jt_scalar(jt, saydo_jt_path(jt, res, "error.error.type"), eb, sizeof eb);
            const char *em = saydo_jt_str(jt, saydo_jt_path(jt, res, "error.error.message"), NULL);
            BAD("request %s %s%s%s%s%s", id, type ? type : "failed", et ? ": " : "", et ? et : "", em ? ": " : "",
                em ? em : "");
        }
        msg = saydo_jt_get(jt, res, "message");
    } else {
        saydo_jt_node *err = saydo_jt_get(jt, root, "error");
        saydo_jt_node *resp = saydo_jt_get(jt, root, "response");
        if (err && err->type != SAYDO_JT_NULL) {
            const char *code = saydo_jt_scalar(jt, saydo_jt_get(jt, err, "code"), eb, sizeof eb);
            const char *em = saydo_jt_str(jt, saydo_jt_get(jt, err, "message"), NULL);
            BAD("request %s failed: %s%s%s", id, code ? code : "error", em ? ": " : "", em ? em : "");
        }
        if (!resp || resp->type != SAYDO_JT_OBJ) BAD("request %s has neither a response nor an error", id);
        double sc = 200;
        saydo_jt_num(jt, saydo_jt_get(jt, resp, "status_code"), &sc);
        body = saydo_jt_get(jt, resp, "body");
        if (sc != 200) {
            const char *em = saydo_jt_str(jt, saydo_jt_path(jt, body, "error.message"), NULL);
            BAD("request %s failed with HTTP status %.0f%s%s", id, sc, em ? ": " : "", em ? em : "");
        }
        if (!body || body->type != SAYDO_JT_OBJ) BAD("request %s: a response without a body", id);
    }

    /* the answer text and token logprobs, by endpoint */
    const char *answer = NULL;
    size_t alen = 0;
    int refused = 0;
    saydo_jt_node *content_lp = NULL, *legacy = NULL;
    if (msg) {
        rec->model = saydo_jt_scalar(jt, saydo_jt_get(jt, msg, "model"), b->hx.s_model, SAYDO_HX_SLOT);
        saydo_jt_node *parts = saydo_jt_get(jt, msg, "content");
        for (saydo_jt_node *p = saydo_jt_child(jt, parts); p && !answer; p = saydo_jt_next(jt, parts, p)) {
            const char *t = saydo_jt_str(jt, saydo_jt_get(jt, p, "type"), NULL);
            if (t && strcmp(t, "text") == 0) answer = saydo_jt_str(jt, saydo_jt_get(jt, p, "text"), &alen);
        }
        const char *stop = saydo_jt_str(jt, saydo_jt_get(jt, msg, "stop_reason"), NULL);
        if (stop && strcmp(stop, "refusal") == 0) refused = 1;
    } else {
        rec->model = saydo_jt_scalar(jt, saydo_jt_get(jt, body, "model"), b->hx.s_model, SAYDO_HX_SLOT);
        const char *object = saydo_jt_str(jt, saydo_jt_get(jt, body, "object"), NULL);
        saydo_jt_node *ch0 = saydo_jt_path(jt, body, "choices.0");
        if (object && strcmp(object, "response") == 0) {
            saydo_jt_node *out = saydo_jt_get(jt, body, "output");
            for (saydo_jt_node *o = saydo_jt_child(jt, out); o && !answer && !refused; o = saydo_jt_next(jt, out, o)) {
                saydo_jt_node *parts = saydo_jt_get(jt, o, "content");
                for (saydo_jt_node *p = saydo_jt_child(jt, parts); p; p = saydo_jt_next(jt, parts, p)) {
                    const char *t = saydo_jt_str(jt, saydo_jt_get(jt, p, "type"), NULL);
                    if (t && strcmp(t, "refusal") == 0) { refused = 1; break; }
                    if (t && strcmp(t, "output_text") == 0) {
                        answer = saydo_jt_str(jt, saydo_jt_get(jt, p, "text"), &alen);
                        content_lp = saydo_jt_get(jt, p, "logprobs");
                        break;
                    }
                }
            }
        } else if (saydo_jt_get(jt, ch0, "message")) {   /* chat.completion */
            saydo_jt_node *m = saydo_jt_get(jt, ch0, "message");
            saydo_jt_node *rf = saydo_jt_get(jt, m, "refusal");
            if (rf && rf->type == SAYDO_JT_STR) refused = 1;
            answer = saydo_jt_str(jt, saydo_jt_get(jt, m, "content"), &alen);
            content_lp = saydo_jt_path(jt, ch0, "logprobs.content");
        } else if (saydo_jt_get(jt, ch0, "text")) {       /* text_completion */
            answer = saydo_jt_str(jt, saydo_jt_get(jt, ch0, "text"), &alen);
            legacy = saydo_jt_get(jt, ch0, "logprobs");
        } else {
            BAD("request %s: a body saydo does not know (object %s)", id, object ? object : "?");
        }
    }

    /* options: the mapping, else the prompt's option lines */
    size_t pl = 0;
    const char *prompt = req_body ? prompt_text(&b->rq, req_body, &pl) : NULL;
    int nopt = prompt_options(prompt, pl);
    const char *v;
    if (saydo_hx_field(&b->hx, jt, root, SAYDO_F_N_OPTIONS, b->hx.s_num, SAYDO_HX_SLOT, &v) == 1) nopt = atoi(v);
    if (nopt > SAYDO_MAX_OPTIONS || nopt == 1) nopt = 0;
    if (nopt) rec->n_options = nopt;
    rec->choice = refused ? SAYDO_CHOICE_REFUSED : saydo_hx_answer(&b->hx, answer, alen, nopt);
    int k = 0;
    if (content_lp) {
        k = saydo_hx_content_logp(jt, content_lp, nopt, rec->logp);
    } else if (legacy) {
        saydo_jt_node *toks = saydo_jt_get(jt, legacy, "tokens"), *tops = saydo_jt_get(jt, legacy, "top_logprobs");
        size_t i = 0;
        for (saydo_jt_node *t = saydo_jt_child(jt, toks); t; t = saydo_jt_next(jt, toks, t), i++) {
            size_t tl;
            const char *ts = saydo_jt_str(jt, t, &tl);
            if (ts && saydo_hx_token_letter(ts, tl, nopt) >= 0) {
                k = saydo_hx_map_logp(jt, saydo_jt_at(jt, tops, i), nopt, rec->logp);
                break;
            }
        }
    }
    if (k >= 2) rec->n_logp = k;
    if (r->opts.keep_text && answer) {
        rec->text = answer;
        rec->text_len = alen;
    }

    rec->item = id;
    rec->side = b->hx.stem;
    if (b->n_tpl) {
        if (!match_template(b, id)) BAD("custom_id %s does not fit the template batch.custom_id", id);
        for (int i = 0; i < b->n_tpl; i++) {
            const char *val = b->tpl_val[i];
            switch (b->tpl_field[i]) {
            case SAYDO_F_SIDE: rec->side = val; break;
            case SAYDO_F_ITEM: rec->item = val; break;
            case SAYDO_F_VARIANT: rec->variant = val; break;
            case SAYDO_F_MODEL: rec->model = val; break;
            case SAYDO_F_CONDITION: rec->condition = val; break;
            case SAYDO_F_DOMAIN: rec->domain = val; break;
            case SAYDO_F_TRIAL: {
                char *end;
                long t = strtol(val, &end, 10);
                if (*end || t < 0 || t > INT32_MAX) BAD("custom_id %s: trial '%s' is not a count", id, val);
                rec->trial = (int32_t)t;
                break;
            }
            default: break;
            }
        }
    }
    if (!rec->model && req_body)
        rec->model = saydo_jt_scalar(&b->rq, saydo_jt_get(&b->rq, req_body, "model"), b->hx.s_model, SAYDO_HX_SLOT);
    const char *why = saydo_hx_finish(&b->hx, jt, root, NULL, rec);
    if (why) BAD("%s", why);
    return SAYDO_OK;
}
