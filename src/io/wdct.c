/* The "wdct" reader: result CSVs written by the WDCT authors' scripts
 * (eval/test_local_models.py). One row holds an item's two questions, the
 * raw answers, the consistency flag and the first-token logits of A and B;
 * each row becomes two records, side "word" (speak) and side "deed" (act).
 *
 * Choices come from our own extraction over the raw answers (the authors'
 * rules, widened to the options the question lists), not from their
 * extract_* columns, so a third option "C" is read where they saw nothing. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/csv.h"
#include "io/reader_impl.h"
#include "saydo/extract.h"
#include "saydo/wdct.h"
#include "util/try.h"

/* ---- file names ------------------------------------------------------- */

static int is_number_token(const char *s)
{
    int digits = 0, dots = 0;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s)) digits++;
        else if (*s == '.' && !dots) dots++;
        else return 0;
    }
    return digits > 0;
}

static int is_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Joins tok[a, b) with '_' into dst; returns 0 when it does not fit. */
static int join(char *dst, size_t cap, char **tok, int a, int b)
{
    size_t n = 0;
    dst[0] = '\0';
    for (int i = a; i < b; i++) {
        int w = snprintf(dst + n, cap - n, "%s%s", i > a ? "_" : "", tok[i]);
        if (w < 0 || (size_t)w >= cap - n) return 0;
        n += (size_t)w;
    }
    return 1;
}

void saydo_wdct_condition_facts(const char *cond, saydo_wdct_names_t *out)
{
    out->method[0] = '\0';
    out->trained_side[0] = '\0';
    out->round = -1;
    if (!cond || !*cond || strcmp(cond, "base") == 0) return;
    /* the method named last wins ("sft-dpo" is a DPO checkpoint) */
    const char *sft = NULL, *dpo = NULL;
    for (const char *p = cond; (p = strstr(p, "sft")); p++) sft = p;
    for (const char *p = cond; (p = strstr(p, "dpo")); p++) dpo = p;
    if (sft || dpo) strcpy(out->method, (dpo && (!sft || dpo > sft)) ? "dpo" : "sft");
    /* the authors trained act-* checkpoints on the deed (act) questions */
    if (starts_with(cond, "act-")) strcpy(out->trained_side, "deed");
    else if (starts_with(cond, "speak-")) strcpy(out->trained_side, "word");
    /* "<...>_N" or "<...>_N.0": alignment round N; other aligned checkpoints are round 1 */
    out->round = 1;
    const char *us = strrchr(cond, '_');
    if (us && isdigit((unsigned char)us[1])) {
        const char *p = us + 1;
        long n = 0;
        while (isdigit((unsigned char)*p) && n < 1000000) n = n * 10 + (*p++ - '0');
        if (*p == '.') {
            p++;
            if (!*p) p--;   /* "_2." is not a round */
            while (*p == '0') p++;
        }
        if (!*p) out->round = (int)n;
    }
}

