/* Laying out figures: a long table (one row per group) pivoted into row keys
 * x column keys x metrics, with the best value per column and the stars of
 * each cell's test against its baseline; and the footnote that says so. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/table_internal.h"
#include "util/try.h"

void saydo_tlayout_free(saydo_tlayout_t *l)
{
    if (!l) return;
    for (size_t r = 0; l->row_key && r < l->n_rows; r++) {
        for (int f = 0; l->row_key[r] && f < l->n_row_fields; f++) free(l->row_key[r][f]);
        free(l->row_key[r]);
    }
    for (size_t c = 0; l->col_key && c < l->n_cols; c++) {
        for (int f = 0; l->col_key[c] && f < l->n_col_fields; f++) free(l->col_key[c][f]);
        free(l->col_key[c]);
    }
    free(l->row_key);
    free(l->col_key);
    free(l->row_margin);
    free(l->col_margin);
    free(l->cell);
    free(l->has_ci);
    free(l->tests);
    free(l->source);
    free(l);
}

/* Value v is one of "a|b|c"? */
static int listed(const char *list, const char *v)
{
    size_t lv = strlen(v);
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, "|");
        if (n == lv && strncmp(s, v, n) == 0) return 1;
        s += n + (s[n] == '|');
    }
    return 0;
}

static int numeric_col(const saydo_table_t *t, const char *name)
{
    int c = saydo_table_find_col(t, name);
    return c >= 0 && !t->col_is_str[c] ? c : -1;
}

static saydo_status no_column(const saydo_table_t *t, const char *what, const char *name, const char *source)
{
    char cols[512] = "";
    for (int c = 0; c < t->n_cols; c++) {
        size_t l = strlen(cols);
        snprintf(cols + l, sizeof cols - l, "%s%s", c ? ", " : "", t->col_name[c]);
    }
    return saydo_set_error(SAYDO_E_INVAL, "%s '%s' is not a %scolumn of %s (columns: %s)", what, name,
                           strcmp(what, "metric") == 0 ? "number " : "text ", source, cols);
}

/* Finds key (n strings) among keys[0..*n), adding it when absent. */
static saydo_status key_index(char ****keys, size_t *n, size_t *cap, char *const *key, int nf, size_t *out)
{
    for (size_t k = 0; k < *n; k++) {
        int same = 1;
        for (int f = 0; f < nf && same; f++) same = strcmp((*keys)[k][f], key[f]) == 0;
        if (same) {
            *out = k;
            return SAYDO_OK;
        }
    }
    if (*n == *cap) {
        size_t c2 = *cap ? 2 * *cap : 16;
        char ***bigger = realloc(*keys, c2 * sizeof *bigger);
        if (!bigger) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        *keys = bigger;
        *cap = c2;
    }
    char **copy = calloc((size_t)nf + 1, sizeof *copy);
    if (!copy) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    (*keys)[*n] = copy;
    for (int f = 0; f < nf; f++)
        if (!(copy[f] = strdup(key[f]))) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    *out = (*n)++;
    return SAYDO_OK;
}

/* Margins go last, in their order of appearance. */
static saydo_status order_keys(char ***keys, size_t n, int nf, int **margin, size_t **perm)
{
    *margin = calloc(n + 1, sizeof **margin);
    *perm = calloc(n + 1, sizeof **perm);
    if (!*margin || !*perm) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    size_t q = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < n; k++) {
            int m = nf > 0;
            for (int f = 0; f < nf; f++) m &= strcmp(keys[k][f], SAYDO_TALL) == 0;
            if (m == pass) (*perm)[q++] = k;
        }
    return SAYDO_OK;
}

/* x as printed with `digits` decimals (printf rounds the binary value, half
 * to even), so that values shown equal compare equal. */
static double rounded(double x, int digits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", digits, x);
    return strtod(buf, NULL);
}

