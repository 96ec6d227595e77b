/* lm-evaluation-harness `--log_samples` files, every shape in use:
 *   - true JSONL with native numbers (mid-2023 big-refactor main.py),
 *   - one pretty-printed JSON array in a ".jsonl" (v0.4.0 - v0.4.2),
 *   - one object per line named ".json" or ".jsonl" with Python-stringified
 *     responses ("-10.125", "False", "-inf", "nan") (v0.4.3 on).
 * The splitter (jsontree.c) tells them apart by content.
 *
 * A multiple-choice document has one loglikelihood request per choice;
 * filtered_resps[k] = [ll_k, is_greedy_k] in request order, which is the
 * numeric order of gen_args_k. The chosen option is the argmax of ll (ties:
 * the first, as numpy.argmax), or with `choice = acc_norm` in the mapping the
 * argmax of ll_k / len(choice_k) in characters, lm-eval's acc_norm. The
 * per-option log-likelihoods are the record's logp, so softmax(ll) is the
 * option distribution. generate_until documents go through answer
 * extraction, one record per repeat when the task sampled several
 * (`repeats: N`; trial = the repeat's index). The results_<date>.json of the same run (found by its date in
 * the same folder) names the model and holds the task's config, both kept as
 * provenance. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/harness.h"
#include "util/strmap.h"
#include "util/try.h"

typedef struct lmeval {
    struct saydo_reader *r;
    saydo_jt_stream *stream;
    saydo_jt jt;
    saydo_hx_t hx;
    char task[256], date[64];
    char *model;                 /* from the results file */
    char *target_delim;          /* the task's target_delimiter (config), default " " */
    int norm;                    /* choice = acc_norm */
    const char *choice_path;     /* choice = <path>: read the choice from the sample */
    const char *only_filter;     /* lmeval.filter = NAME: keep that filter's lines only */
    saydo_strmap_t seen;         /* documents seen, for files without a `filter` key */
    int32_t *seen_n;
    size_t seen_cap;
    char item[64], variant[64], gold[SAYDO_HX_SLOT];
    /* the line in hand: its records are its repeats (generate_until with repeats > 1), trial = repeat */
    int64_t cur_line;
    const char *cur_text, *cur_variant;
    size_t cur_len;
    int cur_gen, rep_n, rep_next, said_repeats;
    /* generate_until repeats: the kept answer and the raw repeat of the next record, walked with
     * saydo_jt_next (an index per record would make N repeats cost N^2) */
    saydo_jt_node *rep_a, *rep_a_parent, *rep_raw, *rep_raw_parent;
} lmeval_t;

static void lmeval_free(void *p)
{
    lmeval_t *l = p;
    if (!l) return;
    saydo_jt_stream_free(l->stream);
    saydo_jt_free(&l->jt);
    saydo_hx_free(&l->hx);
    saydo_strmap_free(&l->seen);
    free(l->seen_n);
    free(l->model);
    free(l->target_delim);
    free(l);
}

/* "samples_<task>_<date>" (date as lm-eval writes it: 2024-06-13T12-01-02.123456),
 * older "<model_args>_<task>", or a name a person gave: the task and date. */
static void task_from_name(const char *stem, char *task, size_t tcap, char *date, size_t dcap)
{
    const char *s = strstr(stem, "samples_");
    date[0] = '\0';
    if (s) {
        s += 8;
        const char *u = strrchr(s, '_');
        /* the date: 4 digits, '-', 2 digits, '-', 2 digits, 'T' */
        if (u && strlen(u + 1) >= 11 && u[5] == '-' && u[8] == '-' && u[11] == 'T') {
            snprintf(date, dcap, "%s", u + 1);
            snprintf(task, tcap, "%.*s", (int)(u - s), s);
            return;
        }
        snprintf(task, tcap, "%s", s);
        return;
    }
    const char *dd = NULL;
    for (const char *p = stem; (p = strstr(p, "__")) != NULL; p += 2) dd = p;
    s = dd ? dd + 2 : stem;
    while (*s == '_') s++;
    snprintf(task, tcap, "%s", *s ? s : stem);
}