int saydo_wdct_infer(const char *path, saydo_wdct_names_t *out)
{
    char buf[1024];
    char *tok[64];
    int nt = 0;
    memset(out, 0, sizeof *out);
    out->round = out->run = -1;
    if (!path) return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strlen(base) >= sizeof buf) return 0;
    strcpy(buf, base);
    size_t len = strlen(buf);
    if (len > 4 && strcmp(buf + len - 4, ".csv") == 0) buf[len - 4] = '\0';
    char *rest;
    if (starts_with(buf, "WDCT_NE_result_")) strcpy(out->dataset, "WDCT_NE"), rest = buf + 15;
    else if (starts_with(buf, "WDCT_result_")) strcpy(out->dataset, "WDCT"), rest = buf + 12;
    else goto nomatch;
    for (char *t = strtok(rest, "_"); t && nt < 64; t = strtok(NULL, "_")) tok[nt++] = t;
    /* settings: the last token, except the authors' "3_shot_cot" style <N>_shot_... */
    int set = nt - 1;
    for (int i = 1; i + 1 < nt; i++)
        if (is_digits(tok[i]) && starts_with(tok[i + 1], "shot") && i - 1 >= 1 && is_number_token(tok[i - 1])) {
            set = i;
            break;
        }
    int temp = set - 1;
    /* "_result_<i>_": the authors' scripts number repeated runs (run_time > 1) */
    int first = 0;
    out->run = -1;
    if (temp >= 2 && is_digits(tok[0]) && strlen(tok[0]) < 7) first = 1, out->run = atoi(tok[0]);
    if (temp < first + 1 || !is_number_token(tok[temp])) goto nomatch;
    if (!join(out->setting, sizeof out->setting, tok, set, nt)) goto nomatch;
    if (!join(out->temperature, sizeof out->temperature, tok, temp, temp + 1)) goto nomatch;
    /* model: the first token, unless the checkpoint repeats a longer name ("a_b" in "a_b_a_b-sft") */
    int k = first + 1;
    for (int m = first + 1; m < temp; m++) {
        char model[128], ckpt[256];
        if (!join(model, sizeof model, tok, first, m) || !join(ckpt, sizeof ckpt, tok, m, temp)) continue;
        size_t ml = strlen(model);
        if (strncmp(ckpt, model, ml) == 0 && (ckpt[ml] == '-' || ckpt[ml] == '\0')) {
            k = m;
            break;
        }
    }
    if (!join(out->model, sizeof out->model, tok, first, k)) goto nomatch;
    if (!join(out->checkpoint, sizeof out->checkpoint, tok, k, temp)) goto nomatch;
    size_t ml = strlen(out->model);
    const char *cond = out->checkpoint;
    if (strncmp(cond, out->model, ml) == 0 && (cond[ml] == '-' || cond[ml] == '\0')) cond += ml + (cond[ml] == '-');
    if (!*cond) cond = "base";
    if (strlen(cond) >= sizeof out->condition) goto nomatch;
    strcpy(out->condition, cond);
    saydo_wdct_condition_facts(out->condition, out);
    return 1;
nomatch:
    memset(out, 0, sizeof *out);
    out->round = out->run = -1;
    return 0;
}

/* ---- the reader --------------------------------------------------------- */

enum { SIDE_WORD = 0, SIDE_DEED = 1 };

typedef struct wdct_impl {
    saydo_csv_t *p;
    size_t ncol;
    int c_type, c_id, c_q[2], c_ans[2], c_cons, c_logit[2][2];   /* [side][A/B] */
    saydo_csv_row_t row;        /* the row being handed out */
    int pending;                /* its deed record is still to come */
    int flag;
    int n_logp[2];
    double logit[2][2];
    /* per-file facts */
    char model[128], condition[256], variant[96];
    saydo_wdct_names_t facts;
    int trial;
    const char *trained_side;
    saydo_extract_opts_t ex;
} wdct_impl;

static void wdct_impl_free(void *p)
{
    wdct_impl *im = p;
    if (!im) return;
    saydo_csv_free(im->p);
    free(im);
}

static saydo_status wdct_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt wdct_vt = {"wdct", wdct_next, wdct_impl_free};

/* Sets model, condition and the facts they imply: explicit options first, then the file name. */
static saydo_status resolve_names(struct saydo_reader *r, wdct_impl *im)
{
    saydo_wdct_names_t nm;
    const char *name = r->src->name;
    int inferred = saydo_wdct_infer(name, &nm);
    /* an explicit --condition (even "base") wins over the file name */
    int cond_given = r->opts.condition != NULL;
    const char *model = r->opts.model ? r->opts.model : inferred ? nm.model : NULL;
    if (!model)
        return saydo_set_error(SAYDO_E_INVAL, "%s: no model given and the file name is not "
                               "WDCT[_NE]_result_<model>_..._<temperature>_<setting>.csv", name);
    const char *cond = cond_given ? r->opts.condition : inferred ? nm.condition : "base";
    if (strlen(model) >= sizeof im->model || strlen(cond) >= sizeof im->condition)
        return saydo_set_error(SAYDO_E_INVAL, "%s: model or condition name too long", name);
    strcpy(im->model, model);
    strcpy(im->condition, cond);
    saydo_wdct_condition_facts(im->condition, &im->facts);
    im->trained_side = r->opts.trained_side ? r->opts.trained_side
                       : im->facts.trained_side[0] ? im->facts.trained_side : NULL;
    im->variant[0] = '\0';
    im->trial = inferred && nm.run >= 0 ? nm.run : 0;
    if (inferred)
        snprintf(im->variant, sizeof im->variant, "%s%s%s", nm.dataset, strcmp(nm.setting, "normal") ? "/" : "",
                 strcmp(nm.setting, "normal") ? nm.setting : "");
    if (inferred && (!r->opts.model || !cond_given) && !r->opts.quiet)
        SAYDO_LOG_INFO("%s: inferred from the file name: model %s, condition %s (method %s, round %d, "
                       "trained side %s), variant %s, temperature %s",
                       name, im->model, im->condition, im->facts.method[0] ? im->facts.method : "none",
                       im->facts.round, im->trained_side ? im->trained_side : "unknown", im->variant,
                       nm.temperature);
    return SAYDO_OK;
}

