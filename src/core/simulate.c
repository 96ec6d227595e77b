/* Simulated word/deed response logs with planted truth (see saydo/simulate.h).
 *
 * One RNG stream per model (mt19937 seeded from the seed and the model index),
 * drawn in a fixed order: the model's consistencies, its base latent answers,
 * then condition by condition, item by item. So a model's base data does not
 * depend on how many models or checkpoints follow it, and the same options
 * give the same bytes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "core/simulate_impl.h"
#include "saydo/record.h"
#include "util/try.h"

/* Log-probabilities are written in micro-units (rounded to 1e-6) and the
 * truth is computed from those integers, so what a reader parses is exactly
 * what was scored: q / 1e6 and strtod("-0.123456") are the same double. */
#define LP_SCALE 1e6
#define LP_FLOOR (-40 * 1000000)   /* p below e^-40 is written as e^-40 */

enum { SIDE_WORD = 0, SIDE_DEED = 1 };
static const char *side_name[2] = {"word", "deed"};

/* Response texts. Answers carry no capital letter but the answer's, so the
 * first capital option letter is the answer whatever the option count;
 * unparsed texts carry no capital at all. */
static const char *answer_fmt[] = {
    "%c. this option fits my view best.",
    "%c.\nthat is the course of action to take.",
    "my answer is %c.",
    "option %c, since it weighs the concerns involved.",
};
static const char *refusal_text[] = {
    "I'm sorry, but I cannot answer this question.",
    "as an assistant, i cannot answer that.",
};
static const char *unparsed_text[] = {
    "it depends on the circumstances.",
    "both have merit; it is hard to say.",
};
#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

void saydo_sim_opts_default(saydo_sim_opts_t *o)
{
    static const struct { const char *name, *prefix; double w; } wdct[] = {
        {"Opinion", "op", 509}, {"NonEthV", "ne", 115}, {"EthV", "ev", 500}, {"Theory", "th", 101},
    };
    static const struct { const char *name, *method; int round; } ck[] = {
        {"sft-r1", "sft", 1}, {"sft-r2", "sft", 2}, {"dpo-r1", "dpo", 1}, {"dpo-r2", "dpo", 2},
    };
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->n_models = 12;
    o->n_items = 1225;
    o->n_trials = 1;
    o->n_options = 2;
    o->n_domains = N_OF(wdct);
    for (int d = 0; d < N_OF(wdct); d++) {
        snprintf(o->domain[d].name, sizeof o->domain[d].name, "%s", wdct[d].name);
        snprintf(o->domain[d].prefix, sizeof o->domain[d].prefix, "%s", wdct[d].prefix);
        o->domain[d].weight = wdct[d].w;
    }
    o->cs_lo = 0.5;
    o->cs_hi = 0.85;
    o->alpha = 0.5;
    o->refusal_rate = 0.005;
    o->unparsed_rate = 0.005;
    o->choice_share = 1.0;
    o->n_checkpoints = N_OF(ck);
    for (int k = 0; k < N_OF(ck); k++) {
        saydo_sim_checkpoint_t *c = &o->checkpoint[k];
        snprintf(c->name, sizeof c->name, "%s", ck[k].name);
        snprintf(c->method, sizeof c->method, "%s", ck[k].method);
        c->round = ck[k].round;
        snprintf(c->side, sizeof c->side, "deed");
        c->direct = 0.30;
        c->indirect = 0.10;
    }
}

/* Names go into JSON unescaped and into "a:b" specs: printable ASCII without
 * quotes, backslashes, commas or colons. */
static int name_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\' || *s == ',' || *s == ':') return 0;
    return 1;
}

static int parse_prob(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0 && v <= 1)) return 0;
    *out = v;
    return 1;
}

