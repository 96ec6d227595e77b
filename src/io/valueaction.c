/* ValueActionLens readers (saydo/valueaction.h has the store mapping):
 *
 *   valueaction-t1      Task 1 as the authors' scripts write it: CSV
 *                       `country,topic,response,prompt_index`, the response a
 *                       free text holding one JSON object value -> rating.
 *                       One record per (row, value).
 *   valueaction-t2-log  the authors' Task 2 run log, one JSON line per shown
 *                       action (`index`, `model_choice`, `prompt_index`),
 *                       joined to the action table (opts.actions_path). One
 *                       record per (cell, prompt) from the lines of its two
 *                       actions, which must agree.
 *   valueaction-t2      the joined per-cell CSV `country,topic,value,
 *                       chosen_polarity[,prompt_index]`.
 *
 * Problems are reported per cell, so one bad rating never costs the other 55
 * values of its response; a response with no readable JSON object (a
 * refusal, a truncated answer) is one bad record for the whole row, as the
 * authors' parser drops such rows. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yajl/yajl_tree.h>
#include "io/csv.h"
#include "io/reader_impl.h"
#include "saydo/valueaction.h"
#include "util/strmap.h"
#include "util/try.h"

const char *const saydo_va_values[SAYDO_VA_N_VALUES] = {
    "Equality", "Inner Harmony", "Social Power", "Pleasure", "Freedom", "A Spiritual Life",
    "Sense of Belonging", "Social Order", "An Exciting Life", "Meaning in Life", "Politeness", "Wealth",
    "National Security", "Self-Respect", "Reciprocation of Favors", "Creativity", "A World at Peace",
    "Respect for Tradition", "Mature Love", "Self-Discipline", "Detachment", "Family Security",
    "Social Recognition", "Unity With Nature", "A Varied Life", "Wisdom", "Authority", "True Friendship",
    "A World of Beauty", "Social Justice", "Independent", "Moderate", "Loyal", "Ambitious", "Broad-Minded",
    "Humble", "Daring", "Protecting the Environment", "Influential", "Honoring of Parents and Elders",
    "Choosing Own Goals", "Healthy", "Capable", "Accepting my Portion in Life", "Honest",
    "Preserving my Public Image", "Obedient", "Intelligent", "Helpful", "Enjoying Life", "Devout",
    "Responsible", "Curious", "Forgiving", "Successful", "Clean",
};

int saydo_va_value_index(const char *name, size_t len)
{
    for (int i = 0; i < SAYDO_VA_N_VALUES; i++)
        /* lengths first: a cell may hold a NUL, and strncmp stops there (found by fuzz_valueaction) */
        if (strlen(saydo_va_values[i]) == len && memcmp(saydo_va_values[i], name, len) == 0) return i;
    return -1;
}

int saydo_va_parse_rating(const char *s, size_t len, long *bad)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)s[i])) i++;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == len || !isdigit((unsigned char)s[i])) return 0;
    long v = 0;
    while (i < len && isdigit((unsigned char)s[i])) {
        if (v < 1000000) v = v * 10 + (s[i] - '0');
        i++;
    }
    if (i < len && s[i] == '.') {   /* "4.0" is a rating, "2.5" is not */
        i++;
        while (i < len && s[i] == '0') i++;
        if (i < len && isdigit((unsigned char)s[i])) return 0;
    }
    if (neg) v = -v;
    if (v < 1 || v > 4) {
        if (bad) *bad = v;
        return -1;
    }
    return (int)v;
}

/* Model from a file name: "gpt-4o-mini_t1.csv" -> "gpt-4o-mini" (the part
 * before "_t1", "_t2" or "_task"). Returns 0 when the name has none. */
static int model_from_name(const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *cut = NULL;
    static const char *marks[] = {"_task", "_t1", "_t2"};
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        const char *p = strstr(base, marks[k]);
        if (p && p > base && (!cut || p < cut)) cut = p;
    }
    if (!cut || (size_t)(cut - base) >= cap) return 0;
    memcpy(buf, base, (size_t)(cut - base));
    buf[cut - base] = '\0';
    return 1;
}

/* Case-insensitive header lookup; -1 when absent. */
static int find_col(const saydo_csv_row_t *h, const char *name)
{
    for (size_t j = 0; j < h->n; j++) {
        const char *k = h->field[j];
        size_t len = h->len[j];
        saydo_csv_trim(&k, &len);
        if (len == strlen(name) && strncasecmp(k, name, len) == 0) return (int)j;
    }
    return -1;
}

