/* HELM run directories: scenario_state.json (the request states), with
 * run_spec.json and per_instance_stats.json beside it when present.
 *
 * One record per instance, train trial and perturbation: item = instance.id,
 * trial = train_trial_index, variant = the perturbation's name, model =
 * adapter_spec.model, side = the run's name without its model= argument.
 *
 *  - multiple_choice_joint: one request shows every option; the completion
 *    (" D") is the letter chosen, read through output_mapping. An option
 *    distribution only when the completion's first token logged top_logprobs.
 *  - multiple_choice_separate_original / _calibrated: one request per
 *    reference (and per calibration request). The reference's score is HELM's
 *    (metrics/basic_metrics.py): the summed logprob of the completion's last
 *    tokens that spell " " + reference, divided by their count (original), or
 *    minus the calibration request's sum (calibrated); softmax of the scores
 *    is the option distribution (HELM's max_prob), and the chosen option is
 *    per_instance_stats' predicted_index when present, else the first argmax.
 *    The tokens are found by their text, so no tokenizer is needed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/harness.h"
#include "util/strmap.h"
#include "util/try.h"

typedef struct helm {
    struct saydo_reader *r;
    saydo_hx_t hx;
    saydo_jt jt, st;              /* scenario_state; per_instance_stats */
    char *text, *stats_text;
    size_t text_len, stats_len;
    int separate, calibrated;
    saydo_jt_node *states, *cur;  /* request_states and the next one (joint) */
    /* separate methods: request states grouped per (instance, trial, perturbation) */
    saydo_strmap_t groups;
    uint32_t **members;           /* node indexes of each group's request states */
    size_t *n_members, n_groups, next_group;
    saydo_strmap_t predicted;     /* "id\x1ftrial\x1fperturbation" -> predicted_index */
    double *pred;
    size_t pred_cap;
    char side[512], model[256];
    char item[256], variant[256], gold[8];
    size_t line_off;
    int64_t line_at;
} helm_t;

static void helm_free(void *p)
{
    helm_t *h = p;
    if (!h) return;
    saydo_hx_free(&h->hx);
    saydo_jt_free(&h->jt);
    saydo_jt_free(&h->st);
    free(h->text);
    free(h->stats_text);
    for (size_t i = 0; i < h->n_groups; i++) free(h->members[i]);
    free(h->members);
    free(h->n_members);
    saydo_strmap_free(&h->groups);
    saydo_strmap_free(&h->predicted);
    free(h->pred);
    free(h);
}

/* Reads dir/name whole; *text NULL when the file is absent. */
static saydo_status slurp_path(const char *dir, const char *name, char **text, size_t *len)
{
    saydo_status st = SAYDO_OK;
    char path[4352];
    saydo_src_t *src = NULL;
    *text = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, R_OK) != 0) return SAYDO_OK;
    SAYDO_TRY(saydo_src_open_file(path, &src));
    SAYDO_TRY(saydo_src_slurp(src, 0, text, len));
cleanup:
    saydo_src_free(src);
    return st;
}

/* The key of one instance presentation. */
static void group_key(saydo_jt *jt, saydo_jt_node *state, char *buf, size_t cap)
{
    char a[256], b[64], c[256];
    saydo_jt_node *inst = saydo_jt_get(jt, state, "instance");
    const char *id = saydo_jt_scalar(jt, saydo_jt_get(jt, inst, "id"), a, sizeof a);
    const char *tr = saydo_jt_scalar(jt, saydo_jt_get(jt, state, "train_trial_index"), b, sizeof b);
    const char *pe = saydo_jt_scalar(jt, saydo_jt_path(jt, inst, "perturbation.name"), c, sizeof c);
    snprintf(buf, cap, "%s\x1f%s\x1f%s", id ? id : "", tr ? tr : "0", pe ? pe : "");
}

