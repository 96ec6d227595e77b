/* saydo/statedrevealed.h: stated vs revealed preferences (Gu, Wang, Han,
 * "Alignment Revisited: Are LLMs Consistent in Stated and Revealed
 * Preferences?", arXiv 2506.00751): the design, the authors' reply layout,
 * the measures, and a simulator writing that layout with planted truth.
 *
 * Design. A principle (category CP, EE, EF, MC, MD, RCP, RP and a number,
 * id "EF_1") has a stated side, its general question and the paraphrases of
 * it, and a revealed side, the contextualized prompts. The authors' files:
 *   prompts/<CAT>_<n>.json          {"base_prompt": Q, "<cat><n>-vr<k>": context, ...}
 *   base_prompt_question_list/<CAT>_<n>_base_prompt_questions.json  {"question_list": [paraphrases]}
 * A principle without a paraphrase list is asked its base prompt alone.
 *
 * Replies (format "statedrevealed"; one file a principle and model):
 *   stated:   <CAT>_<n>_base_prompt_questions_<model>.json = the paraphrase
 *             file plus "0": {"question": Q, "response": [text, ...]}, "1": ...
 *   revealed: <CAT>_<n>_<model>.json = the prompt file plus
 *             "<key>-response": [text, ...] for each context key.
 * Store mapping: item = the principle id, domain = its category, side
 * "stated" (variant "p<k>", paraphrase k) or "revealed" (variant = the
 * context key), trial = the position in the response list, choice = the
 * answer read by saydo_sr_extract() in the question's own form, n_options =
 * that form's options. Model: saydo_read_opts_t.model, else the file name.
 * The generic JSONL/CSV readers feed the same measures with these fields
 * (and logged option probabilities, used when present).
 *
 * Answer forms. A question listing option labels "A." / "A)" / "B." ...
 * (consecutive from A) is answered with letters, read by the WDCT rules of
 * saydo/extract.h over its letters; any other question is a yes/no question
 * (option 0 = Yes, 1 = No): the first whole word "yes" or "no" (any case)
 * decides, a refusal phrase first makes it refused.
 *
 * Option map. Per principle, the revealed option each stated option stands
 * for (a small file, saydo_sr_optmap_load()); identity by default. Stated
 * options without a counterpart are dropped (counted in n_dropped).
 *
 * Measures, per principle (model, condition), over records that answered:
 *   P   stated distribution: each record gives a one-hot vector of its choice
 *       (or its softmaxed log-probabilities when logged and opts.use_probs),
 *       mapped to revealed options; P is the mean over stated records
 *   Q   revealed distribution, the mean over revealed records; Q_c per context
 *   kl_sr = KL(P || Q), kl_rs = KL(Q || P), jsd = JSD(P, Q) in log base
 *       opts.base with additive smoothing opts.eps (saydo_kl(); eps = 0 and a
 *       zero where the other side is positive give +inf, printed as inf)
 *   pivot_rate = share of contexts whose preferred option (argmax Q_c)
 *       differs from the stated one (argmax P); contexts with a tie at the
 *       top are left out, and with a tie in P the rate is NaN
 * Category and model rows are unweighted means over their principles.
 * Intervals resample paraphrases (stated) and contexts (revealed) as
 * clusters, independently, through saydo_boot_run(); replicate r of every
 * figure is computed from resample r of both sides (percentile intervals;
 * basic when opts.boot.methods is SAYDO_BOOT_BASIC alone; there is no BCa
 * for these, so BCa asks give percentile);
 * the pivot rate's interval resamples contexts with the stated preference
 * fixed at its estimate; a category's replicate is the mean of its
 * principles' replicates.
 *
 * Ownership: objects from *_load() / *_create() are freed by the matching
 * *_free() (NULL is a no-op); tables by saydo_table_free().
 */
#ifndef SAYDO_STATEDREVEALED_H
#define SAYDO_STATEDREVEALED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "saydo/boot.h"
#include "saydo/record.h"
#include "saydo/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- questions and answers ------------------------------------------------ */