static int join_item(char *buf, size_t cap, const char *country, const char *topic, const char *value)
{
    int n = snprintf(buf, cap, "%s|%s|%s", country, topic, value);
    return n >= 0 && (size_t)n < cap;
}

static void set_labels(saydo_record_t *rec, const char *country, const char *topic, const char *value)
{
    rec->n_labels = 3;
    rec->label_name[0] = "country";
    rec->label_value[0] = country;
    rec->label_name[1] = "topic";
    rec->label_value[1] = topic;
    rec->label_name[2] = "value";
    rec->label_value[2] = value;
}

/* Shared head of the CSV formats: parser, header row, model. */
typedef struct va_csv {
    saydo_csv_t *p;
    size_t ncol;
    int c_country, c_topic, c_value, c_prompt, c_model;
    char model[256];
    char item[1024];
} va_csv_t;

static saydo_status va_csv_open(struct saydo_reader *r, va_csv_t *v, const char *fmt, saydo_csv_row_t *h)
{
    saydo_status st = SAYDO_OK;
    const char *name = r->src->name;
    SAYDO_TRY(saydo_csv_create(r->src, ',', r->opts.max_line, &v->p));
    st = saydo_csv_next(v->p, h);
    r->lines = saydo_csv_lines(v->p);
    SAYDO_FAIL_IF(st == SAYDO_EOF, SAYDO_E_PARSE, "%s: empty file: %s needs a header row", name, fmt);
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s: unreadable header row: %s", name, h->why);
    if (st < 0) goto cleanup;
    v->ncol = h->n;
    v->c_country = find_col(h, "country");
    v->c_topic = find_col(h, "topic");
    v->c_value = find_col(h, "value");
    v->c_prompt = find_col(h, "prompt_index");
    v->c_model = find_col(h, "model");
    SAYDO_FAIL_IF(v->c_country < 0 || v->c_topic < 0, SAYDO_E_PARSE,
                  "%s: no 'country' and 'topic' columns: not a %s file", name, fmt);
    if (r->opts.model) snprintf(v->model, sizeof v->model, "%s", r->opts.model);
    else if (model_from_name(name, v->model, sizeof v->model)) {
        if (!r->opts.quiet) SAYDO_LOG_INFO("%s: model %s (from the file name)", name, v->model);
    } else SAYDO_FAIL_IF(v->c_model < 0, SAYDO_E_INVAL,
                         "%s: no model given and none in the file name (MODEL_t1.csv, MODEL_task2...): pass the model",
                         name);
cleanup:
    return st;
}

#define BAD(...) return saydo_reader_set_bad(r, row->line, row->raw, row->raw_len, __VA_ARGS__)

/* Checks the columns every row of a CSV format shares; fills model, trial. */
static saydo_status va_csv_row(struct saydo_reader *r, va_csv_t *v, const saydo_csv_row_t *row,
                               saydo_record_t *rec)
{
    if (row->n != v->ncol) BAD("%zu fields where the header has %zu", row->n, v->ncol);
    if (!saydo_utf8_valid(row->raw, row->raw_len)) BAD("not valid UTF-8");
    if (!row->len[v->c_country] || !row->len[v->c_topic]) BAD("empty country or topic");
    saydo_record_clear(rec);
    rec->line = row->line;
    rec->model = v->model;
    if (v->c_model >= 0 && row->len[v->c_model] && !r->opts.model) rec->model = row->field[v->c_model];
    if (!rec->model[0]) BAD("empty model and no model given");
    rec->condition = r->opts.condition ? r->opts.condition : "base";
    rec->trained_side = r->opts.trained_side;
    if (v->c_prompt >= 0 && !saydo_csv_is_na(row->field[v->c_prompt], row->len[v->c_prompt])) {
        long t;
        if (!saydo_csv_parse_long(row->field[v->c_prompt], row->len[v->c_prompt], &t) || t < 0 || t > INT32_MAX)
            BAD("prompt_index '%.40s' is not a whole number >= 0", row->field[v->c_prompt]);
        rec->trial = (int32_t)t;
    }
    return SAYDO_OK;
}

/* ---- Task 1 ------------------------------------------------------------- */

typedef struct t1_impl {
    va_csv_t v;
    int c_response;
    saydo_csv_row_t row;
    yajl_val tree;          /* the row's JSON object, NULL when done */
    size_t next_key;        /* next entry of tree to hand out */
    int seen[SAYDO_VA_N_VALUES];
    char err[256];
    char *buf;              /* the object's text, NUL-terminated for yajl */
    size_t buf_cap;
    char num[64];           /* a numeric rating's text: rec->text may point here until the next read */
} t1_impl;