/* The model named in a results file: model_name, else model_args' pretrained/model/path. */
static void results_model(saydo_jt *jt, saydo_jt_node *root, char **out)
{
    char buf[512];
    const char *v = saydo_jt_scalar(jt, saydo_jt_get(jt, root, "model_name"), buf, sizeof buf);
    saydo_jt_node *cfg = saydo_jt_get(jt, root, "config");
    saydo_jt_node *ma = saydo_jt_get(jt, cfg, "model_args");
    if (!v && ma && ma->type == SAYDO_JT_OBJ) {
        static const char *keys[] = {"pretrained", "model", "path", "model_name"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !v; i++)
            v = saydo_jt_scalar(jt, saydo_jt_get(jt, ma, keys[i]), buf, sizeof buf);
    }
    if (!v && ma && ma->type == SAYDO_JT_STR) {   /* "pretrained=EleutherAI/pythia-70m,dtype=float" */
        const char *s = saydo_jt_str(jt, ma, NULL);
        static const char *keys[] = {"pretrained=", "model=", "path="};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !v; i++) {
            const char *p = strstr(s, keys[i]);
            if (p && (p == s || p[-1] == ',')) {
                p += strlen(keys[i]);
                snprintf(buf, sizeof buf, "%.*s", (int)strcspn(p, ","), p);
                v = buf;
            }
        }
    }
    if (!v) v = saydo_jt_scalar(jt, saydo_jt_get(jt, cfg, "model"), buf, sizeof buf);
    if (v && *v) *out = strdup(v);
}

/* Finds results_<date>.json beside the samples file (any prefix a person put
 * before it), or takes `lmeval.results = FILE` from the mapping. */
static int find_results(lmeval_t *l, const char *dir, char *path, size_t cap)
{
    const char *opt = saydo_fieldmap_option(l->r->map, "lmeval.results");
    if (opt) {
        if (opt[0] == '/') snprintf(path, cap, "%s", opt);
        else snprintf(path, cap, "%s/%s", dir, opt);
        return 1;
    }
    if (!l->date[0] || l->r->src->fd < 0) return 0;
    char want[128];
    snprintf(want, sizeof want, "results_%s.json", l->date);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name), m = strlen(want);
        if (n >= m && strcmp(e->d_name + n - m, want) == 0) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

static saydo_status read_results(lmeval_t *l)
{
    saydo_status st = SAYDO_OK;
    struct saydo_reader *r = l->r;
    char dir[4096], path[4352];
    saydo_src_t *src = NULL;
    char *text = NULL;
    size_t len = 0;
    saydo_jt jt;
    saydo_jt_init(&jt);
    saydo_hx_dir(r->src->name, dir, sizeof dir);
    if (!find_results(l, dir, path, sizeof path)) {
        if (!r->opts.quiet && !r->opts.model)
            SAYDO_LOG_INFO("%s: no results_%s.json beside it: the model comes from --model or the mapping",
                           r->src->name, l->date[0] ? l->date : "<date>");
        goto cleanup;
    }
    SAYDO_TRY(saydo_src_open_file(path, &src));
    SAYDO_TRY(saydo_src_slurp(src, (size_t)1 << 30, &text, &len));
    if (saydo_jt_parse(&jt, text, len) != SAYDO_OK) {
        SAYDO_LOG_WARN("%s:%lld: results file is not valid JSON (%s): ignored", path,
                       (long long)saydo_jt_line_of(text, jt.err_off, 1), jt.err);
        goto cleanup;
    }
    saydo_jt_node *root = saydo_jt_root(&jt), *cfg = saydo_jt_path(&jt, root, "configs");
    results_model(&jt, root, &l->model);
    SAYDO_TRY(saydo_reader_set_meta(r, "results_file", path));
    if (l->model) SAYDO_TRY(saydo_reader_set_meta(r, "model", l->model));
    char buf[256];
    static const char *facts[] = {"lm_eval_version", "git_hash", "date"};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const char *v = saydo_jt_scalar(&jt, saydo_jt_get(&jt, root, facts[i]), buf, sizeof buf);
        if (v) SAYDO_TRY(saydo_reader_set_meta(r, facts[i], v));
    }
    saydo_jt_node *tc = saydo_jt_get(&jt, cfg, l->task);
    if (tc && tc->type == SAYDO_JT_OBJ) {
        char *raw = saydo_jt_compact(tc->s, tc->len);
        SAYDO_FAIL_IF(!raw, SAYDO_E_NOMEM, "out of memory");
        st = saydo_reader_set_meta(r, "config", raw);
        free(raw);
        SAYDO_TRY(st);
        const char *td = saydo_jt_str(&jt, saydo_jt_get(&jt, tc, "target_delimiter"), NULL);
        if (td) l->target_delim = strdup(td);
    }
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: task %s, model %s (from %s)", r->src->name, l->task, l->model ? l->model : "?", path);
cleanup:
    saydo_jt_free(&jt);
    free(text);
    saydo_src_free(src);
    return st;
}

