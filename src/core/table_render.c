/* Rendering a laid-out table: Markdown (aligned for the terminal), LaTeX
 * (booktabs; numbers aligned with \phantom padding so that every cell of a
 * column has the same width), CSV and JSON. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/table_internal.h"
#include "saydo/print.h"
#include "util/try.h"

saydo_status saydo_tformat_parse(const char *name, saydo_tformat *fmt)
{
    if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0) *fmt = SAYDO_TFMT_MARKDOWN;
    else if (strcmp(name, "latex") == 0 || strcmp(name, "tex") == 0) *fmt = SAYDO_TFMT_LATEX;
    else if (strcmp(name, "csv") == 0) *fmt = SAYDO_TFMT_CSV;
    else if (strcmp(name, "json") == 0) *fmt = SAYDO_TFMT_JSON;
    else return saydo_set_error(SAYDO_E_INVAL, "unknown format '%s' (markdown, latex, csv or json)", name);
    return SAYDO_OK;
}

static const saydo_tcell_t *cell_at(const saydo_tlayout_t *l, size_t r, size_t c, int m)
{
    return &l->cell[(r * l->n_cols + c) * (size_t)l->n_cells + (size_t)m];
}

static int is_count(const char *metric)
{
    const tmetric_t *tm = saydo_tmetric_find(metric);
    if (tm) return tm->kind == TKIND_COUNT;
    return strcmp(metric, "n") == 0 || strncmp(metric, "n_", 2) == 0;
}

/* x to `digits` decimals (whole for counts); "-0.00" prints as "0.00". */
static void fmt_num(double x, int digits, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*f", digits, x);
    if (buf[0] == '-') {
        int zero = 1;
        for (const char *p = buf + 1; *p; p++) zero &= *p == '0' || *p == '.';
        if (zero) memmove(buf, buf + 1, strlen(buf));
    }
}

static int digits_of(const char *metric, const saydo_tspec_t *s) { return is_count(metric) ? 0 : s->digits; }

/* A value as shown: "All" for a margin, "(none)" for a record without the
 * field (the base condition has no method or round). */
static const char *shown(const char *v) { return strcmp(v, SAYDO_TALL) == 0 ? "All" : *v ? v : "(none)"; }

/* A column key's value as a heading ("round 1" for the round field); below
 * a margin's or a "(none)" heading the lower levels stay empty. */
static void heading(const saydo_tspec_t *s, int f, const char *v, char *buf, size_t cap)
{
    if (strcmp(v, SAYDO_TALL) == 0) snprintf(buf, cap, "%s", f == 0 ? "All" : "");
    else if (!*v) snprintf(buf, cap, "%s", f == 0 ? "(none)" : "");
    else if (strcmp(s->cols[f], "round") == 0) snprintf(buf, cap, "round %s", v);
    else snprintf(buf, cap, "%s", v);
}

static void capitalized(const char *field, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", field);
    if (buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 'a' + 'A');
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = ' ';
}

static const char *metric_text(const char *name, int latex)
{
    const tmetric_t *tm = saydo_tmetric_find(name);
    return tm ? (latex ? tm->latex : tm->text) : name;
}

/* ---- Markdown -------------------------------------------------------------------- */

static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;   /* count UTF-8 code points */
    return w;
}

/* Appends src to dst, escaping the table's own syntax. */
static void md_escape(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(dst);
    for (; *src && n + 3 < cap; src++) {
        if (*src == '|') dst[n++] = '\\';
        dst[n++] = *src;
    }
    dst[n] = '\0';
}

