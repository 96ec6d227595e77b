/* saydo export: a store's records (or a /results table) as JSONL or CSV,
 * with the field names the JSONL ingest reads by default. See saydo/export.h
 * for the field list and how float32 values are written so that a second
 * ingest stores the same bits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/reader_impl.h"
#include "saydo/export.h"
#include "saydo/print.h"
#include "util/try.h"

void saydo_export_opts_default(saydo_export_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->format = SAYDO_EXPORT_JSONL;
    o->probs = 1;
    o->text = 1;
}

/* ---- numbers and strings ------------------------------------------------ */

/* The shortest %g that reads back (strtod, then to float when float32) to v.
 * -inf is written -1e999: not JSON's own spelling (JSON has none), but a
 * valid JSON number that every strtod-based reader turns into -inf. */
static void fmt_num(char *buf, size_t cap, double v, int float32)
{
    if (isinf(v)) {
        snprintf(buf, cap, v < 0 ? "-1e999" : "1e999");
        return;
    }
    if (float32) v = (double)(float)v;   /* spell the float itself: the closest shortest decimal, as numpy's repr */
    for (int p = float32 ? 6 : 15; p <= (float32 ? 9 : 17); p++) {
        snprintf(buf, cap, "%.*g", p, v);
        double back = strtod(buf, NULL);
        if (float32 ? (float)back == (float)v : back == v) return;
    }
    snprintf(buf, cap, "%.17g", v);   /* exact for any double, so for any float too */
}

static void json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); }
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static void json_key_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, ",\"%s\":", key);
    json_str(f, v, strlen(v));
}

static void csv_str(FILE *f, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++) quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (n && (s[0] == ' ' || s[n - 1] == ' ')) quote = 1;   /* keep the spaces a reader would trim */
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

/* ---- one record --------------------------------------------------------- */

/* How a record's option map is best written: consistency 1 (identity),
 * consistency 0 (A<->B, the WDCT shuffle), or the list of its first m entries. */
static int map_form(const saydo_record_t *rec, int *m)
{
    int last = -1;
    for (int i = 0; i < SAYDO_MAX_OPTIONS; i++)
        if (rec->option_map[i] != i) last = i;
    if (last < 0) return 1;
    if (last == 1 && rec->option_map[0] == 1 && rec->option_map[1] == 0) return 0;
    *m = last + 1 > rec->n_options ? last + 1 : rec->n_options;
    return -1;
}

static const char *status_name(int choice)
{
    return choice == SAYDO_CHOICE_REFUSED ? "refused" : choice == SAYDO_CHOICE_UNPARSED ? "unparsed" : "missing";
}

/* softmax over the logged values (NaN = not logged stays NaN); 0 when there is no mass. */
static int softmax_logged(const saydo_record_t *rec, double *p)
{
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < rec->n_logp; i++)
        if (!isnan(rec->logp[i]) && rec->logp[i] > mx) mx = rec->logp[i];
    if (mx == -INFINITY) return 0;
    for (int i = 0; i < rec->n_logp; i++) {
        p[i] = isnan(rec->logp[i]) ? NAN : exp(rec->logp[i] - mx);
        if (!isnan(p[i])) sum += p[i];
    }
    for (int i = 0; i < rec->n_logp; i++) p[i] /= sum;
    return 1;
}

static void json_numbers(FILE *f, const char *key, const double *v, int n, int float32)
{
    char buf[40];
    fprintf(f, ",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', f);
        if (isnan(v[i])) fputs("null", f);
        else {
            fmt_num(buf, sizeof buf, v[i], float32);
            fputs(buf, f);
        }
    }
    fputc(']', f);
}

/* Field names a label may not take (it would shadow a record field). */
static int reserved(const char *name)
{
    static const char *names[] = {"model", "condition", "item", "side", "trial", "variant", "choice", "status",
                                  "probs", "logprobs", "response", "domain", "consistency", "option_map",
                                  "n_options", "method", "round", "trained_side"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) return 1;
    return 0;
}