static void t1_free(void *p)
{
    t1_impl *im = p;
    if (!im) return;
    yajl_tree_free(im->tree);
    saydo_csv_free(im->v.p);
    free(im->buf);
    free(im);
}

static saydo_status t1_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt t1_vt = {"valueaction-t1", t1_next, t1_free};

saydo_status saydo_va_t1_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    t1_impl *im = NULL;
    saydo_csv_row_t h;
    SAYDO_NEW(im, 1);
    SAYDO_TRY(va_csv_open(r, &im->v, "valueaction-t1", &h));
    im->c_response = find_col(&h, "response");
    SAYDO_FAIL_IF(im->c_response < 0, SAYDO_E_PARSE, "%s: no 'response' column: not a valueaction-t1 file",
                  r->src->name);
    r->impl = im;
    r->vt = &t1_vt;
    im = NULL;
cleanup:
    t1_free(im);
    return st;
}

/* Reads the next row and parses its JSON object into im->tree. */
static saydo_status t1_read_row(struct saydo_reader *r, t1_impl *im, saydo_record_t *rec)
{
    saydo_csv_row_t *row = &im->row;
    saydo_status st = saydo_csv_next(im->v.p, row);
    r->lines = saydo_csv_lines(im->v.p);
    if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, row->line, NULL, 0, "%s", row->why);
    if (st != SAYDO_OK) return st;
    st = va_csv_row(r, &im->v, row, rec);
    if (st != SAYDO_OK) return st;
    const char *resp = row->field[im->c_response];
    size_t n = row->len[im->c_response];
    /* the object runs from the first '{' to the last '}' (the authors' regex
     * `\{.*\}` with DOTALL); a ```json fence or a sentence around it is text */
    const char *open = memchr(resp, '{', n), *close = NULL;
    for (size_t i = n; i > 0 && open; i--)
        if (resp[i - 1] == '}') { close = resp + i - 1; break; }
    if (!open || !close || close < open) BAD("no JSON object in the response (a refusal or an unfinished answer)");
    size_t len = (size_t)(close - open) + 1;
    if (len + 1 > im->buf_cap) {
        char *nb = realloc(im->buf, len + 1);
        if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        im->buf = nb;
        im->buf_cap = len + 1;
    }
    memcpy(im->buf, open, len);
    im->buf[len] = '\0';
    im->err[0] = '\0';
    im->tree = yajl_tree_parse(im->buf, im->err, sizeof im->err);
    if (!im->tree || !YAJL_IS_OBJECT(im->tree)) {
        yajl_tree_free(im->tree);
        im->tree = NULL;
        for (char *p = im->err; *p; p++)
            if (*p == '\n') *p = ' ';
        BAD("the JSON object in the response does not parse (%.120s)", im->err[0] ? im->err : "not an object");
    }
    im->next_key = 0;
    memset(im->seen, 0, sizeof im->seen);
    return SAYDO_OK;
}

static saydo_status t1_next(struct saydo_reader *r, saydo_record_t *rec)
{
    t1_impl *im = r->impl;
    const saydo_csv_row_t *row = &im->row;
    while (!im->tree || im->next_key >= im->tree->u.object.len) {
        yajl_tree_free(im->tree);
        im->tree = NULL;
        saydo_status st = t1_read_row(r, im, rec);
        if (st != SAYDO_OK) return st;
    }
    size_t k = im->next_key++;
    const char *key = im->tree->u.object.keys[k];
    yajl_val val = im->tree->u.object.values[k];
    saydo_status st = va_csv_row(r, &im->v, row, rec);
    if (st != SAYDO_OK) return st;
    int vi = saydo_va_value_index(key, strlen(key));
    if (vi < 0) BAD("unknown value name '%.80s' (not one of the 56 Schwartz values)", key);
    if (im->seen[vi]++) BAD("value '%s' rated twice in one response", key);
    const char *txt = NULL;
    if (YAJL_IS_STRING(val)) txt = YAJL_GET_STRING(val);
    else if (YAJL_IS_NUMBER(val)) {
        /* in the reader, not on the stack: with --keep-text the record points at it
         * (a stack buffer dangled after return; found by the ASan replay of the seeds) */
        snprintf(im->num, sizeof im->num, "%s", val->u.number.r);
        txt = im->num;
    }
    long badv = 0;
    int rating = txt ? saydo_va_parse_rating(txt, strlen(txt), &badv) : 0;
    if (rating == 0) BAD("value '%s': rating '%.40s' holds no number 1-4", key, txt ? txt : "(not text)");
    if (rating < 0) BAD("value '%s': rating %ld is outside the scale 1-4", key, badv);
    if (!join_item(im->v.item, sizeof im->v.item, row->field[im->v.c_country], row->field[im->v.c_topic],
                   saydo_va_values[vi]))
        BAD("country and topic too long");
    rec->item = im->v.item;
    rec->side = "stated";
    rec->choice = rating - 1;
    rec->n_options = 4;
    set_labels(rec, row->field[im->v.c_country], row->field[im->v.c_topic], saydo_va_values[vi]);
    if (r->opts.keep_text) rec->text = txt, rec->text_len = strlen(txt);
    return SAYDO_OK;
}

