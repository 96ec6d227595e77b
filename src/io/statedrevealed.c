/* Stated vs revealed preferences: answer forms and extraction, the design
 * from the authors' prompt files, option maps, and the "statedrevealed"
 * reader of the authors' reply files (layouts in saydo/statedrevealed.h).
 *
 * A reply file is one JSON object (pretty-printed over many lines), so the
 * reader parses it whole with yajl's tree API and hands out one record per
 * response; line numbers in messages are those of the key in the file. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>
#include "io/reader_impl.h"
#include "saydo/extract.h"
#include "saydo/statedrevealed.h"
#include "util/try.h"

/* ---- answer forms ------------------------------------------------------- */

/* An option label: letter L followed by '.' or ')', at the start or after a
 * space, '(' or punctuation ("efforts.B. a price-sensitive" has one). */
static int has_label(const char *t, size_t len, char L)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (t[i] != L || (t[i + 1] != '.' && t[i + 1] != ')')) continue;
        if (i == 0) return 1;
        unsigned char p = (unsigned char)t[i - 1];
        if (isspace(p) || p == '(' || p == '.' || p == ',' || p == ';' || p == ':') return 1;
    }
    return 0;
}

saydo_sr_form saydo_sr_question_form(const char *text, size_t len, int *n_options)
{
    int n = 0;
    while (n < SAYDO_MAX_OPTIONS && text && has_label(text, len, (char)('A' + n))) n++;
    if (n >= 2) {
        *n_options = n;
        return SAYDO_SR_LETTERS;
    }
    *n_options = 2;
    return SAYDO_SR_YESNO;
}

static int is_word_char(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

int saydo_sr_extract(const char *text, size_t len, saydo_sr_form form, int n_options)
{
    if (!text) return SAYDO_CHOICE_MISSING;
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)text[a])) a++;
    while (b > a && isspace((unsigned char)text[b - 1])) b--;
    if (a == b) return SAYDO_CHOICE_MISSING;
    saydo_extract_opts_t ex;
    saydo_extract_opts_default(&ex);
    if (form == SAYDO_SR_LETTERS) {
        ex.n_letters = n_options;
        return saydo_extract_answer(text, len, &ex);
    }
    for (size_t k = 0; k < ex.n_refusals; k++) {
        size_t m = strlen(ex.refusals[k]);
        for (size_t i = a; i + m <= b; i++)
            if (strncasecmp(text + i, ex.refusals[k], m) == 0) return SAYDO_CHOICE_REFUSED;
    }
    /* the first whole word "yes" or "no" decides */
    for (size_t i = a; i < b; i++) {
        if (i > a && is_word_char((unsigned char)text[i - 1])) continue;
        for (int o = 0; o < 2; o++) {
            const char *w = o ? "no" : "yes";
            size_t m = strlen(w);
            if (i + m <= b && strncasecmp(text + i, w, m) == 0 &&
                (i + m == b || !is_word_char((unsigned char)text[i + m])))
                return o;
        }
    }
    return SAYDO_CHOICE_UNPARSED;
}

/* ---- names -------------------------------------------------------------- */

int saydo_sr_parse_name(const char *base, char *category, size_t cat_cap, int *number, const char **rest)
{
    size_t i = 0;
    while (isupper((unsigned char)base[i])) i++;
    if (i == 0 || i >= cat_cap || base[i] != '_' || !isdigit((unsigned char)base[i + 1])) return 0;
    memcpy(category, base, i);
    category[i] = '\0';
    size_t j = i + 1;
    long n = 0;
    while (isdigit((unsigned char)base[j]) && n < 1000000) n = n * 10 + (base[j++] - '0');
    if (base[j] != '\0' && base[j] != '_' && base[j] != '.') return 0;
    *number = (int)n;
    if (rest) *rest = base[j] == '_' ? base + j + 1 : base + j;
    return 1;
}

/* ---- JSON files --------------------------------------------------------- */