static void print_jsonl(FILE *f, const saydo_record_t *rec, int float32, int probs)
{
    fputs("{\"model\":", f);
    json_str(f, rec->model ? rec->model : "", rec->model ? strlen(rec->model) : 0);
    json_key_str(f, "condition", rec->condition ? rec->condition : "base");
    json_key_str(f, "item", rec->item ? rec->item : "");
    if (rec->domain && *rec->domain) json_key_str(f, "domain", rec->domain);
    json_key_str(f, "side", rec->side ? rec->side : "");
    fprintf(f, ",\"trial\":%d", (int)rec->trial);
    json_key_str(f, "variant", rec->variant ? rec->variant : "");
    if (rec->n_options) fprintf(f, ",\"n_options\":%d", rec->n_options);
    if (rec->has_option_map) {
        int m = 0, form = map_form(rec, &m);
        if (form >= 0) fprintf(f, ",\"consistency\":%d", form);
        else {
            fputs(",\"option_map\":[", f);
            for (int i = 0; i < m; i++) fprintf(f, "%s%d", i ? "," : "", rec->option_map[i]);
            fputc(']', f);
        }
    }
    if (rec->text) {
        fputs(",\"response\":", f);
        json_str(f, rec->text, rec->text_len);
    }
    if (rec->choice >= 0) fprintf(f, ",\"choice\":%d", rec->choice);
    else fprintf(f, ",\"choice\":null,\"status\":\"%s\"", status_name(rec->choice));
    if (rec->n_logp > 0) {
        double p[SAYDO_MAX_OPTIONS];
        /* probs to float32 precision: what the store keeps supports no more digits */
        if (probs && softmax_logged(rec, p)) json_numbers(f, "probs", p, rec->n_logp, 1);
        json_numbers(f, "logprobs", rec->logp, rec->n_logp, float32);
    }
    for (int k = 0; k < rec->n_labels; k++)
        if (!reserved(rec->label_name[k])) json_key_str(f, rec->label_name[k], rec->label_value[k]);
    if (rec->method && *rec->method) json_key_str(f, "method", rec->method);
    if (rec->round >= 0) fprintf(f, ",\"round\":%d", rec->round);
    if (rec->trained_side && *rec->trained_side) json_key_str(f, "trained_side", rec->trained_side);
    fputs("}\n", f);
}

void saydo_record_print_jsonl(FILE *f, const saydo_record_t *rec, int float32)
{
    print_jsonl(f, rec, float32, 1);
}

/* ---- filters ------------------------------------------------------------- */

typedef enum { W_MODEL, W_CONDITION, W_ITEM, W_SIDE, W_VARIANT, W_TRIAL, W_DOMAIN, W_METHOD, W_ROUND, W_TRAINED,
               W_STATUS, W_LABEL } wkind;

typedef struct {
    wkind kind;
    int label;
    const char *values;   /* "a|b|c" */
} wfilter;

/* v is one of "a|b|c" (an empty alternative matches an empty value). */
static int listed(const char *list, const char *v)
{
    size_t lv = strlen(v);
    for (const char *s = list;;) {
        size_t n = strcspn(s, "|");
        if (n == lv && strncmp(s, v, n) == 0) return 1;
        if (!s[n]) return 0;
        s += n + 1;
    }
}