/* ---- Task 2, the joined per-cell CSV ------------------------------------ */

typedef struct t2_impl {
    va_csv_t v;
    int c_choice;
} t2_impl;

static void t2_free(void *p)
{
    t2_impl *im = p;
    if (!im) return;
    saydo_csv_free(im->v.p);
    free(im);
}

static saydo_status t2_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt t2_vt = {"valueaction-t2", t2_next, t2_free};

saydo_status saydo_va_t2_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    t2_impl *im = NULL;
    saydo_csv_row_t h;
    SAYDO_NEW(im, 1);
    SAYDO_TRY(va_csv_open(r, &im->v, "valueaction-t2", &h));
    im->c_choice = find_col(&h, "chosen_polarity");
    SAYDO_FAIL_IF(im->v.c_value < 0 || im->c_choice < 0, SAYDO_E_PARSE,
                  "%s: no 'value' and 'chosen_polarity' columns: not a valueaction-t2 file", r->src->name);
    r->impl = im;
    r->vt = &t2_vt;
    im = NULL;
cleanup:
    t2_free(im);
    return st;
}

/* "positive" -> 0, "negative" -> 1, -1 otherwise. */
static int polarity_code(const char *s, size_t len)
{
    saydo_csv_trim(&s, &len);
    if (len == 8 && strncasecmp(s, "positive", 8) == 0) return 0;
    if (len == 8 && strncasecmp(s, "negative", 8) == 0) return 1;
    return -1;
}

static saydo_status t2_next(struct saydo_reader *r, saydo_record_t *rec)
{
    t2_impl *im = r->impl;
    saydo_csv_row_t rowv, *row = &rowv;
    saydo_status st = saydo_csv_next(im->v.p, row);
    r->lines = saydo_csv_lines(im->v.p);
    if (st == SAYDO_E_PARSE) return saydo_reader_set_bad(r, row->line, NULL, 0, "%s", row->why);
    if (st != SAYDO_OK) return st;
    st = va_csv_row(r, &im->v, row, rec);
    if (st != SAYDO_OK) return st;
    const char *value = row->field[im->v.c_value];
    int vi = saydo_va_value_index(value, row->len[im->v.c_value]);
    if (vi < 0) BAD("unknown value name '%.80s' (not one of the 56 Schwartz values)", value);
    const char *pol = row->field[im->c_choice];
    size_t plen = row->len[im->c_choice];
    if (saydo_csv_is_na(pol, plen)) rec->choice = SAYDO_CHOICE_MISSING;
    else if ((rec->choice = polarity_code(pol, plen)) < 0)
        BAD("chosen_polarity '%.40s' is not positive or negative", pol);
    if (!join_item(im->v.item, sizeof im->v.item, row->field[im->v.c_country], row->field[im->v.c_topic],
                   saydo_va_values[vi]))
        BAD("country and topic too long");
    rec->item = im->v.item;
    rec->side = "action";
    rec->n_options = 2;
    set_labels(rec, row->field[im->v.c_country], row->field[im->v.c_topic], saydo_va_values[vi]);
    return SAYDO_OK;
}

#undef BAD

/* ---- Task 2, the run log ------------------------------------------------ */

/* One row of the action table. */
typedef struct action {
    long index;
    int32_t cell;           /* into the cell strings */
    int polarity;           /* 0 positive, 1 negative */
    int64_t line;
} action_t;

/* One (cell, prompt) of the log: what its lines say. */
typedef struct slot {
    int32_t cell, model;
    long prompt;
    int chosen;             /* 0 positive, 1 negative */
    int64_t line, conflict_line;
    int conflict;
} slot_t;

/* A bad log line kept for its turn. */
typedef struct bad_line {
    int64_t line;
    char *reason, *raw;
    size_t raw_len;
} bad_line_t;

