/* Internal: what the harness readers (lm-eval, inspect, batch, HELM) share.
 *
 * A harness knows tasks, documents and samples, not words and deeds. Each
 * reader fills a record with its format's defaults (task name -> side,
 * document or sample id -> item, epoch -> trial), then saydo_hx_finish()
 * applies the --map file on top: a field named there is read from a path
 * into the sample ("doc.pair_id"), from a virtual name ("task", "file",
 * "filter"), or is a quoted literal ("\"word\""); side values are renamed
 * (`side.wdct_word = word`); labels come from paths.
 *
 * Ownership: saydo_hx_init() / saydo_hx_free(); strings handed to records
 * live in the hx scratch slots, the mapping or the JSON tree, and stay valid
 * until the next record. */
#ifndef SAYDO_IO_HARNESS_H
#define SAYDO_IO_HARNESS_H

#include "io/jsontree.h"
#include "io/reader_impl.h"

enum { SAYDO_HX_SLOT = 512, SAYDO_HX_MAX_VIRT = 8 };

typedef struct saydo_hx {
    struct saydo_reader *r;
    const char *const *user[SAYDO_F_COUNT];   /* names the mapping gave per field; NULL = defaults */
    int n_default_labels;                     /* labels before this index are saydo's defaults */
    int n_answers;                            /* `options = Yes|No`: answers read as option texts */
    const char *answer[SAYDO_MAX_OPTIONS];
    char *answers_buf;
    int n_virt;
    const char *virt_name[SAYDO_HX_MAX_VIRT], *virt_val[SAYDO_HX_MAX_VIRT];
    /* a second document paths can reach with a prefix (batch: "request." for the matched request line) */
    const char *alt_prefix;
    saydo_jt *alt_jt;
    saydo_jt_node *alt_root;
    char stem[256];                           /* the file's name without directory and extension */
    int said_letters;                         /* logged the answer-extraction default once */
    /* per-record scratch for strings that are not in the tree */
    char s_model[SAYDO_HX_SLOT], s_cond[SAYDO_HX_SLOT], s_item[SAYDO_HX_SLOT], s_side[SAYDO_HX_SLOT];
    char s_variant[SAYDO_HX_SLOT], s_domain[SAYDO_HX_SLOT], s_method[SAYDO_HX_SLOT], s_tside[SAYDO_HX_SLOT];
    char s_num[SAYDO_HX_SLOT], s_label[SAYDO_MAX_LABELS][SAYDO_HX_SLOT];
} saydo_hx_t;

saydo_status saydo_hx_init(saydo_hx_t *hx, struct saydo_reader *r) SAYDO_MUST_CHECK;
void saydo_hx_free(saydo_hx_t *hx);

/** Makes `name` usable in mapping paths for this reader (value borrowed). */
void saydo_hx_set_virtual(saydo_hx_t *hx, const char *name, const char *value);

/** Field f as the mapping names it.
 *  @return 1 with *out set (a literal, a virtual value, or a scalar of root
 *          as text, in buf); 0 when the mapping names f but nothing matched;
 *          -1 when the mapping keeps saydo's default for f */
int saydo_hx_field(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_field f, char *buf, size_t cap,
                   const char **out);

/** Letters answer extraction reads: --letters, else n_options when known,
 *  else 4 (A-D), said once in the log. */
int saydo_hx_letters(saydo_hx_t *hx, int n_options);

/** The chosen option in a text answer: the `options` list when the mapping
 *  gives one (a whole answer equal to an option text, ignoring case and
 *  surrounding space and punctuation), else saydo_extract_answer() over
 *  saydo_hx_letters(n_options) letters. NULL text -> MISSING. */
int saydo_hx_answer(saydo_hx_t *hx, const char *text, size_t len, int n_options);

/** Option index of a token that is a single option letter once surrounding
 *  space and the punctuation ( ) . : * are stripped ("A", " B", "(C"), else -1.
 *  nopt bounds the letter (0 = any of A-Z). */
int saydo_hx_token_letter(const char *tok, size_t n, int nopt);

/** Option log-probabilities from OpenAI-style token logprobs (a `content`
 *  array of {token, logprob, top_logprobs[{token, logprob}]}): the first
 *  token that is an option letter is the answer token; each option's value
 *  is the log of the summed probability of the top_logprobs entries that
 *  spell its letter (" A" and "A" both count); options absent from
 *  top_logprobs get -inf (their mass is below the listed tokens'), and
 *  -9999.0 (OpenAI's "very unlikely") counts as -inf.
 *  @return options filled (nopt), or 0 when no answer token or no top_logprobs */
int saydo_hx_content_logp(saydo_jt *jt, saydo_jt_node *content, int nopt, double *logp);

/** Same over a map {token: logprob} (legacy completions' top_logprobs). */
int saydo_hx_map_logp(saydo_jt *jt, saydo_jt_node *top, int nopt, double *logp);

/** Applies the mapping over the format's defaults, fills model/condition
 *  from the options, renames the side, checks the record.
 *  @param doc the sample's document (lm-eval doc, inspect metadata) where
 *             the default labels (culture, country, topic, value) are looked
 *             for; may be NULL
 *  @return NULL, or why the record is bad */
const char *saydo_hx_finish(saydo_hx_t *hx, saydo_jt *jt, saydo_jt_node *root, saydo_jt_node *doc,
                            saydo_record_t *rec);

/** The file name of path without directory and (last) extension. */
void saydo_hx_stem(const char *path, char *out, size_t cap);
/** The directory part of path ("." when none), into out. */
void saydo_hx_dir(const char *path, char *out, size_t cap);

#endif