static saydo_status lmeval_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt lmeval_vt = {"lmeval", lmeval_next, lmeval_free};

saydo_status saydo_lmeval_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    lmeval_t *l = NULL;
    SAYDO_NEW(l, 1);
    l->r = r;
    saydo_jt_init(&l->jt);
    saydo_strmap_init(&l->seen);
    SAYDO_TRY(saydo_hx_init(&l->hx, r));
    task_from_name(l->hx.stem, l->task, sizeof l->task, l->date, sizeof l->date);
    const char *const *cn = l->hx.user[SAYDO_F_CHOICE];
    if (cn && cn[0]) {
        if (strcmp(cn[0], "acc_norm") == 0) l->norm = 1;
        else if (strcmp(cn[0], "acc") != 0) l->choice_path = cn[0];
    }
    l->only_filter = saydo_fieldmap_option(r->map, "lmeval.filter");
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "lm-evaluation-harness"));
    SAYDO_TRY(saydo_reader_set_meta(r, "task", l->task));
    SAYDO_TRY(read_results(l));
    saydo_hx_set_virtual(&l->hx, "task", l->task);
    saydo_hx_set_virtual(&l->hx, "file", l->hx.stem);
    SAYDO_TRY(saydo_jt_stream_create(r->src, r->opts.max_line, &l->stream));
    r->impl = l;
    r->vt = &lmeval_vt;
    l = NULL;
cleanup:
    lmeval_free(l);
    return st;
}

/* Code points of a UTF-8 string: Python's len(). */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* The continuation text of request k: gen_args_k.arg_1 (v0.4.3 on),
 * arguments[k][1] (v0.4.0-0.4.2), or arguments[1] when the file kept only
 * the first request (mid-2023; then only k = 0 is known). */
static const char *choice_text(lmeval_t *l, saydo_jt_node *args, int k, size_t *len)
{
    saydo_jt *jt = &l->jt;
    if (!args) return NULL;
    if (args->type == SAYDO_JT_OBJ) {
        char key[32];
        snprintf(key, sizeof key, "gen_args_%d", k);
        return saydo_jt_str(jt, saydo_jt_get(jt, saydo_jt_get(jt, args, key), "arg_1"), len);
    }
    if (args->type != SAYDO_JT_ARR) return NULL;
    saydo_jt_node *first = saydo_jt_at(jt, args, 0);
    if (first && first->type == SAYDO_JT_ARR) return saydo_jt_str(jt, saydo_jt_at(jt, saydo_jt_at(jt, args, (size_t)k), 1), len);
    return k == 0 ? saydo_jt_str(jt, saydo_jt_at(jt, args, 1), len) : NULL;
}

/* Whether lm-eval logged K unconditional requests after the K real ones (acc_mutual_info). */
static int mutual_info(lmeval_t *l, saydo_jt_node *root)
{
    saydo_jt *jt = &l->jt;
    if (saydo_jt_get(jt, root, "acc_mutual_info")) return 1;
    saydo_jt_node *m = saydo_jt_get(jt, root, "metrics");
    for (saydo_jt_node *c = saydo_jt_child(jt, m); c; c = saydo_jt_next(jt, m, c)) {
        const char *s = saydo_jt_str(jt, c, NULL);
        if (s && strcmp(s, "acc_mutual_info") == 0) return 1;
    }
    return 0;
}