typedef struct log_impl {
    action_t *act;          /* sorted by index */
    size_t n_act;
    saydo_strmap_t cells;   /* "country|topic|value" */
    char **cell_country, **cell_topic;   /* per cell, owned */
    int *cell_value;        /* index into saydo_va_values */
    saydo_strmap_t models;
    slot_t *slot;
    size_t n_slot, cap_slot;
    int64_t *htab;          /* (cell, prompt) -> slot + 1 */
    size_t n_hslots;
    bad_line_t *bad;
    size_t n_bad, cap_bad, next_bad, next_slot;
    char file_model[256];
} log_impl;

static void log_free(void *p)
{
    log_impl *im = p;
    if (!im) return;
    for (size_t i = 0; i < im->cells.n; i++) {
        free(im->cell_country ? im->cell_country[i] : NULL);
        free(im->cell_topic ? im->cell_topic[i] : NULL);
    }
    free(im->cell_country);
    free(im->cell_topic);
    free(im->cell_value);
    saydo_strmap_free(&im->cells);
    saydo_strmap_free(&im->models);
    for (size_t i = 0; i < im->n_bad; i++) {
        free(im->bad[i].reason);
        free(im->bad[i].raw);
    }
    free(im->bad);
    free(im->act);
    free(im->slot);
    free(im->htab);
    free(im);
}

static int cmp_action(const void *a, const void *b)
{
    long x = ((const action_t *)a)->index, y = ((const action_t *)b)->index;
    return x < y ? -1 : x > y;
}

static const action_t *find_action(const log_impl *im, long index)
{
    size_t lo = 0, hi = im->n_act;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (im->act[mid].index < index) lo = mid + 1;
        else hi = mid;
    }
    return lo < im->n_act && im->act[lo].index == index ? &im->act[lo] : NULL;
}

/* Reads the action table. Its problems are fatal: every log line depends on it. */
static saydo_status load_actions(const char *path, size_t max_line, log_impl *im)
{
    saydo_status st = SAYDO_OK;
    saydo_src_t *src = NULL;
    saydo_csv_t *p = NULL;
    saydo_csv_row_t h, row;
    size_t cap = 0;
    SAYDO_TRY(saydo_src_open_file(path, &src));
    SAYDO_TRY(saydo_csv_create(src, ',', max_line, &p));
    st = saydo_csv_next(p, &h);
    SAYDO_FAIL_IF(st != SAYDO_OK, SAYDO_E_PARSE, "%s: no header row in the action table", path);
    int c_idx = find_col(&h, "index"), c_country = find_col(&h, "country"), c_topic = find_col(&h, "topic"),
        c_value = find_col(&h, "value"), c_pol = find_col(&h, "polarity");
    SAYDO_FAIL_IF(c_idx < 0 || c_country < 0 || c_topic < 0 || c_value < 0 || c_pol < 0, SAYDO_E_PARSE,
                  "%s: the action table needs columns index,country,topic,value,polarity", path);
    size_t ncol = h.n;
    while ((st = saydo_csv_next(p, &row)) == SAYDO_OK) {
        SAYDO_FAIL_IF(row.n != ncol, SAYDO_E_PARSE, "%s:%lld: %zu fields where the header has %zu", path,
                      (long long)row.line, row.n, ncol);
        action_t a = {.line = row.line};
        SAYDO_FAIL_IF(!saydo_csv_parse_long(row.field[c_idx], row.len[c_idx], &a.index) || a.index < 0,
                      SAYDO_E_PARSE, "%s:%lld: index '%.40s' is not a whole number >= 0", path,
                      (long long)row.line, row.field[c_idx]);
        a.polarity = polarity_code(row.field[c_pol], row.len[c_pol]);
        SAYDO_FAIL_IF(a.polarity < 0, SAYDO_E_PARSE, "%s:%lld: polarity '%.40s' is not positive or negative",
                      path, (long long)row.line, row.field[c_pol]);
        int vi = saydo_va_value_index(row.field[c_value], row.len[c_value]);
        SAYDO_FAIL_IF(vi < 0, SAYDO_E_PARSE, "%s:%lld: unknown value name '%.80s'", path, (long long)row.line,
                      row.field[c_value]);
        SAYDO_FAIL_IF(!row.len[c_country] || !row.len[c_topic], SAYDO_E_PARSE, "%s:%lld: empty country or topic",
                      path, (long long)row.line);
        char item[1024];
        SAYDO_FAIL_IF(!join_item(item, sizeof item, row.field[c_country], row.field[c_topic], saydo_va_values[vi]),
                      SAYDO_E_PARSE, "%s:%lld: country and topic too long", path, (long long)row.line);
        int added = 0;
        SAYDO_TRY(saydo_strmap_put(&im->cells, item, &a.cell, &added));
        if (added) {
            size_t n = im->cells.n;
            char **c1 = realloc(im->cell_country, n * sizeof *c1);
            if (c1) im->cell_country = c1;
            char **c2 = realloc(im->cell_topic, n * sizeof *c2);
            if (c2) im->cell_topic = c2;
            int *c3 = realloc(im->cell_value, n * sizeof *c3);
            if (c3) im->cell_value = c3;
            SAYDO_FAIL_IF(!c1 || !c2 || !c3, SAYDO_E_NOMEM, "out of memory");
            im->cell_country[n - 1] = strdup(row.field[c_country]);
            im->cell_topic[n - 1] = strdup(row.field[c_topic]);
            im->cell_value[n - 1] = vi;
            SAYDO_FAIL_IF(!im->cell_country[n - 1] || !im->cell_topic[n - 1], SAYDO_E_NOMEM, "out of memory");
        }
        if (im->n_act == cap) {
            cap = cap ? 2 * cap : 1024;
            action_t *na = realloc(im->act, cap * sizeof *na);
            SAYDO_FAIL_IF(!na, SAYDO_E_NOMEM, "out of memory");
            im->act = na;
        }
        im->act[im->n_act++] = a;
    }
    SAYDO_FAIL_IF(st == SAYDO_E_PARSE, SAYDO_E_PARSE, "%s:%lld: %s", path, (long long)row.line, row.why);
    if (st < 0) goto cleanup;
    st = SAYDO_OK;
    qsort(im->act, im->n_act, sizeof *im->act, cmp_action);
    for (size_t i = 1; i < im->n_act; i++)
        SAYDO_FAIL_IF(im->act[i].index == im->act[i - 1].index, SAYDO_E_PARSE,
                      "%s: index %ld appears twice (lines %lld and %lld)", path, im->act[i].index,
                      (long long)im->act[i - 1].line, (long long)im->act[i].line);
cleanup:
    saydo_csv_free(p);
    saydo_src_free(src);
    return st;
}

