/* JSONL record building: the scalars of a line, one at a time, into a record.
 * yajl's callbacks and the shape replay both call jsonl_on_scalar() with the
 * parser state set as yajl would have it; jsonl_finish() then checks the
 * record whole. Strings are copied into a per-line arena sized from the line,
 * so record pointers stay valid until the next line. Numbers: jsonl_num.h. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/jsonl_impl.h"
#include "io/jsonl_num.h"

int jsonl_fail(jsonl_t *j, const char *msg)
{
    snprintf(j->err, sizeof j->err, "%s", msg);
    return 0;   /* cancels the parse */
}

/* A number yajl read (its JSON syntax already checked); see jsonl_num.h. */
static int parse_double(const char *s, size_t n, double *out)
{
    if (n == 0 || n >= 64) return 0;   /* as before: longer spellings are refused */
    const char *p = s, *e = s + n;
    int neg = *p == '-';
    p += neg;
    uint64_t m = 0;
    int exp10 = 0;
    const char *first = p;
    for (; p < e && (unsigned)(*p - '0') < 10; p++) m = m * 10 + (unsigned)(*p - '0');
    int digits = (int)(p - first);
    if (p < e && *p == '.') {
        const char *frac = ++p;
        for (; p < e && (unsigned)(*p - '0') < 10; p++) m = m * 10 + (unsigned)(*p - '0');
        exp10 = -(int)(p - frac);
        digits -= exp10;
    }
    if (digits > 19) return jsonl_slow_double(s, n, out);
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = p < e && *p == '-';
        if (p < e && (*p == '-' || *p == '+')) p++;
        int ev = 0;
        for (; p < e && (unsigned)(*p - '0') < 10; p++)
            if (ev < 100000) ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) return jsonl_slow_double(s, n, out);
    return jsonl_decimal(s, n, neg, m, digits, exp10, out);
}

/* Whole numbers: plain digits directly; "1.0" or "1e2" through the double path. */
static int parse_long(const char *s, size_t n, long *out)
{
    if (n > 0 && n <= 9) {
        size_t i = s[0] == '-';
        long v = 0;
        for (size_t k = i; k < n; k++) {
            unsigned d = (unsigned)(s[k] - '0');
            if (d > 9) goto general;
            v = v * 10 + (long)d;
        }
        if (i == n) return 0;
        *out = i ? -v : v;
        return 1;
    }
general:;
    double d;
    if (!parse_double(s, n, &d) || d != floor(d) || fabs(d) > 2e9) return 0;
    *out = (long)d;
    return 1;
}

static int put_option_value(jsonl_t *j, double v)
{
    int i = j->sub_index;
    if (j->sub == SUB_MAP) {
        if (i >= SAYDO_MAX_OPTIONS || v != floor(v) || v < 0 || v >= SAYDO_MAX_OPTIONS)
            return jsonl_fail(j, "option_map entries must be option indexes 0..25");
        j->map[i] = (int8_t)v;
        j->n_map = i + 1;
        j->sub_index++;
        return 1;
    }
    if (i < 0 || i >= SAYDO_MAX_OPTIONS) return jsonl_fail(j, "more than 26 options in logprobs/probs");
    j->val[i] = v;
    j->val_set |= 1ull << i;
    j->val_kind = j->sub;
    if (i + 1 > j->n_opt) j->n_opt = i + 1;
    if (j->sub_count) j->sub_index++;   /* arrays advance; objects set the index per key */
    return 1;
}