static saydo_status read_stats(helm_t *h, const char *dir)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(slurp_path(dir, "per_instance_stats.json", &h->stats_text, &h->stats_len));
    if (!h->stats_text) goto cleanup;
    if (saydo_jt_parse(&h->st, h->stats_text, h->stats_len) != SAYDO_OK) {
        SAYDO_LOG_WARN("%s/per_instance_stats.json: not valid JSON (%s): ignored", dir, h->st.err);
        goto cleanup;
    }
    saydo_jt *jt = &h->st;
    saydo_jt_node *root = saydo_jt_root(jt);
    for (saydo_jt_node *e = saydo_jt_child(jt, root); e; e = saydo_jt_next(jt, root, e)) {
        saydo_jt_node *stats = saydo_jt_get(jt, e, "stats");
        for (saydo_jt_node *s = saydo_jt_child(jt, stats); s; s = saydo_jt_next(jt, stats, s)) {
            const char *nm = saydo_jt_str(jt, saydo_jt_path(jt, s, "name.name"), NULL);
            double v;
            if (!nm || strcmp(nm, "predicted_index") != 0 || !saydo_jt_num(jt, saydo_jt_get(jt, s, "mean"), &v)) continue;
            char key[640], a[256], b[64], c[256];
            const char *id = saydo_jt_scalar(jt, saydo_jt_get(jt, e, "instance_id"), a, sizeof a);
            const char *tr = saydo_jt_scalar(jt, saydo_jt_get(jt, e, "train_trial_index"), b, sizeof b);
            const char *pe = saydo_jt_scalar(jt, saydo_jt_path(jt, s, "name.perturbation.name"), c, sizeof c);
            snprintf(key, sizeof key, "%s\x1f%s\x1f%s", id ? id : "", tr ? tr : "0", pe ? pe : "");
            int32_t code;
            SAYDO_TRY(saydo_strmap_put(&h->predicted, key, &code, NULL));
            if ((size_t)code >= h->pred_cap) {
                size_t nc = h->pred_cap ? h->pred_cap * 2 : 256;
                while (nc <= (size_t)code) nc *= 2;
                double *np = realloc(h->pred, nc * sizeof *np);
                SAYDO_FAIL_IF(!np, SAYDO_E_NOMEM, "out of memory");
                h->pred = np;
                h->pred_cap = nc;
            }
            h->pred[code] = v;
        }
    }
cleanup:
    return st;
}

static saydo_status build_groups(helm_t *h)
{
    saydo_status st = SAYDO_OK;
    saydo_jt *jt = &h->jt;
    size_t cap = 0;
    for (saydo_jt_node *s = saydo_jt_child(jt, h->states); s; s = saydo_jt_next(jt, h->states, s)) {
        char key[640];
        group_key(jt, s, key, sizeof key);
        int32_t g;
        int added;
        SAYDO_TRY(saydo_strmap_put(&h->groups, key, &g, &added));
        if (added) {
            if (h->n_groups == cap) {
                size_t nc = cap ? cap * 2 : 64;
                uint32_t **nm = realloc(h->members, nc * sizeof *nm);
                if (nm) h->members = nm;
                size_t *nn = realloc(h->n_members, nc * sizeof *nn);
                if (nn) h->n_members = nn;
                SAYDO_FAIL_IF(!nm || !nn, SAYDO_E_NOMEM, "out of memory");
                cap = nc;
            }
            h->members[h->n_groups] = NULL;
            h->n_members[h->n_groups++] = 0;
        }
        size_t n = h->n_members[g];
        if ((n & (n - 1)) == 0) {   /* grow at powers of two */
            uint32_t *nm = realloc(h->members[g], (n ? n * 2 : 4) * sizeof *nm);
            SAYDO_FAIL_IF(!nm, SAYDO_E_NOMEM, "out of memory");
            h->members[g] = nm;
        }
        h->members[g][h->n_members[g]++] = (uint32_t)(s - jt->nodes);
    }
cleanup:
    return st;
}

static saydo_status helm_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt helm_vt = {"helm", helm_next, helm_free};

