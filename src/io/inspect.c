/* inspect_ai logs: the .eval ZIP (samples/<id>_epoch_<n>.json members, DEFLATE
 * or zstd) and the older single-object .json log (samples inside).
 *
 * One record per sample and epoch: item = the sample's id, trial = epoch - 1,
 * side = the task name, model = the eval's model. The chosen option is the
 * `answer` of the `choice` scorer (its `value` is C/I, correct or not, never
 * a letter), else answer extraction on output.completion; token logprobs
 * (output.choices[0].logprobs, present with --logprobs) give the option
 * distribution at the first answer token. `attachment://<hash>` strings are
 * resolved from the sample's attachments. A .eval without header.json is an
 * unfinished run: its eval facts come from _journal/start.json, and when no
 * sample member is there yet, from the journal's sample summaries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/harness.h"
#include "io/zipread.h"
#include "util/try.h"

typedef struct inspect {
    struct saydo_reader *r;
    saydo_hx_t hx;
    saydo_jt jt;            /* the sample being read */
    saydo_zip_t *zip;       /* .eval; NULL for a .json log */
    int64_t *members;       /* sample members in (id, epoch) order */
    int64_t n_members, next_member;
    int summaries;          /* members are summary lists (unfinished run without samples) */
    int64_t sum_index;      /* next summary within the current list */
    char *json;             /* a .json log, whole */
    size_t json_len;
    saydo_jt_node *samples; /* the .json log's samples array, and the next one */
    saydo_jt_node *cur;
    char task[256], model[256];
    const char *scorer;     /* inspect.scorer, default "choice" */
    char item[128];
} inspect_t;

static void inspect_free(void *p)
{
    inspect_t *x = p;
    if (!x) return;
    saydo_hx_free(&x->hx);
    saydo_jt_free(&x->jt);
    saydo_zip_free(x->zip);
    free(x->members);
    free(x->json);
    free(x);
}

/* Eval facts (task, model, versions) from an EvalLog header, a journal start
 * record, or a .json log: all keep them under "eval". */
static saydo_status eval_facts(inspect_t *x, saydo_jt *jt, saydo_jt_node *root)
{
    saydo_status st = SAYDO_OK;
    char buf[256];
    saydo_jt_node *ev = saydo_jt_get(jt, root, "eval");
    const char *v = saydo_jt_scalar(jt, saydo_jt_get(jt, ev, "task"), buf, sizeof buf);
    if (v) snprintf(x->task, sizeof x->task, "%s", v);
    v = saydo_jt_scalar(jt, saydo_jt_get(jt, ev, "model"), buf, sizeof buf);
    if (v) snprintf(x->model, sizeof x->model, "%s", v);
    if (x->task[0]) SAYDO_TRY(saydo_reader_set_meta(x->r, "task", x->task));
    if (x->model[0]) SAYDO_TRY(saydo_reader_set_meta(x->r, "model", x->model));
    v = saydo_jt_scalar(jt, saydo_jt_path(jt, ev, "packages.inspect_ai"), buf, sizeof buf);
    if (v) SAYDO_TRY(saydo_reader_set_meta(x->r, "harness_version", v));
    v = saydo_jt_scalar(jt, saydo_jt_get(jt, root, "status"), buf, sizeof buf);
    if (v) SAYDO_TRY(saydo_reader_set_meta(x->r, "status", v));
    v = saydo_jt_scalar(jt, saydo_jt_get(jt, ev, "run_id"), buf, sizeof buf);
    if (v) SAYDO_TRY(saydo_reader_set_meta(x->r, "run_id", v));
    saydo_jt_node *ta = saydo_jt_get(jt, ev, "task_args");
    if (ta && ta->type == SAYDO_JT_OBJ) {
        char *raw = saydo_jt_compact(ta->s, ta->len);
        SAYDO_FAIL_IF(!raw, SAYDO_E_NOMEM, "out of memory");
        st = saydo_reader_set_meta(x->r, "config", raw);
        free(raw);
    }
cleanup:
    return st;
}

/* Parses member i as JSON into x->jt. A member that inflates but is not
 * JSON sets *bad_json (and x->jt.err) with SAYDO_E_PARSE: that costs one
 * sample; any other failure means the archive itself is damaged. */
