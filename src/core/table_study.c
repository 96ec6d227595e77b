/* The figures of tables over the other analyses: saydo compare,
 * ValueActionLens and stated vs revealed. Each makes its own table; here it
 * is reduced to the rows the spec's fields ask for (a level of the analysis,
 * the where filters) and renamed into the figures' columns (M, M_lo, M_hi,
 * M_p_adj, M_test, n) that saydo_table_layout() reads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/table_internal.h"
#include "saydo/compare.h"
#include "saydo/statedrevealed.h"
#include "saydo/valueaction.h"
#include "util/try.h"

static int in_fields(const saydo_tspec_t *s, const char *f)
{
    for (int i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i], f) == 0) return 1;
    for (int i = 0; i < s->n_cols; i++)
        if (strcmp(s->cols[i], f) == 0) return 1;
    return 0;
}

/* Value v is one of "a|b|c"? */
static int listed(const char *list, const char *v)
{
    size_t lv = strlen(v);
    for (const char *q = list; *q;) {
        size_t n = strcspn(q, "|");
        if (n == lv && strncmp(q, v, n) == 0) return 1;
        q += n + (q[n] == '|');
    }
    return 0;
}

static saydo_status missing_col(const saydo_table_t *t, const char *what, const char *name, const char *src)
{
    char cols[768] = "";
    for (int c = 0; c < t->n_cols; c++) {
        size_t l = strlen(cols);
        snprintf(cols + l, sizeof cols - l, "%s%s", c ? ", " : "", t->col_name[c]);
    }
    return saydo_set_error(SAYDO_E_INVAL, "%s '%s' is not a column of the %s table (columns: %s)", what, name, src,
                           cols);
}

/* Keeps the rows of t that pass the where filters (when filter_where) and
 * whose pooled fields that the spec does not show are "(all)", and writes
 * them in the figures' columns. */
