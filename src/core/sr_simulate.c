/* saydo simulate --study stated-revealed: responses in the authors' reply
 * layout for any design, with planted stated and revealed distributions
 * (saydo/statedrevealed.h). No response files were published, so this is
 * how the measures are checked on the real design: plant, write, ingest,
 * score, and compare with the truth. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "saydo/kernels.h"
#include "saydo/statedrevealed.h"
#include "util/try.h"

/* a product for SAYDO_NEW (whose `n ? n : 1` warns on a bare `a * b`) */
static size_t nmul(size_t a, size_t b) { return a * b; }

void saydo_sr_sim_opts_default(saydo_sr_sim_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->n_models = 2;
    o->n_samples = 20;
    o->alpha = 1.0;
    o->floor = 0.2;
}

static saydo_status mkdir_p(const char *path)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf) return saydo_set_error(SAYDO_E_INVAL, "%s: path too long", path);
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return saydo_set_error(SAYDO_E_IO, "%s: cannot create: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return saydo_set_error(SAYDO_E_IO, "%s: cannot create: %s", buf, strerror(errno));
    return SAYDO_OK;
}

/* A JSON string (UTF-8 passed through, control characters escaped). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* A number as JSON, or the string "inf" (JSON has no infinity). */
static void json_num(FILE *f, double x)
{
    if (isinf(x)) fputs(x > 0 ? "\"inf\"" : "\"-inf\"", f);
    else if (isnan(x)) fputs("null", f);
    else fprintf(f, "%.17g", x);
}

static void json_vec(FILE *f, const double *x, int k)
{
    fputc('[', f);
    for (int j = 0; j < k; j++) {
        if (j) fputs(", ", f);
        json_num(f, x[j]);
    }
    fputc(']', f);
}

/* (1 - floor) Dirichlet(alpha) + floor / k: planted distributions stay away
 * from 0, so a few dozen samples estimate their KL without zero cells. */
static void plant(gsl_rng *rng, int k, double alpha, double floor_, double *p)
{
    double a[SAYDO_MAX_OPTIONS];
    for (int j = 0; j < SAYDO_MAX_OPTIONS; j++) a[j] = alpha;
    gsl_ran_dirichlet(rng, (size_t)k, a, p);
    for (int j = 0; j < k; j++) p[j] = (1 - floor_) * p[j] + floor_ / k;
}

static int draw(gsl_rng *rng, const double *p, int k)
{
    double u = gsl_rng_uniform(rng), c = 0;
    for (int j = 0; j < k - 1; j++) {
        c += p[j];
        if (u < c) return j;
    }
    return k - 1;
}

/* A response text that the answer extraction of the question's form reads as option o. */
static void answer_text(gsl_rng *rng, saydo_sr_form form, int o, char *buf, size_t cap)
{
    unsigned long v = gsl_rng_uniform_int(rng, 4);
    if (form == SAYDO_SR_YESNO) {
        static const char *yes[] = {"Yes", "Yes.", "yes", "Yes, I think so."};
        static const char *no[] = {"No", "No.", "no", "No, I do not think so."};
        snprintf(buf, cap, "%s", o ? no[v] : yes[v]);
        return;
    }
    char L = (char)('A' + o);
    switch (v) {
    case 0: snprintf(buf, cap, "%c", L); break;
    case 1: snprintf(buf, cap, "%c.", L); break;
    case 2: snprintf(buf, cap, "%c)", L); break;
    default: snprintf(buf, cap, "Answer: %c", L); break;
    }
}

static const char REFUSAL[] = "I'm sorry, but I cannot answer that.";

/* argmax with ties -> -1 */
static int top(const double *p, int k)
{
    int b = 0, tie = 0;
    for (int j = 1; j < k; j++) {
        if (p[j] > p[b]) b = j, tie = 0;
        else if (p[j] == p[b]) tie = 1;
    }
    return tie ? -1 : b;
}