saydo_status saydo_table_layout(const saydo_table_t *fig, const saydo_tspec_t *s, saydo_tlayout_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_tlayout_t *l = NULL;
    char ***rk = NULL, ***ck = NULL;
    size_t nrk = 0, crk = 0, nck = 0, cck = 0, *rperm = NULL, *cperm = NULL, *rinv = NULL, *cinv = NULL;
    size_t *row_of = NULL, *col_of = NULL;
    int *rmargin = NULL, *cmargin = NULL;
    char source[300];
    *out = NULL;
    SAYDO_TRY(saydo_tspec_check(s));
    if (s->from) snprintf(source, sizeof source, "/results/%s", s->from);
    else snprintf(source, sizeof source, "the computed figures");
    const int nr = s->n_rows, nc = s->n_cols, nm = s->n_cells;
    int rcol[SAYDO_TSPEC_MAX_FIELDS], ccol[SAYDO_TSPEC_MAX_FIELDS];
    int est[SAYDO_TSPEC_MAX_CELLS], lo[SAYDO_TSPEC_MAX_CELLS], hi[SAYDO_TSPEC_MAX_CELLS], pc[SAYDO_TSPEC_MAX_CELLS],
        tc[SAYDO_TSPEC_MAX_CELLS];
    for (int f = 0; f < nr; f++)
        if ((rcol[f] = saydo_table_find_col(fig, s->rows[f])) < 0 || !fig->col_is_str[rcol[f]])
            SAYDO_TRY(no_column(fig, "row field", s->rows[f], source));
    for (int f = 0; f < nc; f++)
        if ((ccol[f] = saydo_table_find_col(fig, s->cols[f])) < 0 || !fig->col_is_str[ccol[f]])
            SAYDO_TRY(no_column(fig, "column field", s->cols[f], source));
    for (int m = 0; m < nm; m++) {
        char name[96];
        const char *mn = s->cells[m];
        if ((est[m] = numeric_col(fig, mn)) < 0) {
            /* a known metric this saydo cannot compute says where it comes from */
            if (saydo_tmetric_available(mn) < 0 && saydo_tmetric_find(mn)) goto cleanup_fail;
            SAYDO_TRY(no_column(fig, "metric", mn, source));
        }
        snprintf(name, sizeof name, "%s_lo", mn);
        lo[m] = s->ci != SAYDO_TCI_NONE ? numeric_col(fig, name) : -1;
        snprintf(name, sizeof name, "%s_hi", mn);
        hi[m] = lo[m] >= 0 ? numeric_col(fig, name) : -1;
        if (hi[m] < 0) lo[m] = -1;
        pc[m] = -1;
        if (s->pvalue) {
            if ((pc[m] = numeric_col(fig, s->pvalue)) < 0) SAYDO_TRY(no_column(fig, "metric", s->pvalue, source));
        } else {
            snprintf(name, sizeof name, "%s_p_adj", mn);
            if ((pc[m] = numeric_col(fig, name)) < 0) {
                snprintf(name, sizeof name, "%s_p", mn);
                if ((pc[m] = numeric_col(fig, name)) < 0 && s->from) pc[m] = numeric_col(fig, "p_adjusted");
            }
        }
        snprintf(name, sizeof name, "%s_test", mn);
        tc[m] = saydo_table_find_col(fig, name);
        if (tc[m] >= 0 && !fig->col_is_str[tc[m]]) tc[m] = -1;
    }
    int ncol_n = numeric_col(fig, "n");
    int wcol[SAYDO_TSPEC_MAX_WHERE];
    for (int w = 0; s->from && w < s->n_where; w++) {
        char field[128];
        size_t fl = strcspn(s->where[w], "=");
        snprintf(field, sizeof field, "%.*s", (int)fl, s->where[w]);
        if ((wcol[w] = saydo_table_find_col(fig, field)) < 0 || !fig->col_is_str[wcol[w]])
            SAYDO_TRY(no_column(fig, "where field", field, source));
    }

    /* row and column keys of every figures row; partial margins are skipped */
    SAYDO_NEW(row_of, fig->n_rows);
    SAYDO_NEW(col_of, fig->n_rows);
    for (size_t r = 0; r < fig->n_rows; r++) {
        char *key_r[SAYDO_TSPEC_MAX_FIELDS], *key_c[SAYDO_TSPEC_MAX_FIELDS];
        row_of[r] = col_of[r] = SIZE_MAX;
        int keep = 1;
        for (int w = 0; s->from && w < s->n_where && keep; w++)
            keep = listed(strchr(s->where[w], '=') + 1, fig->str_col[wcol[w]][r] ? fig->str_col[wcol[w]][r] : "");
        /* a margin pools over all the row (column) fields or over none */
        int all_r = 0, all_c = 0;
        for (int f = 0; f < nr; f++) {
            key_r[f] = fig->str_col[rcol[f]][r] ? fig->str_col[rcol[f]][r] : (char *)"";
            all_r += strcmp(key_r[f], SAYDO_TALL) == 0;
        }
        for (int f = 0; f < nc; f++) {
            key_c[f] = fig->str_col[ccol[f]][r] ? fig->str_col[ccol[f]][r] : (char *)"";
            all_c += strcmp(key_c[f], SAYDO_TALL) == 0;
        }
        if (!keep || (all_r && (all_r < nr || !(s->margins & SAYDO_TMARGIN_ROW))) ||
            (all_c && (all_c < nc || !(s->margins & SAYDO_TMARGIN_COL))))
            continue;
        SAYDO_TRY(key_index(&rk, &nrk, &crk, key_r, nr, &row_of[r]));
        SAYDO_TRY(key_index(&ck, &nck, &cck, key_c, nc, &col_of[r]));
    }
    SAYDO_FAIL_IF(nrk == 0 || nck == 0, SAYDO_E_INVAL, "%s has no rows for this table%s", source,
                  s->n_where && s->from ? " (after the where filters)" : "");
    SAYDO_TRY(order_keys(rk, nrk, nr, &rmargin, &rperm));
    SAYDO_TRY(order_keys(ck, nck, nc, &cmargin, &cperm));
    SAYDO_NEW(rinv, nrk);
    SAYDO_NEW(cinv, nck);
    for (size_t k = 0; k < nrk; k++) rinv[rperm[k]] = k;
    for (size_t k = 0; k < nck; k++) cinv[cperm[k]] = k;

    SAYDO_NEW(l, 1);
    l->n_rows = nrk;
    l->n_cols = nck;
    l->n_row_fields = nr;
    l->n_col_fields = nc;
    l->n_cells = nm;
    SAYDO_NEW(l->row_key, nrk);
    SAYDO_NEW(l->col_key, nck);
    SAYDO_NEW(l->row_margin, nrk);
    SAYDO_NEW(l->col_margin, nck);
    for (size_t k = 0; k < nrk; k++) {
        l->row_key[k] = rk[rperm[k]];
        rk[rperm[k]] = NULL;
    }
    for (size_t k = 0; k < nck; k++) {
        l->col_key[k] = ck[cperm[k]];
        ck[cperm[k]] = NULL;
    }
    for (size_t k = 0; k < nrk; k++) l->row_margin[k] = nr > 0 && strcmp(l->row_key[k][0], SAYDO_TALL) == 0;
    for (size_t k = 0; k < nck; k++) l->col_margin[k] = nc > 0 && strcmp(l->col_key[k][0], SAYDO_TALL) == 0;
    const size_t ncells = nrk * nck * (size_t)nm;
    SAYDO_NEW(l->cell, ncells);
    SAYDO_NEW(l->has_ci, (size_t)nm);
    for (size_t i = 0; i < ncells; i++) {
        saydo_tcell_t *e = &l->cell[i];
        e->est = e->lo = e->hi = e->p = e->n = NAN;
    }

    /* the cells; the tests named in the figures, for the footnote */
    char tests[512] = "";
    for (size_t r = 0; r < fig->n_rows; r++) {
        if (row_of[r] == SIZE_MAX) continue;
        size_t R = rinv[row_of[r]], C = cinv[col_of[r]];
        for (int m = 0; m < nm; m++) {
            saydo_tcell_t *e = &l->cell[(R * nck + C) * (size_t)nm + (size_t)m];
            if (e->present) {
                char where_[256] = "";
                for (int f = 0; f < nr; f++) {
                    size_t q = strlen(where_);
                    snprintf(where_ + q, sizeof where_ - q, "%s%s=%s", q ? ", " : "", s->rows[f], l->row_key[R][f]);
                }
                for (int f = 0; f < nc; f++) {
                    size_t q = strlen(where_);
                    snprintf(where_ + q, sizeof where_ - q, "%s%s=%s", q ? ", " : "", s->cols[f], l->col_key[C][f]);
                }
                SAYDO_FAIL_IF(1, SAYDO_E_INVAL, "two rows of %s fall on the same cell (%s): add the field that tells "
                              "them apart to rows or cols, or filter with where", source, where_);
            }
            e->present = 1;
            e->est = fig->num_col[est[m]][r];
            if (lo[m] >= 0) {
                e->lo = fig->num_col[lo[m]][r];
                e->hi = fig->num_col[hi[m]][r];
                l->has_ci[m] |= !isnan(e->lo);
            }
            if (pc[m] >= 0) e->p = fig->num_col[pc[m]][r];
            if (ncol_n >= 0) e->n = fig->num_col[ncol_n][r];
            if (!isnan(e->p)) {
                e->stars = (e->p < 0.05) + (e->p < 0.01) + (e->p < 0.001);
                l->n_tests++;
                l->has_stars = 1;
                const char *tname = tc[m] >= 0 ? fig->str_col[tc[m]][r] : NULL;
                char item[128];
                const tmetric_t *tm = saydo_tmetric_find(s->cells[m]);
                const char *shown_name = tm ? tm->text : s->cells[m];
                if (tname && *tname) snprintf(item, sizeof item, "%s (%s)", tname, shown_name);
                else snprintf(item, sizeof item, "p from %s (%s)", pc[m] >= 0 ? fig->col_name[pc[m]] : "?", shown_name);
                if (!strstr(tests, item)) {
                    size_t q = strlen(tests);
                    snprintf(tests + q, sizeof tests - q, "%s%s", q ? ", " : "", item);
                }
            }
        }
    }
    l->tests = strdup(tests);
    l->source = strdup(s->from ? source : "computed");
    SAYDO_FAIL_IF(!l->tests || !l->source, SAYDO_E_NOMEM, "out of memory");

    /* bold: the best per column and metric over the body rows, compared at the
     * digits shown so that values printed equal are bold together */
    for (int m = 0; m < nm && s->bold != SAYDO_TBOLD_NONE; m++) {
        const tmetric_t *tm = saydo_tmetric_find(s->cells[m]);
        int dir = s->bold == SAYDO_TBOLD_MAX ? 1 : s->bold == SAYDO_TBOLD_MIN ? -1 : tm ? tm->better : 0;
        if (tm && tm->kind == TKIND_COUNT) dir = 0;
        if (!dir) continue;
        for (size_t C = 0; C < nck; C++) {
            double best = NAN;
            for (size_t R = 0; R < nrk; R++) {
                const saydo_tcell_t *e = &l->cell[(R * nck + C) * (size_t)nm + (size_t)m];
                if (l->row_margin[R] || !e->present || isnan(e->est)) continue;
                double v = rounded(e->est, s->digits) * dir;
                if (isnan(best) || v > best) best = v;
            }
            for (size_t R = 0; R < nrk && !isnan(best); R++) {
                saydo_tcell_t *e = &l->cell[(R * nck + C) * (size_t)nm + (size_t)m];
                if (!l->row_margin[R] && e->present && !isnan(e->est))
                    e->bold = rounded(e->est, s->digits) * dir == best;
            }
        }
    }
    *out = l;
    l = NULL;
    goto cleanup;
cleanup_fail:
    st = SAYDO_E_INVAL;
cleanup:
    for (size_t k = 0; k < nrk; k++)
        if (rk[k]) {
            for (int f = 0; f < nr; f++) free(rk[k][f]);
            free(rk[k]);
        }
    for (size_t k = 0; k < nck; k++)
        if (ck[k]) {
            for (int f = 0; f < nc; f++) free(ck[k][f]);
            free(ck[k]);
        }
    free(rk);
    free(ck);
    free(rperm);
    free(cperm);
    free(rinv);
    free(cinv);
    free(rmargin);
    free(cmargin);
    free(row_of);
    free(col_of);
    saydo_tlayout_free(l);
    return st;
}