static void md_cell(const saydo_tlayout_t *l, const saydo_tspec_t *s, const saydo_tcell_t *e, int m, char *buf,
                    size_t cap)
{
    char a[64], b[64], h[64];
    int dg = digits_of(s->cells[m], s);
    buf[0] = '\0';
    if (!e->present) return;
    if (isnan(e->est)) {
        snprintf(buf, cap, "-");
        return;
    }
    fmt_num(e->est, dg, a, sizeof a);
    size_t n = (size_t)snprintf(buf, cap, e->bold ? "**%s**" : "%s", a);
    if (l->has_ci[m] && !isnan(e->lo) && !isnan(e->hi) && n < cap) {
        if (s->ci_style == SAYDO_TSTYLE_PM) {
            fmt_num((e->hi - e->lo) / 2, dg, h, sizeof h);
            n += (size_t)snprintf(buf + n, cap - n, " ± %s", h);
        } else {
            fmt_num(e->lo, dg, a, sizeof a);
            fmt_num(e->hi, dg, b, sizeof b);
            n += (size_t)snprintf(buf + n, cap - n, " [%s, %s]", a, b);
        }
    }
    if (e->stars && n < cap) snprintf(buf + n, cap - n, "%.*s", e->stars, "***");
}

static saydo_status render_markdown(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s)
{
    const size_t ns = (size_t)l->n_row_fields, nd = l->n_cols * (size_t)l->n_cells, ncol = ns + nd;
    const size_t nrow = l->n_rows + 1;   /* the heading, then the body */
    enum { CAP = 256 };
    char *txt = calloc(ncol * nrow * CAP + 1, 1);
    size_t *w = calloc(ncol + 1, sizeof *w);
    if (!txt || !w) {
        free(txt);
        free(w);
        return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    }
#define TXT(row, col) (txt + ((row) * ncol + (col)) * CAP)
    for (size_t j = 0; j < ns; j++) capitalized(s->rows[j], TXT(0, j), CAP);
    for (size_t c = 0; c < l->n_cols; c++)
        for (int m = 0; m < l->n_cells; m++) {
            char *h = TXT(0, ns + c * (size_t)l->n_cells + (size_t)m), part[128];
            for (int fi = 0; fi < l->n_col_fields; fi++) {
                heading(s, fi, l->col_key[c][fi], part, sizeof part);
                if (!*part) continue;
                if (*h) md_escape(h, CAP, " ");
                md_escape(h, CAP, part);
            }
            if (l->n_cells > 1 || l->n_col_fields == 0) {
                if (*h) md_escape(h, CAP, " ");
                md_escape(h, CAP, metric_text(s->cells[m], 0));
            }
        }
    for (size_t r = 0; r < l->n_rows; r++) {
        for (size_t j = 0; j < ns; j++)
            if (!l->row_margin[r] || j == 0) md_escape(TXT(r + 1, j), CAP, shown(l->row_key[r][j]));
        for (size_t c = 0; c < l->n_cols; c++)
            for (int m = 0; m < l->n_cells; m++)
                md_cell(l, s, cell_at(l, r, c, m), m, TXT(r + 1, ns + c * (size_t)l->n_cells + (size_t)m), CAP);
    }
    for (size_t j = 0; j < ncol; j++) {
        w[j] = 3;
        for (size_t r = 0; r < nrow; r++)
            if (display_width(TXT(r, j)) > w[j]) w[j] = display_width(TXT(r, j));
    }
    if (s->title) fprintf(f, "**%s**\n\n", s->title);
    if (s->caption) fprintf(f, "%s\n\n", s->caption);
    for (size_t r = 0; r < nrow; r++) {
        for (size_t j = 0; j < ncol; j++) {
            const char *t = TXT(r, j);
            int pad = (int)(w[j] - display_width(t));
            if (j < ns) fprintf(f, "| %s%*s ", t, pad, "");
            else fprintf(f, "| %*s%s ", pad, "", t);
        }
        fputs("|\n", f);
        if (r == 0) {
            for (size_t j = 0; j < ncol; j++) {
                fputs(j < ns ? "| :" : "| ", f);
                for (size_t k = 0; k + 1 < w[j]; k++) fputc('-', f);
                fputs(j < ns ? " " : ": ", f);
            }
            fputs("|\n", f);
        }
    }
#undef TXT
    free(txt);
    free(w);
    return SAYDO_OK;
}

/* ---- LaTeX ------------------------------------------------------------------------ */