saydo_status saydo_sim_checkpoint_parse(const char *spec, saydo_sim_checkpoint_t *k)
{
    saydo_status st = SAYDO_OK;
    char buf[256], *part[7];
    int n = 0;
    SAYDO_FAIL_IF(strlen(spec) >= sizeof buf, SAYDO_E_INVAL, "checkpoint '%s': too long", spec);
    memcpy(buf, spec, strlen(spec) + 1);
    part[n++] = buf;
    for (char *p = buf; *p && n < 7; p++)
        if (*p == ':') {
            *p = '\0';
            part[n++] = p + 1;
        }
    SAYDO_FAIL_IF(n != 6, SAYDO_E_INVAL, "checkpoint '%s': expected NAME:method:round:side:direct:indirect", spec);
    for (int i = 0; i < 3; i += 1 + (i == 1))   /* name, method (round is a number) */
        SAYDO_FAIL_IF(!name_ok(part[i]) || strlen(part[i]) >= SAYDO_SIM_NAME_MAX, SAYDO_E_INVAL,
                      "checkpoint '%s': bad name '%s'", spec, part[i]);
    char *end;
    long round = strtol(part[2], &end, 10);
    SAYDO_FAIL_IF(end == part[2] || *end || round < 0 || round > SAYDO_MAX_ROUND, SAYDO_E_INVAL,
                  "checkpoint '%s': round '%s' is not a count", spec, part[2]);
    SAYDO_FAIL_IF(strcmp(part[3], "word") != 0 && strcmp(part[3], "deed") != 0, SAYDO_E_INVAL,
                  "checkpoint '%s': side must be word or deed", spec);
    double direct, indirect;
    SAYDO_FAIL_IF(!parse_prob(part[4], &direct) || !parse_prob(part[5], &indirect), SAYDO_E_INVAL,
                  "checkpoint '%s': direct and indirect must be probabilities in [0, 1]", spec);
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", part[0]);
    snprintf(k->method, sizeof k->method, "%s", part[1]);
    k->round = (int)round;
    snprintf(k->side, sizeof k->side, "%s", part[3]);
    k->direct = direct;
    k->indirect = indirect;
cleanup:
    return st;
}

saydo_status saydo_sim_opts_check(const saydo_sim_opts_t *o)
{
    saydo_status st = SAYDO_OK;
    SAYDO_FAIL_IF(o->n_models < 1 || o->n_models > 1000000, SAYDO_E_INVAL, "models: %d is not in 1..1000000",
                  o->n_models);
    SAYDO_FAIL_IF(o->n_items < 1 || o->n_items > 100000000, SAYDO_E_INVAL, "items: %d is not in 1..1e8",
                  o->n_items);
    SAYDO_FAIL_IF(o->n_trials < 1 || o->n_trials > 100000, SAYDO_E_INVAL, "trials: %d is not in 1..100000",
                  o->n_trials);
    SAYDO_FAIL_IF(o->n_options < 2 || o->n_options > 26, SAYDO_E_INVAL, "options: %d is not in 2..26",
                  o->n_options);
    SAYDO_FAIL_IF(o->n_domains < 1 || o->n_domains > SAYDO_SIM_MAX_DOMAINS, SAYDO_E_INVAL,
                  "domains: %d is not in 1..%d", o->n_domains, SAYDO_SIM_MAX_DOMAINS);
    double wsum = 0;
    for (int d = 0; d < o->n_domains; d++) {
        const saydo_sim_domain_t *dm = &o->domain[d];
        SAYDO_FAIL_IF(!name_ok(dm->name) || !name_ok(dm->prefix), SAYDO_E_INVAL,
                      "domain %d: bad name or prefix", d + 1);
        SAYDO_FAIL_IF(!(dm->weight >= 0) || !isfinite(dm->weight), SAYDO_E_INVAL,
                      "domain %s: weight must be >= 0", dm->name);
        for (int e = 0; e < d; e++)
            SAYDO_FAIL_IF(strcmp(o->domain[e].name, dm->name) == 0 || strcmp(o->domain[e].prefix, dm->prefix) == 0,
                          SAYDO_E_INVAL, "domain %s: name or prefix used twice", dm->name);
        wsum += dm->weight;
    }
    SAYDO_FAIL_IF(!(wsum > 0), SAYDO_E_INVAL, "domains: the weights sum to 0");
    SAYDO_FAIL_IF(!(o->cs_lo >= 0 && o->cs_lo <= o->cs_hi && o->cs_hi <= 1), SAYDO_E_INVAL,
                  "cs: need 0 <= lo <= hi <= 1 (got %g:%g)", o->cs_lo, o->cs_hi);
    SAYDO_FAIL_IF(!(o->alpha > 0) || !isfinite(o->alpha), SAYDO_E_INVAL, "alpha: must be > 0");
    SAYDO_FAIL_IF(!(o->refusal_rate >= 0 && o->unparsed_rate >= 0 && o->refusal_rate + o->unparsed_rate <= 1),
                  SAYDO_E_INVAL, "refusal and unparsed rates: need >= 0 with a sum <= 1");
    SAYDO_FAIL_IF(!(o->choice_share >= 0 && o->choice_share <= 1), SAYDO_E_INVAL,
                  "choice share: must be in [0, 1]");
    SAYDO_FAIL_IF(o->n_checkpoints < 0 || o->n_checkpoints > SAYDO_SIM_MAX_CHECKPOINTS, SAYDO_E_INVAL,
                  "checkpoints: at most %d", SAYDO_SIM_MAX_CHECKPOINTS);
    for (int k = 0; k < o->n_checkpoints; k++) {
        const saydo_sim_checkpoint_t *c = &o->checkpoint[k];
        SAYDO_FAIL_IF(!name_ok(c->name) || !name_ok(c->method), SAYDO_E_INVAL, "checkpoint %d: bad name or method",
                      k + 1);
        SAYDO_FAIL_IF(strcmp(c->name, "base") == 0, SAYDO_E_INVAL, "checkpoint: 'base' names the base condition");
        for (int e = 0; e < k; e++)
            SAYDO_FAIL_IF(strcmp(o->checkpoint[e].name, c->name) == 0, SAYDO_E_INVAL,
                          "checkpoint %s: name used twice", c->name);
        SAYDO_FAIL_IF(strcmp(c->side, "word") != 0 && strcmp(c->side, "deed") != 0, SAYDO_E_INVAL,
                      "checkpoint %s: side must be word or deed", c->name);
        SAYDO_FAIL_IF(!(c->direct >= 0 && c->direct <= 1 && c->indirect >= 0 && c->indirect <= 1), SAYDO_E_INVAL,
                      "checkpoint %s: direct and indirect must be in [0, 1]", c->name);
        SAYDO_FAIL_IF(c->round < 0, SAYDO_E_INVAL, "checkpoint %s: round must be >= 0", c->name);
    }
cleanup:
    return st;
}