static saydo_status read_member(inspect_t *x, int64_t i, saydo_jt_node **root, int *bad_json)
{
    const char *data;
    size_t len;
    *bad_json = 0;
    saydo_status st = saydo_zip_read(x->zip, i, &data, &len);
    if (st < 0) return st;
    st = saydo_jt_parse(&x->jt, data, len);
    if (st == SAYDO_E_PARSE) {
        *bad_json = 1;
        char msg[sizeof x->jt.err];
        snprintf(msg, sizeof msg, "%s", x->jt.err);
        snprintf(x->jt.err, sizeof x->jt.err, "line %lld: invalid JSON: %.100s",
                 (long long)saydo_jt_line_of(data, x->jt.err_off, 1), msg);
        return saydo_set_error(SAYDO_E_PARSE, "%s: member %s, %s", x->r->src->name, saydo_zip_name(x->zip, i),
                               x->jt.err);
    }
    if (st < 0) return st;
    *root = saydo_jt_root(&x->jt);
    return SAYDO_OK;
}

/* "samples/<id>_epoch_<n>.json" -> id text and epoch, for ordering. */
static int member_key(const char *name, const char **id, size_t *idlen, long *epoch)
{
    if (strncmp(name, "samples/", 8) != 0) return 0;
    size_t n = strlen(name);
    if (n < 13 || strcmp(name + n - 5, ".json") != 0) return 0;
    const char *b = name + 8, *e = NULL;
    for (const char *p = b; (p = strstr(p, "_epoch_")) != NULL; p++) e = p;
    *id = b;
    *idlen = e ? (size_t)(e - b) : n - 13;
    *epoch = e ? strtol(e + 7, NULL, 10) : 0;
    return 1;
}

static const saydo_zip_t *sort_zip;

/* Numeric ids in numeric order, then the rest by text; epochs in order. */
static int cmp_member(const void *pa, const void *pb)
{
    const char *ia, *ib;
    size_t la, lb;
    long ea, eb;
    member_key(saydo_zip_name(sort_zip, *(const int64_t *)pa), &ia, &la, &ea);
    member_key(saydo_zip_name(sort_zip, *(const int64_t *)pb), &ib, &lb, &eb);
    char *enda, *endb;
    long na = strtol(ia, &enda, 10), nb = strtol(ib, &endb, 10);
    int numa = enda == ia + la && la > 0, numb = endb == ib + lb && lb > 0;
    if (numa && numb && na != nb) return na < nb ? -1 : 1;
    if (numa != numb) return numa ? -1 : 1;
    if (!(numa && numb)) {
        int c = strncmp(ia, ib, la < lb ? la : lb);
        if (c) return c;
        if (la != lb) return la < lb ? -1 : 1;
    }
    return ea < eb ? -1 : ea > eb;
}

static int cmp_summary(const void *pa, const void *pb)
{
    const char *a = saydo_zip_name(sort_zip, *(const int64_t *)pa), *b = saydo_zip_name(sort_zip, *(const int64_t *)pb);
    long na = strtol(strrchr(a, '/') + 1, NULL, 10), nb = strtol(strrchr(b, '/') + 1, NULL, 10);
    return na < nb ? -1 : na > nb;
}

