/* Shared pieces of the harness readers: the mapping applied over a format's
 * defaults, answer reading, and option distributions from token logprobs. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "io/harness.h"
#include "saydo/extract.h"
#include "util/try.h"

saydo_status saydo_hx_init(saydo_hx_t *hx, struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    saydo_fieldmap_t def;
    memset(hx, 0, sizeof *hx);
    hx->r = r;
    for (int f = 0; f < SAYDO_F_COUNT; f++) hx->user[f] = saydo_fieldmap_user_names(r->map, (saydo_field)f);
    saydo_fieldmap_default(&def);
    hx->n_default_labels = def.n_labels;
    saydo_hx_stem(r->src->name, hx->stem, sizeof hx->stem);
    const char *opts = saydo_fieldmap_option(r->map, "options");
    if (opts) {
        /* `options = Yes|No`: option texts in option order */
        hx->answers_buf = strdup(opts);
        SAYDO_FAIL_IF(!hx->answers_buf, SAYDO_E_NOMEM, "out of memory");
        for (char *tok = strtok(hx->answers_buf, "|"); tok; tok = strtok(NULL, "|")) {
            SAYDO_FAIL_IF(hx->n_answers >= SAYDO_MAX_OPTIONS, SAYDO_E_INVAL, "mapping: more than %d options",
                          SAYDO_MAX_OPTIONS);
            while (isspace((unsigned char)*tok)) tok++;
            char *e = tok + strlen(tok);
            while (e > tok && isspace((unsigned char)e[-1])) *--e = '\0';
            hx->answer[hx->n_answers++] = tok;
        }
        SAYDO_FAIL_IF(hx->n_answers < 2, SAYDO_E_INVAL, "mapping: `options` needs at least two texts: 'Yes|No'");
    }
cleanup:
    return st;
}

void saydo_hx_free(saydo_hx_t *hx)
{
    if (!hx) return;
    free(hx->answers_buf);
    hx->answers_buf = NULL;
}

void saydo_hx_set_virtual(saydo_hx_t *hx, const char *name, const char *value)
{
    for (int i = 0; i < hx->n_virt; i++)
        if (strcmp(hx->virt_name[i], name) == 0) {
            hx->virt_val[i] = value;
            return;
        }
    if (hx->n_virt < SAYDO_HX_MAX_VIRT) {
        hx->virt_name[hx->n_virt] = name;
        hx->virt_val[hx->n_virt++] = value;
    }
}

/* One mapping name: a "literal", a virtual name, or a path into root. */
static int resolve(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, const char *name, char *buf, size_t cap,
                   const char **out)
{
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
        if (n - 2 + 1 > cap) return 0;
        memcpy(buf, name + 1, n - 2);
        buf[n - 2] = '\0';
        *out = buf;
        return 1;
    }
    for (int i = 0; i < hx->n_virt; i++)
        if (strcmp(hx->virt_name[i], name) == 0 && hx->virt_val[i]) {
            *out = hx->virt_val[i];
            return 1;
        }
    if (hx->alt_prefix && strncmp(name, hx->alt_prefix, strlen(hx->alt_prefix)) == 0) {
        if (!hx->alt_root) return 0;
        const char *v = saydo_jt_scalar(hx->alt_jt, saydo_jt_path(hx->alt_jt, hx->alt_root, name + strlen(hx->alt_prefix)),
                                        buf, cap);
        if (!v) return 0;
        *out = v;
        return 1;
    }
    if (!root) return 0;
    const char *v = saydo_jt_scalar(jt, saydo_jt_path(jt, root, name), buf, cap);
    if (!v) return 0;
    *out = v;
    return 1;
}

int saydo_hx_field(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_field f, char *buf, size_t cap,
                   const char **out)
{
    const char *const *names = hx->user[f];
    if (!names) return -1;
    for (int a = 0; a < SAYDO_MAX_ALIASES && names[a]; a++)
        if (resolve(hx, jt, root, names[a], buf, cap, out)) return 1;
    return 0;
}