static saydo_status reduce(const saydo_table_t *t, const saydo_tspec_t *s, const char *src, const char *const *pooled,
                           int n_pooled, int filter_where, const char *n_col, const char *p_col, const char *test,
                           saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *o = NULL;
    uint8_t *keep = NULL;
    int fcol[2 * SAYDO_TSPEC_MAX_FIELDS], nf = 0, wcol[SAYDO_TSPEC_MAX_WHERE], pcol_i[8];
    const char *fname[2 * SAYDO_TSPEC_MAX_FIELDS];
    for (int i = 0; i < s->n_rows; i++) fname[nf++] = s->rows[i];
    for (int i = 0; i < s->n_cols; i++) fname[nf++] = s->cols[i];
    for (int f = 0; f < nf; f++)
        if ((fcol[f] = saydo_table_find_col(t, fname[f])) < 0 || !t->col_is_str[fcol[f]])
            SAYDO_TRY(missing_col(t, "field", fname[f], src));
    for (int w = 0; filter_where && w < s->n_where; w++) {
        char field[128];
        snprintf(field, sizeof field, "%.*s", (int)strcspn(s->where[w], "="), s->where[w]);
        if ((wcol[w] = saydo_table_find_col(t, field)) < 0 || !t->col_is_str[wcol[w]])
            SAYDO_TRY(missing_col(t, "where field", field, src));
    }
    for (int k = 0; k < n_pooled; k++) pcol_i[k] = in_fields(s, pooled[k]) ? -1 : saydo_table_find_col(t, pooled[k]);
    SAYDO_NEW(keep, t->n_rows);
    size_t n = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
        int ok = 1;
        for (int w = 0; filter_where && w < s->n_where && ok; w++)
            ok = listed(strchr(s->where[w], '=') + 1, t->str_col[wcol[w]][r] ? t->str_col[wcol[w]][r] : "");
        for (int k = 0; k < n_pooled && ok; k++)
            if (pcol_i[k] >= 0) ok = t->str_col[pcol_i[k]][r] && strcmp(t->str_col[pcol_i[k]][r], SAYDO_TALL) == 0;
        keep[r] = (uint8_t)ok;
        n += (size_t)ok;
    }

    /* columns: fields, then per metric M [M_lo M_hi] [M_p_adj M_test], then n */
    int ncols = nf + 1;
    int est[SAYDO_TSPEC_MAX_CELLS], lo[SAYDO_TSPEC_MAX_CELLS], hi[SAYDO_TSPEC_MAX_CELLS], pc[SAYDO_TSPEC_MAX_CELLS];
    for (int m = 0; m < s->n_cells; m++) {
        const tmetric_t *tm = saydo_tmetric_find(s->cells[m]);
        char name[96];
        if ((est[m] = saydo_table_find_col(t, tm->col)) < 0 || t->col_is_str[est[m]])
            SAYDO_TRY(missing_col(t, "metric", tm->col, src));
        snprintf(name, sizeof name, "%s_lo", tm->col);
        lo[m] = s->ci != SAYDO_TCI_NONE ? saydo_table_find_col(t, name) : -1;
        snprintf(name, sizeof name, "%s_hi", tm->col);
        hi[m] = lo[m] >= 0 ? saydo_table_find_col(t, name) : -1;
        if (hi[m] < 0) lo[m] = -1;
        pc[m] = tm->pcol && p_col ? saydo_table_find_col(t, p_col) : -1;
        ncols += 1 + 2 * (lo[m] >= 0) + 2 * (pc[m] >= 0);
    }
    int ncn = n_col ? saydo_table_find_col(t, n_col) : -1;
    SAYDO_TRY(saydo_table_create(n, ncols, &o));
    int col = 0;
    for (int f = 0; f < nf; f++, col++) {
        SAYDO_TRY(saydo_table_set_col(o, col, fname[f], 1));
        for (size_t r = 0, q = 0; r < t->n_rows; r++)
            if (keep[r]) SAYDO_TRY(saydo_table_set_str(o, col, q++, t->str_col[fcol[f]][r]));
    }
    for (int m = 0; m < s->n_cells; m++) {
        int src_col[4] = {est[m], lo[m], hi[m], pc[m]};
        static const char *suffix[] = {"", "_lo", "_hi", "_p_adj"};
        for (int k = 0; k < 4; k++) {
            if (src_col[k] < 0) continue;
            char name[96];
            snprintf(name, sizeof name, "%s%s", s->cells[m], suffix[k]);
            SAYDO_TRY(saydo_table_set_col(o, col, name, 0));
            for (size_t r = 0, q = 0; r < t->n_rows; r++)
                if (keep[r]) saydo_table_set_num(o, col, q++, t->num_col[src_col[k]][r]);
            col++;
        }
        if (pc[m] >= 0) {
            char name[96];
            snprintf(name, sizeof name, "%s_test", s->cells[m]);
            SAYDO_TRY(saydo_table_set_col(o, col, name, 1));
            for (size_t r = 0, q = 0; r < t->n_rows; r++)
                if (keep[r]) SAYDO_TRY(saydo_table_set_str(o, col, q++, isnan(t->num_col[pc[m]][r]) ? "" : test));
            col++;
        }
    }
    SAYDO_TRY(saydo_table_set_col(o, col, "n", 0));
    for (size_t r = 0, q = 0; r < t->n_rows; r++)
        if (keep[r]) saydo_table_set_num(o, col, q++, ncn >= 0 ? t->num_col[ncn][r] : NAN);
    if (s->title) {
        o->title = strdup(s->title);
        SAYDO_FAIL_IF(!o->title, SAYDO_E_NOMEM, "out of memory");
    }
    *out = o;
    o = NULL;
cleanup:
    free(keep);
    saydo_table_free(o);
    return st;
}