/* Reads a whole file, NUL-terminated. */
static saydo_status slurp(const char *path, size_t limit, char **out, size_t *len)
{
    saydo_status st = SAYDO_OK;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    SAYDO_FAIL_IF(!f, SAYDO_E_IO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = cap ? 2 * cap : 131072;
            char *nb = realloc(buf, cap);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 65536, f);
        n += got;
        SAYDO_FAIL_IF(n > limit, SAYDO_E_PARSE, "%s: larger than %zu bytes", path, limit);
        if (got < 65536) break;
    }
    SAYDO_FAIL_IF(ferror(f), SAYDO_E_IO, "%s: read error", path);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
cleanup:
    if (f) fclose(f);
    free(buf);
    return st;
}

static saydo_status parse_json(const char *path, const char *text, yajl_val *out)
{
    char err[256] = "";
    *out = yajl_tree_parse(text, err, sizeof err);
    if (!*out || !YAJL_IS_OBJECT(*out)) {
        yajl_tree_free(*out);
        *out = NULL;
        for (char *p = err; *p; p++)
            if (*p == '\n') *p = ' ';
        return saydo_set_error(SAYDO_E_PARSE, "%s: not a JSON object (%.160s)", path, err[0] ? err : "");
    }
    return SAYDO_OK;
}

static saydo_status set_question(saydo_sr_question_t *q, const char *key, const char *text)
{
    q->key = strdup(key);
    q->text = strdup(text);
    if (!q->key || !q->text) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    q->form = saydo_sr_question_form(text, strlen(text), &q->n_options);
    return SAYDO_OK;
}

static void question_free(saydo_sr_question_t *q)
{
    free(q->key);
    free(q->text);
}

void saydo_sr_design_free(saydo_sr_design_t *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) {
        saydo_sr_principle_t *p = &d->p[i];
        question_free(&p->base);
        for (size_t k = 0; k < p->n_paraphrases; k++) question_free(&p->paraphrase[k]);
        for (size_t k = 0; k < p->n_contexts; k++) question_free(&p->context[k]);
        free(p->paraphrase);
        free(p->context);
    }
    free(d->p);
    free(d);
}

