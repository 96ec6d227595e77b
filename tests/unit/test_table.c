/* Unit tests of saydo/table.h: the spec format and its checks, the layout
 * (pivot, margins, bold at the shown digits, stars) and the renderers, on
 * hand-built figures. Every expected output below was written by hand from
 * the rules in table.h and README.md ("Paper tables"), not produced by the
 * code under test; the computation over a store is checked against scipy and
 * statsmodels in tests/cli/table_reference.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include <gsl/gsl_errno.h>

#include "saydo/table.h"

/* ---- helpers ------------------------------------------------------------------ */

static saydo_tspec_t *spec_of(const char *text)
{
    saydo_tspec_t *s = NULL;
    assert_int_equal(saydo_tspec_create(&s), SAYDO_OK);
    if (saydo_tspec_parse(s, text, "test.spec") != SAYDO_OK) fail_msg("parse: %s", saydo_last_error());
    return s;
}

static void expect_error(saydo_status st, const char *needle)
{
    assert_true(st < 0);
    if (!strstr(saydo_last_error(), needle)) fail_msg("error '%s' does not say '%s'", saydo_last_error(), needle);
}

/* A figures table: fields model, domain; cs, cs_lo, cs_hi, cs_p_adj, cs_test, n. */
typedef struct {
    const char *model, *domain;
    double cs, lo, hi, p, n;
} frow_t;

static saydo_table_t *figures(const frow_t *rows, size_t n)
{
    saydo_table_t *t = NULL;
    assert_int_equal(saydo_table_create(n, 8, &t), SAYDO_OK);
    static const char *names[] = {"model", "domain", "cs", "cs_lo", "cs_hi", "cs_p_adj", "cs_test", "n"};
    for (int c = 0; c < 8; c++) assert_int_equal(saydo_table_set_col(t, c, names[c], c < 2 || c == 6), SAYDO_OK);
    for (size_t r = 0; r < n; r++) {
        assert_int_equal(saydo_table_set_str(t, 0, r, rows[r].model), SAYDO_OK);
        assert_int_equal(saydo_table_set_str(t, 1, r, rows[r].domain), SAYDO_OK);
        saydo_table_set_num(t, 2, r, rows[r].cs);
        saydo_table_set_num(t, 3, r, rows[r].lo);
        saydo_table_set_num(t, 4, r, rows[r].hi);
        saydo_table_set_num(t, 5, r, rows[r].p);
        assert_int_equal(saydo_table_set_str(t, 6, r, isnan(rows[r].p) ? "" : "mcnemar"), SAYDO_OK);
        saydo_table_set_num(t, 7, r, rows[r].n);
    }
    return t;
}

/* The running example: m1 is the baseline; (all) rows are the All margin row.
 * Column A shows m1 0.6251 and m2 0.6349 both as 0.63 (a tie: both bold) and
 * m3 0.625 as 0.62 (printf rounds the binary 0.625 half to even). Stars:
 * p 0.049 -> *, 0.0099 -> **, 0.0009 -> ***, 0.05 -> none. */
static const frow_t example[] = {
    {"m1", "A", 0.6251, 0.55, 0.70, NAN, 100}, {"m1", "B", 0.40, 0.30, 0.50, NAN, 50},
    {"m2", "A", 0.6349, 0.56, 0.71, 0.049, 100}, {"m2", "B", 0.45, 0.35, 0.55, 0.0099, 50},
    {"m3", "A", 0.625, 0.55, 0.70, 0.0009, 100}, {"m3", "B", 0.38, 0.28, 0.48, 0.05, 50},
    {"(all)", "A", 0.63, 0.59, 0.67, NAN, 300}, {"(all)", "B", 0.41, 0.35, 0.47, NAN, 150},
};
static const char example_spec[] = "title = T\nrows = model\ncols = domain\ncells = cs\nbold = max\n"
                                   "margins = row\nbaseline = model=m1\n";