static saydo_status open_zip(inspect_t *x)
{
    saydo_status st = SAYDO_OK;
    struct saydo_reader *r = x->r;
    saydo_zip_limits_t lim = {0, 0};
    const char *o = saydo_fieldmap_option(r->map, "zip.max_member");
    if (o) {
        lim.max_member = saydo_zip_parse_size(o);
        SAYDO_FAIL_IF(!lim.max_member, SAYDO_E_INVAL, "mapping: zip.max_member '%s' is not a size (like 4G)", o);
    }
    o = saydo_fieldmap_option(r->map, "zip.max_ratio");
    if (o) {
        lim.max_ratio = strtod(o, NULL);
        SAYDO_FAIL_IF(!(lim.max_ratio > 1), SAYDO_E_INVAL, "mapping: zip.max_ratio '%s' is not a ratio above 1", o);
    }
    SAYDO_TRY(saydo_zip_open(r->src, &lim, &x->zip));
    saydo_jt_node *root;
    int bad;
    int64_t hi = saydo_zip_find(x->zip, "header.json");
    if (hi >= 0) {
        SAYDO_TRY(read_member(x, hi, &root, &bad));
        SAYDO_TRY(eval_facts(x, &x->jt, root));
    } else {
        int64_t si = saydo_zip_find(x->zip, "_journal/start.json");
        if (!r->opts.quiet)
            SAYDO_LOG_WARN("%s: no header.json: the run did not finish (or is still running); %s", r->src->name,
                           si >= 0 ? "reading the eval from _journal/start.json" : "and no _journal/start.json either");
        SAYDO_TRY(saydo_reader_set_meta(r, "status", "unfinished (no header.json)"));
        if (si >= 0) {
            SAYDO_TRY(read_member(x, si, &root, &bad));
            SAYDO_TRY(eval_facts(x, &x->jt, root));
        }
    }
    int64_t n = saydo_zip_count(x->zip);
    SAYDO_NEW(x->members, n);
    for (int64_t i = 0; i < n; i++) {
        const char *id;
        size_t il;
        long ep;
        if (member_key(saydo_zip_name(x->zip, i), &id, &il, &ep)) x->members[x->n_members++] = i;
    }
    sort_zip = x->zip;
    if (x->n_members) {
        qsort(x->members, (size_t)x->n_members, sizeof *x->members, cmp_member);
    } else {
        /* no sample yet: the journal's summaries (id, epoch, scores; no output) */
        for (int64_t i = 0; i < n; i++)
            if (strncmp(saydo_zip_name(x->zip, i), "_journal/summaries/", 19) == 0) x->members[x->n_members++] = i;
        if (!x->n_members && saydo_zip_find(x->zip, "summaries.json") >= 0)
            x->members[x->n_members++] = saydo_zip_find(x->zip, "summaries.json");
        else
            qsort(x->members, (size_t)x->n_members, sizeof *x->members, cmp_summary);
        x->summaries = x->n_members > 0;
        if (x->summaries && !r->opts.quiet)
            SAYDO_LOG_WARN("%s: no samples/ members: reading the journal's sample summaries (scores only, no outputs "
                           "or logprobs)", r->src->name);
    }
cleanup:
    return st;
}

static saydo_status open_json(inspect_t *x)
{
    saydo_status st = SAYDO_OK;
    struct saydo_reader *r = x->r;
    SAYDO_TRY(saydo_src_slurp(r->src, 0, &x->json, &x->json_len));
    st = saydo_jt_parse(&x->jt, x->json, x->json_len);
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s:%lld: invalid JSON: %s", r->src->name,
                  (long long)saydo_jt_line_of(x->json, x->jt.err_off, 1), x->jt.err);
    SAYDO_TRY(st);
    saydo_jt_node *root = saydo_jt_root(&x->jt);
    SAYDO_FAIL_IF(root->type != SAYDO_JT_OBJ, SAYDO_E_PARSE, "%s: not an inspect log object", r->src->name);
    SAYDO_TRY(eval_facts(x, &x->jt, root));
    x->samples = saydo_jt_get(&x->jt, root, "samples");
    if (!x->samples || x->samples->type != SAYDO_JT_ARR) {
        x->samples = NULL;
        if (!r->opts.quiet) SAYDO_LOG_WARN("%s: the log holds no samples (run with log_samples off?)", r->src->name);
    }
    x->cur = saydo_jt_child(&x->jt, x->samples);
cleanup:
    return st;
}

static saydo_status inspect_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt inspect_vt = {"inspect", inspect_next, inspect_free};

saydo_status saydo_inspect_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    inspect_t *x = NULL;
    unsigned char head[4] = {0};
    SAYDO_NEW(x, 1);
    x->r = r;
    saydo_jt_init(&x->jt);
    SAYDO_TRY(saydo_hx_init(&x->hx, r));
    x->scorer = saydo_fieldmap_option(r->map, "inspect.scorer");
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "inspect_ai"));
    if (r->src->fd >= 0) {
        if (pread(r->src->fd, head, 4, 0) < 0) head[0] = 0;
    } else if (r->src->mem_len >= 4) {
        memcpy(head, r->src->mem, 4);
    }
    if (head[0] == 'P' && head[1] == 'K') SAYDO_TRY(open_zip(x));
    else SAYDO_TRY(open_json(x));
    if (!x->task[0]) snprintf(x->task, sizeof x->task, "%s", x->hx.stem);
    saydo_hx_set_virtual(&x->hx, "task", x->task);
    saydo_hx_set_virtual(&x->hx, "file", x->hx.stem);
    r->impl = x;
    r->vt = &inspect_vt;
    x = NULL;