/* A choice value from the sample: a letter, a 0-based index, or a status word. */
static int parse_choice_value(const char *v)
{
    if (!v || !*v) return SAYDO_CHOICE_MISSING;
    if (v[1] == '\0' && v[0] >= 'A' && v[0] <= 'Z') return v[0] - 'A';
    char *end;
    long n = strtol(v, &end, 10);
    if (end != v && (*end == '\0' || strcmp(end, ".0") == 0) && n >= 0 && n < SAYDO_MAX_OPTIONS) return (int)n;
    if (strcmp(v, "refused") == 0) return SAYDO_CHOICE_REFUSED;
    if (strcmp(v, "missing") == 0) return SAYDO_CHOICE_MISSING;
    return SAYDO_CHOICE_UNPARSED;
}

/* The gold option of a multiple-choice document: target as an index ("3",
 * 3), or the choice whose text equals it. Writes a letter, or the target as
 * written when it names no option. */
static const char *gold_label(lmeval_t *l, saydo_jt_node *target, saydo_jt_node *args, int K)
{
    saydo_jt *jt = &l->jt;
    char num[64];
    const char *t = saydo_jt_scalar(jt, target, num, sizeof num);
    if (!t || !*t) return NULL;
    if (K >= 2) {
        double d;
        if (saydo_jt_num(jt, target, &d) && d == floor(d) && d >= 0 && d < K) {
            snprintf(l->gold, sizeof l->gold, "%c", 'A' + (int)d);
            return l->gold;
        }
        /* by text only when every choice's text is known, so one file's gold labels are all letters or all texts */
        const char *delim = l->target_delim ? l->target_delim : " ";
        int match = -1, known = 1;
        for (int k = 0; k < K && known; k++) {
            size_t n;
            const char *c = choice_text(l, args, k, &n);
            if (!c) known = 0;
            size_t dl = strlen(delim);
            if (c && n >= dl && strncmp(c, delim, dl) == 0) c += dl, n -= dl;
            if (c && match < 0 && strlen(t) == n && memcmp(c, t, n) == 0) match = k;
        }
        if (known && match >= 0) {
            snprintf(l->gold, sizeof l->gold, "%c", 'A' + match);
            return l->gold;
        }
    }
    snprintf(l->gold, sizeof l->gold, "%s", t);
    return l->gold;
}

/* Multiple choice: logp from filtered_resps, argmax (or acc_norm) choice.
 * Returns NULL or why the line is bad. */
static const char *read_mc(lmeval_t *l, saydo_jt_node *root, saydo_jt_node *fr, int K, saydo_record_t *rec)
{
    saydo_jt *jt = &l->jt;
    double ll[SAYDO_MAX_OPTIONS];
    int any_nan = 0, finite = 0;
    if (K > SAYDO_MAX_OPTIONS) return "more than 26 choices";
    saydo_jt_node *e = saydo_jt_child(jt, fr);
    for (int k = 0; k < K; k++, e = saydo_jt_next(jt, fr, e)) {
        /* [ll, is_greedy] (filtered_resps), or [[ll, is_greedy]] (resps, one more level per repeat) */
        saydo_jt_node *v = e;
        for (int d = 0; d < 2 && v && v->type == SAYDO_JT_ARR; d++) v = saydo_jt_at(jt, v, 0);
        if (!saydo_jt_num(jt, v, &ll[k])) return "filtered_resps holds a log-likelihood that is not a number";
        if (isnan(ll[k])) any_nan = 1;
        else if (ll[k] == INFINITY) return "a log-likelihood of +inf";
        else if (ll[k] > -INFINITY) finite = 1;
    }
    rec->n_options = K;
    if (any_nan || !finite) {   /* no distribution, and no argmax worth the name */
        rec->choice = SAYDO_CHOICE_UNPARSED;
        return NULL;
    }
    for (int k = 0; k < K; k++) rec->logp[k] = ll[k];
    rec->n_logp = K;
    saydo_jt_node *args = saydo_jt_get(jt, root, "arguments");
    int best = 0;
    double bv = -INFINITY;
    for (int k = 0; k < K; k++) {
        double score = ll[k];
        if (l->norm) {
            size_t n;
            const char *c = choice_text(l, args, k, &n);
            if (!c) return "acc_norm needs every choice's text (arguments.gen_args_N.arg_1); this line lacks it";
            const char *delim = l->target_delim ? l->target_delim : " ";
            size_t dl = strlen(delim);
            if (n >= dl && strncmp(c, delim, dl) == 0) c += dl, n -= dl;
            size_t chars = utf8_chars(c, n);
            if (chars == 0) return "acc_norm: a choice with empty text";
            score = ll[k] / (double)chars;
        }
        if (k == 0 || score > bv) {   /* strict: the first of equal maxima wins, as numpy.argmax */
            bv = score;
            best = k;
        }
    }
    rec->choice = best;
    return NULL;
}