/* ---- the footnote -------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int latex, oom;
} sb_t;

static void sb_raw(sb_t *b, const char *t)
{
    size_t k = strlen(t);
    if (b->oom) return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->n + k + 1) * 2;
        char *bigger = realloc(b->s, cap);
        if (!bigger) {
            b->oom = 1;
            return;
        }
        b->s = bigger;
        b->cap = cap;
    }
    memcpy(b->s + b->n, t, k + 1);
    b->n += k;
}

/* Text, escaped for LaTeX when the note is LaTeX. */
static void sb_text(sb_t *b, const char *fmt, ...) SAYDO_PRINTF(2, 3);
static void sb_text(sb_t *b, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!b->latex) {
        sb_raw(b, buf);
        return;
    }
    for (const char *p = buf; *p; p++) {
        char one[2] = {*p, 0};
        /* the two non-ASCII signs the definitions use, as math */
        if (strncmp(p, "\xce\x94", 2) == 0 || strncmp(p, "\xc2\xb1", 2) == 0) {
            sb_raw(b, p[0] == '\xce' ? "$\\Delta$" : "$\\pm$");
            p++;
            continue;
        }
        switch (*p) {
        case '\\': sb_raw(b, "\\textbackslash{}"); break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            sb_raw(b, "\\");
            sb_raw(b, one);
            break;
        case '~': sb_raw(b, "\\textasciitilde{}"); break;
        case '^': sb_raw(b, "\\textasciicircum{}"); break;
        case '<': sb_raw(b, "$<$"); break;
        case '>': sb_raw(b, "$>$"); break;
        case '|': sb_raw(b, "$|$"); break;
        default: sb_raw(b, one);
        }
    }
}