int saydo_hx_letters(saydo_hx_t *hx, int n_options)
{
    int l = hx->r->opts.letters;
    if (l > 0) return l > SAYDO_MAX_OPTIONS ? SAYDO_MAX_OPTIONS : l < 2 ? 2 : l;
    if (n_options >= 2) return n_options;
    if (l < 0) return SAYDO_MAX_OPTIONS;
    if (!hx->said_letters && !hx->r->opts.quiet)
        SAYDO_LOG_INFO("%s: the number of options is unknown: answer extraction reads A-D "
                       "(name n_options in the --map, or pass --letters)", hx->r->src->name);
    hx->said_letters = 1;
    return 4;
}

static int is_trim(unsigned char c)
{
    return isspace(c) || c == '.' || c == ',' || c == '!' || c == '?' || c == ':' || c == ';' || c == '"' ||
           c == '\'' || c == '(' || c == ')' || c == '*';
}

int saydo_hx_answer(saydo_hx_t *hx, const char *text, size_t len, int n_options)
{
    if (!text) return SAYDO_CHOICE_MISSING;
    if (hx->n_answers == 0) {
        saydo_extract_opts_t eo;
        saydo_extract_opts_default(&eo);
        eo.n_letters = saydo_hx_letters(hx, n_options);
        return saydo_extract_answer(text, len, &eo);
    }
    /* refusals first, by the WDCT phrases (extraction with no letters in play) */
    saydo_extract_opts_t eo;
    saydo_extract_opts_default(&eo);
    int ex = saydo_extract_answer(text, len, &eo);
    if (ex == SAYDO_CHOICE_MISSING || ex == SAYDO_CHOICE_REFUSED) return ex;
    size_t b = 0, e = len;
    while (b < e && is_trim((unsigned char)text[b])) b++;
    while (e > b && is_trim((unsigned char)text[e - 1])) e--;
    if (b == e) return SAYDO_CHOICE_MISSING;
    int prefix = -1;
    for (int i = 0; i < hx->n_answers; i++) {
        size_t m = strlen(hx->answer[i]);
        if (m == e - b && strncasecmp(text + b, hx->answer[i], m) == 0) return i;
        /* "Yes, because ..." : the option text then a non-letter */
        if (prefix < 0 && m < e - b && strncasecmp(text + b, hx->answer[i], m) == 0 &&
            !isalnum((unsigned char)text[b + m]))
            prefix = i;
    }
    return prefix >= 0 ? prefix : SAYDO_CHOICE_UNPARSED;
}

int saydo_hx_token_letter(const char *tok, size_t n, int nopt)
{
    size_t b = 0, e = n;
    while (b < e && (isspace((unsigned char)tok[b]) || strchr("().:*", tok[b]))) b++;
    while (e > b && (isspace((unsigned char)tok[e - 1]) || strchr("().:*", tok[e - 1]))) e--;
    if (e - b != 1 || tok[b] < 'A' || tok[b] > 'Z') return -1;
    int idx = tok[b] - 'A';
    return (nopt > 0 && idx >= nopt) ? -1 : idx;
}

/* log(exp(a) + exp(b)) without overflow; -inf is the identity. */
static double logaddexp(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double m = a > b ? a : b;
    return m + log(exp(a - m) + exp(b - m));
}

static double sentinel(double lp) { return lp <= -9999.0 ? -INFINITY : lp; }

/* Fills logp[0..n) from accumulated letters; n = nopt, or the highest letter
 * seen + 1 when the options are unknown. */
static int finish_logp(const double *acc, int seen_max, int nopt, double *logp)
{
    if (seen_max < 0) return 0;
    int n = nopt > 0 ? nopt : (seen_max + 1 < 2 ? 2 : seen_max + 1);
    for (int i = 0; i < n; i++) logp[i] = acc[i];
    return n;
}