double saydo_sim_change_prob(const saydo_sim_opts_t *o, int c, int side)
{
    if (c <= 0) return 0;
    const saydo_sim_checkpoint_t *k = &o->checkpoint[c - 1];
    int trained = strcmp(k->side, "deed") == 0 ? SIDE_DEED : SIDE_WORD;
    return side == trained ? k->direct : k->indirect;
}

/* A pair stays consistent when neither side moves, or both move to the same
 * one of the K-1 other options; an inconsistent pair becomes consistent when
 * one side moves onto the other's answer, or both move onto a common third. */
double saydo_sim_cs_expected(const saydo_sim_opts_t *o, int c, double cs)
{
    double a = saydo_sim_change_prob(o, c, SIDE_WORD), b = saydo_sim_change_prob(o, c, SIDE_DEED);
    double k1 = o->n_options - 1;
    double stay = (1 - a) * (1 - b) + a * b / k1;
    double join = (a * (1 - b) + b * (1 - a)) / k1 + a * b * (k1 - 1) / (k1 * k1);
    return cs * stay + (1 - cs) * join;
}

void saydo_sim_split_items(const saydo_sim_opts_t *o, int64_t *n_items_dom)
{
    double wsum = 0, rem[SAYDO_SIM_MAX_DOMAINS];
    int64_t given = 0;
    for (int d = 0; d < o->n_domains; d++) wsum += o->domain[d].weight;
    for (int d = 0; d < o->n_domains; d++) {
        double exact = (double)o->n_items * o->domain[d].weight / wsum;
        n_items_dom[d] = (int64_t)floor(exact);
        rem[d] = exact - (double)n_items_dom[d];
        given += n_items_dom[d];
    }
    /* Largest remainder; ties go to the earlier domain. */
    for (; given < o->n_items; given++) {
        int best = 0;
        for (int d = 1; d < o->n_domains; d++)
            if (rem[d] > rem[best]) best = d;
        n_items_dom[best]++;
        rem[best] = -1;
    }
}