cleanup:
    inspect_free(x);
    return st;
}

/* A string of the sample, with attachment://<hash> resolved. */
static const char *sample_str(inspect_t *x, saydo_jt_node *sample, saydo_jt_node *nd, size_t *len)
{
    size_t n;
    const char *s = saydo_jt_str(&x->jt, nd, &n);
    if (s && n > 13 && strncmp(s, "attachment://", 13) == 0) {
        saydo_jt_node *a = saydo_jt_get(&x->jt, saydo_jt_get(&x->jt, sample, "attachments"), s + 13);
        const char *t = saydo_jt_str(&x->jt, a, &n);
        if (t) s = t;
    }
    if (len) *len = s ? n : 0;
    return s;
}

/* The model's answer text: output.completion, else the first choice's
 * message content (a string, or a list of parts whose text parts count). */
static const char *completion(inspect_t *x, saydo_jt_node *sample, size_t *len)
{
    saydo_jt *jt = &x->jt;
    saydo_jt_node *out = saydo_jt_get(jt, sample, "output");
    const char *s = sample_str(x, sample, saydo_jt_get(jt, out, "completion"), len);
    if (s) return s;
    saydo_jt_node *content = saydo_jt_path(jt, out, "choices.0.message.content");
    if (content && content->type == SAYDO_JT_STR) return sample_str(x, sample, content, len);
    for (saydo_jt_node *c = saydo_jt_child(jt, content); c; c = saydo_jt_next(jt, content, c)) {
        const char *type = saydo_jt_str(jt, saydo_jt_get(jt, c, "type"), NULL);
        if (type && strcmp(type, "text") == 0) return sample_str(x, sample, saydo_jt_get(jt, c, "text"), len);
    }
    return NULL;
}

/* The scorer that names the chosen letter: inspect.scorer, else `choice`,
 * else the old single `score`. */
static saydo_jt_node *choice_score(inspect_t *x, saydo_jt_node *sample)
{
    saydo_jt *jt = &x->jt;
    saydo_jt_node *scores = saydo_jt_get(jt, sample, "scores");
    saydo_jt_node *s = saydo_jt_get(jt, scores, x->scorer ? x->scorer : "choice");
    if (!s && !x->scorer) {
        saydo_jt_node *one = saydo_jt_get(jt, sample, "score");
        if (one && one->type == SAYDO_JT_OBJ && saydo_jt_get(jt, sample, "choices")) s = one;
    }
    return s;
}