static void tex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\textbackslash{}", f); break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}': fprintf(f, "\\%c", *s); break;
        case '~': fputs("\\textasciitilde{}", f); break;
        case '^': fputs("\\textasciicircum{}", f); break;
        case '<': fputs("\\textless{}", f); break;
        case '>': fputs("\\textgreater{}", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Width of a number's integer part (digits, without the sign). */
static int int_digits(const char *num)
{
    if (*num == '-') num++;
    return (int)strcspn(num, ".");
}

/* Per data column: what every cell must be padded to. */
typedef struct {
    int d_est, d_lo, d_hi;    /* integer digits */
    int neg_est, neg_lo, neg_hi;
    int stars;                /* most stars in the column */
    int bold;                 /* some cell is bold: every estimate takes the bold width */
} colfmt_t;

/* bold: 1 bold, 0 plain, -1 plain in a column with bold cells (set in a box
 * of the bold width, so that the column's estimates line up) */
static void tex_num(FILE *f, const char *num, int want_digits, int col_neg, int bold)
{
    int neg = num[0] == '-';
    if (neg) fputs("$-$", f);
    else if (col_neg) fputs("\\phantom{$-$}", f);
    int pad = want_digits - int_digits(num);
    if (pad > 0) {
        fputs("\\phantom{", f);
        for (int k = 0; k < pad; k++) fputc('0', f);
        fputc('}', f);
    }
    if (bold > 0) fprintf(f, "\\textbf{%s}", num + neg);
    else if (bold < 0) fprintf(f, "\\rlap{%s}\\phantom{\\textbf{%s}}", num + neg, num + neg);
    else fputs(num + neg, f);
}

static void tex_cell(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s, const saydo_tcell_t *e, int m,
                     const colfmt_t *cf)
{
    char a[64], b[64];
    int dg = digits_of(s->cells[m], s);
    if (!e->present) return;
    if (isnan(e->est)) {
        fputs("--", f);
        return;
    }
    fmt_num(e->est, dg, a, sizeof a);
    tex_num(f, a, cf->d_est, cf->neg_est, e->bold ? 1 : cf->bold ? -1 : 0);
    if (cf->stars) {
        fputs("$^{", f);
        for (int k = 0; k < e->stars; k++) fputc('*', f);
        if (e->stars < cf->stars) fprintf(f, "\\phantom{%.*s}", cf->stars - e->stars, "***");
        fputs("}$", f);
    }
    if (!l->has_ci[m]) return;
    if (isnan(e->lo) || isnan(e->hi)) {
        fputs("\\phantom{~[0.00, 0.00]}", f);   /* keeps the estimate in line with its column */
        return;
    }
    if (s->ci_style == SAYDO_TSTYLE_PM) {
        fmt_num((e->hi - e->lo) / 2, dg, a, sizeof a);
        fputs(" $\\pm$ ", f);
        tex_num(f, a, cf->d_lo, 0, 0);
    } else {
        fmt_num(e->lo, dg, a, sizeof a);
        fmt_num(e->hi, dg, b, sizeof b);
        fputs("~[", f);
        tex_num(f, a, cf->d_lo, cf->neg_lo, 0);
        fputs(", ", f);
        tex_num(f, b, cf->d_hi, cf->neg_hi, 0);
        fputc(']', f);
    }
}

static saydo_status render_latex(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s)
{
    const int ns = l->n_row_fields, nm = l->n_cells, nc = l->n_col_fields;
    const size_t nd = l->n_cols * (size_t)nm;
    char *note = NULL;
    colfmt_t *cf = calloc(nd + 1, sizeof *cf);
    if (!cf) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    saydo_status st = saydo_table_note(l, s, 1, &note);
    if (st < 0) {
        free(cf);
        return st;
    }
    for (size_t c = 0; c < l->n_cols; c++)
        for (int m = 0; m < nm; m++) {
            colfmt_t *x = &cf[c * (size_t)nm + (size_t)m];
            int dg = digits_of(s->cells[m], s);
            for (size_t r = 0; r < l->n_rows; r++) {
                const saydo_tcell_t *e = cell_at(l, r, c, m);
                char a[64];
                if (!e->present || isnan(e->est)) continue;
                fmt_num(e->est, dg, a, sizeof a);
                if (int_digits(a) > x->d_est) x->d_est = int_digits(a);
                x->neg_est |= a[0] == '-';
                x->bold |= e->bold;
                if (e->stars > x->stars) x->stars = e->stars;
                if (isnan(e->lo) || isnan(e->hi)) continue;
                double lo = s->ci_style == SAYDO_TSTYLE_PM ? (e->hi - e->lo) / 2 : e->lo;
                fmt_num(lo, dg, a, sizeof a);
                if (int_digits(a) > x->d_lo) x->d_lo = int_digits(a);
                x->neg_lo |= a[0] == '-';
                fmt_num(e->hi, dg, a, sizeof a);
                if (int_digits(a) > x->d_hi) x->d_hi = int_digits(a);
                x->neg_hi |= a[0] == '-';
            }
        }

    const char *env = s->wide ? "table*" : "table";
    fprintf(f, "%% saydo table: needs \\usepackage{booktabs}%s\n\\begin{%s}[tbp]\n\\centering\n\\%s\n",
            s->fit ? " and \\usepackage{graphicx}" : "", env, s->font);
    if (s->caption) fprintf(f, "\\caption{%s}\n", s->caption);
    else if (s->title) {
        fputs("\\caption{", f);
        tex_escape(f, s->title);
        fputs("}\n", f);
    }
    if (s->label) fprintf(f, "\\label{%s}\n", s->label);
    if (s->fit) fputs("\\resizebox{\\linewidth}{!}{%\n", f);
    fputs("\\begin{tabular}{@{}", f);
    for (int j = 0; j < ns; j++) fputc('l', f);
    for (size_t c = 0; c < l->n_cols; c++) {
        for (int m = 0; m < nm; m++) fputc('c', f);
    }
    fputs("@{}}\n\\toprule\n", f);

    /* headings: one level per column field (spans of equal leading values),
     * then the metrics when there are several; the stub names on the last */
    int levels = nc + (nm > 1 || nc == 0);
    for (int lev = 0; lev < levels; lev++) {
        int last = lev == levels - 1;
        for (int j = 0; j < ns; j++) {
            if (j) fputs(" & ", f);
            if (last) {
                char cap[128];
                capitalized(s->rows[j], cap, sizeof cap);
                tex_escape(f, cap);
            }
        }
        if (lev < nc) {
            char rules[1024] = "";
            size_t c = 0;
            while (c < l->n_cols) {
                size_t e = c + 1;
                while (e < l->n_cols && !l->col_margin[c]) {
                    int same = !l->col_margin[e];
                    for (int fi = 0; fi <= lev && same; fi++) same = strcmp(l->col_key[e][fi], l->col_key[c][fi]) == 0;
                    if (!same) break;
                    e++;
                }
                char head[256];
                heading(s, lev, l->col_key[c][lev], head, sizeof head);
                if (l->col_margin[c] && lev > 0) head[0] = '\0';
                if (ns || c) fputs(" & ", f);
                size_t span = (e - c) * (size_t)nm;
                if (span > 1) fprintf(f, "\\multicolumn{%zu}{c}{", span);
                tex_escape(f, head);
                if (span > 1) fputc('}', f);
                if (*head && !last) {
                    size_t q = strlen(rules), a = (size_t)ns + c * (size_t)nm + 1;
                    snprintf(rules + q, sizeof rules - q, "\\cmidrule(lr){%zu-%zu}", a, a + span - 1);
                }
                c = e;
            }
            fputs(" \\\\\n", f);
            if (*rules) fprintf(f, "%s\n", rules);
        } else {
            for (size_t c = 0; c < l->n_cols; c++)
                for (int m = 0; m < nm; m++) {
                    if (ns || c || m) fputs(" & ", f);
                    fputs(metric_text(s->cells[m], 1), f);
                }
            fputs(" \\\\\n", f);
        }
    }
    fputs("\\midrule\n", f);

    for (size_t r = 0; r < l->n_rows; r++) {
        if (l->row_margin[r] && (r == 0 || !l->row_margin[r - 1])) fputs("\\midrule\n", f);
        for (int j = 0; j < ns; j++) {
            if (j) fputs(" & ", f);
            if (l->row_margin[r]) {
                if (j == 0) fputs("All", f);
                continue;
            }
            /* a value equal to the row above (and all fields before it) is left blank */
            int repeat = r > 0 && !l->row_margin[r - 1];
            for (int q = 0; q <= j && repeat; q++) repeat = strcmp(l->row_key[r][q], l->row_key[r - 1][q]) == 0;
            if (!repeat || j == ns - 1) tex_escape(f, shown(l->row_key[r][j]));
        }
        for (size_t c = 0; c < l->n_cols; c++)
            for (int m = 0; m < nm; m++) {
                if (ns || c || m) fputs(" & ", f);
                tex_cell(f, l, s, cell_at(l, r, c, m), m, &cf[c * (size_t)nm + (size_t)m]);
            }
        fputs(" \\\\\n", f);
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}%s\n\n\\smallskip\n{\\footnotesize\\raggedright %s\\par}\n\\end{%s}\n",
            s->fit ? "}" : "", note, env);
    free(note);
    free(cf);
    return SAYDO_OK;
}