void saydo_sim_model_name(const struct saydo_sim_truth *t, int m, char *buf)
{
    snprintf(buf, 24, "m%0*d", t->name_width, m + 1);
}

/* ---- output buffer: the JSONL writer ------------------------------------ */

typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
    int failed;
} wbuf_t;

#define WBUF_CAP 131072u   /* 128 KiB (a literal: clang warns on a shift tested as a boolean) */
#define WBUF_LINE_MAX 8192   /* longest line: 26 logprobs and 31-char names stay far below */

static void wb_flush(wbuf_t *w)
{
    if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len) w->failed = 1;
    w->len = 0;
}

static inline void wb_str(wbuf_t *w, const char *s)
{
    size_t n = strlen(s);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void wb_char(wbuf_t *w, char c) { w->buf[w->len++] = c; }

/* A JSON string body; only the texts above need escapes (newlines). */
static inline void wb_jstr(wbuf_t *w, const char *s)
{
    wb_char(w, '"');
    for (; *s; s++) {
        if (*s == '\n') {
            wb_char(w, '\\');
            wb_char(w, 'n');
        } else {
            wb_char(w, *s);
        }
    }
    wb_char(w, '"');
}

static inline void wb_uint(wbuf_t *w, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) wb_char(w, tmp[--n]);
}

/* q micro-units (q <= 0) as the shortest decimal with at most 6 places. */
static inline void wb_lp(wbuf_t *w, int32_t q)
{
    if (q == 0) {
        wb_char(w, '0');
        return;
    }
    uint32_t a = (uint32_t)(-(int64_t)q);
    wb_char(w, '-');
    wb_uint(w, a / 1000000u);
    uint32_t frac = a % 1000000u;
    if (!frac) return;
    char digits[6];
    for (int i = 5; i >= 0; i--) {
        digits[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    int n = 6;
    while (digits[n - 1] == '0') n--;
    wb_char(w, '.');
    for (int i = 0; i < n; i++) wb_char(w, digits[i]);
}

/* ---- the model's distributions ------------------------------------------- */

/* p = softmax(q / 1e6): exactly what a reader of the written values computes. */
static void softmax_q(const int32_t *q, int k, double *p)
{
    double mx = -INFINITY, s = 0;
    for (int i = 0; i < k; i++)
        if (q[i] / LP_SCALE > mx) mx = q[i] / LP_SCALE;
    for (int i = 0; i < k; i++) {
        p[i] = exp(q[i] / LP_SCALE - mx);
        s += p[i];
    }
    for (int i = 0; i < k; i++) p[i] /= s;
}

/* 1 - JSD base 2 of the two distributions; terms with p_i = 0 are 0. */
static double pcs_pair(const int32_t *qa, const int32_t *qb, int k)
{
    double p[26], q[26], js = 0;
    softmax_q(qa, k, p);
    softmax_q(qb, k, q);
    for (int i = 0; i < k; i++) {
        double m = 0.5 * (p[i] + q[i]);
        if (p[i] > 0) js += 0.5 * p[i] * log2(p[i] / m);
        if (q[i] > 0) js += 0.5 * q[i] * log2(q[i] / m);
    }
    return 1 - js;
}

/* p_w ~ Dirichlet(alpha), quantized, with its strict maximum on option a. */
static void draw_word_dist(gsl_rng *r, int k, double alpha, int a, int32_t *q)
{
    double al[26], p[26];
    for (int i = 0; i < k; i++) al[i] = alpha;
    gsl_ran_dirichlet(r, (size_t)k, al, p);
    int top = 0;
    for (int i = 0; i < k; i++) {
        double lp = p[i] > 0 ? log(p[i]) * LP_SCALE : LP_FLOOR;
        q[i] = lp < LP_FLOOR ? LP_FLOOR : (int32_t)lround(lp);
        if (q[i] > q[top]) top = i;
    }
    int32_t t = q[top];
    q[top] = q[a];
    q[a] = t;
    /* ties after rounding would make the choice ambiguous: lower the others */
    for (int i = 0; i < k; i++)
        if (i != a && q[i] >= q[a]) q[i] = q[a] - 1;
}

static inline void swap_q(int32_t *q, int x, int y)
{
    int32_t t = q[x];
    q[x] = q[y];
    q[y] = t;
}

/* WDCT flag 0 (saydo_record_set_flag_map): A and B trade places on the deed
 * side, any further option stays. */
static inline int flag_map(int j) { return j < 2 ? 1 - j : j; }

/* A uniformly drawn option other than x. */
static inline int other_option(gsl_rng *r, int k, int x)
{
    int y = (int)gsl_rng_uniform_int(r, (unsigned long)(k - 1));
    return y >= x ? y + 1 : y;
}

/* mt19937 takes 32 bits of seed: mix the seed and the model index (splitmix64). */
static unsigned long model_seed(uint64_t seed, int m)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t)(m + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z & 0xffffffffu);
}