static saydo_status parse_where(const saydo_data_t *d, const char *w, wfilter *out)
{
    static const struct { const char *name; wkind kind; } names[] = {
        {"model", W_MODEL}, {"condition", W_CONDITION}, {"item", W_ITEM}, {"side", W_SIDE},
        {"variant", W_VARIANT}, {"trial", W_TRIAL}, {"domain", W_DOMAIN}, {"method", W_METHOD},
        {"round", W_ROUND}, {"trained_side", W_TRAINED}, {"status", W_STATUS},
    };
    const char *eq = strchr(w, '=');
    if (!eq) return saydo_set_error(SAYDO_E_INVAL, "--where takes FIELD=VALUE[|VALUE...], not '%s'", w);
    size_t fl = (size_t)(eq - w);
    out->values = eq + 1;
    out->label = -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == fl && strncmp(w, names[i].name, fl) == 0) {
            out->kind = names[i].kind;
            return SAYDO_OK;
        }
    for (int l = 0; l < d->n_labels; l++)
        if (strlen(d->label_name[l]) == fl && strncmp(w, d->label_name[l], fl) == 0) {
            out->kind = W_LABEL;
            out->label = l;
            return SAYDO_OK;
        }
    return saydo_set_error(SAYDO_E_INVAL, "--where: no field '%.*s' (model, condition, item, side, variant, trial, "
                           "domain, method, round, trained_side, status, or a label the store holds)", (int)fl, w);
}

static int keep_row(const saydo_data_t *d, size_t r, const wfilter *w, int nw)
{
    char buf[32];
    for (int k = 0; k < nw; k++) {
        int32_t it = d->item[r], c = d->condition[r];
        const char *v = "";
        switch (w[k].kind) {
        case W_MODEL: v = d->models.s[d->model[r]]; break;
        case W_CONDITION: v = d->conditions.s[c]; break;
        case W_ITEM: v = d->items.s[it]; break;
        case W_SIDE: v = d->sides.s[d->side[r]]; break;
        case W_VARIANT: v = d->variants.s[d->variant[r]]; break;
        case W_TRIAL: snprintf(buf, sizeof buf, "%d", (int)d->trial[r]); v = buf; break;
        case W_DOMAIN: v = d->item_domain[it] >= 0 ? d->domains.s[d->item_domain[it]] : ""; break;
        case W_METHOD: v = d->cond_method[c] >= 0 ? d->methods.s[d->cond_method[c]] : ""; break;
        case W_ROUND:
            if (d->cond_round[c] >= 0) snprintf(buf, sizeof buf, "%d", (int)d->cond_round[c]);
            else buf[0] = '\0';
            v = buf;
            break;
        case W_TRAINED: v = d->cond_trained_side[c] >= 0 ? d->sides.s[d->cond_trained_side[c]] : ""; break;
        case W_STATUS: v = d->choice[r] >= 0 ? "ok" : status_name(d->choice[r]); break;
        case W_LABEL: {
            int32_t code = d->item_label[w[k].label][it];
            v = code >= 0 ? d->label_values[w[k].label].s[code] : "";
            break;
        }
        }
        if (!listed(w[k].values, v)) return 0;
    }
    return 1;
}

/* ---- the store ----------------------------------------------------------- */

/* Row r of the store as a record (strings borrowed from d and text). */
static void row_record(const saydo_data_t *d, size_t r, const char *text, const int64_t *ends, size_t n_text,
                       saydo_record_t *rec)
{
    int32_t it = d->item[r], c = d->condition[r];
    saydo_record_clear(rec);
    rec->model = d->models.s[d->model[r]];
    rec->condition = d->conditions.s[c];
    rec->item = d->items.s[it];
    rec->side = d->sides.s[d->side[r]];
    rec->variant = d->variants.s[d->variant[r]];
    rec->trial = d->trial[r];
    rec->choice = d->choice[r];
    rec->n_options = d->n_options[r];
    if (d->K) {
        const float *lp = d->logp + r * (size_t)d->K;
        int last = -1;
        for (int k = 0; k < d->K; k++)
            if (!isnan(lp[k])) last = k;
        for (int k = 0; k <= last; k++) rec->logp[k] = lp[k];
        rec->n_logp = last + 1;
    }
    if (d->item_domain[it] >= 0) rec->domain = d->domains.s[d->item_domain[it]];
    for (int l = 0; l < d->n_labels; l++) {
        int32_t code = d->item_label[l][it];
        if (code < 0) continue;
        rec->label_name[rec->n_labels] = d->label_name[l];
        rec->label_value[rec->n_labels++] = d->label_values[l].s[code];
    }
    if (d->omap[r] >= 0) {
        memcpy(rec->option_map, d->maps + (size_t)d->omap[r] * SAYDO_MAX_OPTIONS, SAYDO_MAX_OPTIONS);
        rec->has_option_map = 1;
    }
    if (d->cond_method[c] >= 0) rec->method = d->methods.s[d->cond_method[c]];
    rec->round = d->cond_round[c];
    if (d->cond_trained_side[c] >= 0) rec->trained_side = d->sides.s[d->cond_trained_side[c]];
    if (r < n_text) {
        int64_t b = r ? ends[r - 1] : 0;
        if (ends[r] > b) {
            rec->text = text + b;
            rec->text_len = (size_t)(ends[r] - b);
        }
    }
}