/* Both forms: plain text, or raw LaTeX. */
static void sb_alt(sb_t *b, const char *plain, const char *latex) { sb_raw(b, b->latex ? latex : plain); }

static const char *test_long(const char *name)
{
    if (strcmp(name, "mcnemar") == 0) return "McNemar exact test";
    if (strcmp(name, "ztest") == 0) return "two-proportion z-test";
    if (strcmp(name, "wilcoxon") == 0) return "Wilcoxon signed-rank test";
    if (strcmp(name, "signflip") == 0) return "sign-flip permutation test";
    return name;
}

static const char *boot_name(saydo_tci ci)
{
    return ci == SAYDO_TCI_PERCENTILE ? "percentile" : ci == SAYDO_TCI_BASIC ? "basic" : "BCa";
}

static int is_boot(saydo_tci ci) { return ci == SAYDO_TCI_PERCENTILE || ci == SAYDO_TCI_BASIC || ci == SAYDO_TCI_BCA; }

/* How the intervals were made, per analysis. */
static void note_intervals(sb_t *b, const saydo_tspec_t *s, tsrc_t src)
{
    unsigned long long seed = (unsigned long long)s->seed;
    if (s->from) {
        sb_text(b, "Intervals as stored in /results/%s. ", s->from);
        return;
    }
    sb_text(b, "Intervals: ");
    if (src == TSRC_SCORE) {
        if (is_boot(s->ci))
            sb_text(b, "%s bootstrap over item clusters (model, condition, item, variant)%s%s, %zu resamples, "
                       "seed %llu + group row",
                    boot_name(s->ci), s->strata ? " stratified by " : "", s->strata ? s->strata : "", s->resamples,
                    seed);
        else if (s->ci == SAYDO_TCI_CLUSTER)
            sb_text(b, "normal, with standard errors clustered by item (CR1)");
        else
            sb_text(b, "%s for CS, normal with item-clustered standard errors for means",
                    s->ci == SAYDO_TCI_WILSON ? "Wilson score" : "Clopper-Pearson");
    } else if (src == TSRC_COMPARE) {
        if (is_boot(s->ci))
            sb_text(b, "%s bootstrap over item clusters, paired for deltas (%zu resamples, seed %llu + row)",
                    boot_name(s->ci), s->resamples, seed);
        else
            sb_text(b, "rates by %s; deltas by the paired percentile bootstrap over item clusters (%zu resamples, "
                       "seed %llu + row)",
                    s->ci == SAYDO_TCI_CLUSTER ? "the item-clustered normal interval"
                    : s->ci == SAYDO_TCI_EXACT ? "Clopper-Pearson" : "Wilson score",
                    s->resamples, seed);
    } else if (src == TSRC_VALUEACTION) {
        sb_text(b, "percentile bootstrap over scenarios (%zu resamples, seed %llu + row)", s->resamples, seed);
    } else {
        sb_text(b, "percentile bootstrap over paraphrases (stated) and contexts (revealed) as clusters (%zu "
                   "resamples; principle row k seeded %llu + 2k and %llu + 2k + 1)", s->resamples, seed, seed);
    }
    sb_text(b, ". ");
}