static int cmp_principle(const void *a, const void *b)
{
    const saydo_sr_principle_t *x = a, *y = b;
    int c = strcmp(x->category, y->category);
    return c ? c : (x->number > y->number) - (x->number < y->number);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads prompts/<P>.json into p (base prompt and contexts, in file order). */
static saydo_status load_prompts(const char *path, saydo_sr_principle_t *p)
{
    saydo_status st = SAYDO_OK;
    char *text = NULL;
    size_t len;
    yajl_val root = NULL;
    SAYDO_TRY(slurp(path, (size_t)1 << 28, &text, &len));
    SAYDO_TRY(parse_json(path, text, &root));
    size_t n = root->u.object.len;
    SAYDO_NEW(p->context, n);
    for (size_t k = 0; k < n; k++) {
        const char *key = root->u.object.keys[k];
        yajl_val v = root->u.object.values[k];
        size_t kl = strlen(key);
        if (kl > 9 && strcmp(key + kl - 9, "-response") == 0) continue;   /* a reply file works too */
        SAYDO_FAIL_IF(!YAJL_IS_STRING(v), SAYDO_E_PARSE, "%s: \"%s\" is not a string", path, key);
        if (strcmp(key, "base_prompt") == 0) SAYDO_TRY(set_question(&p->base, key, YAJL_GET_STRING(v)));
        else SAYDO_TRY(set_question(&p->context[p->n_contexts++], key, YAJL_GET_STRING(v)));
    }
    SAYDO_FAIL_IF(!p->base.text, SAYDO_E_PARSE, "%s: no \"base_prompt\"", path);
    SAYDO_FAIL_IF(p->n_contexts == 0, SAYDO_E_PARSE, "%s: no contextualized prompts", path);
cleanup:
    yajl_tree_free(root);
    free(text);
    return st;
}

/* Reads the paraphrase list of p if its file exists; else the base prompt alone. */
static saydo_status load_paraphrases(const char *dir, saydo_sr_principle_t *p)
{
    saydo_status st = SAYDO_OK;
    char *path = NULL, *text = NULL;
    size_t len;
    yajl_val root = NULL;
    static const char *q_path[] = {"question_list", NULL};
    size_t need = strlen(dir) + strlen(p->id) + 64;
    SAYDO_NEW(path, need);
    snprintf(path, need, "%s/base_prompt_question_list/%s_base_prompt_questions.json", dir, p->id);
    FILE *f = fopen(path, "rb");
    if (!f) {
        p->base_only = 1;
        p->n_paraphrases = 1;
        SAYDO_NEW(p->paraphrase, 1);
        SAYDO_TRY(set_question(&p->paraphrase[0], "0", p->base.text));
        goto cleanup;
    }
    fclose(f);
    SAYDO_TRY(slurp(path, (size_t)1 << 28, &text, &len));
    SAYDO_TRY(parse_json(path, text, &root));
    yajl_val list = yajl_tree_get(root, q_path, yajl_t_array);
    SAYDO_FAIL_IF(!list || list->u.array.len == 0, SAYDO_E_PARSE, "%s: no \"question_list\" array", path);
    SAYDO_NEW(p->paraphrase, list->u.array.len);
    for (size_t k = 0; k < list->u.array.len; k++) {
        yajl_val v = list->u.array.values[k];
        SAYDO_FAIL_IF(!YAJL_IS_STRING(v), SAYDO_E_PARSE, "%s: question_list[%zu] is not a string", path, k);
        char key[32];
        snprintf(key, sizeof key, "%zu", k);
        SAYDO_TRY(set_question(&p->paraphrase[p->n_paraphrases++], key, YAJL_GET_STRING(v)));
    }
cleanup:
    yajl_tree_free(root);
    free(text);
    free(path);
    return st;
}

saydo_status saydo_sr_design_load(const char *dir, saydo_sr_design_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_sr_design_t *d = NULL;
    DIR *dh = NULL;
    char *pdir = NULL, *path = NULL, **names = NULL;
    size_t n_names = 0, cap = 0;
    *out = NULL;
    size_t need = strlen(dir) + 16;
    SAYDO_NEW(pdir, need);
    snprintf(pdir, need, "%s/prompts", dir);
    dh = opendir(pdir);
    SAYDO_FAIL_IF(!dh, SAYDO_E_IO, "%s: cannot open the prompts folder: %s", pdir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(dh))) {
        size_t l = strlen(e->d_name);
        char cat[16];
        int num;
        const char *rest;
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) continue;
        if (!saydo_sr_parse_name(e->d_name, cat, sizeof cat, &num, &rest) || strcmp(rest, ".json") != 0) continue;
        if (n_names == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            SAYDO_FAIL_IF(!nn, SAYDO_E_NOMEM, "out of memory");
            names = nn;
        }
        names[n_names] = strdup(e->d_name);
        SAYDO_FAIL_IF(!names[n_names], SAYDO_E_NOMEM, "out of memory");
        n_names++;
    }
    SAYDO_FAIL_IF(n_names == 0, SAYDO_E_IO, "%s: no <CAT>_<n>.json prompt files", pdir);
    qsort(names, n_names, sizeof *names, cmp_str);   /* readdir order is not portable */
    SAYDO_NEW(d, 1);
    SAYDO_NEW(d->p, n_names);
    SAYDO_NEW(path, strlen(pdir) + 300);
    for (size_t i = 0; i < n_names; i++) {
        saydo_sr_principle_t *p = &d->p[d->n++];
        const char *rest;
        SAYDO_FAIL_IF(strlen(names[i]) >= sizeof p->id + 5, SAYDO_E_PARSE, "%s/%s: name too long", pdir, names[i]);
        (void)saydo_sr_parse_name(names[i], p->category, sizeof p->category, &p->number, &rest);
        snprintf(p->id, sizeof p->id, "%.*s", (int)(strlen(names[i]) - 5), names[i]);
        snprintf(path, strlen(pdir) + 300, "%s/%s", pdir, names[i]);
        SAYDO_TRY(load_prompts(path, p));
        SAYDO_TRY(load_paraphrases(dir, p));
    }
    qsort(d->p, d->n, sizeof *d->p, cmp_principle);
    *out = d;
    d = NULL;
cleanup:
    if (dh) closedir(dh);
    for (size_t i = 0; i < n_names; i++) free(names[i]);
    free(names);
    free(pdir);
    free(path);
    saydo_sr_design_free(d);
    return st;
}

/* ---- option maps -------------------------------------------------------- */