/* Renders into a string (the caller frees it). */
static char *render(const saydo_tlayout_t *l, const saydo_tspec_t *s, saydo_tformat fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(saydo_table_render(f, l, s, fmt), SAYDO_OK);
    fclose(f);
    return buf;
}

/* ---- the spec ------------------------------------------------------------------ */

static void test_spec_parse(void **state)
{
    (void)state;
    saydo_tspec_t *s = spec_of("# a comment\n"
                               "title = WDCT consistency by model and domain\n"
                               "\n"
                               "rows = model\n"
                               "cols = domain , condition\n"
                               "cells = cs, pcs,n\n"
                               "where = condition=base|sft-r1\n"
                               "where = domain=EthV\n"
                               "ci = bca\n"
                               "ci_style = pm\n"
                               "level = 0.9\n"
                               "resamples = 999\n"
                               "seed = 18446744073709551615\n"
                               "digits = 3\n"
                               "bold = auto\n"
                               "baseline = model = m01\n"
                               "test = signflip\n"
                               "correction = bh\n"
                               "margins = both\n"
                               "caption = A; B = C\n"
                               "label = tab:wdct\n");
    assert_string_equal(s->title, "WDCT consistency by model and domain");
    assert_int_equal(s->n_rows, 1);
    assert_string_equal(s->rows[0], "model");
    assert_int_equal(s->n_cols, 2);
    assert_string_equal(s->cols[0], "domain");
    assert_string_equal(s->cols[1], "condition");
    assert_int_equal(s->n_cells, 3);
    assert_string_equal(s->cells[2], "n");
    assert_int_equal(s->n_where, 2);
    assert_string_equal(s->where[0], "condition=base|sft-r1");
    assert_int_equal(s->ci, SAYDO_TCI_BCA);
    assert_int_equal(s->ci_style, SAYDO_TSTYLE_PM);
    assert_true(s->level == 0.9);
    assert_int_equal(s->resamples, 999);
    assert_true(s->seed == UINT64_MAX);
    assert_int_equal(s->digits, 3);
    assert_int_equal(s->bold, SAYDO_TBOLD_AUTO);
    assert_string_equal(s->baseline_field, "model");
    assert_string_equal(s->baseline_value, "m01");
    assert_int_equal(s->test, SAYDO_TTEST_SIGNFLIP);
    assert_int_equal(s->correction, SAYDO_TADJ_BH);
    assert_int_equal(s->margins, SAYDO_TMARGIN_COL | SAYDO_TMARGIN_ROW);
    assert_string_equal(s->caption, "A; B = C");   /* only the first '=' splits */
    assert_string_equal(s->label, "tab:wdct");
    saydo_tspec_free(s);

    /* the defaults */
    assert_int_equal(saydo_tspec_create(&s), SAYDO_OK);
    assert_int_equal(s->ci, SAYDO_TCI_PERCENTILE);
    assert_int_equal(s->resamples, 9999);
    assert_true(s->seed == 1 && s->level == 0.95 && s->digits == 2);
    assert_int_equal(s->correction, SAYDO_TADJ_HOLM);
    assert_int_equal(s->test, SAYDO_TTEST_AUTO);
    assert_null(s->baseline_field);
    /* a later value replaces a list; an empty rows means none */
    assert_int_equal(saydo_tspec_set(s, "rows", "model, variant"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "rows", ""), SAYDO_OK);
    assert_int_equal(s->n_rows, 0);
    saydo_tspec_free(s);
    saydo_tspec_free(NULL);
}