/* Fills a record from one sample (or journal summary). Returns NULL or why not. */
static const char *sample_record(inspect_t *x, saydo_jt_node *sample, saydo_record_t *rec)
{
    struct saydo_reader *r = x->r;
    saydo_jt *jt = &x->jt;
    if (!sample || sample->type != SAYDO_JT_OBJ) return "a sample that is not a JSON object";
    rec->model = x->model[0] ? x->model : NULL;
    rec->side = x->task;
    rec->item = saydo_jt_scalar(jt, saydo_jt_get(jt, sample, "id"), x->item, sizeof x->item);
    if (!rec->item) return "a sample without an id";
    double ep = 1;
    if (saydo_jt_get(jt, sample, "epoch") && (!saydo_jt_num(jt, saydo_jt_get(jt, sample, "epoch"), &ep) || ep < 1 ||
                                              ep != floor(ep) || ep > 1e9))
        return "epoch is not a whole number >= 1";
    rec->trial = (int32_t)ep - 1;   /* epochs are the repeats */
    saydo_jt_node *choices = saydo_jt_get(jt, sample, "choices");
    int nopt = choices && choices->type == SAYDO_JT_ARR ? (int)choices->n : 0;
    const char *v;
    if (saydo_hx_field(&x->hx, jt, sample, SAYDO_F_N_OPTIONS, x->hx.s_num, SAYDO_HX_SLOT, &v) == 1) nopt = atoi(v);
    if (nopt > SAYDO_MAX_OPTIONS) return "more than 26 choices";
    if (nopt >= 2) rec->n_options = nopt;

    size_t tl = 0;
    const char *text = completion(x, sample, &tl);
    saydo_jt_node *err = saydo_jt_get(jt, sample, "error");
    saydo_jt_node *sc = choice_score(x, sample);
    const char *ans = saydo_jt_str(jt, saydo_jt_get(jt, sc, "answer"), NULL);
    if (x->hx.user[SAYDO_F_CHOICE] &&
        saydo_hx_field(&x->hx, jt, sample, SAYDO_F_CHOICE, x->hx.s_num, SAYDO_HX_SLOT, &v) == 1) {
        /* the mapping names where the letter is */
        rec->choice = strlen(v) == 1 && v[0] >= 'A' && v[0] <= 'Z' ? v[0] - 'A' : saydo_hx_answer(&x->hx, v, strlen(v), nopt);
    } else if (err && err->type != SAYDO_JT_NULL) {
        rec->choice = SAYDO_CHOICE_MISSING;   /* the sample failed: no answer */
    } else if (ans) {
        /* the choice scorer's answer: a letter ("C"); "A,B" (multiple_correct) is not one option */
        size_t al = strlen(ans);
        while (al && ans[al - 1] == ' ') al--;
        int k = al == 1 ? saydo_letter_index(ans[0]) : -1;
        rec->choice = k >= 0 && ans[0] <= 'Z' ? k : al == 0 ? SAYDO_CHOICE_MISSING : SAYDO_CHOICE_UNPARSED;
    } else if (nopt >= 2 || x->hx.n_answers || r->opts.letters) {
        rec->choice = saydo_hx_answer(&x->hx, text, tl, nopt);
    } else {
        /* not a multiple-choice sample: an answer, but no option to read from it */
        rec->choice = text && tl ? SAYDO_CHOICE_UNPARSED : SAYDO_CHOICE_MISSING;
    }
    saydo_jt_node *content = saydo_jt_path(jt, sample, "output.choices.0.logprobs.content");
    int k = saydo_hx_content_logp(jt, content, nopt, rec->logp);
    if (k >= 2) rec->n_logp = k;
    if (r->opts.keep_text && text) {
        rec->text = text;
        rec->text_len = tl;
    }
    return saydo_hx_finish(&x->hx, jt, sample, saydo_jt_get(jt, sample, "metadata"), rec);
}

static saydo_status inspect_next(struct saydo_reader *r, saydo_record_t *rec)
{
    inspect_t *x = r->impl;
    saydo_jt *jt = &x->jt;
    for (;;) {
        saydo_jt_node *sample = NULL;
        if (x->zip) {
            if (x->summaries && x->cur) {   /* the next summary of the list in hand */
                sample = x->cur;
                x->cur = saydo_jt_next(jt, x->samples, x->cur);
            } else {
                if (x->next_member >= x->n_members) return SAYDO_EOF;
                int64_t m = x->members[x->next_member++];
                saydo_jt_node *root;
                int bad;
                saydo_status st = read_member(x, m, &root, &bad);
                r->lines = x->next_member;
                if (bad) return saydo_reader_set_bad(r, 0, NULL, 0, "member %s: %s", saydo_zip_name(x->zip, m), x->jt.err);
                if (st == SAYDO_E_PARSE) {
                    /* a damaged archive or a member over the limits stops the file: not a skippable record */
                    char msg[512];
                    snprintf(msg, sizeof msg, "%s", saydo_last_error());
                    return saydo_set_error(SAYDO_E_IO, "%s", msg);
                }
                if (st < 0) return st;
                if (x->summaries) {
                    x->samples = root;
                    x->cur = saydo_jt_child(jt, root);
                    continue;
                }
                sample = root;
            }
        } else {
            if (!x->cur) return SAYDO_EOF;
            sample = x->cur;
            x->cur = saydo_jt_next(jt, x->samples, x->cur);
            r->lines++;
        }
        saydo_record_clear(rec);
        rec->line = x->zip ? 0 : saydo_jt_line_of(x->json, (size_t)(sample->s - x->json), 1);
        const char *why = sample_record(x, sample, rec);
        if (why) {
            if (x->zip && !x->summaries)
                return saydo_reader_set_bad(r, 0, NULL, 0, "member %s: %s", saydo_zip_name(x->zip, x->members[x->next_member - 1]), why);
            return saydo_reader_set_bad(r, rec->line, NULL, 0, "sample %s: %s", rec->item ? rec->item : "?", why);
        }
        return SAYDO_OK;
    }
}