/* The tests, against what, paired how, corrected how. */
static void note_tests(sb_t *b, const saydo_tlayout_t *l, const saydo_tspec_t *s, tsrc_t src)
{
    if (!l->has_stars) return;
    sb_text(b, "Stars: ");
    char tests[512];
    snprintf(tests, sizeof tests, "%s", l->tests);
    int first = 1;
    for (char *save = NULL, *tok = strtok_r(tests, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        char *paren = strchr(tok, ' ');
        if (paren) *paren = '\0';
        sb_text(b, "%s%s %s", first ? "" : ", ", test_long(tok), paren ? paren + 1 : "");
        first = 0;
    }
    if (s->from) {
        /* a saved table: only what the table says */
    } else if (src == TSRC_COMPARE) {
        sb_text(b, " of the consistency transitions of each checkpoint against condition %s, couples matched on "
                   "model, item, trial and variant; p-values ", s->reference);
        if (s->correction == SAYDO_TADJ_NONE) sb_text(b, "not adjusted");
        else sb_text(b, "%s-adjusted over the compared checkpoints and groups",
                     s->correction == SAYDO_TADJ_BONFERRONI ? "Bonferroni" : s->correction == SAYDO_TADJ_HOLM ? "Holm"
                                                                                                           : "BH");
    } else if (s->baseline_field) {
        int in_rows = 0;
        for (int f = 0; f < s->n_rows; f++) in_rows |= strcmp(s->rows[f], s->baseline_field) == 0;
        sb_text(b, " against %s = %s within each %s", s->baseline_field, s->baseline_value, in_rows ? "column" : "row");
        if (strstr(l->tests, "mcnemar") || strstr(l->tests, "wilcoxon") || strstr(l->tests, "signflip")) {
            static const char *key[] = {"model", "condition", "item", "trial", "variant"};
            sb_text(b, ", pairs matched on ");
            int k0 = 1;
            for (int k = 0; k < 5; k++) {
                if (strcmp(key[k], s->baseline_field) == 0 || (k == 3 && s->unit == SAYDO_UNIT_ITEM)) continue;
                sb_text(b, "%s%s", k0 ? "" : ", ", key[k]);
                k0 = 0;
            }
        }
        if (strstr(l->tests, "signflip"))
            sb_text(b, " (sign-flip: %zu resamples, seed %llu)", s->resamples, (unsigned long long)s->seed);
        if (s->correction != SAYDO_TADJ_NONE)
            sb_text(b, "; p-values %s-adjusted over the %zu tests of the table",
                    s->correction == SAYDO_TADJ_BONFERRONI ? "Bonferroni" : s->correction == SAYDO_TADJ_HOLM ? "Holm"
                                                                                                          : "BH",
                    l->n_tests);
        else sb_text(b, "; p-values not adjusted (%zu tests)", l->n_tests);
    }
    sb_alt(b, "; * p < 0.05, ** p < 0.01, *** p < 0.001. ",
           "; $^{*}\\,p<0.05$, $^{**}\\,p<0.01$, $^{***}\\,p<0.001$. ");
}

saydo_status saydo_table_note(const saydo_tlayout_t *l, const saydo_tspec_t *s, int latex, char **out)
{
    sb_t b = {.latex = latex};
    *out = NULL;
    tsrc_t src = saydo_tspec_source(s);
    sb_alt(&b, "Note. ", "\\textit{Note.} ");
    int any_ci = 0;
    for (int m = 0; m < l->n_cells; m++) any_ci |= l->has_ci[m];
    /* what a cell shows */
    int pml = (int)round(s->level * 1000);
    char lev[32];
    if (pml % 10) snprintf(lev, sizeof lev, "%.1f%%", pml / 10.0);
    else snprintf(lev, sizeof lev, "%d%%", pml / 10);
    if (any_ci) {
        sb_text(&b, "Cells: estimate ");
        if (s->ci_style == SAYDO_TSTYLE_PM) sb_alt(&b, "± half the width of", "$\\pm$ half the width of");
        else sb_text(&b, "[lower, upper] of");
        sb_text(&b, " its %s confidence interval. ", lev);
    }
    int nw = 0;
    for (int m = 0; m < l->n_cells; m++) {
        const tmetric_t *tm = saydo_tmetric_find(s->cells[m]);
        if (tm) sb_text(&b, "%s%s", nw++ ? "; " : "", tm->what);
    }
    if (nw) sb_text(&b, ". ");
    if (any_ci) note_intervals(&b, s, src);
    note_tests(&b, l, s, src);
    if (s->bold != SAYDO_TBOLD_NONE)
        sb_text(&b, "Bold: the %s value in each column. ", s->bold == SAYDO_TBOLD_MAX   ? "highest"
                                                            : s->bold == SAYDO_TBOLD_MIN ? "lowest"
                                                                                         : "best");
    if (s->from) sb_text(&b, "Figures from /results/%s. ", s->from);
    else if (src == TSRC_SCORE || src == TSRC_COMPARE) {
        if (s->missing == SAYDO_MISSING_DROP) sb_text(&b, "Pairs with a missing or refused answer are dropped. ");
        else if (s->missing == SAYDO_MISSING_INCONSISTENT) sb_text(&b, "Missing or refused answers count as inconsistent. ");
        else sb_text(&b, "A refusal counts as an option of its own. ");
        if (s->unit == SAYDO_UNIT_ITEM) sb_text(&b, "Trials pooled per item. ");
    } else if (src == TSRC_VALUEACTION) {
        sb_text(&b, "F1's positive class: %s; cells missing on either side are dropped. ",
                s->positive_agree ? "agree" : "disagree (as the paper)");
    }
    if (s->note) sb_raw(&b, s->note);   /* as written: in LaTeX output it may hold LaTeX */
    while (b.n && b.s[b.n - 1] == ' ') b.s[--b.n] = '\0';
    if (b.oom) {
        free(b.s);
        return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    }
    *out = b.s;
    return SAYDO_OK;
}