saydo_status saydo_wdct_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    wdct_impl *im = NULL;
    saydo_csv_row_t h;
    const char *name = r->src->name;
    static const char *side_name[2] = {"speak", "act"};
    SAYDO_NEW(im, 1);
    saydo_extract_opts_default(&im->ex);
    SAYDO_TRY(resolve_names(r, im));
    SAYDO_TRY(saydo_csv_create(r->src, ',', r->opts.max_line, &im->p));
    st = saydo_csv_next(im->p, &h);
    r->lines = saydo_csv_lines(im->p);
    SAYDO_FAIL_IF(st == SAYDO_EOF, SAYDO_E_PARSE, "%s: empty file: a WDCT result needs its header row", name);
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s: unreadable header row: %s", name, h.why);
    if (st < 0) goto cleanup;
    im->ncol = h.n;
    im->c_type = im->c_id = im->c_cons = -1;
    for (int s = 0; s < 2; s++) im->c_q[s] = im->c_ans[s] = im->c_logit[s][0] = im->c_logit[s][1] = -1;
    for (size_t j = 0; j < h.n; j++) {
        const char *k = h.field[j];
        size_t len = h.len[j];
        saydo_csv_trim(&k, &len);
        char key[32];
        if (len >= sizeof key) continue;
        memcpy(key, k, len);
        key[len] = '\0';
        int *slot = NULL;
        if (strcmp(key, "Type") == 0) slot = &im->c_type;
        else if (strcmp(key, "id") == 0) slot = &im->c_id;
        else if (strcmp(key, "consistency") == 0) slot = &im->c_cons;
        for (int s = 0; s < 2; s++) {
            char want[32];
            if (strcmp(key, side_name[s]) == 0) slot = &im->c_q[s];
            snprintf(want, sizeof want, "%s_answer", side_name[s]);
            if (strcmp(key, want) == 0) slot = &im->c_ans[s];
            for (int o = 0; o < 2; o++) {
                snprintf(want, sizeof want, "%s_%c_prob", side_name[s], "ab"[o]);
                if (strcmp(key, want) == 0) slot = &im->c_logit[s][o];
            }
        }
        if (slot && *slot < 0) *slot = (int)j;
    }
    SAYDO_FAIL_IF(im->c_id < 0, SAYDO_E_PARSE, "%s: no 'id' column: not a WDCT result file", name);
    SAYDO_FAIL_IF(im->c_cons < 0, SAYDO_E_PARSE, "%s: no 'consistency' column: not a WDCT result file", name);
    for (int s = 0; s < 2; s++) {
        SAYDO_FAIL_IF(im->c_q[s] < 0, SAYDO_E_PARSE, "%s: no '%s' column: not a WDCT result file", name,
                      side_name[s]);
        SAYDO_FAIL_IF(im->c_ans[s] < 0, SAYDO_E_PARSE, "%s: no '%s_answer' column: not a WDCT result file", name,
                      side_name[s]);
        SAYDO_FAIL_IF((im->c_logit[s][0] < 0) != (im->c_logit[s][1] < 0), SAYDO_E_PARSE,
                      "%s: only one of %s_a_prob and %s_b_prob", name, side_name[s], side_name[s]);
    }
    r->impl = im;
    r->vt = &wdct_vt;
    im = NULL;
cleanup:
    wdct_impl_free(im);
    return st;
}

#define BAD(...) return saydo_reader_set_bad(r, row->line, row->raw, row->raw_len, __VA_ARGS__)