static void csv_header(FILE *f, const saydo_data_t *d, int K, int probs, int has_text)
{
    fputs("model,condition,item,side,trial,variant,choice,status,n_options,domain", f);
    for (int l = 0; l < d->n_labels; l++) {
        fputc(',', f);
        csv_str(f, d->label_name[l], strlen(d->label_name[l]));
    }
    fputs(",consistency,option_map,method,round,trained_side", f);
    for (int k = 0; k < K; k++) fprintf(f, ",%s_%c", probs ? "p" : "logp", 'A' + k);
    if (has_text) fputs(",response", f);
    fputc('\n', f);
}

static void csv_row(FILE *f, const saydo_data_t *d, const saydo_record_t *rec, int K, int probs, int has_text)
{
    char buf[40];
#define CSV_S(s) do { fputc(',', f); if (s) csv_str(f, (s), strlen(s)); } while (0)
    csv_str(f, rec->model, strlen(rec->model));
    CSV_S(rec->condition);
    CSV_S(rec->item);
    CSV_S(rec->side);
    fprintf(f, ",%d", (int)rec->trial);
    CSV_S(rec->variant);
    if (rec->choice >= 0) fprintf(f, ",%d,", rec->choice);
    else fprintf(f, ",,%s", status_name(rec->choice));
    if (rec->n_options) fprintf(f, ",%d", rec->n_options);
    else fputc(',', f);
    CSV_S(rec->domain);
    for (int l = 0; l < d->n_labels; l++) {
        const char *v = NULL;
        for (int k = 0; k < rec->n_labels; k++)
            if (strcmp(rec->label_name[k], d->label_name[l]) == 0) v = rec->label_value[k];
        CSV_S(v);
    }
    int m = 0, form = rec->has_option_map ? map_form(rec, &m) : -2;
    if (form >= 0) fprintf(f, ",%d,", form);
    else if (form == -1) {
        fputs(",,", f);
        for (int i = 0; i < m; i++) fprintf(f, "%s%d", i ? " " : "", rec->option_map[i]);
    } else fputs(",,", f);
    CSV_S(rec->method);
    if (rec->round >= 0) fprintf(f, ",%d", rec->round);
    else fputc(',', f);
    CSV_S(rec->trained_side);
    double p[SAYDO_MAX_OPTIONS];
    int have_p = probs && rec->n_logp > 0 && softmax_logged(rec, p);
    for (int k = 0; k < K; k++) {
        fputc(',', f);
        double v = k >= rec->n_logp ? NAN : probs ? (have_p ? p[k] : NAN) : rec->logp[k];
        if (isnan(v)) continue;
        fmt_num(buf, sizeof buf, v, !probs);
        fputs(buf, f);
    }
    if (has_text) {
        fputc(',', f);
        if (rec->text) csv_str(f, rec->text, rec->text_len);
    }
    fputc('\n', f);
#undef CSV_S
}