int saydo_hx_content_logp(saydo_jt *jt, saydo_jt_node *content, int nopt, double *logp)
{
    if (!content || content->type != SAYDO_JT_ARR) return 0;
    for (saydo_jt_node *t = saydo_jt_child(jt, content); t; t = saydo_jt_next(jt, content, t)) {
        size_t tl;
        const char *tok = saydo_jt_str(jt, saydo_jt_get(jt, t, "token"), &tl);
        if (!tok || saydo_hx_token_letter(tok, tl, nopt) < 0) continue;
        saydo_jt_node *top = saydo_jt_get(jt, t, "top_logprobs");
        if (!top || top->type != SAYDO_JT_ARR || top->n == 0) return 0;
        double acc[SAYDO_MAX_OPTIONS];
        int seen = -1;
        for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) acc[i] = -INFINITY;
        for (saydo_jt_node *e = saydo_jt_child(jt, top); e; e = saydo_jt_next(jt, top, e)) {
            size_t el;
            const char *et = saydo_jt_str(jt, saydo_jt_get(jt, e, "token"), &el);
            double lp;
            if (!et || !saydo_jt_num(jt, saydo_jt_get(jt, e, "logprob"), &lp) || isnan(lp)) continue;
            int k = saydo_hx_token_letter(et, el, nopt);
            if (k < 0) continue;
            acc[k] = logaddexp(acc[k], sentinel(lp));
            if (k > seen) seen = k;
        }
        return finish_logp(acc, seen, nopt, logp);
    }
    return 0;
}

int saydo_hx_map_logp(saydo_jt *jt, saydo_jt_node *top, int nopt, double *logp)
{
    if (!top || top->type != SAYDO_JT_OBJ || top->n == 0) return 0;
    double acc[SAYDO_MAX_OPTIONS];
    int seen = -1;
    char kb[64];
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++) acc[i] = -INFINITY;
    for (saydo_jt_node *e = saydo_jt_child(jt, top); e; e = saydo_jt_next(jt, top, e)) {
        const char *k = saydo_jt_key(jt, e, kb, sizeof kb);
        double lp;
        if (!k || !saydo_jt_num(jt, e, &lp) || isnan(lp)) continue;
        int idx = saydo_hx_token_letter(k, strlen(k), nopt);
        if (idx < 0) continue;
        acc[idx] = logaddexp(acc[idx], sentinel(lp));
        if (idx > seen) seen = idx;
    }
    return finish_logp(acc, seen, nopt, logp);
}

static int parse_count(const char *s, long lo, long hi, long *out)
{
    char *end;
    double d = strtod(s, &end);
    while (*end == ' ') end++;
    if (end == s || *end || d != floor(d) || d < (double)lo || d > (double)hi) return 0;
    *out = (long)d;
    return 1;
}

static void add_label(saydo_record_t *rec, const char *name, const char *value)
{
    for (int k = 0; k < rec->n_labels; k++)
        if (strcmp(rec->label_name[k], name) == 0) {   /* the mapping overrides the format's own label */
            rec->label_value[k] = value;
            return;
        }
    if (rec->n_labels < SAYDO_MAX_LABELS) {
        rec->label_name[rec->n_labels] = name;
        rec->label_value[rec->n_labels++] = value;
    }
}

static const char *map_labels(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_jt_node *doc,
                              saydo_record_t *rec)
{
    const saydo_fieldmap_t *map = hx->r->map;
    for (int i = 0; i < map->n_labels && i < SAYDO_MAX_LABELS; i++) {
        const char *src = map->label_src[i], *v = NULL;
        char *slot = hx->s_label[i];
        if (i < hx->n_default_labels) {
            /* saydo's default label names, looked for among the document's fields */
            if (!doc || strcmp(src, "filter") == 0) continue;
            v = saydo_jt_scalar(jt, saydo_jt_get(jt, doc, src), slot, SAYDO_HX_SLOT);
        } else if (!resolve(hx, jt, root, src, slot, SAYDO_HX_SLOT, &v)) {
            continue;
        }
        if (v && *v) add_label(rec, map->label_dst[i], v);
    }
    return NULL;
}