/* Reads and checks the next row; the records come from it afterwards. */
static saydo_status read_row(struct saydo_reader *r, wdct_impl *im)
{
    saydo_csv_row_t *row = &im->row;
    saydo_status st = saydo_csv_next(im->p, row);
    r->lines = saydo_csv_lines(im->p);
    if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, row->line, NULL, 0, "%s", row->why);
    if (st != SAYDO_OK) return st;
    if (row->n != im->ncol) BAD("%zu fields where the header has %zu", row->n, im->ncol);
    if (!saydo_utf8_valid(row->raw, row->raw_len)) BAD("not valid UTF-8");
    /* cells are used as C strings: "a<NUL>b" would be stored as "a" and
     * collide with another record's key */
    if (memchr(row->raw, '\0', row->raw_len)) BAD("NUL byte in the row");
    const char *id = row->field[im->c_id];
    size_t idlen = row->len[im->c_id];
    if (saydo_csv_is_na(id, idlen)) BAD("missing id");
    long flag;
    const char *cs = row->field[im->c_cons];
    if (!saydo_csv_parse_long(cs, row->len[im->c_cons], &flag) || (flag != 0 && flag != 1))
        BAD("consistency '%.40s' is not 0 or 1", cs);
    im->flag = (int)flag;
    for (int s = 0; s < 2; s++) {
        im->n_logp[s] = 0;
        if (im->c_logit[s][0] < 0) continue;
        int present = 0;
        for (int o = 0; o < 2; o++) {
            int c = im->c_logit[s][o];
            if (saydo_csv_is_na(row->field[c], row->len[c])) continue;
            if (!saydo_csv_parse_double(row->field[c], row->len[c], &im->logit[s][o]) ||
                !isfinite(im->logit[s][o]))
                BAD("%s logit '%.40s' is not a finite number", s ? "act" : "speak", row->field[c]);
            present++;
        }
        if (present == 1) BAD("%s has only one of its two logits", s ? "act" : "speak");
        im->n_logp[s] = present ? 2 : 0;
    }
    return SAYDO_OK;
}

static void fill(struct saydo_reader *r, wdct_impl *im, int s, saydo_record_t *rec)
{
    const saydo_csv_row_t *row = &im->row;
    saydo_record_clear(rec);
    rec->line = row->line;
    rec->model = im->model;
    rec->condition = im->condition;
    rec->item = row->field[im->c_id];
    rec->side = s == SIDE_WORD ? "word" : "deed";
    rec->variant = im->variant;
    rec->trial = im->trial;
    if (im->c_type >= 0 && row->len[im->c_type]) rec->domain = row->field[im->c_type];
    rec->n_options = saydo_count_options(row->field[im->c_q[s]], row->len[im->c_q[s]]);
    const char *ans = row->field[im->c_ans[s]];
    size_t alen = row->len[im->c_ans[s]];
    /* the authors' extractor sees pandas' NaN for an empty cell: no answer */
    int na = alen == 0 || (alen == 3 && (ans[0] | 32) == 'n' && (ans[1] | 32) == 'a' && (ans[2] | 32) == 'n');
    saydo_extract_opts_t ex = im->ex;
    /* the authors' extractor reads A or B only: an answer "C." is no answer
     * to them, and reproducing their figures needs the same; --letters all
     * reads every option the question lists */
    ex.n_letters = r->opts.letters > 0 ? r->opts.letters : r->opts.letters < 0 ? rec->n_options : 2;
    /* --letters N says the items offer N options even where the question
     * lists fewer: a choice must stay below n_options (found by fuzz_wdct) */
    if (r->opts.letters > rec->n_options)
        rec->n_options = r->opts.letters < SAYDO_MAX_OPTIONS ? r->opts.letters : SAYDO_MAX_OPTIONS;
    rec->choice = na ? SAYDO_CHOICE_MISSING : saydo_extract_answer(ans, alen, &ex);
    if (r->opts.keep_text && !na) rec->text = ans, rec->text_len = alen;
    rec->n_logp = im->n_logp[s];
    for (int o = 0; o < rec->n_logp; o++) rec->logp[o] = im->logit[s][o];
    /* the flag swaps A and B between the two questions (the authors swap the
     * two probabilities for flag 0), so the map is over the A/B pair */
    saydo_record_set_flag_map(rec, im->flag, 2);
    rec->method = im->facts.method[0] ? im->facts.method : NULL;
    rec->round = im->facts.round;
    rec->trained_side = im->trained_side;
}

static saydo_status wdct_next(struct saydo_reader *r, saydo_record_t *rec)
{
    wdct_impl *im = r->impl;
    if (im->pending) {
        im->pending = 0;
        fill(r, im, SIDE_DEED, rec);
        return SAYDO_OK;
    }
    saydo_status st = read_row(r, im);
    if (st != SAYDO_OK) return st;
    fill(r, im, SIDE_WORD, rec);
    im->pending = 1;
    return SAYDO_OK;
}