/* ---- one line -------------------------------------------------------------- */

typedef struct {
    const char *model, *condition, *item, *domain;
    const saydo_sim_checkpoint_t *ck;   /* NULL for base */
    int side, trial, n_options, flag;
    int status;                         /* 0 answered, 1 refused, 2 unparsed */
    int letter;                         /* written option index when answered */
    int with_choice, text_index;
    const int32_t *lp;                  /* written order, n_options values */
} line_t;

static void write_line(wbuf_t *w, const line_t *l)
{
    char text[128];
    wb_str(w, "{\"model\":\"");
    wb_str(w, l->model);
    wb_str(w, "\",\"condition\":\"");
    wb_str(w, l->condition);
    wb_str(w, "\",\"item\":\"");
    wb_str(w, l->item);
    wb_str(w, "\",\"domain\":\"");
    wb_str(w, l->domain);
    wb_str(w, "\",\"side\":\"");
    wb_str(w, side_name[l->side]);
    wb_str(w, "\",\"trial\":");
    wb_uint(w, (uint64_t)l->trial);
    wb_str(w, ",\"variant\":\"\",\"n_options\":");
    wb_uint(w, (uint64_t)l->n_options);
    wb_str(w, l->flag ? ",\"consistency\":1,\"response\":" : ",\"consistency\":0,\"response\":");
    if (l->status == 1) {
        wb_jstr(w, refusal_text[l->text_index]);
    } else if (l->status == 2) {
        wb_jstr(w, unparsed_text[l->text_index]);
    } else {
        snprintf(text, sizeof text, answer_fmt[l->text_index], 'A' + l->letter);
        wb_jstr(w, text);
    }
    if (l->with_choice) {
        if (l->status) {   /* null alone would read as "no answer recorded": say why */
            wb_str(w, l->status == 1 ? ",\"choice\":null,\"status\":\"refused\"" : ",\"choice\":null,\"status\":\"unparsed\"");
        } else {
            wb_str(w, ",\"choice\":\"");
            wb_char(w, (char)('A' + l->letter));
            wb_char(w, '"');
        }
    }
    if (!l->status) {
        wb_str(w, ",\"logprobs\":{");
        for (int i = 0; i < l->n_options; i++) {
            if (i) wb_char(w, ',');
            wb_char(w, '"');
            wb_char(w, (char)('A' + i));
            wb_str(w, "\":");
            wb_lp(w, l->lp[i]);
        }
        wb_char(w, '}');
    }
    if (l->ck) {
        wb_str(w, ",\"method\":\"");
        wb_str(w, l->ck->method);
        wb_str(w, "\",\"round\":");
        wb_uint(w, (uint64_t)l->ck->round);
        wb_str(w, ",\"trained_side\":\"");
        wb_str(w, l->ck->side);
        wb_char(w, '"');
    }
    wb_str(w, "}\n");
}

/* ---- the driver ------------------------------------------------------------ */

/* Per model, per (item, trial) unit: the base latent answers in word-option
 * order, the quantized p_w, and whether base answered each side (for change
 * rates, which compare only answered responses). */
typedef struct {
    uint8_t *aw, *ad;
    uint8_t *base_ok;      /* [unit][side] */
    uint8_t *base_ans;     /* [unit][side]: base answer in word-option order */
    int32_t *qw;           /* [unit][k] */
} latent_t;

static void latent_free(latent_t *L)
{
    free(L->aw);
    free(L->ad);
    free(L->base_ok);
    free(L->base_ans);
    free(L->qw);
}

static void truth_free_parts(struct saydo_sim_truth *t)
{
    free(t->cs_param);
    free(t->acc);
}