void saydo_sr_optmap_free(saydo_sr_optmap_t *m)
{
    if (!m) return;
    free(m->e);
    free(m);
}

const struct saydo_sr_optmap_entry *saydo_sr_optmap_find(const saydo_sr_optmap_t *m, const char *principle)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (strcmp(m->e[i].principle, principle) == 0) return &m->e[i];
    return NULL;
}

saydo_status saydo_sr_optmap_load(const char *path, saydo_sr_optmap_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_sr_optmap_t *m = NULL;
    char *text = NULL;
    size_t len, cap = 0;
    *out = NULL;
    SAYDO_TRY(slurp(path, (size_t)1 << 20, &text, &len));
    SAYDO_NEW(m, 1);
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        for (char *c = line; *c; c++)
            if (*c == '=' || *c == ':' || *c == ',' || *c == '\t' || *c == '\r') *c = ' ';
        char *save = NULL, *tok = strtok_r(line, " ", &save);
        if (!tok) continue;
        if (m->n == cap) {
            cap = cap ? 2 * cap : 16;
            struct saydo_sr_optmap_entry *ne = realloc(m->e, cap * sizeof *ne);
            SAYDO_FAIL_IF(!ne, SAYDO_E_NOMEM, "out of memory");
            m->e = ne;
        }
        struct saydo_sr_optmap_entry *e = &m->e[m->n];
        memset(e, 0, sizeof *e);
        SAYDO_FAIL_IF(strlen(tok) >= sizeof e->principle, SAYDO_E_PARSE, "%s:%d: principle name too long", path,
                      lineno);
        strcpy(e->principle, tok);
        SAYDO_FAIL_IF(saydo_sr_optmap_find(m, tok), SAYDO_E_PARSE, "%s:%d: %s is mapped twice", path, lineno, tok);
        while ((tok = strtok_r(NULL, " ", &save))) {
            SAYDO_FAIL_IF(e->n_map >= SAYDO_MAX_OPTIONS, SAYDO_E_PARSE, "%s:%d: more than %d options", path, lineno,
                          SAYDO_MAX_OPTIONS);
            int v;
            if (strcmp(tok, "-") == 0) v = -1;
            else if (strlen(tok) == 1 && isalpha((unsigned char)tok[0])) v = saydo_letter_index(tok[0]);
            else if (isdigit((unsigned char)tok[0]) && strspn(tok, "0123456789") == strlen(tok) && strlen(tok) < 3)
                v = atoi(tok);
            else v = -2;
            SAYDO_FAIL_IF(v < -1 || v >= SAYDO_MAX_OPTIONS, SAYDO_E_PARSE,
                          "%s:%d: '%s' is not an option (a letter, a 0-based number or -)", path, lineno, tok);
            e->map[e->n_map++] = (int8_t)v;
        }
        SAYDO_FAIL_IF(e->n_map == 0, SAYDO_E_PARSE, "%s:%d: %s lists no options", path, lineno, e->principle);
        m->n++;
    }
    *out = m;
    m = NULL;
cleanup:
    free(text);
    saydo_sr_optmap_free(m);
    return st;
}

/* ---- the reply reader --------------------------------------------------- */

/* One response to hand out. */
typedef struct sr_resp {
    const char *variant;     /* paraphrase "p<k>" or context key (owned by the impl) */
    const char *text;        /* borrowed from the tree; NULL = null response */
    int32_t trial;
    int choice, n_options;
    int64_t line;
} sr_resp_t;

typedef struct sr_impl {
    char *text;
    yajl_val root;
    int stated;              /* 1: a stated reply file, 0: revealed */
    char principle[32], category[16], model[256];
    sr_resp_t *resp;
    size_t n_resp, next;
    char **variants;
    size_t n_variants;
    char *bad_key;           /* a key that did not fit the layout, reported first */
    char bad_msg[256];
    int64_t bad_line;
} sr_impl;

static void sr_impl_free(void *p)
{
    sr_impl *im = p;
    if (!im) return;
    yajl_tree_free(im->root);
    free(im->text);
    free(im->resp);
    for (size_t i = 0; i < im->n_variants; i++) free(im->variants[i]);
    free(im->variants);
    free(im->bad_key);
    free(im);
}