/* generate_until: how many records one line holds, one per repeat (task
 * `repeats: N`, as self-consistency configs use), trial = the repeat's index.
 *   - a filter that kept k answers (take_first_k without take_first) writes
 *     filtered_resps = [[a_1 .. a_k]]: k records from those answers;
 *   - the default `none` filter (take_first) writes filtered_resps = [a_1]
 *     and resps = [[r_1 .. r_N]]: N records, answer extraction over each raw
 *     repeat (r_1 = a_1, so trial 0 is the filtered answer);
 *   - any other filter (a regex, then take_first) kept only the first
 *     repeat's answer: one record, and the log says so once. */
static int gen_repeats(lmeval_t *l, saydo_jt_node *root, saydo_jt_node *fr, const char *filter)
{
    saydo_jt *jt = &l->jt;
    saydo_jt_node *first = saydo_jt_child(jt, fr);
    if (first && first->type == SAYDO_JT_ARR) return first->n >= 1 ? (int)first->n : 1;
    saydo_jt_node *raw = saydo_jt_child(jt, saydo_jt_get(jt, root, "resps"));
    int n = raw && raw->type == SAYDO_JT_ARR ? (int)raw->n : 1;
    if (n <= 1) return 1;
    if (!filter || strcmp(filter, "none") == 0) return n;
    if (!l->said_repeats && !l->r->opts.quiet)
        SAYDO_LOG_INFO("%s:%lld: filter %s kept the first of %d repeats: one record per document (the repeats are "
                       "read as trials from the lines of the `none` filter)", l->r->src->name, (long long)l->cur_line,
                       filter, n);
    l->said_repeats = 1;
    return 1;
}

/* Whether the line is a generation (generate_until): its first request's
 * arguments carry generation kwargs (an object) where a loglikelihood request
 * has the continuation text; without arguments, filtered answers that are
 * strings. */
static int is_generation(lmeval_t *l, saydo_jt_node *root, saydo_jt_node *fr)
{
    saydo_jt *jt = &l->jt;
    saydo_jt_node *args = saydo_jt_get(jt, root, "arguments"), *a1 = NULL;
    if (args && args->type == SAYDO_JT_OBJ) a1 = saydo_jt_get(jt, saydo_jt_get(jt, args, "gen_args_0"), "arg_1");
    else if (args && args->type == SAYDO_JT_ARR) {
        saydo_jt_node *a0 = saydo_jt_at(jt, args, 0);
        /* [[ctx, arg_1], ...] (v0.4.0-0.4.2), or [ctx, arg_1] when only the first request was kept (mid-2023) */
        a1 = a0 && a0->type == SAYDO_JT_ARR ? saydo_jt_at(jt, a0, 1) : saydo_jt_at(jt, args, 1);
    }
    if (a1) return a1->type == SAYDO_JT_OBJ;
    saydo_jt_node *first = saydo_jt_child(jt, fr);
    return first && first->type == SAYDO_JT_STR;
}