void saydo_sim_truth_free(saydo_sim_truth_t *t)
{
    if (!t) return;
    truth_free_parts(t);
    free(t);
}

static void simulate_model(const saydo_sim_opts_t *o, struct saydo_sim_truth *t, int m, gsl_rng *r,
                           latent_t *L, wbuf_t *w)
{
    const int k = o->n_options, T = o->n_trials;
    char model[24], item[SAYDO_SIM_NAME_MAX + 24];
    saydo_sim_model_name(t, m, model);
    gsl_rng_set(r, model_seed(o->seed, m));

    for (int d = 0; d < o->n_domains; d++) {
        double u = gsl_rng_uniform(r);
        t->cs_param[(size_t)m * (size_t)o->n_domains + (size_t)d] = o->cs_lo + (o->cs_hi - o->cs_lo) * u;
    }

    /* Base latent answers and p_w, unit by unit in item order. */
    size_t unit = 0;
    for (int d = 0; d < o->n_domains; d++) {
        double cs = t->cs_param[(size_t)m * (size_t)o->n_domains + (size_t)d];
        for (int64_t i = 0; i < t->n_items_dom[d]; i++)
            for (int tr = 0; tr < T; tr++, unit++) {
                int a = (int)gsl_rng_uniform_int(r, (unsigned long)k);
                draw_word_dist(r, k, o->alpha, a, L->qw + unit * (size_t)k);
                int consistent = gsl_rng_uniform(r) < cs;
                L->aw[unit] = (uint8_t)a;
                L->ad[unit] = (uint8_t)(consistent ? a : other_option(r, k, a));
            }
    }

    int32_t canon[2][26], written[26];
    for (int c = 0; c < t->n_cond; c++) {
        const saydo_sim_checkpoint_t *ck = c ? &o->checkpoint[c - 1] : NULL;
        const char *cond = ck ? ck->name : "base";
        double pch[2] = {saydo_sim_change_prob(o, c, SIDE_WORD), saydo_sim_change_prob(o, c, SIDE_DEED)};
        unit = 0;
        for (int d = 0; d < o->n_domains; d++) {
            sim_acc_t *acc = sim_acc(t, m, c, d);
            for (int64_t i = 0; i < t->n_items_dom[d]; i++) {
                snprintf(item, sizeof item, "%s-%04lld", o->domain[d].prefix, (long long)(i + 1));
                /* WDCT option map for this run of the item: 1 identity, 0 A<->B */
                int flag = gsl_rng_uniform(r) < 0.5;
                for (int tr = 0; tr < T; tr++, unit++) {
                    int ans[2] = {L->aw[unit], L->ad[unit]};
                    const int32_t *qw = L->qw + unit * (size_t)k;
                    memcpy(canon[SIDE_WORD], qw, sizeof(int32_t) * (size_t)k);
                    memcpy(canon[SIDE_DEED], qw, sizeof(int32_t) * (size_t)k);
                    if (ans[1] != ans[0]) swap_q(canon[SIDE_DEED], ans[0], ans[1]);
                    for (int s = 0; s < 2; s++) {
                        double u = gsl_rng_uniform(r);   /* drawn for base too: streams stay aligned */
                        if (u < pch[s]) {
                            int y = other_option(r, k, ans[s]);
                            swap_q(canon[s], ans[s], y);
                            ans[s] = y;
                        }
                    }
                    int ok[2];
                    acc->n_pairs++;
                    for (int s = 0; s < 2; s++) {
                        double u = gsl_rng_uniform(r);
                        int status = u < o->refusal_rate ? 1 : u < o->refusal_rate + o->unparsed_rate ? 2 : 0;
                        int with_choice = gsl_rng_uniform(r) < o->choice_share;
                        int n_text = status == 1 ? N_OF(refusal_text) : status == 2 ? N_OF(unparsed_text)
                                                                                     : N_OF(answer_fmt);
                        int text_index = (int)gsl_rng_uniform_int(r, (unsigned long)n_text);
                        ok[s] = status == 0;
                        acc->n_refused += status == 1;
                        acc->n_unparsed += status == 2;
                        /* The deed side is written through the option map: written
                         * letter j shows word option map(j) (an involution). */
                        int swap = s == SIDE_DEED && !flag;
                        for (int j = 0; j < k; j++) written[j] = canon[s][swap ? flag_map(j) : j];
                        line_t l = {model, cond, item, o->domain[d].name, ck, s, tr, k, flag, status,
                                    swap ? flag_map(ans[s]) : ans[s], with_choice, text_index, written};
                        if (w->len + WBUF_LINE_MAX > w->cap) wb_flush(w);
                        write_line(w, &l);
                        if (c == 0) {
                            L->base_ok[unit * 2 + (size_t)s] = (uint8_t)ok[s];
                            L->base_ans[unit * 2 + (size_t)s] = (uint8_t)ans[s];
                        } else if (ok[s] && L->base_ok[unit * 2 + (size_t)s]) {
                            acc->n_compared[s]++;
                            acc->n_changed[s] += ans[s] != L->base_ans[unit * 2 + (size_t)s];
                        }
                    }
                    double pcs = pcs_pair(canon[SIDE_WORD], canon[SIDE_DEED], k);
                    acc->n_consistent_latent += ans[0] == ans[1];
                    acc->pcs_latent_sum += pcs;
                    if (ok[0] && ok[1]) {
                        acc->n_kept++;
                        acc->n_consistent += ans[0] == ans[1];
                        acc->pcs_sum += pcs;
                    }
                }
            }
        }
    }
}

