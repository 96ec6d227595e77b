/* saydo/table.h: paper tables (`saydo table`).
 *
 * Three steps, each usable on its own:
 *
 *   1. a SPEC says what the table shows: row and column fields, the metric
 *      of each cell, the interval, the test against a baseline, digits,
 *      bold, caption (saydo_tspec_*; the text format is in README.md,
 *      "Paper tables", and `saydo table --help`);
 *   2. the FIGURES: a long results table with one row per group (the row
 *      and column fields as string columns, "(all)" in the fields a margin
 *      pools over) and per metric M the columns M, M_lo, M_hi (interval),
 *      M_p, M_p_adj (test against the baseline) and M_test (its name), plus
 *      n (kept pairs) and n_pairs. saydo_table_compute() makes it from a
 *      store's pairs; a table saved under /results (saydo_store_read_table())
 *      can stand in for it;
 *   3. the LAYOUT pivots the figures into rows x columns x metrics, marks the
 *      best value per column and the significance stars, and is rendered as
 *      Markdown, LaTeX (booktabs), CSV or JSON.
 *
 *   saydo_tspec_t *s;  saydo_table_t *fig;  saydo_tlayout_t *l;
 *   saydo_tspec_create(&s);  saydo_tspec_read(s, "analysis/wdct.spec");
 *   saydo_table_compute(data, pairs, s, &fig);
 *   saydo_table_layout(fig, s, &l);
 *   saydo_table_render(stdout, l, s, SAYDO_TFMT_MARKDOWN);
 *
 * Ownership: every _create/_compute/_layout result is the caller's and is
 * freed with its _free (saydo_tspec_free, saydo_table_free,
 * saydo_tlayout_free); NULL is a no-op. Strings set in a spec are copied.
 */
#ifndef SAYDO_TABLE_H
#define SAYDO_TABLE_H

#include <stdint.h>
#include <stdio.h>
#include "saydo/score.h"
#include "saydo/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SAYDO_TSPEC_MAX_FIELDS 4    /* row fields, and column fields */
#define SAYDO_TSPEC_MAX_CELLS 8     /* metrics per column */
#define SAYDO_TSPEC_MAX_WHERE 16

typedef enum saydo_tformat {
    SAYDO_TFMT_MARKDOWN = 0,
    SAYDO_TFMT_LATEX,
    SAYDO_TFMT_CSV,     /* the laid-out table, one column per (column, metric, part) */
    SAYDO_TFMT_JSON,    /* every cell with its estimate, interval, p, stars and bold flag */
} saydo_tformat;

typedef enum saydo_tci {
    SAYDO_TCI_NONE = 0,
    SAYDO_TCI_PERCENTILE,   /* bootstrap over items (saydo_boot_run), as scipy.stats.bootstrap */
    SAYDO_TCI_BASIC,
    SAYDO_TCI_BCA,
    SAYDO_TCI_WILSON,       /* CS only: Wilson score interval of consistent / kept pairs */
    SAYDO_TCI_EXACT,        /* CS only: Clopper-Pearson */
    SAYDO_TCI_CLUSTER,      /* normal interval with the item-clustered SE (Miller 2024, CR1) */
} saydo_tci;

typedef enum saydo_tci_style {
    SAYDO_TSTYLE_BRACKETS = 0,   /* 0.64 [0.61, 0.66] */
    SAYDO_TSTYLE_PM,             /* 0.64 ± 0.03 (half the interval's width) */
} saydo_tci_style;

typedef enum saydo_tbold {
    SAYDO_TBOLD_NONE = 0,
    SAYDO_TBOLD_MAX,
    SAYDO_TBOLD_MIN,
    SAYDO_TBOLD_AUTO,            /* per metric: max for cs, pcs, f1; min for divergences; else none */
} saydo_tbold;

typedef enum saydo_ttest {
    SAYDO_TTEST_AUTO = 0,        /* cs: McNemar (paired) or z-test (unpaired); means: Wilcoxon (paired) */
    SAYDO_TTEST_NONE,
    SAYDO_TTEST_MCNEMAR,         /* cs, paired: exact McNemar on the discordant pairs */
    SAYDO_TTEST_ZTEST,           /* cs, unpaired: pooled two-proportion z-test */
    SAYDO_TTEST_WILCOXON,        /* means, paired: Wilcoxon signed-rank of per-pair differences */
    SAYDO_TTEST_SIGNFLIP,        /* any, paired: sign-flip permutation test (resamples, seed) */
} saydo_ttest;

typedef enum saydo_tadjust {
    SAYDO_TADJ_NONE = 0,
    SAYDO_TADJ_BONFERRONI,
    SAYDO_TADJ_HOLM,
    SAYDO_TADJ_BH,
} saydo_tadjust;

