/* Result tables as text, CSV or JSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/print.h"

saydo_status saydo_format_parse(const char *name, saydo_format *fmt)
{
    if (strcmp(name, "text") == 0) *fmt = SAYDO_FMT_TEXT;
    else if (strcmp(name, "csv") == 0) *fmt = SAYDO_FMT_CSV;
    else if (strcmp(name, "json") == 0) *fmt = SAYDO_FMT_JSON;
    else return saydo_set_error(SAYDO_E_INVAL, "unknown format '%s' (text, csv or json)", name);
    return SAYDO_OK;
}

void saydo_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

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

/* A column of whole numbers (counts) prints without decimals. */
static int is_count_col(const saydo_table_t *t, int c)
{
    static const char *counts[] = {"misaligned_", "stated_ties", "rank", "tied"};
    const char *n = t->col_name[c];
    if (n[0] == 'n' && (n[1] == '\0' || n[1] == '_')) return 1;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (strncmp(n, counts[i], strlen(counts[i])) == 0) return 1;
    return 0;
}

static void cell_text(const saydo_table_t *t, int c, size_t r, int digits, char *buf, size_t cap)
{
    if (t->col_is_str[c]) {
        snprintf(buf, cap, "%s", t->str_col[c][r] ? t->str_col[c][r] : "");
        return;
    }
    double v = t->num_col[c][r];
    if (isnan(v)) snprintf(buf, cap, "-");
    else if (is_count_col(t, c)) snprintf(buf, cap, "%.0f", v);
    else snprintf(buf, cap, "%.*f", digits, v);
}

saydo_status saydo_table_print(FILE *f, const saydo_table_t *t, saydo_format fmt, int digits)
{
    char buf[512];
    if (fmt == SAYDO_FMT_CSV) {
        for (int c = 0; c < t->n_cols; c++) {
            if (c) fputc(',', f);
            csv_field(f, t->col_name[c]);
        }
        fputc('\n', f);
        for (size_t r = 0; r < t->n_rows; r++) {
            for (int c = 0; c < t->n_cols; c++) {
                if (c) fputc(',', f);
                if (t->col_is_str[c]) csv_field(f, t->str_col[c][r] ? t->str_col[c][r] : "");
                else if (!isnan(t->num_col[c][r])) fprintf(f, "%.17g", t->num_col[c][r]);
            }
            fputc('\n', f);
        }
    } else if (fmt == SAYDO_FMT_JSON) {
        fputs("[", f);
        for (size_t r = 0; r < t->n_rows; r++) {
            fputs(r ? ",\n  {" : "\n  {", f);
            for (int c = 0; c < t->n_cols; c++) {
                if (c) fputs(", ", f);
                saydo_json_string(f, t->col_name[c]);
                fputs(": ", f);
                if (t->col_is_str[c]) saydo_json_string(f, t->str_col[c][r] ? t->str_col[c][r] : "");
                else if (isnan(t->num_col[c][r]) || isinf(t->num_col[c][r])) {
                    /* JSON has no inf: say it in words so it is not mistaken for missing */
                    if (isinf(t->num_col[c][r])) fputs(t->num_col[c][r] > 0 ? "\"inf\"" : "\"-inf\"", f);
                    else fputs("null", f);
                } else fprintf(f, "%.17g", t->num_col[c][r]);
            }
            fputs("}", f);
        }
        fputs("\n]\n", f);
    } else {
        size_t *w = calloc((size_t)t->n_cols, sizeof *w);
        if (!w) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        for (int c = 0; c < t->n_cols; c++) {
            w[c] = strlen(t->col_name[c]);
            for (size_t r = 0; r < t->n_rows; r++) {
                cell_text(t, c, r, digits, buf, sizeof buf);
                if (strlen(buf) > w[c]) w[c] = strlen(buf);
            }
        }
        if (t->title) fprintf(f, "%s\n", t->title);
        for (int c = 0; c < t->n_cols; c++)
            fprintf(f, t->col_is_str[c] ? "%-*s%s" : "%*s%s", (int)w[c], t->col_name[c], c + 1 < t->n_cols ? "  " : "\n");
        for (size_t r = 0; r < t->n_rows; r++)
            for (int c = 0; c < t->n_cols; c++) {
                cell_text(t, c, r, digits, buf, sizeof buf);
                fprintf(f, t->col_is_str[c] ? "%-*s%s" : "%*s%s", (int)w[c], buf, c + 1 < t->n_cols ? "  " : "\n");
            }
        free(w);
    }
    return ferror(f) ? saydo_set_error(SAYDO_E_IO, "writing the table failed") : SAYDO_OK;
}