saydo_status saydo_helm_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    helm_t *h = NULL;
    char dir[4096], *spec = NULL;
    size_t spec_len = 0;
    saydo_jt sj;
    saydo_jt_init(&sj);
    SAYDO_NEW(h, 1);
    h->r = r;
    saydo_jt_init(&h->jt);
    saydo_jt_init(&h->st);
    saydo_strmap_init(&h->groups);
    saydo_strmap_init(&h->predicted);
    SAYDO_TRY(saydo_hx_init(&h->hx, r));
    saydo_hx_dir(r->src->name, dir, sizeof dir);
    const char *base = strrchr(r->src->name, '/');
    base = base ? base + 1 : r->src->name;
    if (strcmp(base, "per_instance_stats.json") == 0) {
        /* named the stats: the records are in the scenario state beside them */
        SAYDO_TRY(slurp_path(dir, "scenario_state.json", &h->text, &h->text_len));
        SAYDO_FAIL_IF(!h->text, SAYDO_E_IO, "%s: no scenario_state.json beside it: HELM's request states are needed",
                      r->src->name);
    } else {
        SAYDO_TRY(saydo_src_slurp(r->src, 0, &h->text, &h->text_len));
    }
    st = saydo_jt_parse(&h->jt, h->text, h->text_len);
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s/scenario_state.json:%lld: invalid JSON: %s", dir,
                  (long long)saydo_jt_line_of(h->text, h->jt.err_off, 1), h->jt.err);
    SAYDO_TRY(st);
    saydo_jt_node *root = saydo_jt_root(&h->jt);
    saydo_jt_node *as = saydo_jt_get(&h->jt, root, "adapter_spec");
    h->states = saydo_jt_get(&h->jt, root, "request_states");
    SAYDO_FAIL_IF(!h->states || h->states->type != SAYDO_JT_ARR, SAYDO_E_PARSE,
                  "%s: no request_states array (an encrypted or redacted scenario state?)", r->src->name);
    const char *method = saydo_jt_str(&h->jt, saydo_jt_get(&h->jt, as, "method"), NULL);
    h->separate = method && strncmp(method, "multiple_choice_separate", 24) == 0;
    h->calibrated = method && strcmp(method, "multiple_choice_separate_calibrated") == 0;
    char buf[512];
    const char *m = saydo_jt_scalar(&h->jt, saydo_jt_get(&h->jt, as, "model"), buf, sizeof buf);
    if (m) snprintf(h->model, sizeof h->model, "%s", m);

    /* the side: the run's name without model=... (one side for every model) */
    SAYDO_TRY(slurp_path(dir, "run_spec.json", &spec, &spec_len));
    const char *name = NULL;
    if (spec && saydo_jt_parse(&sj, spec, spec_len) == SAYDO_OK)
        name = saydo_jt_str(&sj, saydo_jt_get(&sj, saydo_jt_root(&sj), "name"), NULL);
    if (!name) {
        const char *d = strrchr(dir, '/');
        name = d ? d + 1 : dir;
    }
    snprintf(h->side, sizeof h->side, "%.500s", name);
    char *mp = strstr(h->side, "model=");
    if (mp && (mp == h->side || mp[-1] == ',' || mp[-1] == ':')) {
        char *end = mp + strcspn(mp, ",");
        if (mp > h->side && mp[-1] == ',') mp--;   /* ",model=x" */
        else if (*end == ',') end++;               /* ":model=x," */
        memmove(mp, end, strlen(end) + 1);
    }
    SAYDO_TRY(saydo_reader_set_meta(r, "harness", "helm"));
    SAYDO_TRY(saydo_reader_set_meta(r, "task", name));
    if (method) SAYDO_TRY(saydo_reader_set_meta(r, "method", method));
    if (h->model[0]) SAYDO_TRY(saydo_reader_set_meta(r, "model", h->model));
    SAYDO_TRY(read_stats(h, dir));
    if (h->separate) SAYDO_TRY(build_groups(h));
    h->cur = saydo_jt_child(&h->jt, h->states);
    h->line_at = 1;
    saydo_hx_set_virtual(&h->hx, "task", h->side);
    saydo_hx_set_virtual(&h->hx, "file", h->hx.stem);
    r->impl = h;
    r->vt = &helm_vt;
    h = NULL;
cleanup:
    saydo_jt_free(&sj);
    free(spec);
    helm_free(h);
    return st;
}

/* Line of a node, counted forward from the last one asked for. */
static int64_t line_of(helm_t *h, const saydo_jt_node *nd)
{
    size_t off = (size_t)(nd->s - h->text);
    if (off < h->line_off) h->line_off = 0, h->line_at = 1;
    h->line_at = saydo_jt_line_of(h->text + h->line_off, off - h->line_off, h->line_at);
    h->line_off = off;
    return h->line_at;
}