typedef enum saydo_sr_form {
    SAYDO_SR_LETTERS = 0,   /* "A. ... B. ..." */
    SAYDO_SR_YESNO = 1,     /* option 0 = Yes, 1 = No */
} saydo_sr_form;

/** The answer form of a question and its number of options (yes/no: 2).
 *  @param n_options  out: 2..26 */
saydo_sr_form saydo_sr_question_form(const char *text, size_t len, int *n_options);

/** Reads the answer to a question of the given form.
 *  @return the option index, or SAYDO_CHOICE_MISSING (NULL or blank text),
 *          SAYDO_CHOICE_REFUSED, SAYDO_CHOICE_UNPARSED */
int saydo_sr_extract(const char *text, size_t len, saydo_sr_form form, int n_options);

/* ---- the design ----------------------------------------------------------- */

typedef struct saydo_sr_question {
    char *key;              /* "base_prompt", paraphrase "0".., or the context key "ef1-vr1" */
    char *text;
    saydo_sr_form form;
    int n_options;
} saydo_sr_question_t;

typedef struct saydo_sr_principle {
    char id[32];            /* "EF_1" */
    char category[16];      /* "EF" */
    int number;
    saydo_sr_question_t base;
    size_t n_paraphrases;   /* >= 1 */
    saydo_sr_question_t *paraphrase;
    int base_only;          /* 1: no paraphrase list; paraphrase[0] is the base prompt */
    size_t n_contexts;
    saydo_sr_question_t *context;
} saydo_sr_principle_t;

typedef struct saydo_sr_design {
    size_t n;               /* principles, sorted by category then number */
    saydo_sr_principle_t *p;
} saydo_sr_design_t;

/**
 * Reads a design from the authors' prompt files under dir
 * (dir/prompts/CAT_n.json and dir/base_prompt_question_list/CAT_n_base_prompt_questions.json).
 * @param out  receives the design; free it with saydo_sr_design_free()
 * @return SAYDO_OK; SAYDO_E_IO (no prompts folder); SAYDO_E_PARSE (a file
 *         that is not the authors' layout, with its name); SAYDO_E_NOMEM
 */
saydo_status saydo_sr_design_load(const char *dir, saydo_sr_design_t **out) SAYDO_MUST_CHECK;
void saydo_sr_design_free(saydo_sr_design_t *d);

/** Splits "EF_1", "EF_1_base_prompt_questions_gpt-4o.json" or "EF_1_gpt-4o.json"
 *  into category, number and what follows the principle ("" or the rest
 *  without its extension). @return 1 when the name starts with CAT_n. */
int saydo_sr_parse_name(const char *base, char *category, size_t cat_cap, int *number, const char **rest);

/* ---- option maps ---------------------------------------------------------- */

typedef struct saydo_sr_optmap {
    size_t n;
    struct saydo_sr_optmap_entry {
        char principle[32];
        int n_map;                        /* stated options listed */
        int8_t map[SAYDO_MAX_OPTIONS];    /* revealed option, -1 = no counterpart */
    } *e;
} saydo_sr_optmap_t;

/**
 * Reads an option map: one line a principle, `PRINCIPLE MAP` (or `=` / `:`
 * between), MAP the revealed option of each stated option in order, as
 * letters or 0-based numbers separated by commas or spaces, `-` for none:
 *     EF_5  B,A       # stated Yes (option 0) is revealed B, No is A
 *     RP_1  A,B,B
 * `#` starts a comment. Principles not listed use the identity.
 * @param out  free with saydo_sr_optmap_free()
 * @return SAYDO_E_PARSE with file:line on a malformed line
 */
saydo_status saydo_sr_optmap_load(const char *path, saydo_sr_optmap_t **out) SAYDO_MUST_CHECK;
void saydo_sr_optmap_free(saydo_sr_optmap_t *m);
/** The entry of a principle, or NULL. */
const struct saydo_sr_optmap_entry *saydo_sr_optmap_find(const saydo_sr_optmap_t *m, const char *principle);