/* A scalar at depth 1 (a field value) or depth 2 (inside logprobs/probs/option_map). */
int jsonl_on_scalar(jsonl_t *j, int kind, const char *s, size_t n, int boolean)
{
    if (j->rec_on) jsonl_shape_note(j, kind, s, n, boolean);
    if (j->depth == 0) return jsonl_fail(j, "line is not a JSON object");
    if (j->depth == 2 && j->sub != SUB_NONE) {
        double v;
        if (kind != 'n' || !parse_double(s, n, &v)) {
            if (kind == '0' && j->sub != SUB_MAP) { j->sub_index += j->sub_count; return 1; }  /* null: not logged */
            return jsonl_fail(j, "logprobs/probs/option_map values must be numbers");
        }
        return put_option_value(j, v);
    }
    if (j->depth != 1) return 1;   /* nested content we do not read */
    saydo_record_t *rec = j->rec;
    if (j->label >= 0) {
        if (kind == 's' || kind == 'n') {
            if (rec->n_labels < SAYDO_MAX_LABELS) {
                rec->label_name[rec->n_labels] = j->r->map->label_dst[j->label];
                rec->label_value[rec->n_labels++] = jsonl_arena_put(j, s, n);
            }
        }
        return 1;
    }
    long lv;
    switch (j->field) {
    case SAYDO_F_NONE: return 1;
    case SAYDO_F_MODEL: case SAYDO_F_CONDITION: case SAYDO_F_ITEM: case SAYDO_F_SIDE:
    case SAYDO_F_VARIANT: case SAYDO_F_DOMAIN: case SAYDO_F_METHOD: case SAYDO_F_TRAINED_SIDE: {
        if (kind == '0') return 1;
        if (kind != 's' && kind != 'n') return jsonl_fail(j, "expected a string");
        const char *v = jsonl_arena_put(j, s, n);
        if (j->field == SAYDO_F_MODEL) rec->model = v;
        else if (j->field == SAYDO_F_CONDITION) rec->condition = v;
        else if (j->field == SAYDO_F_ITEM) rec->item = v;
        else if (j->field == SAYDO_F_SIDE) rec->side = v;
        else if (j->field == SAYDO_F_VARIANT) rec->variant = v;
        else if (j->field == SAYDO_F_DOMAIN) rec->domain = v;
        else if (j->field == SAYDO_F_METHOD) rec->method = v;
        else rec->trained_side = v;
        return 1;
    }
    case SAYDO_F_TRIAL: case SAYDO_F_ROUND: case SAYDO_F_N_OPTIONS:
        if (kind == '0') return 1;
        if (!parse_long(s, n, &lv) || lv < 0) return jsonl_fail(j, "trial, round and n_options must be whole numbers >= 0");
        if (j->field == SAYDO_F_TRIAL) rec->trial = (int32_t)lv;
        else if (j->field == SAYDO_F_ROUND) {
            if (lv > SAYDO_MAX_ROUND) return jsonl_fail(j, "round above 1000000");
            rec->round = (int)lv;
        }
        else {
            if (lv > SAYDO_MAX_OPTIONS) return jsonl_fail(j, "n_options above 26");
            rec->n_options = (int)lv;
        }
        return 1;
    case SAYDO_F_CHOICE:
        if (kind == '0') { j->have_choice = 1; j->choice_index = SAYDO_CHOICE_MISSING; return 1; }
        if (kind == 'n') {
            if (!parse_long(s, n, &lv) || lv < 0) return jsonl_fail(j, "a numeric choice must be an option index >= 0");
            j->have_choice = 1;
            j->choice_index = (int)(lv < 1000 ? lv : 1000);
            return 1;
        }
        if (kind == 's') {
            j->have_choice = 1;
            if (n == 0) { j->choice_index = SAYDO_CHOICE_MISSING; return 1; }
            if (n != 1 || saydo_letter_index(s[0]) < 0 || s[0] > 'Z') return jsonl_fail(j, "choice must be a capital letter A-Z, an index or null");
            j->choice_index = s[0] - 'A';
            return 1;
        }
        return jsonl_fail(j, "choice must be a letter, an index or null");
    case SAYDO_F_STATUS:
        if (kind != 's') return kind == '0' ? 1 : jsonl_fail(j, "status must be a string");
        if (n == 7 && memcmp(s, "refused", 7) == 0) j->status = SAYDO_CHOICE_REFUSED;
        else if (n == 8 && memcmp(s, "unparsed", 8) == 0) j->status = SAYDO_CHOICE_UNPARSED;
        else if (n == 7 && memcmp(s, "missing", 7) == 0) j->status = SAYDO_CHOICE_MISSING;
        else if (!(n == 2 && memcmp(s, "ok", 2) == 0)) return jsonl_fail(j, "status must be ok, refused, unparsed or missing");
        return 1;
    case SAYDO_F_RESPONSE:
        if (kind == '0') return 1;
        if (kind != 's') return jsonl_fail(j, "response must be a string");
        /* read with its length (extraction, record text): the line's own bytes
         * do while the line is parsed; yajl's decoded copy must be kept */
        j->response = s >= j->line && s + n <= j->line_end ? s : jsonl_arena_put(j, s, n);
        j->response_len = n;
        return 1;
    case SAYDO_F_CONSISTENCY:
        if (kind == 'b') { j->consistency = boolean; return 1; }
        if (kind == 'n' && parse_long(s, n, &lv) && (lv == 0 || lv == 1)) { j->consistency = (int)lv; return 1; }
        if (kind == '0') return 1;
        return jsonl_fail(j, "consistency must be 0 or 1");
    default:
        return kind == '0' ? 1 : jsonl_fail(j, "logprobs, probs and option_map must be objects or arrays");
    }
}