static saydo_status compare_figures(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_tspec_t *s,
                                    saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    saydo_compare_opts_t o;
    saydo_compare_opts_default(&o);
    const char *by[2 * SAYDO_TSPEC_MAX_FIELDS];
    int nby = 0;
    for (int i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i], "condition") != 0) by[nby++] = s->rows[i];
    for (int i = 0; i < s->n_cols; i++)
        if (strcmp(s->cols[i], "condition") != 0) by[nby++] = s->cols[i];
    o.baseline = s->reference;
    o.by = by;
    o.n_by = nby;
    o.unit = s->unit;
    /* deltas need a bootstrap; an analytic choice applies to the rates */
    int boot = s->ci == SAYDO_TCI_PERCENTILE || s->ci == SAYDO_TCI_BASIC || s->ci == SAYDO_TCI_BCA;
    static const saydo_ci_method method[] = {
        [SAYDO_TCI_NONE] = SAYDO_CI_WILSON,   [SAYDO_TCI_PERCENTILE] = SAYDO_CI_PERCENTILE,
        [SAYDO_TCI_BASIC] = SAYDO_CI_BASIC,   [SAYDO_TCI_BCA] = SAYDO_CI_BCA,
        [SAYDO_TCI_WILSON] = SAYDO_CI_WILSON, [SAYDO_TCI_EXACT] = SAYDO_CI_CLOPPER,
        [SAYDO_TCI_CLUSTER] = SAYDO_CI_CLUSTER};
    o.delta_ci.method = boot ? method[s->ci] : SAYDO_CI_PERCENTILE;
    o.delta_ci.n_resamples = s->resamples;
    o.delta_ci.seed = s->seed;
    o.delta_ci.level = s->level;
    o.delta_ci.strata = s->strata;
    o.rate_ci = method[s->ci];
    static const saydo_stats_padjust_t adj[] = {SAYDO_STATS_HOLM, SAYDO_STATS_BONFERRONI, SAYDO_STATS_HOLM,
                                                SAYDO_STATS_BH};
    o.correction = adj[s->correction];
    SAYDO_TRY(saydo_compare_table(d, p, &o, &t));
    SAYDO_TRY(reduce(t, s, "compare", NULL, 0, 0, "n_paired",
                     s->correction == SAYDO_TADJ_NONE ? "mcnemar_p" : "p_adjusted", "mcnemar", out));
cleanup:
    saydo_table_free(t);
    return st;
}

static saydo_status va_figures(const saydo_data_t *d, const saydo_tspec_t *s, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_va_t *va = NULL;
    saydo_table_t *t = NULL;
    saydo_va_opts_t o;
    saydo_va_opts_default(&o);
    if (s->side1) o.stated_side = s->side1;
    if (s->side2) o.action_side = s->side2;
    o.positive_disagree = !s->positive_agree;
    int by_c = in_fields(s, "country"), by_t = in_fields(s, "topic");
    o.levels = (by_c ? SAYDO_VA_BY_COUNTRY : 0) | (by_t ? SAYDO_VA_BY_TOPIC : 0) |
               (by_c && by_t ? SAYDO_VA_BY_SCENARIO : 0);
    o.ci = s->ci != SAYDO_TCI_NONE;
    o.boot.n_resamples = s->resamples;
    o.boot.level = s->level;
    o.boot.seed = s->seed;
    SAYDO_TRY(saydo_va_build(d, &o, &va));
    SAYDO_TRY(saydo_va_table(va, &t));
    static const char *pooled[] = {"country", "topic"};
    SAYDO_TRY(reduce(t, s, "ValueActionLens", pooled, 2, 1, "n_scenarios", NULL, NULL, out));
cleanup:
    saydo_table_free(t);
    saydo_va_free(va);
    return st;
}

static saydo_status sr_figures(const saydo_data_t *d, const saydo_tspec_t *s, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    saydo_sr_opts_t o;
    saydo_sr_opts_default(&o);
    if (s->side1) o.stated_side = s->side1;
    if (s->side2) o.revealed_side = s->side2;
    o.per_context = in_fields(s, "context");
    o.ci = s->ci != SAYDO_TCI_NONE;
    o.boot.n_resamples = s->resamples;
    o.boot.level = s->level;
    o.boot.seed = s->seed;
    SAYDO_TRY(saydo_sr_table(d, &o, &t));
    static const char *pooled[] = {"category", "principle", "context"};
    SAYDO_TRY(reduce(t, s, "stated-vs-revealed", pooled, 3, 1, "n_stated", NULL, NULL, out));
cleanup:
    saydo_table_free(t);
    return st;
}

saydo_status saydo_table_study(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_tspec_t *s,
                               saydo_table_t **out)
{
    switch (saydo_tspec_source(s)) {
    case TSRC_COMPARE:
        if (!p) return saydo_set_error(SAYDO_E_INVAL, "compare figures need the store's pairs");
        return compare_figures(d, p, s, out);
    case TSRC_VALUEACTION: return va_figures(d, s, out);
    case TSRC_STATEDREVEALED: return sr_figures(d, s, out);
    case TSRC_SCORE: break;
    }
    return saydo_set_error(SAYDO_E_INVAL, "pair metrics are computed by saydo_table_compute()");
}