/* ---- CSV and JSON ------------------------------------------------------------------ */

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_num(FILE *f, double x, int count, const char *nan)
{
    if (isnan(x)) fputs(nan, f);
    else if (isinf(x)) fputs(x > 0 ? "\"inf\"" : "\"-inf\"", f);
    else if (count) fprintf(f, "%.0f", x);
    else fprintf(f, "%.6g", x);
}

static void render_csv(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s)
{
    const int ns = l->n_row_fields, nm = l->n_cells;
    int first = 1;
    for (int j = 0; j < ns; j++, first = 0) {
        if (!first) fputc(',', f);
        csv_field(f, s->rows[j]);
    }
    for (size_t c = 0; c < l->n_cols; c++)
        for (int m = 0; m < nm; m++) {
            char base[256] = "";
            for (int fi = 0; fi < l->n_col_fields; fi++) {
                size_t q = strlen(base);
                snprintf(base + q, sizeof base - q, "%s%s", fi ? "/" : "", shown(l->col_key[c][fi]));
            }
            static const char *part[] = {"", "_lo", "_hi", "_p"};
            for (int k = 0; k < 4; k++) {
                if ((k == 1 || k == 2) && !l->has_ci[m]) continue;
                if (k == 3 && !l->has_stars) continue;
                char name[400];
                snprintf(name, sizeof name, "%s%s%s%s", base, *base ? ":" : "", s->cells[m], part[k]);
                if (!first) fputc(',', f);
                first = 0;
                csv_field(f, name);
            }
        }
    fputc('\n', f);
    for (size_t r = 0; r < l->n_rows; r++) {
        first = 1;
        for (int j = 0; j < ns; j++, first = 0) {
            if (!first) fputc(',', f);
            csv_field(f, shown(l->row_key[r][j]));
        }
        for (size_t c = 0; c < l->n_cols; c++)
            for (int m = 0; m < nm; m++) {
                const saydo_tcell_t *e = cell_at(l, r, c, m);
                int cnt = is_count(s->cells[m]);
                if (!first) fputc(',', f);
                first = 0;
                put_num(f, e->est, cnt, "");
                if (l->has_ci[m]) {
                    fputc(',', f);
                    put_num(f, e->lo, 0, "");
                    fputc(',', f);
                    put_num(f, e->hi, 0, "");
                }
                if (l->has_stars) {
                    fputc(',', f);
                    put_num(f, e->p, 0, "");
                }
            }
        fputc('\n', f);
    }
}