/* The record of repeat rep of the line in l->jt. Returns NULL or why the line is bad. */
static const char *line_record(lmeval_t *l, int rep, saydo_record_t *rec)
{
    struct saydo_reader *r = l->r;
    saydo_jt *jt = &l->jt;
    saydo_jt_node *root = saydo_jt_root(jt);
    saydo_record_clear(rec);
    rec->line = l->cur_line;
    rec->model = l->model;
    rec->side = l->task;
    rec->trial = rep;
    rec->item = saydo_jt_scalar(jt, saydo_jt_get(jt, root, "doc_id"), l->item, sizeof l->item);
    rec->variant = l->cur_variant;
    saydo_jt_node *fr = saydo_jt_get(jt, root, "filtered_resps");
    if (!fr) fr = saydo_jt_get(jt, root, "resps");
    saydo_jt_node *first = saydo_jt_child(jt, fr);
    saydo_jt_node *doc = saydo_jt_get(jt, root, "doc");
    const char *why = NULL;
    int K = 0;
    if (l->cur_gen) {
        /* generate_until: the filtered answer (or this repeat's), through answer extraction */
        const char *v;
        int nopt = 0;
        if (saydo_hx_field(&l->hx, jt, root, SAYDO_F_N_OPTIONS, l->hx.s_num, SAYDO_HX_SLOT, &v) == 1)
            nopt = atoi(v);
        else if (doc && saydo_jt_get(jt, doc, "choices") && saydo_jt_get(jt, doc, "choices")->type == SAYDO_JT_ARR)
            nopt = (int)saydo_jt_get(jt, doc, "choices")->n;
        if (nopt > SAYDO_MAX_OPTIONS) nopt = 0;
        saydo_jt_node *raw = l->rep_raw;
        saydo_jt_node *a = first && first->type == SAYDO_JT_ARR ? l->rep_a : rep == 0 ? first : raw;
        if (l->rep_a) l->rep_a = saydo_jt_next(jt, l->rep_a_parent, l->rep_a);
        if (l->rep_raw) l->rep_raw = saydo_jt_next(jt, l->rep_raw_parent, l->rep_raw);
        size_t tl = 0;
        const char *ans = saydo_jt_str(jt, a, &tl);
        rec->choice = saydo_hx_answer(&l->hx, ans, tl, nopt);
        if (nopt >= 2) rec->n_options = nopt;
        if (r->opts.keep_text) {   /* the raw generation, before the filter */
            size_t rl;
            const char *rt = saydo_jt_str(jt, raw, &rl);
            rec->text = rt ? rt : ans;
            rec->text_len = rt ? rl : tl;
        }
    } else if (fr->type == SAYDO_JT_ARR && first && first->type == SAYDO_JT_ARR) {
        /* loglikelihood requests: [[ll, is_greedy], ...] */
        K = (int)fr->n;
        if (K % 2 == 0 && K >= 4 && mutual_info(l, root)) K /= 2;
        if (K >= 2) why = read_mc(l, root, fr, K, rec);
        else rec->choice = SAYDO_CHOICE_UNPARSED;   /* one request: a loglikelihood task, not a choice */
    } else {
        rec->choice = SAYDO_CHOICE_UNPARSED;   /* loglikelihood_rolling and other non-choice outputs */
    }
    if (why) return why;
    if (l->choice_path) {
        const char *cv = saydo_jt_scalar(jt, saydo_jt_path(jt, root, l->choice_path), l->hx.s_num, SAYDO_HX_SLOT);
        if (cv) rec->choice = parse_choice_value(cv);
    }
    const char *gold = gold_label(l, saydo_jt_get(jt, root, "target"), saydo_jt_get(jt, root, "arguments"), K);
    if (gold && rec->n_labels < SAYDO_MAX_LABELS)
        rec->label_name[rec->n_labels] = "gold", rec->label_value[rec->n_labels++] = gold;
    return saydo_hx_finish(&l->hx, jt, root, doc, rec);
}

/* Before v0.4.7 lines carry no filter: the k-th line of a document is its
 * k-th filter, variant "filterk" (none for the first). */