saydo_status saydo_export_records(const char *store, const saydo_export_opts_t *o, FILE *out, int64_t *n_written)
{
    saydo_status st = SAYDO_OK;
    saydo_data_t *d = NULL;
    char *text = NULL;
    int64_t *ends = NULL;
    size_t n_text = 0;
    wfilter *w = NULL;
    int64_t written = 0;
    if (n_written) *n_written = 0;
    SAYDO_TRY(saydo_store_read(store, &d));
    if (o->text) SAYDO_TRY(saydo_store_read_text(store, &text, &ends, &n_text));
    SAYDO_NEW(w, o->n_where);
    for (int k = 0; k < o->n_where; k++) SAYDO_TRY(parse_where(d, o->where[k], &w[k]));
    int K = d->K;
    if (o->format == SAYDO_EXPORT_CSV) {
        /* only as many option columns as some record logged */
        int used = 0;
        for (size_t r = 0; r < d->n && K; r++)
            for (int k = used; k < K; k++)
                if (!isnan(d->logp[r * (size_t)K + k])) used = k + 1;
        K = used;
        csv_header(out, d, K, o->probs, n_text > 0);
    }
    saydo_record_t rec;
    for (size_t r = 0; r < d->n; r++) {
        if (!keep_row(d, r, w, o->n_where)) continue;
        row_record(d, r, text, ends, n_text, &rec);
        if (o->format == SAYDO_EXPORT_CSV) csv_row(out, d, &rec, K, o->probs, n_text > 0);
        else print_jsonl(out, &rec, 1, o->probs);
        written++;
    }
    SAYDO_FAIL_IF(ferror(out), SAYDO_E_IO, "write error");
    if (n_written) *n_written = written;
cleanup:
    free(w);
    free(text);
    free(ends);
    saydo_data_free(d);
    return st;
}

saydo_status saydo_export_results(const char *store, const char *name, saydo_export_format fmt, FILE *out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    char buf[40];
    SAYDO_TRY(saydo_store_read_table(store, name, &t));
    if (fmt == SAYDO_EXPORT_CSV) {
        SAYDO_TRY(saydo_table_print(out, t, SAYDO_FMT_CSV, 0));
        goto cleanup;
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        fputc('{', out);
        for (int c = 0; c < t->n_cols; c++) {
            if (c) fputc(',', out);
            json_str(out, t->col_name[c], strlen(t->col_name[c]));
            fputc(':', out);
            if (t->col_is_str[c]) {
                const char *v = t->str_col[c][r] ? t->str_col[c][r] : "";
                json_str(out, v, strlen(v));
            } else if (isnan(t->num_col[c][r])) {
                fputs("null", out);
            } else {
                fmt_num(buf, sizeof buf, t->num_col[c][r], 0);
                fputs(buf, out);
            }
        }
        fputs("}\n", out);
    }
    SAYDO_FAIL_IF(ferror(out), SAYDO_E_IO, "write error");
cleanup:
    saydo_table_free(t);
    return st;
}

saydo_status saydo_export_dry_run(const char *const *files, int n, const saydo_read_opts_t *ro, int64_t limit,
                                  FILE *out, FILE *err)
{
    saydo_status st = SAYDO_OK;
    saydo_reader_t *r = NULL;
    char *meta = NULL;
    saydo_record_t rec;
    for (int i = 0; i < n; i++) {
        SAYDO_TRY(saydo_reader_open(files[i], ro, &r));
        SAYDO_TRY(saydo_reader_meta_json(r, &meta));
        fprintf(err, "# %s: %s %s\n", files[i], saydo_reader_format(r), meta);
        free(meta);
        meta = NULL;
        for (int64_t k = 0; limit <= 0 || k < limit;) {
            st = saydo_reader_next(r, &rec);
            if (st == SAYDO_EOF) break;
            if (st == SAYDO_E_PARSE) {
                const saydo_bad_t *bad = saydo_reader_bad(r);
                fprintf(err, "%s:%lld: skipped: %s\n", bad->file, (long long)bad->line, bad->reason);
                continue;
            }
            if (st < 0) goto cleanup;
            print_jsonl(out, &rec, 0, 1);
            k++;
        }
        st = SAYDO_OK;
        saydo_reader_free(r);
        r = NULL;
    }
    SAYDO_FAIL_IF(ferror(out), SAYDO_E_IO, "write error");
cleanup:
    free(meta);
    saydo_reader_free(r);
    return st;
}