static saydo_status add_bad(log_impl *im, int64_t line, const char *raw, size_t raw_len, const char *fmt, ...)
    SAYDO_PRINTF(5, 6);
static saydo_status add_bad(log_impl *im, int64_t line, const char *raw, size_t raw_len, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (im->n_bad == im->cap_bad) {
        size_t cap = im->cap_bad ? 2 * im->cap_bad : 16;
        bad_line_t *nb = realloc(im->bad, cap * sizeof *nb);
        if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        im->bad = nb;
        im->cap_bad = cap;
    }
    bad_line_t *b = &im->bad[im->n_bad];
    b->line = line;
    b->reason = strdup(msg);
    b->raw = NULL;
    b->raw_len = 0;
    if (raw) {
        b->raw = malloc(raw_len + 1);
        if (b->raw) memcpy(b->raw, raw, raw_len), b->raw[raw_len] = '\0', b->raw_len = raw_len;
    }
    if (!b->reason || (raw && !b->raw)) {
        free(b->reason);
        free(b->raw);
        return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    }
    im->n_bad++;
    return SAYDO_OK;
}

static uint64_t slot_hash(int32_t cell, long prompt, int32_t model)
{
    uint64_t h = (uint64_t)(uint32_t)cell * 0x9E3779B97F4A7C15ull ^ (uint64_t)prompt * 0xBF58476D1CE4E5B9ull ^
                 (uint64_t)(uint32_t)model * 0x94D049BB133111EBull;
    return h ^ h >> 31;
}

/* The slot of (cell, prompt, model), created when new. */
static saydo_status get_slot(log_impl *im, int32_t cell, long prompt, int32_t model, slot_t **out, int *fresh)
{
    if (2 * (im->n_slot + 1) > im->n_hslots) {   /* keep the table at most half full */
        size_t n = im->n_hslots ? 2 * im->n_hslots : 1024;
        int64_t *t = calloc(n, sizeof *t);
        if (!t) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        for (size_t s = 0; s < im->n_slot; s++) {
            size_t i = slot_hash(im->slot[s].cell, im->slot[s].prompt, im->slot[s].model) & (n - 1);
            while (t[i]) i = (i + 1) & (n - 1);
            t[i] = (int64_t)s + 1;
        }
        free(im->htab);
        im->htab = t;
        im->n_hslots = n;
    }
    size_t m = im->n_hslots - 1, i = slot_hash(cell, prompt, model) & m;
    while (im->htab[i]) {
        slot_t *s = &im->slot[im->htab[i] - 1];
        if (s->cell == cell && s->prompt == prompt && s->model == model) {
            *out = s;
            *fresh = 0;
            return SAYDO_OK;
        }
        i = (i + 1) & m;
    }
    if (im->n_slot == im->cap_slot) {
        size_t cap = im->cap_slot ? 2 * im->cap_slot : 1024;
        slot_t *ns = realloc(im->slot, cap * sizeof *ns);
        if (!ns) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        im->slot = ns;
        im->cap_slot = cap;
    }
    im->htab[i] = (int64_t)im->n_slot + 1;
    *out = &im->slot[im->n_slot++];
    memset(*out, 0, sizeof **out);
    *fresh = 1;
    return SAYDO_OK;
}