static saydo_status nth_filter(lmeval_t *l, const char *item, const char **variant)
{
    int32_t code;
    int added;
    saydo_status ms = saydo_strmap_put(&l->seen, item, &code, &added);
    if (ms < 0) return ms;
    if ((size_t)code >= l->seen_cap) {
        size_t nc = l->seen_cap ? l->seen_cap * 2 : 1024;
        while (nc <= (size_t)code) nc *= 2;
        int32_t *nn = realloc(l->seen_n, nc * sizeof *nn);
        if (!nn) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        memset(nn + l->seen_cap, 0, (nc - l->seen_cap) * sizeof *nn);
        l->seen_n = nn;
        l->seen_cap = nc;
    }
    int k = ++l->seen_n[code];
    *variant = NULL;
    if (k > 1) {
        snprintf(l->variant, sizeof l->variant, "filter%d", k);
        *variant = l->variant;
    }
    return SAYDO_OK;
}

static saydo_status lmeval_next(struct saydo_reader *r, saydo_record_t *rec)
{
    lmeval_t *l = r->impl;
    saydo_jt *jt = &l->jt;
    for (;;) {
        if (l->rep_next < l->rep_n) {   /* the next repeat of the line in hand */
            int rep = l->rep_next++;
            const char *why = line_record(l, rep, rec);
            if (why) {
                l->rep_next = l->rep_n;   /* a bad line is quarantined once, not once per repeat */
                return saydo_reader_set_bad(r, l->cur_line, l->cur_text, l->cur_len, "%s", why);
            }
            return SAYDO_OK;
        }
        const char *text;
        size_t len;
        int64_t line;
        saydo_status st = saydo_jt_stream_next(l->stream, &text, &len, &line);
        r->lines = saydo_jt_stream_lines(l->stream);
        if (st == SAYDO_EOF) return st;
        if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, line, NULL, 0, "%s", saydo_jt_stream_error(l->stream));
        if (st < 0) return st;
        st = saydo_jt_parse(jt, text, len);
        if (st == SAYDO_E_PARSE)
            return saydo_reader_set_bad(r, saydo_jt_line_of(text, jt->err_off, line), text, len, "invalid JSON: %s",
                                        jt->err);
        if (st < 0) return st;
        saydo_jt_node *root = saydo_jt_root(jt);
        if (root->type != SAYDO_JT_OBJ) return saydo_reader_set_bad(r, line, text, len, "not a JSON object");

        const char *filter = saydo_jt_str(jt, saydo_jt_get(jt, root, "filter"), NULL);
        if (l->only_filter && filter && strcmp(filter, l->only_filter) != 0) continue;
        l->cur_line = line;
        l->cur_text = text;
        l->cur_len = len;
        const char *item = saydo_jt_scalar(jt, saydo_jt_get(jt, root, "doc_id"), l->item, sizeof l->item);
        if (!item) return saydo_reader_set_bad(r, line, text, len, "no doc_id");
        saydo_jt_node *fr = saydo_jt_get(jt, root, "filtered_resps");
        if (!fr) fr = saydo_jt_get(jt, root, "resps");
        if (!fr) return saydo_reader_set_bad(r, line, text, len, "no filtered_resps");
        if (filter && strcmp(filter, "none") != 0) {
            l->cur_variant = filter;   /* one line per document per filter: the filter tells them apart */
        } else if (!filter) {
            st = nth_filter(l, item, &l->cur_variant);
            if (st < 0) return st;
        } else {
            l->cur_variant = NULL;
        }
        l->cur_gen = fr->type == SAYDO_JT_ARR && is_generation(l, root, fr);
        l->rep_n = l->cur_gen ? gen_repeats(l, root, fr, filter) : 1;
        l->rep_next = 0;
        saydo_jt_node *first = saydo_jt_child(jt, fr), *raw0 = saydo_jt_child(jt, saydo_jt_get(jt, root, "resps"));
        l->rep_a_parent = first && first->type == SAYDO_JT_ARR ? first : NULL;
        l->rep_a = saydo_jt_child(jt, l->rep_a_parent);
        l->rep_raw_parent = raw0 && raw0->type == SAYDO_JT_ARR ? raw0 : NULL;
        l->rep_raw = saydo_jt_child(jt, l->rep_raw_parent);
    }
}