saydo_status saydo_simulate_run(const saydo_sim_opts_t *o, FILE *out, saydo_sim_truth_t **truth)
{
    saydo_status st = SAYDO_OK;
    struct saydo_sim_truth *t = NULL;
    latent_t L = {0};
    wbuf_t w = {out, NULL, 0, WBUF_CAP, 0};
    gsl_rng *r = NULL;
    if (truth) *truth = NULL;
    SAYDO_TRY(saydo_sim_opts_check(o));
    SAYDO_NEW(t, 1);
    t->o = *o;
    t->n_cond = 1 + o->n_checkpoints;
    t->name_width = 2;
    for (int n = o->n_models; n >= 100; n /= 10) t->name_width++;
    saydo_sim_split_items(o, t->n_items_dom);
    size_t n_md = (size_t)o->n_models * (size_t)o->n_domains, n_mcd = n_md * (size_t)t->n_cond;
    size_t units = (size_t)o->n_items * (size_t)o->n_trials, units2 = units * 2;
    size_t units_k = units * (size_t)o->n_options;
    SAYDO_NEW(t->cs_param, n_md);
    SAYDO_NEW(t->acc, n_mcd);
    SAYDO_NEW(L.aw, units);
    SAYDO_NEW(L.ad, units);
    SAYDO_NEW(L.base_ok, units2);
    SAYDO_NEW(L.base_ans, units2);
    SAYDO_NEW(L.qw, units_k);
    SAYDO_NEW(w.buf, WBUF_CAP);
    r = gsl_rng_alloc(gsl_rng_mt19937);
    SAYDO_FAIL_IF(!r, SAYDO_E_NOMEM, "out of memory");
    for (int m = 0; m < o->n_models; m++) {
        simulate_model(o, t, m, r, &L, &w);
        SAYDO_FAIL_IF(w.failed, SAYDO_E_IO, "simulate: write error");
    }
    wb_flush(&w);
    SAYDO_FAIL_IF(w.failed || fflush(out) != 0 || ferror(out), SAYDO_E_IO, "simulate: write error");
    t->n_lines = (int64_t)units * o->n_models * t->n_cond * 2;
    if (truth) {
        *truth = t;
        t = NULL;
    }
cleanup:
    if (r) gsl_rng_free(r);
    free(w.buf);
    latent_free(&L);
    saydo_sim_truth_free(t);
    return st;
}

saydo_status saydo_simulate_write(const saydo_sim_opts_t *o, FILE *out, FILE *truth)
{
    saydo_status st = SAYDO_OK;
    saydo_sim_truth_t *t = NULL;
    SAYDO_TRY(saydo_simulate_run(o, out, truth ? &t : NULL));
    if (truth) SAYDO_TRY(saydo_sim_truth_write_json(t, truth));
cleanup:
    saydo_sim_truth_free(t);
    return st;
}