/* 1-based line of the first occurrence of "key" as a JSON key in text. */
static int64_t key_line(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; (p = strchr(p, '"')); p++)
        if (strncmp(p + 1, key, kl) == 0 && p[kl + 1] == '"') {
            int64_t line = 1;
            for (const char *q = text; q < p; q++) line += *q == '\n';
            return line;
        }
    return 0;
}

static saydo_status add_variant(sr_impl *im, const char *v, const char **out)
{
    char **nv = realloc(im->variants, (im->n_variants + 1) * sizeof *nv);
    if (!nv) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    im->variants = nv;
    if (!(nv[im->n_variants] = strdup(v))) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    *out = nv[im->n_variants++];
    return SAYDO_OK;
}

/* Queues the responses of one question (an array of texts, a text, or null). */
static saydo_status add_responses(sr_impl *im, const char *variant, const char *question, yajl_val list,
                                  int64_t line, size_t *cap)
{
    saydo_status st = SAYDO_OK;
    int n_opt;
    saydo_sr_form form = saydo_sr_question_form(question, strlen(question), &n_opt);
    size_t n = list && YAJL_IS_ARRAY(list) ? list->u.array.len : 1;
    const char *v = NULL;
    SAYDO_TRY(add_variant(im, variant, &v));
    for (size_t i = 0; i < n; i++) {
        yajl_val x = list && YAJL_IS_ARRAY(list) ? list->u.array.values[i] : list;
        if (im->n_resp == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            sr_resp_t *nr = realloc(im->resp, *cap * sizeof *nr);
            SAYDO_FAIL_IF(!nr, SAYDO_E_NOMEM, "out of memory");
            im->resp = nr;
        }
        sr_resp_t *r = &im->resp[im->n_resp++];
        r->variant = v;
        r->trial = (int32_t)i;
        r->line = line;
        r->n_options = n_opt;
        r->text = x && YAJL_IS_STRING(x) ? YAJL_GET_STRING(x) : NULL;
        r->choice = r->text ? saydo_sr_extract(r->text, strlen(r->text), form, n_opt) : SAYDO_CHOICE_MISSING;
        if (x && !YAJL_IS_STRING(x) && !YAJL_IS_NULL(x)) r->choice = -100;   /* reported as bad */
    }
cleanup:
    return st;
}

static saydo_status sr_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt sr_vt = {"statedrevealed", sr_next, sr_impl_free};