static void json_list(FILE *f, char *const *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        saydo_json_string(f, v[i]);
    }
    fputc(']', f);
}

static void json_opt_string(FILE *f, const char *key, const char *v)
{
    fprintf(f, "  \"%s\": ", key);
    if (v) saydo_json_string(f, v);
    else fputs("null", f);
    fputs(",\n", f);
}

static saydo_status render_json(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s)
{
    char *note = NULL;
    saydo_status st = saydo_table_note(l, s, 0, &note);
    if (st < 0) return st;
    fputs("{\n", f);
    json_opt_string(f, "title", s->title);
    json_opt_string(f, "caption", s->caption);
    json_opt_string(f, "label", s->label);
    json_opt_string(f, "source", l->source);
    fputs("  \"rows\": ", f);
    json_list(f, s->rows, s->n_rows);
    fputs(",\n  \"cols\": ", f);
    json_list(f, s->cols, s->n_cols);
    fputs(",\n  \"cells\": ", f);
    json_list(f, s->cells, s->n_cells);
    fputs(",\n  \"interval\": ", f);
    int any_ci = 0;
    for (int m = 0; m < l->n_cells; m++) any_ci |= l->has_ci[m];
    if (any_ci)
        fprintf(f, "{\"method\": \"%s\", \"level\": %.6g, \"resamples\": %zu, \"seed\": %llu}", saydo_tci_name(s->ci),
                s->level, s->resamples, (unsigned long long)s->seed);
    else fputs("null", f);
    fputs(",\n  \"test\": ", f);
    if (l->has_stars && s->baseline_field) {
        fputs("{\"tests\": ", f);
        saydo_json_string(f, l->tests);
        fputs(", \"baseline\": {\"field\": ", f);
        saydo_json_string(f, s->baseline_field);
        fputs(", \"value\": ", f);
        saydo_json_string(f, s->baseline_value);
        fprintf(f, "}, \"correction\": \"%s\", \"n_tests\": %zu}", saydo_tadjust_name(s->correction), l->n_tests);
    } else fputs("null", f);
    fputs(",\n  \"note\": ", f);
    saydo_json_string(f, note);
    fputs(",\n  \"data\": [", f);
    int first = 1;
    for (size_t r = 0; r < l->n_rows; r++)
        for (size_t c = 0; c < l->n_cols; c++)
            for (int m = 0; m < l->n_cells; m++) {
                const saydo_tcell_t *e = cell_at(l, r, c, m);
                if (!e->present) continue;
                fputs(first ? "\n    {\"row\": {" : ",\n    {\"row\": {", f);
                first = 0;
                for (int j = 0; j < l->n_row_fields; j++) {
                    if (j) fputs(", ", f);
                    saydo_json_string(f, s->rows[j]);
                    fputs(": ", f);
                    saydo_json_string(f, l->row_key[r][j]);
                }
                fputs("}, \"col\": {", f);
                for (int j = 0; j < l->n_col_fields; j++) {
                    if (j) fputs(", ", f);
                    saydo_json_string(f, s->cols[j]);
                    fputs(": ", f);
                    saydo_json_string(f, l->col_key[c][j]);
                }
                fputs("}, \"metric\": ", f);
                saydo_json_string(f, s->cells[m]);
                int cnt = is_count(s->cells[m]);
                fputs(", \"estimate\": ", f);
                put_num(f, e->est, cnt, "null");
                fputs(", \"lo\": ", f);
                put_num(f, e->lo, 0, "null");
                fputs(", \"hi\": ", f);
                put_num(f, e->hi, 0, "null");
                fputs(", \"p\": ", f);
                put_num(f, e->p, 0, "null");
                fprintf(f, ", \"stars\": %d, \"bold\": %s, \"n\": ", e->stars, e->bold ? "true" : "false");
                put_num(f, e->n, 1, "null");
                fputc('}', f);
            }
    fputs("\n  ]\n}\n", f);
    free(note);
    return SAYDO_OK;
}

saydo_status saydo_table_render(FILE *f, const saydo_tlayout_t *l, const saydo_tspec_t *s, saydo_tformat fmt)
{
    saydo_status st = SAYDO_OK;
    char *note = NULL;
    switch (fmt) {
    case SAYDO_TFMT_MARKDOWN:
        SAYDO_TRY(saydo_table_note(l, s, 0, &note));
        SAYDO_TRY(render_markdown(f, l, s));
        fprintf(f, "\n%s\n", note);
        break;
    case SAYDO_TFMT_LATEX: SAYDO_TRY(render_latex(f, l, s)); break;
    case SAYDO_TFMT_CSV: render_csv(f, l, s); break;
    case SAYDO_TFMT_JSON: SAYDO_TRY(render_json(f, l, s)); break;
    }
    SAYDO_FAIL_IF(ferror(f), SAYDO_E_IO, "writing the table failed");
cleanup:
    free(note);
    return st;
}
