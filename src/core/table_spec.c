/* Table specs: `key = value` lines, their defaults and checks, and the
 * registry of metrics a table cell can show. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/table_internal.h"
#include "util/try.h"

/* ---- metric registry ------------------------------------------------------ */

#define PAIRS(field) offsetof(saydo_pairs_t, field)
#define STUDY(src, kind, better, pcol) src, kind, better, 0, 0, pcol
static const tmetric_t metrics[] = {
    /* pair metrics: saydo_score_table(), intervals by saydo_score_ci_add() */
    {"cs", "cs", "CS", "CS", "CS = share of consistent pairs among kept pairs", TSRC_SCORE, TKIND_PROP, +1, SAYDO_M_CS,
     0, NULL},
    {"pcs", "pcs", "PCS", "PCS", "PCS = mean of 1 - JSD (base 2) of the two sides' option distributions", TSRC_SCORE,
     TKIND_MEAN, +1, SAYDO_M_PCS, PAIRS(pcs), NULL},
    {"jsd", "jsd", "JSD", "JSD", "JSD = mean Jensen-Shannon divergence", TSRC_SCORE, TKIND_MEAN, -1, SAYDO_M_JSD,
     PAIRS(jsd), NULL},
    {"kl_12", "kl_12", "KL(1||2)", "KL$(1\\,\\|\\,2)$", "KL(1||2) = mean Kullback-Leibler divergence of side 2 from side 1",
     TSRC_SCORE, TKIND_MEAN, -1, SAYDO_M_KL, PAIRS(kl12), NULL},
    {"kl_21", "kl_21", "KL(2||1)", "KL$(2\\,\\|\\,1)$", "KL(2||1) = mean Kullback-Leibler divergence of side 1 from side 2",
     TSRC_SCORE, TKIND_MEAN, -1, SAYDO_M_KL, PAIRS(kl21), NULL},
    {"entropy_1", "entropy_1", "H1", "$H_1$", "H1 = mean entropy of side 1", TSRC_SCORE, TKIND_MEAN, 0,
     SAYDO_M_ENTROPY, PAIRS(h1), NULL},
    {"entropy_2", "entropy_2", "H2", "$H_2$", "H2 = mean entropy of side 2", TSRC_SCORE, TKIND_MEAN, 0,
     SAYDO_M_ENTROPY, PAIRS(h2), NULL},
    {"tvd", "tvd", "TVD", "TVD", "TVD = mean total variation distance", TSRC_SCORE, TKIND_MEAN, -1, SAYDO_M_TVD,
     PAIRS(tvd), NULL},
    {"n", "n", "n", "$n$", "n = kept pairs", TSRC_SCORE, TKIND_COUNT, 0, 0, 0, NULL},
    {"n_pairs", "n_pairs", "pairs", "pairs", "pairs = all pairs", TSRC_SCORE, TKIND_COUNT, 0, 0, 0, NULL},
    {"n_dropped", "n_dropped", "dropped", "dropped", "dropped = pairs with a missing or refused answer", TSRC_SCORE,
     TKIND_COUNT, 0, 0, 0, NULL},
    /* saydo compare: each checkpoint against the reference condition, per couple of pairs */
    {"delta_cs", "delta_cs", "ΔCS", "$\\Delta$CS", "ΔCS = CS of the checkpoint minus CS of the reference",
     STUDY(TSRC_COMPARE, TKIND_OTHER, 0, "p_adjusted")},
    {"delta_pcs", "delta_pcs", "ΔPCS", "$\\Delta$PCS", "ΔPCS = PCS of the checkpoint minus PCS of the reference",
     STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    {"direct_change_rate", "direct_change_rate", "direct", "direct",
     "direct = share of trained-side answers that changed from the reference", STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    {"indirect_change_rate", "indirect_change_rate", "indirect", "indirect",
     "indirect = share of other-side answers that changed from the reference",
     STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    {"word_change_rate", "word_change_rate", "word changed", "word changed",
     "word changed = share of side-1 answers that changed from the reference", STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    {"deed_change_rate", "deed_change_rate", "deed changed", "deed changed",
     "deed changed = share of side-2 answers that changed from the reference", STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    {"cohens_h", "cohens_h", "h", "$h$", "h = Cohen's h of the checkpoint's CS against the reference's",
     STUDY(TSRC_COMPARE, TKIND_OTHER, 0, NULL)},
    /* ValueActionLens (Shen, Clark, Mitra 2025): saydo_va_table() */
    {"f1", "f1", "F1", "F$_1$",
     "F1 = alignment rate: F1 over a scenario's values of the binarised stated inclination against the action, "
     "averaged over scenarios", STUDY(TSRC_VALUEACTION, TKIND_OTHER, +1, NULL)},
    {"accuracy", "accuracy", "accuracy", "accuracy",
     "accuracy = share of values whose binarised stated inclination and action agree",
     STUDY(TSRC_VALUEACTION, TKIND_OTHER, +1, NULL)},
    {"gap", "gap", "gap", "gap", "gap = mean |stated - action| inclination", STUDY(TSRC_VALUEACTION, TKIND_OTHER, -1,
                                                                                  NULL)},
    {"distance", "distance", "distance", "distance", "distance = mean over values of |mean stated - mean action|",
     STUDY(TSRC_VALUEACTION, TKIND_OTHER, -1, NULL)},
    /* stated vs revealed (Gu, Wang, Han 2025): saydo_sr_table() */
    {"kl_sr", "kl_sr", "KL(s||r)", "KL$(s\\,\\|\\,r)$",
     "KL(s||r) = KL(P||Q) of the stated distribution P against the revealed Q (base 2, smoothing 1e-6), a "
     "category's figure the mean over its principles", STUDY(TSRC_STATEDREVEALED, TKIND_OTHER, -1, NULL)},
    {"kl_rs", "kl_rs", "KL(r||s)", "KL$(r\\,\\|\\,s)$", "KL(r||s) = KL(Q||P), base 2, smoothing 1e-6",
     STUDY(TSRC_STATEDREVEALED, TKIND_OTHER, -1, NULL)},
    {"jsd_sr", "jsd", "JSD(s,r)", "JSD$(s,r)$", "JSD(s,r) = Jensen-Shannon divergence of P and Q (base 2)",
     STUDY(TSRC_STATEDREVEALED, TKIND_OTHER, -1, NULL)},
    {"pivot_rate", "pivot_rate", "pivot", "pivot",
     "pivot = share of contexts whose preferred option differs from the stated one",
     STUDY(TSRC_STATEDREVEALED, TKIND_OTHER, -1, NULL)},
    {NULL, NULL, NULL, NULL, NULL, TSRC_SCORE, TKIND_OTHER, 0, 0, 0, NULL},
};

const tmetric_t *saydo_tmetric_all(void) { return metrics; }

const tmetric_t *saydo_tmetric_find(const char *name)
{
    for (const tmetric_t *m = metrics; m->name; m++)
        if (strcmp(m->name, name) == 0) return m;
    return NULL;
}

saydo_status saydo_tmetric_available(const char *name)
{
    if (saydo_tmetric_find(name)) return SAYDO_OK;
    char known[1024] = "";
    for (const tmetric_t *m = metrics; m->name; m++) {
        size_t l = strlen(known);
        snprintf(known + l, sizeof known - l, "%s%s", l ? ", " : "", m->name);
    }
    return saydo_set_error(SAYDO_E_INVAL, "unknown metric '%s' (saydo computes %s; other columns of a saved table "
                                          "with `from = NAME`)", name, known);
}

tsrc_t saydo_tspec_source(const saydo_tspec_t *s)
{
    const tmetric_t *m = s->n_cells ? saydo_tmetric_find(s->cells[0]) : NULL;
    return m ? m->source : TSRC_SCORE;
}

int saydo_tspec_needs_pairs(const saydo_tspec_t *s)
{
    tsrc_t src = saydo_tspec_source(s);
    return !s->from && (src == TSRC_SCORE || src == TSRC_COMPARE);
}

int saydo_tfield_pairable(const char *field)
{
    return strcmp(field, "model") == 0 || strcmp(field, "condition") == 0 || strcmp(field, "variant") == 0;
}

/* ---- names of the enums ---------------------------------------------------- */

typedef struct {
    const char *name;
    int value;
} named_t;

static const named_t ci_names[] = {{"none", SAYDO_TCI_NONE},       {"percentile", SAYDO_TCI_PERCENTILE},
                                   {"basic", SAYDO_TCI_BASIC},     {"bca", SAYDO_TCI_BCA},
                                   {"wilson", SAYDO_TCI_WILSON},   {"exact", SAYDO_TCI_EXACT},
                                   {"cluster", SAYDO_TCI_CLUSTER}, {NULL, 0}};
static const named_t style_names[] = {{"brackets", SAYDO_TSTYLE_BRACKETS}, {"pm", SAYDO_TSTYLE_PM}, {NULL, 0}};
static const named_t bold_names[] = {{"none", SAYDO_TBOLD_NONE}, {"max", SAYDO_TBOLD_MAX}, {"min", SAYDO_TBOLD_MIN},
                                     {"auto", SAYDO_TBOLD_AUTO}, {NULL, 0}};
static const named_t test_names[] = {{"auto", SAYDO_TTEST_AUTO},       {"none", SAYDO_TTEST_NONE},
                                     {"mcnemar", SAYDO_TTEST_MCNEMAR}, {"ztest", SAYDO_TTEST_ZTEST},
                                     {"wilcoxon", SAYDO_TTEST_WILCOXON}, {"signflip", SAYDO_TTEST_SIGNFLIP},
                                     {NULL, 0}};
static const named_t adj_names[] = {{"none", SAYDO_TADJ_NONE}, {"bonferroni", SAYDO_TADJ_BONFERRONI},
                                    {"holm", SAYDO_TADJ_HOLM}, {"bh", SAYDO_TADJ_BH}, {NULL, 0}};
static const named_t margin_names[] = {{"none", 0}, {"col", SAYDO_TMARGIN_COL}, {"row", SAYDO_TMARGIN_ROW},
                                       {"both", SAYDO_TMARGIN_COL | SAYDO_TMARGIN_ROW}, {NULL, 0}};
static const named_t missing_names[] = {{"drop", SAYDO_MISSING_DROP}, {"inconsistent", SAYDO_MISSING_INCONSISTENT},
                                        {"option", SAYDO_MISSING_OPTION}, {NULL, 0}};
static const named_t unit_names[] = {{"trial", SAYDO_UNIT_TRIAL}, {"item", SAYDO_UNIT_ITEM}, {NULL, 0}};
static const named_t yes_names[] = {{"no", 0}, {"yes", 1}, {"false", 0}, {"true", 1}, {"0", 0}, {"1", 1}, {NULL, 0}};

static const char *name_of(const named_t *t, int v)
{
    for (; t->name; t++)
        if (t->value == v) return t->name;
    return "?";
}

const char *saydo_tci_name(saydo_tci ci) { return name_of(ci_names, (int)ci); }
const char *saydo_ttest_name(saydo_ttest t) { return name_of(test_names, (int)t); }
const char *saydo_tadjust_name(saydo_tadjust a) { return name_of(adj_names, (int)a); }

static saydo_status lookup(const named_t *t, const char *key, const char *v, int *out)
{
    char known[256] = "";
    for (const named_t *e = t; e->name; e++) {
        if (strcmp(e->name, v) == 0) {
            *out = e->value;
            return SAYDO_OK;
        }
        size_t l = strlen(known);
        snprintf(known + l, sizeof known - l, "%s%s", l ? ", " : "", e->name);
    }
    return saydo_set_error(SAYDO_E_INVAL, "%s: '%s' is not one of %s", key, v, known);
}

/* ---- create / free ----------------------------------------------------------- */

static void free_list(char **v, int *n)
{
    for (int i = 0; i < *n; i++) free(v[i]);
    *n = 0;
}

void saydo_tspec_free(saydo_tspec_t *s)
{
    if (!s) return;
    free_list(s->rows, &s->n_rows);
    free_list(s->cols, &s->n_cols);
    free_list(s->cells, &s->n_cells);
    free_list(s->where, &s->n_where);
    char **strs[] = {&s->title, &s->caption, &s->label, &s->note, &s->from, &s->side1, &s->side2,
                     &s->baseline_field, &s->baseline_value, &s->pvalue, &s->font, &s->reference, &s->strata};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) free(*strs[k]);
    free(s);
}

static saydo_status set_str(char **dst, const char *v)
{
    char *c = strdup(v);
    if (!c) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    free(*dst);
    *dst = c;
    return SAYDO_OK;
}

saydo_status saydo_tspec_create(saydo_tspec_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_tspec_t *s = NULL;
    *out = NULL;
    SAYDO_NEW(s, 1);
    s->missing = SAYDO_MISSING_DROP;
    s->unit = SAYDO_UNIT_TRIAL;
    s->ci = SAYDO_TCI_PERCENTILE;
    s->ci_style = SAYDO_TSTYLE_BRACKETS;
    s->level = 0.95;
    s->resamples = 9999;
    s->seed = 1;
    s->digits = 2;
    s->bold = SAYDO_TBOLD_NONE;
    s->test = SAYDO_TTEST_AUTO;
    s->correction = SAYDO_TADJ_HOLM;
    SAYDO_TRY(set_str(&s->font, "small"));
    SAYDO_TRY(set_str(&s->reference, "base"));
    *out = s;
    s = NULL;
cleanup:
    saydo_tspec_free(s);
    return st;
}

/* ---- set --------------------------------------------------------------------- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

/* "a, b, c" into a list of at most max trimmed, non-empty names. */
static saydo_status set_list(const char *key, const char *v, char **list, int *n, int max)
{
    saydo_status st = SAYDO_OK;
    char *copy = strdup(v), *save = NULL;
    SAYDO_FAIL_IF(!copy, SAYDO_E_NOMEM, "out of memory");
    free_list(list, n);
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        if (!*t) continue;
        SAYDO_FAIL_IF(*n >= max, SAYDO_E_INVAL, "%s: at most %d names", key, max);
        for (int i = 0; i < *n; i++) SAYDO_FAIL_IF(strcmp(list[i], t) == 0, SAYDO_E_INVAL, "%s: '%s' twice", key, t);
        list[*n] = strdup(t);
        SAYDO_FAIL_IF(!list[*n], SAYDO_E_NOMEM, "out of memory");
        (*n)++;
    }
cleanup:
    free(copy);
    return st;
}

static saydo_status parse_uint(const char *key, const char *v, unsigned long long lo, unsigned long long hi,
                               unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi || v[0] == '-')
        return saydo_set_error(SAYDO_E_INVAL, "%s: '%s' is not a whole number in %llu..%llu", key, v, lo, hi);
    *out = x;
    return SAYDO_OK;
}

saydo_status saydo_tspec_set(saydo_tspec_t *s, const char *key, const char *value)
{
    saydo_status st = SAYDO_OK;
    char *vbuf = strdup(value ? value : "");
    SAYDO_FAIL_IF(!vbuf, SAYDO_E_NOMEM, "out of memory");
    const char *v = trim(vbuf);
    int e = 0;
    unsigned long long u = 0;
    if (strcmp(key, "title") == 0) SAYDO_TRY(set_str(&s->title, v));
    else if (strcmp(key, "caption") == 0) SAYDO_TRY(set_str(&s->caption, v));
    else if (strcmp(key, "label") == 0) SAYDO_TRY(set_str(&s->label, v));
    else if (strcmp(key, "note") == 0) SAYDO_TRY(set_str(&s->note, v));
    else if (strcmp(key, "rows") == 0) SAYDO_TRY(set_list(key, v, s->rows, &s->n_rows, SAYDO_TSPEC_MAX_FIELDS));
    else if (strcmp(key, "cols") == 0) SAYDO_TRY(set_list(key, v, s->cols, &s->n_cols, SAYDO_TSPEC_MAX_FIELDS));
    else if (strcmp(key, "cells") == 0 || strcmp(key, "cell") == 0)
        SAYDO_TRY(set_list(key, v, s->cells, &s->n_cells, SAYDO_TSPEC_MAX_CELLS));
    else if (strcmp(key, "where") == 0) {
        SAYDO_FAIL_IF(!strchr(v, '=') || v[0] == '=', SAYDO_E_INVAL, "where: FIELD=VALUE[|VALUE...], not '%s'", v);
        SAYDO_FAIL_IF(s->n_where >= SAYDO_TSPEC_MAX_WHERE, SAYDO_E_INVAL, "where: at most %d filters",
                      SAYDO_TSPEC_MAX_WHERE);
        s->where[s->n_where] = strdup(v);
        SAYDO_FAIL_IF(!s->where[s->n_where], SAYDO_E_NOMEM, "out of memory");
        s->n_where++;
    } else if (strcmp(key, "from") == 0) {
        free(s->from);
        s->from = NULL;
        if (*v) SAYDO_TRY(set_str(&s->from, v));
    } else if (strcmp(key, "sides") == 0) {
        const char *comma = strchr(v, ',');
        SAYDO_FAIL_IF(!comma || comma == v || !comma[1], SAYDO_E_INVAL, "sides: SIDE1,SIDE2, not '%s'", v);
        char *a = strndup(v, (size_t)(comma - v));
        SAYDO_FAIL_IF(!a, SAYDO_E_NOMEM, "out of memory");
        free(s->side1);
        s->side1 = strdup(trim(a));
        free(a);
        free(s->side2);
        s->side2 = strdup(trim((char *)comma + 1));   /* inside vbuf: ours to trim */
        SAYDO_FAIL_IF(!s->side1 || !s->side2, SAYDO_E_NOMEM, "out of memory");
    } else if (strcmp(key, "missing") == 0) {
        SAYDO_TRY(lookup(missing_names, key, v, &e));
        s->missing = (saydo_missing_policy)e;
    } else if (strcmp(key, "unit") == 0) {
        SAYDO_TRY(lookup(unit_names, key, v, &e));
        s->unit = (saydo_pair_unit)e;
    } else if (strcmp(key, "ci") == 0) {
        SAYDO_TRY(lookup(ci_names, key, v, &e));
        s->ci = (saydo_tci)e;
    } else if (strcmp(key, "ci_style") == 0) {
        SAYDO_TRY(lookup(style_names, key, v, &e));
        s->ci_style = (saydo_tci_style)e;
    } else if (strcmp(key, "level") == 0) {
        char *end;
        double x = strtod(v, &end);
        SAYDO_FAIL_IF(end == v || *end || !(x > 0 && x < 1), SAYDO_E_INVAL,
                      "level: '%s' is not a confidence level in (0, 1)", v);
        s->level = x;
    } else if (strcmp(key, "resamples") == 0) {
        SAYDO_TRY(parse_uint(key, v, 1, 100000000, &u));
        s->resamples = (size_t)u;
    } else if (strcmp(key, "seed") == 0) {
        SAYDO_TRY(parse_uint(key, v, 0, UINT64_MAX, &u));
        s->seed = (uint64_t)u;
    } else if (strcmp(key, "digits") == 0) {
        SAYDO_TRY(parse_uint(key, v, 0, 8, &u));
        s->digits = (int)u;
    } else if (strcmp(key, "bold") == 0) {
        SAYDO_TRY(lookup(bold_names, key, v, &e));
        s->bold = (saydo_tbold)e;
    } else if (strcmp(key, "baseline") == 0) {
        free(s->baseline_field);
        free(s->baseline_value);
        s->baseline_field = s->baseline_value = NULL;
        if (*v && strcmp(v, "none") != 0) {
            const char *eq = strchr(v, '=');
            SAYDO_FAIL_IF(!eq || eq == v || !eq[1], SAYDO_E_INVAL, "baseline: FIELD=VALUE (model=m01), not '%s'", v);
            char *f = strndup(v, (size_t)(eq - v));
            SAYDO_FAIL_IF(!f, SAYDO_E_NOMEM, "out of memory");
            s->baseline_field = strdup(trim(f));
            free(f);
            s->baseline_value = strdup(trim((char *)eq + 1));
            SAYDO_FAIL_IF(!s->baseline_field || !s->baseline_value, SAYDO_E_NOMEM, "out of memory");
        }
    } else if (strcmp(key, "test") == 0) {
        SAYDO_TRY(lookup(test_names, key, v, &e));
        s->test = (saydo_ttest)e;
    } else if (strcmp(key, "correction") == 0) {
        SAYDO_TRY(lookup(adj_names, key, v, &e));
        s->correction = (saydo_tadjust)e;
    } else if (strcmp(key, "pvalue") == 0) {
        free(s->pvalue);
        s->pvalue = NULL;
        if (*v) SAYDO_TRY(set_str(&s->pvalue, v));
    } else if (strcmp(key, "reference") == 0) {
        SAYDO_FAIL_IF(!*v, SAYDO_E_INVAL, "reference: a condition name");
        SAYDO_TRY(set_str(&s->reference, v));
    } else if (strcmp(key, "strata") == 0) {
        free(s->strata);
        s->strata = NULL;
        if (*v && strcmp(v, "none") != 0) SAYDO_TRY(set_str(&s->strata, v));
    } else if (strcmp(key, "positive") == 0) {
        SAYDO_FAIL_IF(strcmp(v, "disagree") != 0 && strcmp(v, "agree") != 0, SAYDO_E_INVAL,
                      "positive: disagree (the paper) or agree, not '%s'", v);
        s->positive_agree = strcmp(v, "agree") == 0;
    } else if (strcmp(key, "margins") == 0) {
        SAYDO_TRY(lookup(margin_names, key, v, &e));
        s->margins = e;
    } else if (strcmp(key, "wide") == 0) {
        SAYDO_TRY(lookup(yes_names, key, v, &e));
        s->wide = e;
    } else if (strcmp(key, "fit") == 0) {
        SAYDO_TRY(lookup(yes_names, key, v, &e));
        s->fit = e;
    } else if (strcmp(key, "font") == 0) {
        static const char *sizes[] = {"normalsize", "small", "footnotesize", "scriptsize", "tiny"};
        int ok = 0;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) ok |= strcmp(v, sizes[k]) == 0;
        SAYDO_FAIL_IF(!ok, SAYDO_E_INVAL, "font: '%s' is not one of normalsize, small, footnotesize, scriptsize, tiny",
                      v);
        SAYDO_TRY(set_str(&s->font, v));
    } else {
        SAYDO_FAIL_IF(1, SAYDO_E_INVAL, "unknown key '%s' (keys: title, caption, label, note, rows, cols, cells, where, "
                                  "from, sides, missing, unit, ci, ci_style, level, resamples, seed, digits, bold, "
                                  "baseline, test, correction, pvalue, reference, strata, positive, margins, wide, "
                                  "fit, font)", key);
    }
cleanup:
    free(vbuf);
    return st;
}

/* ---- parse ------------------------------------------------------------------- */

saydo_status saydo_tspec_parse(saydo_tspec_t *s, const char *text, const char *origin)
{
    saydo_status st = SAYDO_OK;
    char *copy = strdup(text), *save = NULL;
    SAYDO_FAIL_IF(!copy, SAYDO_E_NOMEM, "out of memory");
    int lineno = 0;
    /* strtok_r would skip empty lines and so miscount them: split by hand */
    for (char *line = copy, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#') continue;
        char *eq = strchr(l, '=');
        SAYDO_FAIL_IF(!eq, SAYDO_E_PARSE, "%s:%d: expected `key = value`, got '%s'", origin, lineno, l);
        *eq = '\0';
        char *key = trim(l);
        SAYDO_FAIL_IF(!*key, SAYDO_E_PARSE, "%s:%d: a value without a key", origin, lineno);
        st = saydo_tspec_set(s, key, eq + 1);
        if (st < 0) {
            char detail[512];
            snprintf(detail, sizeof detail, "%s", saydo_last_error());
            SAYDO_FAIL_IF(1, st, "%s:%d: %s", origin, lineno, detail);
        }
    }
    (void)save;
cleanup:
    free(copy);
    return st;
}

saydo_status saydo_tspec_read(saydo_tspec_t *s, const char *path)
{
    saydo_status st = SAYDO_OK;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    SAYDO_FAIL_IF(!f, SAYDO_E_IO, "%s: %s", path, strerror(errno));
    size_t cap = 4096, len = 0, got;
    SAYDO_NEW(text, cap);
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            SAYDO_FAIL_IF(cap > (1u << 20), SAYDO_E_INVAL, "%s: a spec larger than 1 MB", path);
            char *bigger = realloc(text, cap * 2);
            SAYDO_FAIL_IF(!bigger, SAYDO_E_NOMEM, "out of memory");
            text = bigger;
            cap *= 2;
        }
    }
    SAYDO_FAIL_IF(ferror(f), SAYDO_E_IO, "%s: read error", path);
    text[len] = '\0';
    SAYDO_FAIL_IF(strlen(text) != len, SAYDO_E_PARSE, "%s: a NUL byte in a text file", path);
    SAYDO_TRY(saydo_tspec_parse(s, text, path));