/** Margins: an "All" column (pooled over the column fields) and/or row. */
enum { SAYDO_TMARGIN_COL = 1, SAYDO_TMARGIN_ROW = 2 };

/** What a table shows. Fields are public; set them through saydo_tspec_set()
 *  so that strings are copied and values checked. */
typedef struct saydo_tspec {
    char *title, *caption, *label, *note;     /* note: a sentence added to the footnote */
    int n_rows, n_cols, n_cells, n_where;
    char *rows[SAYDO_TSPEC_MAX_FIELDS];       /* row fields (model, ...); may be none */
    char *cols[SAYDO_TSPEC_MAX_FIELDS];       /* column fields (domain, condition, ...); may be none */
    char *cells[SAYDO_TSPEC_MAX_CELLS];       /* metrics: cs, pcs, jsd, kl_12, ..., n */
    char *where[SAYDO_TSPEC_MAX_WHERE];       /* FIELD=V1|V2 filters on the pairs (or the saved rows) */
    char *from;                               /* NULL: compute; else read /results/FROM */
    char *side1, *side2;                      /* NULL: the default sides */
    saydo_missing_policy missing;
    saydo_pair_unit unit;
    saydo_tci ci;                             /* default percentile */
    saydo_tci_style ci_style;
    double level;                             /* default 0.95 */
    size_t resamples;                         /* bootstrap and sign-flip resamples, default 9999 */
    uint64_t seed;                            /* default 1 */
    int digits;                               /* default 2 */
    saydo_tbold bold;                         /* default none */
    char *baseline_field, *baseline_value;    /* "baseline = model=m01"; NULL: no tests */
    saydo_ttest test;                         /* default auto */
    saydo_tadjust correction;                 /* default holm */
    char *pvalue;                             /* saved tables: the p column for the stars */
    char *reference;                          /* compare metrics: the condition compared against (base) */
    char *strata;                             /* bootstrap strata field (domain, ...); NULL: none */
    int positive_agree;                       /* ValueActionLens F1: 0 disagree is positive (the paper), 1 agree */
    int margins;                              /* SAYDO_TMARGIN_* flags */
    int wide;                                 /* LaTeX table* */
    int fit;                                  /* LaTeX: scale the tabular to \linewidth (graphicx) */
    char *font;                               /* LaTeX size command without backslash, default "small" */
} saydo_tspec_t;

/** Creates a spec with the defaults. Free with saydo_tspec_free().
 *  @return SAYDO_OK or SAYDO_E_NOMEM */
saydo_status saydo_tspec_create(saydo_tspec_t **out) SAYDO_MUST_CHECK;
/** Frees s; NULL is a no-op. */
void saydo_tspec_free(saydo_tspec_t *s);

/** Sets one key (the spec-file keys: title, rows, cols, cells, ci, ...).
 *  List keys (rows, cols, cells) take "a, b, c" and replace the list; `where`
 *  adds a filter. An empty value for rows/cols means none.
 *  @return SAYDO_OK, or SAYDO_E_INVAL naming the key or the bad value */
saydo_status saydo_tspec_set(saydo_tspec_t *s, const char *key, const char *value) SAYDO_MUST_CHECK;

/** Applies the `key = value` lines of text (blank lines and lines starting
 *  with # are skipped).
 *  @param origin  named in errors with the line number ("wdct.spec:3")
 *  @return SAYDO_OK or SAYDO_E_PARSE / SAYDO_E_INVAL with file and line */
saydo_status saydo_tspec_parse(saydo_tspec_t *s, const char *text, const char *origin) SAYDO_MUST_CHECK;

/** saydo_tspec_parse() on the contents of a file.
 *  @return as saydo_tspec_parse(), or SAYDO_E_IO when path cannot be read */
saydo_status saydo_tspec_read(saydo_tspec_t *s, const char *path) SAYDO_MUST_CHECK;

/** Checks that the spec is complete and consistent: at least one cell, the
 *  baseline field among the rows or columns, each metric known and all from
 *  one analysis (pair metrics; compare; ValueActionLens; stated vs
 *  revealed), options that analysis supports. An unknown metric fails with
 *  its name and the known ones. With s->from set, metrics are only checked
 *  against the saved columns (in saydo_table_layout()).
 *  @return SAYDO_OK or SAYDO_E_INVAL with the reason */
saydo_status saydo_tspec_check(const saydo_tspec_t *s) SAYDO_MUST_CHECK;

/** Whether saydo_table_compute() needs the store's pairs for s (pair
 *  metrics and compare figures) or works from the records alone
 *  (ValueActionLens, stated vs revealed: pass p = NULL). 0 with s->from. */