/* Turns the collected values into a valid record, or says why it is not one. */
const char *jsonl_finish(jsonl_t *j)
{
    saydo_record_t *rec = j->rec;
    struct saydo_reader *r = j->r;
    if (!rec->model) rec->model = r->opts.model;
    if (!rec->condition) rec->condition = r->opts.condition ? r->opts.condition : "base";
    if (!rec->trained_side && r->opts.trained_side) rec->trained_side = r->opts.trained_side;
    if (!rec->model) return "no model field (name one with --model)";
    if (!rec->item) return "no item field";
    if (!rec->side) return "no side field";
    rec->side = saydo_fieldmap_side(r->map, rec->side);
    if (!rec->n_options) rec->n_options = j->n_opt > j->n_map ? j->n_opt : j->n_map;
    int nopt = rec->n_options;
    if (j->val_set) {
        if (j->n_opt > nopt) return "more logprobs/probs than n_options";
        for (int i = 0; i < j->n_opt; i++) {
            if (!(j->val_set >> i & 1)) { rec->logp[i] = NAN; continue; }
            double v = j->val[i];
            if (j->val_kind == SUB_PROB) {
                if (!(v >= 0.0) || !isfinite(v)) return "a probability is negative or not finite";
                if (v > 1 + 1e-6) return "a probability is above 1";   /* the CSV reader's tolerance */
                rec->logp[i] = log(v);
            } else {
                if (isnan(v) || v == INFINITY) return "a log-probability is NaN or +inf";
                rec->logp[i] = v;
            }
        }
        rec->n_logp = j->n_opt;
    }
    if (j->status) rec->choice = j->status;
    else if (j->have_choice) rec->choice = j->choice_index;
    else if (j->response) {
        saydo_extract_opts_t eo = j->extract;
        eo.n_letters = r->opts.letters > 0 ? r->opts.letters : nopt >= 2 ? nopt : 2;
        rec->choice = saydo_extract_answer(j->response, j->response_len, &eo);
    }
    if (rec->choice >= 0 && nopt > 0 && rec->choice >= nopt) return "choice outside the item's options";
    if (rec->choice >= SAYDO_MAX_OPTIONS) return "choice outside A-Z";
    if (rec->choice >= 0 && rec->n_options == 0) rec->n_options = nopt = rec->choice + 1 > 2 ? rec->choice + 1 : 2;
    if (j->n_map) {
        unsigned seen = 0;
        for (int i = 0; i < j->n_map; i++) {
            if (j->map[i] >= j->n_map || (seen >> j->map[i] & 1)) return "option_map is not a permutation";
            seen |= 1u << j->map[i];
            rec->option_map[i] = j->map[i];
        }
        for (int i = j->n_map; i < SAYDO_MAX_OPTIONS; i++) rec->option_map[i] = (int8_t)i;
        rec->has_option_map = 1;
    } else if (j->consistency >= 0) {
        saydo_record_set_flag_map(rec, j->consistency, nopt >= 2 ? nopt : 2);
    }
    if (j->response && r->opts.keep_text) {
        rec->text = j->response;
        rec->text_len = j->response_len;
    }
    return NULL;
}