cleanup:
    if (f) fclose(f);
    free(text);
    return st;
}

/* ---- check ------------------------------------------------------------------- */

static int listed(char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return 1;
    return 0;
}

saydo_status saydo_tspec_check(const saydo_tspec_t *s)
{
    saydo_status st = SAYDO_OK;
    SAYDO_FAIL_IF(s->n_cells == 0, SAYDO_E_INVAL, "no cells: say what the cells show (cells = cs, pcs)");
    for (int i = 0; i < s->n_rows; i++)
        SAYDO_FAIL_IF(listed(s->cols, s->n_cols, s->rows[i]), SAYDO_E_INVAL, "'%s' is both a row and a column field",
                      s->rows[i]);
    if (s->baseline_field)
        SAYDO_FAIL_IF(!listed(s->rows, s->n_rows, s->baseline_field) &&
                          !listed(s->cols, s->n_cols, s->baseline_field),
                      SAYDO_E_INVAL, "baseline field '%s' is neither a row nor a column field", s->baseline_field);
    if (s->from) goto cleanup;   /* a saved table: its columns decide (saydo_table_layout) */

    static const char *src_name[] = {"pair metrics (saydo score)", "saydo compare", "ValueActionLens",
                                     "stated vs revealed"};
    int n_prop = 0, n_mean = 0;
    tsrc_t src = saydo_tspec_source(s);
    for (int i = 0; i < s->n_cells; i++) {
        SAYDO_TRY(saydo_tmetric_available(s->cells[i]));
        const tmetric_t *m = saydo_tmetric_find(s->cells[i]);
        SAYDO_FAIL_IF(m->source != src, SAYDO_E_INVAL, "cells mix %s (%s) and %s (%s): make two tables",
                      src_name[src], s->cells[0], src_name[m->source], s->cells[i]);
        n_prop += m->kind == TKIND_PROP;
        n_mean += m->kind == TKIND_MEAN;
    }
    if (src != TSRC_SCORE) {
        SAYDO_FAIL_IF(s->baseline_field, SAYDO_E_INVAL,
                      "baseline: the tests against a baseline row or column are for pair metrics; %s brings its own%s",
                      src_name[src], src == TSRC_COMPARE ? " (McNemar on delta_cs, against `reference`)" : "");
        SAYDO_FAIL_IF(src == TSRC_COMPARE && s->margins, SAYDO_E_INVAL,
                      "margins: compare figures are per checkpoint, there is no pooled row or column");
        SAYDO_FAIL_IF(src != TSRC_COMPARE && s->ci != SAYDO_TCI_NONE && s->ci != SAYDO_TCI_PERCENTILE, SAYDO_E_INVAL,
                      "ci = %s: %s intervals are percentile bootstrap (ci = percentile or none)",
                      saydo_tci_name(s->ci), src_name[src]);
        goto cleanup;
    }
    if (s->baseline_field && s->test != SAYDO_TTEST_NONE) {
        int paired = saydo_tfield_pairable(s->baseline_field);
        SAYDO_FAIL_IF((s->test == SAYDO_TTEST_MCNEMAR || s->test == SAYDO_TTEST_ZTEST) && n_mean, SAYDO_E_INVAL,
                      "test = %s applies to cs only; use auto (McNemar for cs, Wilcoxon for means) or signflip",
                      saydo_ttest_name(s->test));
        SAYDO_FAIL_IF(s->test == SAYDO_TTEST_WILCOXON && n_prop, SAYDO_E_INVAL,
                      "test = wilcoxon applies to means, not cs; use auto or signflip");
        SAYDO_FAIL_IF(!paired && s->test != SAYDO_TTEST_ZTEST && s->test != SAYDO_TTEST_AUTO, SAYDO_E_INVAL,
                      "test = %s pairs records across the baseline, which needs a baseline on model, condition or "
                      "variant (not '%s'); use ztest (cs) or none", saydo_ttest_name(s->test), s->baseline_field);
        SAYDO_FAIL_IF(!paired && n_mean, SAYDO_E_INVAL,
                      "no unpaired test for means: a baseline on '%s' splits the items, so pcs/jsd/kl cannot be "
                      "paired; use a baseline on model, condition or variant, or test = none", s->baseline_field);
    }
cleanup:
    return st;
}