int saydo_tspec_needs_pairs(const saydo_tspec_t *s);

/** Computes the figures of s from store d.
 *  Pair metrics (cs, pcs, ...): over the pairs p (already filtered by
 *  s->where: the CLI does that), estimates from saydo_score_table() per
 *  grouping (the body and the margins), intervals from saydo_score_ci_add()
 *  (item clusters; group row k of a grouping uses seed + k), and each cell's
 *  test against its baseline cell, corrected over every test of the table.
 *  Compare figures: saydo_compare_table() grouped by the row and column
 *  fields (except condition) against s->reference; stars on delta_cs from
 *  its McNemar p_adjusted. ValueActionLens and stated-vs-revealed figures:
 *  saydo_va_table() / saydo_sr_table() (p may be NULL); their rows are
 *  filtered by s->where and to the level the row and column fields ask for.
 *  @param d    the store's data
 *  @param p    its pairs (saydo_pairs_build() with s's sides, missing and unit);
 *              NULL when saydo_tspec_needs_pairs(s) is 0
 *  @param s    the spec (checked with saydo_tspec_check())
 *  @param out  receives the figures table (columns above); free with saydo_table_free()
 *  @return SAYDO_OK; SAYDO_E_INVAL for a spec this data cannot serve (an
 *          unknown field, a test that does not fit the metric or baseline);
 *          SAYDO_E_NOMEM */
saydo_status saydo_table_compute(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_tspec_t *s,
                                 saydo_table_t **out) SAYDO_MUST_CHECK;

/** One laid-out cell (one metric of one row and column). */
typedef struct saydo_tcell {
    double est, lo, hi;   /* NaN when absent */
    double p;             /* the p-value the stars come from (adjusted when corrected); NaN: untested */
    double n;             /* kept pairs of the group (NaN when unknown) */
    int stars;            /* 0..3: p < 0.05, 0.01, 0.001 */
    int bold;             /* the best value of its column (ties at the shown digits all bold) */
    int present;          /* the figures had this (row, column) */
} saydo_tcell_t;

/** A table laid out: row keys x column keys x metrics. */
typedef struct saydo_tlayout {
    size_t n_rows, n_cols;       /* keys, margins included (a margin comes last) */
    int n_row_fields, n_col_fields, n_cells;
    char ***row_key;             /* [r][field] the figures' value ("(all)" in a margin; shown as "All") */
    char ***col_key;             /* [c][field] */
    int *row_margin, *col_margin;
    saydo_tcell_t *cell;         /* [(r * n_cols + c) * n_cells + m] */
    int *has_ci;                 /* [m]: some cell of metric m has an interval */
    int has_stars;               /* some cell was tested */
    size_t n_tests;              /* tested cells (the correction's family) */
    char *tests;                 /* the tests used, as stated in the footnote ("McNemar exact (CS)") */
    char *source;                /* "computed" or "/results/NAME" */
} saydo_tlayout_t;

/** Lays out the figures fig as s asks. fig may be a saydo_table_compute()
 *  result or a table saved in /results (s->from): then s->where filters its
 *  rows, the metric columns must exist (the error names the missing one and
 *  lists the columns), M_lo/M_hi give the interval when present and the p
 *  column is s->pvalue, else M_p_adj, M_p or p_adjusted.
 *  @param out  receives the layout; free with saydo_tlayout_free()
 *  @return SAYDO_OK; SAYDO_E_INVAL when a field or metric is not in fig or two
 *          rows of fig fall on the same cell; SAYDO_E_NOMEM */
saydo_status saydo_table_layout(const saydo_table_t *fig, const saydo_tspec_t *s, saydo_tlayout_t **out)
    SAYDO_MUST_CHECK;
/** Frees l; NULL is a no-op. */
void saydo_tlayout_free(saydo_tlayout_t *l);

/** Writes l as fmt (title, caption, label, digits and the footnote from s).
 *  @return SAYDO_OK or SAYDO_E_IO on a write error */
saydo_status saydo_table_render(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s, saydo_tformat fmt)
    SAYDO_MUST_CHECK;

/** The footnote of l under s as plain text (latex = 0) or LaTeX (1): what the
 *  cells show, the interval, the test, correction, resamples and seed.
 *  @param out  receives a malloc'd string; the caller frees it
 *  @return SAYDO_OK or SAYDO_E_NOMEM */
saydo_status saydo_table_note(const saydo_tlayout_t *l, const saydo_tspec_t *s, int latex, char **out)
    SAYDO_MUST_CHECK;

/** "markdown" (or "md"), "latex" (or "tex"), "csv", "json".
 *  @return SAYDO_OK or SAYDO_E_INVAL */
saydo_status saydo_tformat_parse(const char *name, saydo_tformat *fmt) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