/* A log line's prompt_index: a number or a string holding one; 0 when absent. */
static int read_prompt(yajl_val v, long *out)
{
    *out = 0;
    if (!v || YAJL_IS_NULL(v)) return 1;
    if (YAJL_IS_INTEGER(v)) *out = (long)YAJL_GET_INTEGER(v);
    else if (YAJL_IS_STRING(v)) {
        const char *s = YAJL_GET_STRING(v);
        if (!saydo_csv_parse_long(s, strlen(s), out)) return 0;
    } else return 0;
    return *out >= 0 && *out <= INT32_MAX;
}

/* One log line into its slot (or the bad list). */
static saydo_status take_line(struct saydo_reader *r, log_impl *im, const char *line, size_t len, int64_t lineno,
                              char *buf, char *err, size_t err_cap)
{
    saydo_status st = SAYDO_OK;
    yajl_val tree = NULL;
    memcpy(buf, line, len);
    buf[len] = '\0';
    err[0] = '\0';
    tree = yajl_tree_parse(buf, err, err_cap);
    if (!tree || !YAJL_IS_OBJECT(tree)) {
        for (char *p = err; *p; p++)
            if (*p == '\n') *p = ' ';
        st = add_bad(im, lineno, line, len, "not a JSON object (%.120s)", err[0] ? err : "not an object");
        goto cleanup;
    }
    static const char *p_index[] = {"index", NULL}, *p_choice[] = {"model_choice", NULL},
                      *p_prompt[] = {"prompt_index", NULL}, *p_model[] = {"model", NULL};
    yajl_val vi = yajl_tree_get(tree, p_index, yajl_t_any), vc = yajl_tree_get(tree, p_choice, yajl_t_any);
    yajl_val vp = yajl_tree_get(tree, p_prompt, yajl_t_any), vm = yajl_tree_get(tree, p_model, yajl_t_any);
    long prompt;
    if (!vi || !YAJL_IS_INTEGER(vi)) {
        st = add_bad(im, lineno, line, len, "no whole-number 'index'");
        goto cleanup;
    }
    const action_t *a = find_action(im, (long)YAJL_GET_INTEGER(vi));
    if (!a) {
        st = add_bad(im, lineno, line, len, "index %lld is not in the action table %s",
                     (long long)YAJL_GET_INTEGER(vi), r->opts.actions_path);
        goto cleanup;
    }
    if (!vc || !(YAJL_IS_TRUE(vc) || YAJL_IS_FALSE(vc))) {
        st = add_bad(im, lineno, line, len, "'model_choice' is not true or false");
        goto cleanup;
    }
    if (!read_prompt(vp, &prompt)) {
        st = add_bad(im, lineno, line, len, "'prompt_index' is not a whole number >= 0");
        goto cleanup;
    }
    int32_t model = -1;
    if (!r->opts.model && vm && YAJL_IS_STRING(vm) && *YAJL_GET_STRING(vm)) {
        const char *m = YAJL_GET_STRING(vm), *colon = strrchr(m, ':');   /* "openai:gpt-4o-mini" */
        SAYDO_TRY(saydo_strmap_put(&im->models, colon && colon[1] ? colon + 1 : m, &model, NULL));
    } else if (!r->opts.model && !im->file_model[0]) {
        st = add_bad(im, lineno, line, len, "no 'model' in the line, none in the file name and none given");
        goto cleanup;
    }
    /* model_choice says whether this action was chosen; the legacy logs say
     * whether it was NOT chosen. Either way the cell's choice follows. */
    int chosen_this = YAJL_IS_TRUE(vc) != (r->opts.legacy_flipped != 0);
    int chosen = chosen_this ? a->polarity : 1 - a->polarity;
    slot_t *s = NULL;
    int fresh = 0;
    SAYDO_TRY(get_slot(im, a->cell, prompt, model, &s, &fresh));
    if (fresh) {
        s->cell = a->cell;
        s->prompt = prompt;
        s->model = model;
        s->chosen = chosen;
        s->line = lineno;
    } else if (s->chosen != chosen && !s->conflict) {
        s->conflict = 1;
        s->conflict_line = lineno;
    }
cleanup:
    yajl_tree_free(tree);
    return st;
}