static const char *map_option_map(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_record_t *rec)
{
    const char *v;
    long flag;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_CONSISTENCY, hx->s_num, sizeof hx->s_num, &v) == 1) {
        if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0) flag = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0) flag = 0;
        else if (!parse_count(v, 0, 1, &flag)) return "consistency must be 0 or 1";
        saydo_record_set_flag_map(rec, (int)flag, rec->n_options >= 2 ? rec->n_options : 2);
    }
    const char *const *names = hx->user[SAYDO_F_OPTION_MAP];
    for (int a = 0; names && a < SAYDO_MAX_ALIASES && names[a]; a++) {
        saydo_jt_node *arr = saydo_jt_path(jt, root, names[a]);
        if (!arr || arr->type != SAYDO_JT_ARR) continue;
        if (arr->n == 0 || arr->n > SAYDO_MAX_OPTIONS) return "option_map must list 1..26 option indexes";
        unsigned seen = 0;
        int i = 0;
        for (saydo_jt_node *e = saydo_jt_child(jt, arr); e; e = saydo_jt_next(jt, arr, e), i++) {
            double d;
            if (!saydo_jt_num(jt, e, &d) || d != floor(d) || d < 0 || d >= arr->n || (seen >> (int)d & 1))
                return "option_map is not a permutation";
            seen |= 1u << (int)d;
            rec->option_map[i] = (int8_t)d;
        }
        for (; i < SAYDO_MAX_OPTIONS; i++) rec->option_map[i] = (int8_t)i;
        rec->has_option_map = 1;
        break;
    }
    return NULL;
}

const char *saydo_hx_finish(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_jt_node *doc,
                            saydo_record_t *rec)
{
    struct saydo_reader *r = hx->r;
    const char *v;
    long lv;
    /* an explicit --model/--condition wins, then the mapping, then what the file says */
    if (r->opts.model) rec->model = r->opts.model;
    else if (saydo_hx_field(hx, jt, root, SAYDO_F_MODEL, hx->s_model, SAYDO_HX_SLOT, &v) == 1) rec->model = v;
    if (r->opts.condition) rec->condition = r->opts.condition;
    else if (saydo_hx_field(hx, jt, root, SAYDO_F_CONDITION, hx->s_cond, SAYDO_HX_SLOT, &v) == 1) rec->condition = v;
    if (!rec->condition) rec->condition = "base";
    if (saydo_hx_field(hx, jt, root, SAYDO_F_ITEM, hx->s_item, SAYDO_HX_SLOT, &v) == 1) rec->item = v;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_SIDE, hx->s_side, SAYDO_HX_SLOT, &v) == 1) rec->side = v;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_VARIANT, hx->s_variant, SAYDO_HX_SLOT, &v) == 1) rec->variant = v;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_DOMAIN, hx->s_domain, SAYDO_HX_SLOT, &v) == 1) rec->domain = v;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_METHOD, hx->s_method, SAYDO_HX_SLOT, &v) == 1) rec->method = v;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_TRAINED_SIDE, hx->s_tside, SAYDO_HX_SLOT, &v) == 1)
        rec->trained_side = v;
    if (!rec->trained_side) rec->trained_side = r->opts.trained_side;
    if (saydo_hx_field(hx, jt, root, SAYDO_F_TRIAL, hx->s_num, SAYDO_HX_SLOT, &v) == 1) {
        if (!parse_count(v, 0, INT32_MAX, &lv)) return "the mapped trial is not a whole number >= 0";
        rec->trial = (int32_t)lv;
    }
    if (saydo_hx_field(hx, jt, root, SAYDO_F_ROUND, hx->s_num, SAYDO_HX_SLOT, &v) == 1) {
        if (!parse_count(v, 0, SAYDO_MAX_ROUND, &lv)) return "the mapped round is not a whole number >= 0";
        rec->round = (int)lv;
    }
    if (saydo_hx_field(hx, jt, root, SAYDO_F_N_OPTIONS, hx->s_num, SAYDO_HX_SLOT, &v) == 1) {
        if (!parse_count(v, 2, SAYDO_MAX_OPTIONS, &lv)) return "the mapped n_options is not 2..26";
        rec->n_options = (int)lv;
    }
    map_labels(hx, jt, root, doc, rec);
    const char *why = map_option_map(hx, jt, root, rec);
    if (why) return why;

    if (!rec->model || !*rec->model) return "no model (the log names none: pass --model or map `model`)";
    if (!rec->item || !*rec->item) return "no item id";
    if (!rec->side || !*rec->side) return "no side";
    rec->side = saydo_fieldmap_side(r->map, rec->side);
    if (rec->trained_side) rec->trained_side = saydo_fieldmap_side(r->map, rec->trained_side);
    if (!rec->variant) rec->variant = "";
    if (rec->n_logp > SAYDO_MAX_OPTIONS) return "more than 26 options";
    if (rec->n_options && rec->n_logp > rec->n_options) return "more log-probabilities than options";
    if (!rec->n_options && rec->n_logp >= 2) rec->n_options = rec->n_logp;
    if (rec->choice >= SAYDO_MAX_OPTIONS) return "choice outside A-Z";
    if (rec->choice >= 0 && rec->n_options && rec->choice >= rec->n_options) return "choice outside the item's options";
    if (rec->choice >= 0 && !rec->n_options) rec->n_options = rec->choice + 1 > 2 ? rec->choice + 1 : 2;
    for (int i = 0; i < rec->n_logp; i++)
        if (isnan(rec->logp[i]) || rec->logp[i] == INFINITY) return "a log-probability is NaN or +inf";
    if (r->opts.keep_text && rec->text && !saydo_utf8_valid(rec->text, rec->text_len)) {
        rec->text = NULL;   /* the store keeps UTF-8 only; the record itself is still good */
        rec->text_len = 0;
    }
    return NULL;
}