/* ---- measures ------------------------------------------------------------- */

typedef struct saydo_sr_opts {
    const char *stated_side;     /* default "stated" */
    const char *revealed_side;   /* default "revealed" */
    double eps;                  /* additive smoothing, default SAYDO_KL_EPS_DEFAULT; 0 = plain KL */
    double base;                 /* log base, 2 (default) or SAYDO_BASE_E */
    int use_probs;               /* 1 (default): logged probabilities where present; 0: choices only */
    const saydo_sr_optmap_t *map;/* NULL: identity (or the records' own option maps) */
    int per_context;             /* also one row per (principle, context) */
    int ci;                      /* add _lo/_hi columns */
    saydo_boot_opts_t boot;
} saydo_sr_opts_t;

void saydo_sr_opts_default(saydo_sr_opts_t *o);

/**
 * The stated-vs-revealed table. Rows per (model, condition): one per
 * principle (level "principle"), one per category ("category"), one overall
 * ("all"); with per_context also one per context ("context", kl against
 * that context's Q_c and pivot 0/1). Columns: model, condition, level,
 * category, principle, context, n_paraphrases, n_contexts, n_stated,
 * n_revealed, n_dropped, n_options, stated_A.., revealed_A.. (the distributions, up
 * to the largest k), kl_sr, kl_rs, jsd, pivot_rate, n_pivot (contexts
 * counted), and with ci kl_sr_lo, kl_sr_hi, kl_rs_lo, kl_rs_hi, jsd_lo,
 * jsd_hi, pivot_rate_lo, pivot_rate_hi, ci_level, n_resamples; then eps and
 * base. Principle row k seeds its resamples with seed + 2k (stated) and
 * seed + 2k + 1 (revealed).
 * @return SAYDO_OK; SAYDO_E_INVAL when the store has neither side;
 *         SAYDO_E_NOMEM
 */
saydo_status saydo_sr_table(const saydo_data_t *d, const saydo_sr_opts_t *o, saydo_table_t **out) SAYDO_MUST_CHECK;

/* ---- simulation ----------------------------------------------------------- */

typedef struct saydo_sr_sim_opts {
    uint64_t seed;           /* default 1 */
    int n_models;            /* default 2, named m01.. */
    int n_samples;           /* responses per paraphrase and per context (default 20) */
    double alpha;            /* Dirichlet concentration of the planted distributions (default 1) */
    double floor;            /* each planted distribution is (1 - floor) Dirichlet + floor uniform (default 0.2) */
    double refusal_rate;     /* share of refused responses (default 0) */
} saydo_sr_sim_opts_t;

void saydo_sr_sim_opts_default(saydo_sr_sim_opts_t *o);

/**
 * Writes responses in the authors' layout for every principle of the design
 * and model: outdir/base_prompt_question_list_reply/<model>/<P>_base_prompt_questions_<model>.json
 * and outdir/vr_result/<P>_<model>.json (directories created). Planted per
 * (model, principle): a stated distribution over the stated options (the
 * largest option count of the paraphrases) and one distribution per context
 * over its options; responses are drawn from them (a paraphrase with fewer
 * options than the stated side gets the extra mass on its last option).
 * The truth JSON (if truth is not NULL) lists per model and principle the
 * planted P (mapped by identity to the revealed options), the planted Q
 * (mean of the contexts'), kl_sr and kl_rs (base 2 and e, eps 0), jsd
 * (base 2), the planted pivot rate, and the realised counts.
 * @return SAYDO_OK, SAYDO_E_INVAL (bad options), SAYDO_E_IO, SAYDO_E_NOMEM
 */
saydo_status saydo_sr_simulate(const saydo_sr_design_t *design, const saydo_sr_sim_opts_t *o, const char *outdir,
                               FILE *truth) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