saydo_status saydo_sr_simulate(const saydo_sr_design_t *design, const saydo_sr_sim_opts_t *o, const char *outdir,
                               FILE *truth)
{
    saydo_status st = SAYDO_OK;
    gsl_rng *rng = NULL;
    FILE *f = NULL;
    char *path = NULL;
    double *qc = NULL;
    SAYDO_FAIL_IF(!design || design->n == 0, SAYDO_E_INVAL, "an empty design");
    SAYDO_FAIL_IF(o->n_models < 1 || o->n_models > 999 || o->n_samples < 1 || o->n_samples > 100000,
                  SAYDO_E_INVAL, "models must be 1..999 and samples 1..100000");
    SAYDO_FAIL_IF(!(o->alpha > 0) || !(o->floor >= 0 && o->floor < 1) || !(o->refusal_rate >= 0 && o->refusal_rate < 1),
                  SAYDO_E_INVAL, "alpha must be > 0, floor and refusal rate in [0, 1)");
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    SAYDO_FAIL_IF(!rng, SAYDO_E_NOMEM, "out of memory");
    gsl_rng_set(rng, (unsigned long)o->seed);
    size_t pcap = strlen(outdir) + 512;
    SAYDO_NEW(path, pcap);
    size_t max_ctx = 1;
    for (size_t i = 0; i < design->n; i++)
        if (design->p[i].n_contexts > max_ctx) max_ctx = design->p[i].n_contexts;
    SAYDO_NEW(qc, nmul(max_ctx, SAYDO_MAX_OPTIONS));
    snprintf(path, pcap, "%s/vr_result", outdir);
    SAYDO_TRY(mkdir_p(path));
    if (truth) {
        fprintf(truth, "{\"generator\": \"saydo simulate --study stated-revealed\", \"seed\": %llu,\n"
                       " \"options\": {\"n_models\": %d, \"n_samples\": %d, \"alpha\": %.17g, \"floor\": %.17g, "
                       "\"refusal_rate\": %.17g},\n \"principles\": [",
                (unsigned long long)o->seed, o->n_models, o->n_samples, o->alpha, o->floor, o->refusal_rate);
    }
    int first_truth = 1;
    for (int m = 0; m < o->n_models; m++) {
        char model[16];
        snprintf(model, sizeof model, "m%02d", m + 1);
        snprintf(path, pcap, "%s/base_prompt_question_list_reply/%s", outdir, model);
        SAYDO_TRY(mkdir_p(path));
        for (size_t i = 0; i < design->n; i++) {
            const saydo_sr_principle_t *p = &design->p[i];
            /* planted distributions */
            int ks = 2, k = 2;
            for (size_t q = 0; q < p->n_paraphrases; q++)
                if (p->paraphrase[q].n_options > ks) ks = p->paraphrase[q].n_options;
            for (size_t c = 0; c < p->n_contexts; c++)
                if (p->context[c].n_options > k) k = p->context[c].n_options;
            double ps[SAYDO_MAX_OPTIONS], P[SAYDO_MAX_OPTIONS] = {0}, Q[SAYDO_MAX_OPTIONS] = {0};
            plant(rng, ks, o->alpha, o->floor, ps);
            for (size_t c = 0; c < p->n_contexts; c++) {
                double *q = qc + c * SAYDO_MAX_OPTIONS;
                memset(q, 0, SAYDO_MAX_OPTIONS * sizeof *q);
                plant(rng, p->context[c].n_options, o->alpha, o->floor, q);
                for (int j = 0; j < k; j++) Q[j] += q[j] / (double)p->n_contexts;
            }
            int64_t n_st = 0, n_rv = 0, n_ref = 0;

            /* stated: the paraphrase file plus "0": {"question", "response"}, ... */
            snprintf(path, pcap, "%s/base_prompt_question_list_reply/%s/%s_base_prompt_questions_%s.json", outdir,
                     model, p->id, model);
            f = fopen(path, "w");
            SAYDO_FAIL_IF(!f, SAYDO_E_IO, "%s: cannot write: %s", path, strerror(errno));
            fputs("{\n  \"question_list\": [", f);
            for (size_t q = 0; q < p->n_paraphrases; q++) {
                fputs(q ? ",\n    " : "\n    ", f);
                json_str(f, p->paraphrase[q].text);
            }
            fputs("\n  ]", f);
            for (size_t q = 0; q < p->n_paraphrases; q++) {
                const saydo_sr_question_t *pq = &p->paraphrase[q];
                /* a paraphrase offering fewer options answers the extra mass with its last one */
                double pp[SAYDO_MAX_OPTIONS] = {0};
                for (int j = 0; j < ks; j++) pp[j < pq->n_options ? j : pq->n_options - 1] += ps[j];
                double mapped = 0;
                for (int j = 0; j < pq->n_options && j < k; j++) mapped += pp[j];
                for (int j = 0; j < pq->n_options && j < k; j++) P[j] += pp[j] / mapped / (double)p->n_paraphrases;
                fprintf(f, ",\n  \"%zu\": {\"question\": ", q);
                json_str(f, pq->text);
                fputs(", \"response\": [", f);
                for (int s = 0; s < o->n_samples; s++) {
                    char txt[64];
                    if (gsl_rng_uniform(rng) < o->refusal_rate) snprintf(txt, sizeof txt, "%s", REFUSAL), n_ref++;
                    else answer_text(rng, pq->form, draw(rng, pp, pq->n_options), txt, sizeof txt), n_st++;
                    if (s) fputs(", ", f);
                    json_str(f, txt);
                }
                fputs("]}", f);
            }
            fputs("\n}\n", f);
            SAYDO_FAIL_IF(ferror(f) || fclose(f) != 0, SAYDO_E_IO, "%s: write error", path);
            f = NULL;

            /* revealed: the prompt file plus "<key>-response": [...] */
            snprintf(path, pcap, "%s/vr_result/%s_%s.json", outdir, p->id, model);
            f = fopen(path, "w");
            SAYDO_FAIL_IF(!f, SAYDO_E_IO, "%s: cannot write: %s", path, strerror(errno));
            fputs("{\n  \"base_prompt\": ", f);
            json_str(f, p->base.text);
            for (size_t c = 0; c < p->n_contexts; c++) {
                fputs(",\n  ", f);
                json_str(f, p->context[c].key);
                fputs(": ", f);
                json_str(f, p->context[c].text);
            }
            for (size_t c = 0; c < p->n_contexts; c++) {
                const saydo_sr_question_t *cq = &p->context[c];
                fprintf(f, ",\n  \"%s-response\": [", cq->key);
                for (int s = 0; s < o->n_samples; s++) {
                    char txt[64];
                    if (gsl_rng_uniform(rng) < o->refusal_rate) snprintf(txt, sizeof txt, "%s", REFUSAL), n_ref++;
                    else answer_text(rng, cq->form, draw(rng, qc + c * SAYDO_MAX_OPTIONS, cq->n_options), txt,
                                     sizeof txt), n_rv++;
                    if (s) fputs(", ", f);
                    json_str(f, txt);
                }
                fputc(']', f);
            }
            fputs("\n}\n", f);
            SAYDO_FAIL_IF(ferror(f) || fclose(f) != 0, SAYDO_E_IO, "%s: write error", path);
            f = NULL;

            if (!truth) continue;
            int pref = top(P, k), piv = 0, n_piv = 0;
            for (size_t c = 0; c < p->n_contexts; c++) {
                int b = top(qc + c * SAYDO_MAX_OPTIONS, k);
                if (b < 0) continue;
                n_piv++;
                piv += b != pref;
            }
            fprintf(truth, "%s\n  {\"model\": \"%s\", \"principle\": \"%s\", \"category\": \"%s\", \"k\": %d, "
                           "\"n_paraphrases\": %zu, \"n_contexts\": %zu,\n   \"stated\": ",
                    first_truth ? "" : ",", model, p->id, p->category, k, p->n_paraphrases, p->n_contexts);
            first_truth = 0;
            json_vec(truth, P, k);
            fputs(", \"revealed\": ", truth);
            json_vec(truth, Q, k);
            fputs(",\n   \"contexts\": [", truth);
            for (size_t c = 0; c < p->n_contexts; c++) {
                fprintf(truth, "%s{\"key\": ", c ? ", " : "");
                json_str(truth, p->context[c].key);
                fputs(", \"planted\": ", truth);
                json_vec(truth, qc + c * SAYDO_MAX_OPTIONS, k);
                fputc('}', truth);
            }
            fputs("],\n   \"kl_sr_2\": ", truth);
            json_num(truth, saydo_kl(P, Q, (size_t)k, 0, 2.0));
            fputs(", \"kl_rs_2\": ", truth);
            json_num(truth, saydo_kl(Q, P, (size_t)k, 0, 2.0));
            fputs(", \"kl_sr_e\": ", truth);
            json_num(truth, saydo_kl(P, Q, (size_t)k, 0, SAYDO_BASE_E));
            fputs(", \"kl_rs_e\": ", truth);
            json_num(truth, saydo_kl(Q, P, (size_t)k, 0, SAYDO_BASE_E));
            fputs(", \"jsd_2\": ", truth);
            json_num(truth, saydo_jsd(P, Q, (size_t)k, 2.0));
            fputs(", \"pivot_rate\": ", truth);
            json_num(truth, pref >= 0 && n_piv ? (double)piv / n_piv : NAN);
            fprintf(truth, ",\n   \"n_stated\": %lld, \"n_revealed\": %lld, \"n_refused\": %lld}", (long long)n_st,
                    (long long)n_rv, (long long)n_ref);
        }
    }
    if (truth) {
        fputs("\n ]\n}\n", truth);
        SAYDO_FAIL_IF(ferror(truth), SAYDO_E_IO, "writing the truth failed");
    }
cleanup:
    if (f) fclose(f);
    gsl_rng_free(rng);
    free(path);
    free(qc);
    return st;
}