/* Instance facts common to both methods: ids, trial, variant, gold. */
static const char *instance_record(helm_t *h, saydo_jt_node *state, saydo_record_t *rec)
{
    saydo_jt *jt = &h->jt;
    saydo_jt_node *inst = saydo_jt_get(jt, state, "instance");
    rec->model = h->model[0] ? h->model : NULL;
    rec->side = h->side;
    rec->item = saydo_jt_scalar(jt, saydo_jt_get(jt, inst, "id"), h->item, sizeof h->item);
    if (!rec->item) return "an instance without an id";
    double t = 0;
    saydo_jt_num(jt, saydo_jt_get(jt, state, "train_trial_index"), &t);
    rec->trial = t >= 0 && t < 1e9 ? (int32_t)t : 0;
    const char *pe = saydo_jt_scalar(jt, saydo_jt_path(jt, inst, "perturbation.name"), h->variant, sizeof h->variant);
    if (pe) rec->variant = pe;
    saydo_jt_node *refs = saydo_jt_get(jt, inst, "references");
    int k = 0;
    for (saydo_jt_node *ref = saydo_jt_child(jt, refs); ref && k < SAYDO_MAX_OPTIONS; ref = saydo_jt_next(jt, refs, ref), k++) {
        saydo_jt_node *tags = saydo_jt_get(jt, ref, "tags");
        for (saydo_jt_node *tg = saydo_jt_child(jt, tags); tg; tg = saydo_jt_next(jt, tags, tg)) {
            const char *tv = saydo_jt_str(jt, tg, NULL);
            if (tv && strcmp(tv, "correct") == 0 && rec->n_labels < SAYDO_MAX_LABELS && !h->gold[0]) {
                snprintf(h->gold, sizeof h->gold, "%c", 'A' + k);
                rec->label_name[rec->n_labels] = "gold";
                rec->label_value[rec->n_labels++] = h->gold;
            }
        }
    }
    return NULL;
}

static const char *joint_record(helm_t *h, saydo_jt_node *state, saydo_record_t *rec)
{
    saydo_jt *jt = &h->jt;
    const char *why = instance_record(h, state, rec);
    if (why) return why;
    saydo_jt_node *om = saydo_jt_get(jt, state, "output_mapping");
    int nopt = om && om->type == SAYDO_JT_OBJ ? (int)om->n : 0;
    if (nopt > SAYDO_MAX_OPTIONS) return "more than 26 options";
    if (nopt >= 2) rec->n_options = nopt;
    saydo_jt_node *res = saydo_jt_get(jt, state, "result");
    saydo_jt_node *ok = saydo_jt_get(jt, res, "success");
    if (!res || (ok && ok->type == SAYDO_JT_BOOL && !(ok->flags & SAYDO_JT_F_TRUE))) {
        const char *e = saydo_jt_str(jt, saydo_jt_get(jt, res, "error"), NULL);
        static char msg[300];
        snprintf(msg, sizeof msg, "the request failed%s%s", e ? ": " : "", e ? e : "");
        return msg;
    }
    saydo_jt_node *c0 = saydo_jt_path(jt, res, "completions.0");
    size_t tl;
    const char *text = saydo_jt_str(jt, saydo_jt_get(jt, c0, "text"), &tl);
    /* the completion is the letter (" D"): an output_mapping key, else extraction */
    int k = text ? saydo_hx_token_letter(text, tl, nopt) : -1;
    char key[2] = {(char)('A' + (k < 0 ? 0 : k)), 0};
    if (k >= 0 && om && !saydo_jt_get(jt, om, key)) k = -1;
    rec->choice = k >= 0 ? k : saydo_hx_answer(&h->hx, text, tl, nopt);
    int n = saydo_hx_map_logp(jt, saydo_jt_path(jt, c0, "tokens.0.top_logprobs"), nopt, rec->logp);
    if (n >= 2) rec->n_logp = n;
    if (h->r->opts.keep_text && text) rec->text = text, rec->text_len = tl;
    return NULL;
}