saydo_status saydo_sr_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    sr_impl *im = NULL;
    const char *name = r->src->name;
    size_t len = 0, cap = 0, limit = r->opts.max_line ? r->opts.max_line : (size_t)64 << 20;
    SAYDO_NEW(im, 1);
    /* the whole file: a reply is one JSON object over many lines */
    for (;;) {
        char *nb = realloc(im->text, len + 65536 + 1);
        SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
        im->text = nb;
        size_t got;
        SAYDO_TRY(saydo_src_read(r->src, im->text + len, 65536, &got));
        if (!got) break;
        len += got;
        SAYDO_FAIL_IF(len > limit, SAYDO_E_PARSE, "%s: larger than %zu bytes (--max-line)", name, limit);
    }
    im->text[len] = '\0';
    for (size_t i = 0; i < len; i++) r->lines += im->text[i] == '\n';
    SAYDO_TRY(parse_json(name, im->text, &im->root));

    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    int num;
    const char *rest = "";
    SAYDO_FAIL_IF(!saydo_sr_parse_name(base, im->category, sizeof im->category, &num, &rest), SAYDO_E_INVAL,
                  "%s: the name does not start with the principle (<CAT>_<n>_..., e.g. EF_1_gpt-4o.json)", name);
    snprintf(im->principle, sizeof im->principle, "%s_%d", im->category, num);
    static const char stated_mark[] = "base_prompt_questions";
    if (strncmp(rest, stated_mark, sizeof stated_mark - 1) == 0) {
        rest += sizeof stated_mark - 1;
        if (*rest == '_') rest++;
    }
    size_t rl = strlen(rest);
    if (rl >= 5 && strcmp(rest + rl - 5, ".json") == 0) rl -= 5;
    if (r->opts.model) snprintf(im->model, sizeof im->model, "%s", r->opts.model);
    else {
        SAYDO_FAIL_IF(rl == 0 || rl >= sizeof im->model, SAYDO_E_INVAL,
                      "%s: no model in the file name (<P>_<model>.json) and none given", name);
        memcpy(im->model, rest, rl);
        im->model[rl] = '\0';
    }

    yajl_val root = im->root;
    for (size_t k = 0; k < root->u.object.len; k++) {
        const char *key = root->u.object.keys[k];
        yajl_val v = root->u.object.values[k];
        size_t kl = strlen(key);
        if (kl && strspn(key, "0123456789") == kl) {
            im->stated = 1;
            static const char *pq[] = {"question", NULL}, *pr[] = {"response", NULL};
            yajl_val q = YAJL_IS_OBJECT(v) ? yajl_tree_get(v, pq, yajl_t_string) : NULL;
            yajl_val resp = YAJL_IS_OBJECT(v) ? yajl_tree_get(v, pr, yajl_t_any) : NULL;
            if (!q || !resp) {
                if (!im->bad_key) {
                    im->bad_key = strdup(key);
                    snprintf(im->bad_msg, sizeof im->bad_msg, "\"%s\" is not {\"question\": text, \"response\": [...]}",
                             key);
                    im->bad_line = key_line(im->text, key);
                }
                continue;
            }
            char variant[48];
            snprintf(variant, sizeof variant, "p%s", key);
            SAYDO_TRY(add_responses(im, variant, YAJL_GET_STRING(q), resp, key_line(im->text, key), &cap));
        } else if (kl > 9 && strcmp(key + kl - 9, "-response") == 0) {
            char ctx[256];
            SAYDO_FAIL_IF(kl - 9 >= sizeof ctx, SAYDO_E_PARSE, "%s: key \"%.60s\" too long", name, key);
            memcpy(ctx, key, kl - 9);
            ctx[kl - 9] = '\0';
            const char *path[] = {ctx, NULL};
            yajl_val q = yajl_tree_get(root, path, yajl_t_string);
            if (!q) {
                if (!im->bad_key) {
                    im->bad_key = strdup(key);
                    snprintf(im->bad_msg, sizeof im->bad_msg, "\"%.100s\" answers no prompt \"%.100s\"", key, ctx);
                    im->bad_line = key_line(im->text, key);
                }
                continue;
            }
            SAYDO_TRY(add_responses(im, ctx, YAJL_GET_STRING(q), v, key_line(im->text, key), &cap));
        }
    }
    SAYDO_FAIL_IF(im->n_resp == 0 && !im->bad_key, SAYDO_E_PARSE,
                  "%s: no responses (neither \"0\": {\"question\", \"response\"} nor \"<key>-response\" entries)", name);
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: %s replies of %s, model %s: %zu responses", name, im->stated ? "stated" : "revealed",
                       im->principle, im->model, im->n_resp);
    r->impl = im;
    r->vt = &sr_vt;
    im = NULL;
cleanup:
    sr_impl_free(im);
    return st;
}

static saydo_status sr_next(struct saydo_reader *r, saydo_record_t *rec)
{
    sr_impl *im = r->impl;
    if (im->bad_key) {
        free(im->bad_key);
        im->bad_key = NULL;
        return saydo_reader_set_bad(r, im->bad_line, NULL, 0, "%s", im->bad_msg);
    }
    if (im->next >= im->n_resp) return SAYDO_EOF;
    const sr_resp_t *x = &im->resp[im->next++];
    if (x->choice == -100)
        return saydo_reader_set_bad(r, x->line, NULL, 0, "%s response %d is neither text nor null", x->variant,
                                    (int)x->trial);
    saydo_record_clear(rec);
    rec->line = x->line;
    rec->model = im->model;
    rec->condition = r->opts.condition ? r->opts.condition : "base";
    rec->trained_side = r->opts.trained_side;
    rec->item = im->principle;
    rec->domain = im->category;
    rec->side = im->stated ? "stated" : "revealed";
    rec->variant = x->variant;
    rec->trial = x->trial;
    rec->choice = x->choice;
    rec->n_options = x->n_options;
    if (r->opts.keep_text && x->text) rec->text = x->text, rec->text_len = strlen(x->text);
    return SAYDO_OK;
}