void saydo_hx_stem(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot > b ? (size_t)(dot - b) : strlen(b);
    if (n >= cap) n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

void saydo_hx_dir(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    if (!b) {
        snprintf(out, cap, ".");
        return;
    }
    size_t n = (size_t)(b - path);
    if (n == 0) n = 1;   /* "/file" */
    if (n >= cap) n = cap - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

/* ---- companion files: written beside the logs, no per-sample records ---- */

/* A harness writes files beside its per-sample logs that hold aggregates or
 * the run's set-up only. A glob over a run's folder meets them: reading one
 * yields no record, with a message saying where the records are, instead of
 * quarantining every line of it as saydo JSONL. */
static saydo_status aux_next(struct saydo_reader *r, saydo_record_t *rec)
{
    (void)r;
    (void)rec;
    return SAYDO_EOF;
}
static const saydo_reader_vt lmeval_results_vt = {"lmeval-results", aux_next, NULL};
static const saydo_reader_vt helm_aux_vt = {"helm-aux", aux_next, NULL};

saydo_status saydo_lmeval_results_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "lm-evaluation-harness"));
    SAYDO_TRY(saydo_reader_set_meta(r, "file", "aggregate results"));
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: lm-evaluation-harness aggregate results, no per-sample records: nothing to ingest (the "
                       "samples_<task>_<date>.jsonl files of the same run hold them, and take their model and task "
                       "config from this file)", r->src->name);
    r->vt = &lmeval_results_vt;
cleanup:
    return st;
}

saydo_status saydo_helm_aux_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "helm"));
    SAYDO_TRY(saydo_reader_set_meta(r, "file", "run spec, scenario or aggregate stats"));
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: a HELM run's spec, scenario or aggregate stats, no per-instance records: nothing to "
                       "ingest (name the run directory, or its scenario_state.json)", r->src->name);
    r->vt = &helm_aux_vt;
cleanup:
    return st;
}