/* Summed logprob of the completion's last tokens that spell " " + ref, and their count. */
static int reference_logprob(helm_t *h, saydo_jt_node *state, const char *ref, double *lp, int *ntok)
{
    saydo_jt *jt = &h->jt;
    saydo_jt_node *toks = saydo_jt_path(jt, state, "result.completions.0.tokens");
    if (!toks || toks->type != SAYDO_JT_ARR || toks->n == 0) return 0;
    size_t want = strlen(ref) + 1, have = 0;
    double sum = 0;
    int m = 0;
    for (size_t i = toks->n; i-- > 0;) {
        saydo_jt_node *t = saydo_jt_at(jt, toks, i);
        size_t n;
        const char *s = saydo_jt_str(jt, saydo_jt_get(jt, t, "text"), &n);
        double v;
        if (!s || !saydo_jt_num(jt, saydo_jt_get(jt, t, "logprob"), &v)) return 0;
        sum += v;
        m++;
        have += n;
        if (have >= want) break;
    }
    *lp = sum;
    *ntok = m;
    return 1;
}

static const char *separate_record(helm_t *h, size_t g, saydo_record_t *rec)
{
    saydo_jt *jt = &h->jt;
    saydo_jt_node *first = &jt->nodes[h->members[g][0]];
    const char *why = instance_record(h, first, rec);
    if (why) return why;
    saydo_jt_node *refs = saydo_jt_path(jt, first, "instance.references");
    int K = refs ? (int)refs->n : 0;
    if (K < 2 || K > SAYDO_MAX_OPTIONS) return "a multiple-choice instance needs 2..26 references";
    double orig[SAYDO_MAX_OPTIONS], cal[SAYDO_MAX_OPTIONS];
    int norig[SAYDO_MAX_OPTIONS] = {0}, have_o[SAYDO_MAX_OPTIONS] = {0}, have_c[SAYDO_MAX_OPTIONS] = {0};
    for (size_t i = 0; i < h->n_members[g]; i++) {
        saydo_jt_node *s = &jt->nodes[h->members[g][i]];
        double ri;
        if (!saydo_jt_num(jt, saydo_jt_get(jt, s, "reference_index"), &ri) || ri < 0 || ri >= K) continue;
        int k = (int)ri;
        const char *mode = saydo_jt_str(jt, saydo_jt_get(jt, s, "request_mode"), NULL);
        const char *ref = saydo_jt_str(jt, saydo_jt_path(jt, saydo_jt_at(jt, refs, (size_t)k), "output.text"), NULL);
        double lp;
        int m;
        if (!ref || !reference_logprob(h, s, ref, &lp, &m)) continue;
        if (mode && strcmp(mode, "calibration") == 0) cal[k] = lp, have_c[k] = 1;
        else orig[k] = lp, norig[k] = m, have_o[k] = 1;
    }
    double score[SAYDO_MAX_OPTIONS];
    int complete = 1, best = 0;
    for (int k = 0; k < K; k++) {
        if (!have_o[k] || (h->calibrated && !have_c[k])) { complete = 0; break; }
        score[k] = h->calibrated ? orig[k] - cal[k] : orig[k] / norig[k];
        if (score[k] > score[best]) best = k;
    }
    rec->n_options = K;
    if (complete) {
        for (int k = 0; k < K; k++) rec->logp[k] = score[k];
        rec->n_logp = K;
    }
    char key[640];
    group_key(jt, first, key, sizeof key);
    int32_t code = saydo_strmap_get(&h->predicted, key);
    if (code >= 0 && h->pred[code] >= 0 && h->pred[code] < K) rec->choice = (int)h->pred[code];
    else rec->choice = complete ? best : SAYDO_CHOICE_MISSING;
    return NULL;
}

static saydo_status helm_next(struct saydo_reader *r, saydo_record_t *rec)
{
    helm_t *h = r->impl;
    saydo_jt_node *state;
    const char *why;
    saydo_record_clear(rec);
    h->gold[0] = '\0';
    if (h->separate) {
        if (h->next_group >= h->n_groups) return SAYDO_EOF;
        size_t g = h->next_group++;
        state = &h->jt.nodes[h->members[g][0]];
        rec->line = line_of(h, state);
        why = separate_record(h, g, rec);
    } else {
        if (!h->cur) return SAYDO_EOF;
        state = h->cur;
        h->cur = saydo_jt_next(&h->jt, h->states, h->cur);
        rec->line = line_of(h, state);
        why = joint_record(h, state, rec);
    }
    r->lines++;
    if (!why) why = saydo_hx_finish(&h->hx, &h->jt, state, NULL, rec);
    if (why) return saydo_reader_set_bad(r, rec->line, NULL, 0, "request state of instance %s: %s",
                                         rec->item ? rec->item : "?", why);
    return SAYDO_OK;
}