static void test_spec_errors(void **state)
{
    (void)state;
    saydo_tspec_t *s = NULL;
    assert_int_equal(saydo_tspec_create(&s), SAYDO_OK);
    expect_error(saydo_tspec_parse(s, "title = x\n\nno equals sign\n", "w.spec"), "w.spec:3: expected `key = value`");
    expect_error(saydo_tspec_parse(s, "colour = red\n", "w.spec"), "w.spec:1: unknown key 'colour'");
    expect_error(saydo_tspec_parse(s, "ci = bootstrap\n", "w.spec"), "'bootstrap' is not one of none, percentile");
    expect_error(saydo_tspec_set(s, "level", "95"), "level: '95' is not a confidence level");
    expect_error(saydo_tspec_set(s, "digits", "-1"), "digits: '-1' is not a whole number");
    expect_error(saydo_tspec_set(s, "baseline", "m01"), "baseline: FIELD=VALUE");
    expect_error(saydo_tspec_set(s, "cells", "cs, cs"), "'cs' twice");
    expect_error(saydo_tspec_set(s, "where", "model"), "where: FIELD=VALUE");
    expect_error(saydo_tspec_read(s, "/nonexistent/x.spec"), "/nonexistent/x.spec");
    saydo_tspec_free(s);

    /* consistency checks */
    s = spec_of("rows = model\ncols = domain\n");
    expect_error(saydo_tspec_check(s), "no cells");
    assert_int_equal(saydo_tspec_set(s, "cells", "cs, f2"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "unknown metric 'f2'");
    assert_int_equal(saydo_tspec_set(s, "cells", "cs, f1"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "cells mix pair metrics (saydo score) (cs) and ValueActionLens (f1)");
    assert_int_equal(saydo_tspec_set(s, "cells", "cs, pcs"), SAYDO_OK);
    assert_int_equal(saydo_tspec_check(s), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "baseline", "condition=base"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "baseline field 'condition' is neither a row nor a column field");
    assert_int_equal(saydo_tspec_set(s, "baseline", "model=m01"), SAYDO_OK);
    assert_int_equal(saydo_tspec_check(s), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "test", "mcnemar"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "test = mcnemar applies to cs only");
    assert_int_equal(saydo_tspec_set(s, "test", "auto"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "baseline", "domain=EthV"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "no unpaired test for means");
    assert_int_equal(saydo_tspec_set(s, "cells", "cs"), SAYDO_OK);
    assert_int_equal(saydo_tspec_check(s), SAYDO_OK);   /* cs against a domain: the z-test */
    assert_int_equal(saydo_tspec_set(s, "test", "wilcoxon"), SAYDO_OK);
    expect_error(saydo_tspec_check(s), "test = wilcoxon applies to means");
    saydo_tspec_free(s);

    s = spec_of("rows = model\ncols = method, round\ncells = direct_change_rate\nmargins = col\n");
    expect_error(saydo_tspec_check(s), "margins: compare figures are per checkpoint");
    saydo_tspec_free(s);
    s = spec_of("rows = country\ncols = model\ncells = f1\nci = bca\n");
    expect_error(saydo_tspec_check(s), "ValueActionLens intervals are percentile bootstrap");
    assert_int_equal(saydo_tspec_needs_pairs(s), 0);
    saydo_tspec_free(s);
    s = spec_of("rows = model\ncells = cs\n");
    assert_int_equal(saydo_tspec_needs_pairs(s), 1);
    saydo_tspec_free(s);
}

/* ---- the layout ------------------------------------------------------------------ */

static void test_layout(void **state)
{
    (void)state;
    saydo_table_t *fig = figures(example, sizeof example / sizeof example[0]);
    saydo_tspec_t *s = spec_of(example_spec);
    saydo_tlayout_t *l = NULL;
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    assert_int_equal(l->n_rows, 4);
    assert_int_equal(l->n_cols, 2);
    assert_string_equal(l->row_key[0][0], "m1");
    assert_string_equal(l->row_key[3][0], "(all)");
    assert_true(l->row_margin[3] && !l->row_margin[2]);
    assert_string_equal(l->col_key[1][0], "B");
    const saydo_tcell_t *c = l->cell;   /* [(r * 2 + col)] with one metric */
    int bold[8] = {1, 0, 1, 1, 0, 0, 0, 0}, stars[8] = {0, 0, 1, 2, 3, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        if (c[i].bold != bold[i]) fail_msg("cell %d: bold %d", i, c[i].bold);
        if (c[i].stars != stars[i]) fail_msg("cell %d: stars %d", i, c[i].stars);
        assert_true(c[i].present);
    }
    assert_true(c[2].est == 0.6349 && c[2].lo == 0.56 && c[2].hi == 0.71 && c[2].p == 0.049 && c[2].n == 100);
    assert_int_equal(l->n_tests, 4);
    assert_true(l->has_stars && l->has_ci[0]);
    saydo_tlayout_free(l);

    /* without margins the (all) rows are left out; bold = min flips the winner */
    assert_int_equal(saydo_tspec_set(s, "margins", "none"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "bold", "min"), SAYDO_OK);
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    assert_int_equal(l->n_rows, 3);
    assert_true(l->cell[4].bold && l->cell[5].bold && !l->cell[1].bold);   /* A: 0.62 (m3); B: 0.38 (m3) */
    saydo_tlayout_free(l);

    /* errors: a missing metric column (named, with the columns), a field, two rows on one cell */
    assert_int_equal(saydo_tspec_set(s, "cells", "pcs"), SAYDO_OK);
    expect_error(saydo_table_layout(fig, s, &l),
                 "metric 'pcs' is not a number column of the computed figures (columns: model, domain, cs,");
    assert_int_equal(saydo_tspec_set(s, "cells", "cs"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "cols", "variant"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "baseline", ""), SAYDO_OK);
    expect_error(saydo_table_layout(fig, s, &l), "column field 'variant' is not a text column");
    assert_int_equal(saydo_tspec_set(s, "cols", ""), SAYDO_OK);
    expect_error(saydo_table_layout(fig, s, &l), "two rows of the computed figures fall on the same cell (model=m1)");
    saydo_tspec_free(s);

    /* a saved table: where filters its rows */
    s = spec_of("from = saved\nrows = model\ncols = domain\ncells = cs\nwhere = domain=B\n");
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    assert_int_equal(l->n_cols, 1);
    assert_string_equal(l->col_key[0][0], "B");
    assert_string_equal(l->source, "/results/saved");
    saydo_tlayout_free(l);
    saydo_tspec_free(s);
    saydo_table_free(fig);
    saydo_tlayout_free(NULL);
}

/* ---- rendering ------------------------------------------------------------------- */

static void test_render_markdown(void **state)
{
    (void)state;
    saydo_table_t *fig = figures(example, sizeof example / sizeof example[0]);
    saydo_tspec_t *s = spec_of(example_spec);
    saydo_tlayout_t *l = NULL;
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    char *md = render(l, s, SAYDO_TFMT_MARKDOWN);
    /* widths: stub 5 ("Model"); A 22 (m2's "**0.63** [0.56, 0.71]*"); B 23 (m2's, two stars) */
    const char *want = "**T**\n"
                       "\n"
                       "| Model |                      A |                       B |\n"
                       "| :---- | ---------------------: | ----------------------: |\n"
                       "| m1    |  **0.63** [0.55, 0.70] |       0.40 [0.30, 0.50] |\n"
                       "| m2    | **0.63** [0.56, 0.71]* | **0.45** [0.35, 0.55]** |\n"
                       "| m3    |   0.62 [0.55, 0.70]*** |       0.38 [0.28, 0.48] |\n"
                       "| All   |      0.63 [0.59, 0.67] |       0.41 [0.35, 0.47] |\n"
                       "\n"
                       "Note. ";
    if (strncmp(md, want, strlen(want)) != 0) fail_msg("markdown:\n%s\nwanted:\n%s", md, want);
    /* the footnote states the test, against what, the correction and its family, resamples and seed */
    const char *note = md + strlen(want);
    assert_non_null(strstr(note, "Stars: McNemar exact test (CS) against model = m1 within each column"));
    assert_non_null(strstr(note, "p-values Holm-adjusted over the 4 tests of the table"));
    assert_non_null(strstr(note, "* p < 0.05, ** p < 0.01, *** p < 0.001."));
    assert_non_null(strstr(note, "9999 resamples, seed 1"));
    assert_non_null(strstr(note, "Bold: the highest value in each column."));
    free(md);

    /* ± style: half the interval's width */
    assert_int_equal(saydo_tspec_set(s, "ci_style", "pm"), SAYDO_OK);
    assert_int_equal(saydo_tspec_set(s, "title", ""), SAYDO_OK);
    md = render(l, s, SAYDO_TFMT_MARKDOWN);
    assert_non_null(strstr(md, "| m1    |  **0.63** ± 0.07 |"));   /* (0.70 - 0.55) / 2 = 0.075 -> 0.07 (binary) */
    assert_non_null(strstr(note = md, "estimate ± half the width of its 95% confidence interval"));
    free(md);
    saydo_tlayout_free(l);
    saydo_tspec_free(s);
    saydo_table_free(fig);
}

static void test_render_latex(void **state)
{
    (void)state;
    saydo_table_t *fig = figures(example, sizeof example / sizeof example[0]);
    saydo_tspec_t *s = spec_of(example_spec);
    assert_int_equal(saydo_tspec_set(s, "label", "tab:x"), SAYDO_OK);
    saydo_tlayout_t *l = NULL;
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    char *tex = render(l, s, SAYDO_TFMT_LATEX);
    /* column A reserves three stars and the bold width, column B two stars */
    static const char *lines[] = {
        "\\begin{table}[tbp]\n\\centering\n\\small\n\\caption{T}\n\\label{tab:x}\n\\begin{tabular}{@{}lcc@{}}\n"
        "\\toprule\nModel & A & B \\\\\n\\midrule\n",
        "m1 & \\textbf{0.63}$^{\\phantom{***}}$~[0.55, 0.70] & "
        "\\rlap{0.40}\\phantom{\\textbf{0.40}}$^{\\phantom{**}}$~[0.30, 0.50] \\\\\n",
        "m2 & \\textbf{0.63}$^{*\\phantom{**}}$~[0.56, 0.71] & \\textbf{0.45}$^{**}$~[0.35, 0.55] \\\\\n",
        "m3 & \\rlap{0.62}\\phantom{\\textbf{0.62}}$^{***}$~[0.55, 0.70] & "
        "\\rlap{0.38}\\phantom{\\textbf{0.38}}$^{\\phantom{**}}$~[0.28, 0.48] \\\\\n",
        "\\midrule\nAll & \\rlap{0.63}\\phantom{\\textbf{0.63}}$^{\\phantom{***}}$~[0.59, 0.67] & "
        "\\rlap{0.41}\\phantom{\\textbf{0.41}}$^{\\phantom{**}}$~[0.35, 0.47] \\\\\n\\bottomrule\n\\end{tabular}\n",
        "$^{*}\\,p<0.05$, $^{**}\\,p<0.01$, $^{***}\\,p<0.001$",
        "\\end{table}\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (!strstr(tex, lines[i])) fail_msg("latex lacks\n%s\nin\n%s", lines[i], tex);
    free(tex);
    saydo_tlayout_free(l);
    saydo_tspec_free(s);
    saydo_table_free(fig);

    /* signs and integer digits are padded with \phantom: -0.12, 0.05, 10.50 */
    saydo_table_t *t = NULL;
    assert_int_equal(saydo_table_create(3, 2, &t), SAYDO_OK);
    assert_int_equal(saydo_table_set_col(t, 0, "model", 1), SAYDO_OK);
    assert_int_equal(saydo_table_set_col(t, 1, "delta", 0), SAYDO_OK);
    const char *m[] = {"a_1", "b&c", "d"};
    double v[] = {-0.12, 0.05, 10.5};
    for (int r = 0; r < 3; r++) {
        assert_int_equal(saydo_table_set_str(t, 0, (size_t)r, m[r]), SAYDO_OK);
        saydo_table_set_num(t, 1, (size_t)r, v[r]);
    }
    s = spec_of("from = x\nrows = model\ncells = delta\n");
    assert_int_equal(saydo_table_layout(t, s, &l), SAYDO_OK);
    tex = render(l, s, SAYDO_TFMT_LATEX);
    static const char *rows[] = {"Model & delta \\\\\n",
                                 "a\\_1 & $-$\\phantom{0}0.12 \\\\\n",
                                 "b\\&c & \\phantom{$-$}\\phantom{0}0.05 \\\\\n",
                                 "d & \\phantom{$-$}10.50 \\\\\n"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!strstr(tex, rows[i])) fail_msg("latex lacks\n%s\nin\n%s", rows[i], tex);
    free(tex);
    saydo_tlayout_free(l);
    saydo_tspec_free(s);
    saydo_table_free(t);
}

static void test_render_csv_json(void **state)
{
    (void)state;
    saydo_table_t *fig = figures(example, sizeof example / sizeof example[0]);
    saydo_tspec_t *s = spec_of(example_spec);
    saydo_tlayout_t *l = NULL;
    assert_int_equal(saydo_table_layout(fig, s, &l), SAYDO_OK);
    char *csv = render(l, s, SAYDO_TFMT_CSV);
    assert_string_equal(csv, "model,A:cs,A:cs_lo,A:cs_hi,A:cs_p,B:cs,B:cs_lo,B:cs_hi,B:cs_p\n"
                             "m1,0.6251,0.55,0.7,,0.4,0.3,0.5,\n"
                             "m2,0.6349,0.56,0.71,0.049,0.45,0.35,0.55,0.0099\n"
                             "m3,0.625,0.55,0.7,0.0009,0.38,0.28,0.48,0.05\n"
                             "All,0.63,0.59,0.67,,0.41,0.35,0.47,\n");
    free(csv);
    char *json = render(l, s, SAYDO_TFMT_JSON);
    static const char *parts[] = {
        "\"title\": \"T\",\n",
        "\"rows\": [\"model\"],\n  \"cols\": [\"domain\"],\n  \"cells\": [\"cs\"],\n",
        "\"interval\": {\"method\": \"percentile\", \"level\": 0.95, \"resamples\": 9999, \"seed\": 1},\n",
        "\"baseline\": {\"field\": \"model\", \"value\": \"m1\"}, \"correction\": \"holm\", \"n_tests\": 4}",
        "{\"row\": {\"model\": \"m2\"}, \"col\": {\"domain\": \"B\"}, \"metric\": \"cs\", \"estimate\": 0.45, \"lo\": 0.35, "
        "\"hi\": 0.55, \"p\": 0.0099, \"stars\": 2, \"bold\": true, \"n\": 50}",
        "{\"row\": {\"model\": \"(all)\"}, \"col\": {\"domain\": \"A\"}, \"metric\": \"cs\", \"estimate\": 0.63, \"lo\": 0.59, "
        "\"hi\": 0.67, \"p\": null, \"stars\": 0, \"bold\": false, \"n\": 300},\n",
        "{\"row\": {\"model\": \"(all)\"}, \"col\": {\"domain\": \"B\"}, \"metric\": \"cs\", \"estimate\": 0.41, \"lo\": 0.35, "
        "\"hi\": 0.47, \"p\": null, \"stars\": 0, \"bold\": false, \"n\": 150}\n  ]\n}\n",
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!strstr(json, parts[i])) fail_msg("json lacks\n%s\nin\n%s", parts[i], json);
    free(json);
    saydo_tlayout_free(l);
    saydo_tspec_free(s);
    saydo_table_free(fig);

    saydo_tformat f;
    assert_int_equal(saydo_tformat_parse("md", &f), SAYDO_OK);
    assert_int_equal(f, SAYDO_TFMT_MARKDOWN);
    assert_int_equal(saydo_tformat_parse("tex", &f), SAYDO_OK);
    assert_int_equal(f, SAYDO_TFMT_LATEX);
    expect_error(saydo_tformat_parse("html", &f), "unknown format 'html'");
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_parse),      cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_layout),          cmocka_unit_test(test_render_markdown),
        cmocka_unit_test(test_render_latex),    cmocka_unit_test(test_render_csv_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