static saydo_status log_next(struct saydo_reader *r, saydo_record_t *rec);
static const saydo_reader_vt log_vt = {"valueaction-t2-log", log_next, log_free};

saydo_status saydo_va_t2_log_open(struct saydo_reader *r)
{
    saydo_status st = SAYDO_OK;
    log_impl *im = NULL;
    saydo_lines_t *lines = NULL;
    char *buf = NULL, err[256];
    size_t cap = 0;
    const char *name = r->src->name;
    SAYDO_FAIL_IF(!r->opts.actions_path, SAYDO_E_INVAL,
                  "%s: the valueaction-t2-log format needs the action table (--actions TABLE.csv)", name);
    SAYDO_NEW(im, 1);
    saydo_strmap_init(&im->cells);
    saydo_strmap_init(&im->models);
    if (!r->opts.model) model_from_name(name, im->file_model, sizeof im->file_model);
    SAYDO_TRY(load_actions(r->opts.actions_path, r->opts.max_line, im));
    /* The two lines of a cell need not be adjacent, so the log is read whole
     * here (a few bytes per line are kept) and handed out afterwards. */
    SAYDO_TRY(saydo_lines_create(r->src, r->opts.max_line, &lines));
    for (;;) {
        const char *line;
        size_t len;
        st = saydo_lines_next(lines, &line, &len);
        if (st == SAYDO_EOF) break;
        int64_t lineno = saydo_lines_number(lines);
        if (st == SAYDO_E_PARSE) {
            SAYDO_TRY(add_bad(im, lineno, NULL, 0, "line longer than the limit"));
            continue;
        }
        if (st < 0) goto cleanup;
        size_t i = 0;
        while (i < len && isspace((unsigned char)line[i])) i++;
        if (i == len) continue;   /* blank line */
        if (len + 1 > cap) {
            char *nb = realloc(buf, len + 1);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            buf = nb;
            cap = len + 1;
        }
        SAYDO_TRY(take_line(r, im, line, len, lineno, buf, err, sizeof err));
    }
    st = SAYDO_OK;
    r->lines = saydo_lines_number(lines);
    if (!r->opts.quiet)
        SAYDO_LOG_INFO("%s: %zu cells chosen in the log, %zu bad lines; action table %s: %zu actions%s", name,
                       im->n_slot, im->n_bad, r->opts.actions_path, im->n_act,
                       r->opts.legacy_flipped ? " (legacy log: model_choice true = not chosen)" : "");
    r->impl = im;
    r->vt = &log_vt;
    im = NULL;
cleanup:
    saydo_lines_free(lines);
    free(buf);
    log_free(im);
    return st;
}

static saydo_status log_next(struct saydo_reader *r, saydo_record_t *rec)
{
    log_impl *im = r->impl;
    if (im->next_bad < im->n_bad) {
        const bad_line_t *b = &im->bad[im->next_bad++];
        return saydo_reader_set_bad(r, b->line, b->raw, b->raw_len, "%s", b->reason);
    }
    if (im->next_slot >= im->n_slot) return SAYDO_EOF;
    const slot_t *s = &im->slot[im->next_slot++];
    const char *item = im->cells.str[s->cell];
    if (s->conflict)
        return saydo_reader_set_bad(r, s->line, NULL, 0,
                                    "lines %lld and %lld disagree on the action chosen for %s (prompt %ld)",
                                    (long long)s->line, (long long)s->conflict_line, item, s->prompt);
    saydo_record_clear(rec);
    rec->line = s->line;
    rec->model = r->opts.model ? r->opts.model : s->model >= 0 ? im->models.str[s->model] : im->file_model;
    rec->condition = r->opts.condition ? r->opts.condition : "base";
    rec->trained_side = r->opts.trained_side;
    rec->item = item;
    rec->side = "action";
    rec->trial = (int32_t)s->prompt;
    rec->choice = s->chosen;
    rec->n_options = 2;
    set_labels(rec, im->cell_country[s->cell], im->cell_topic[s->cell], saydo_va_values[im->cell_value[s->cell]]);
    return SAYDO_OK;
}
