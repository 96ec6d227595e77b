/* saydo/record.h: one response as the readers yield it.
 *
 * A response record: model, condition, item, side, trial, prompt variant,
 * the parsed choice (option index, or a status), optional per-option
 * log-probabilities, optional raw text, and the item's labels and option map.
 * Strings are borrowed from the reader and stay valid until its next read.
 */
#ifndef SAYDO_RECORD_H
#define SAYDO_RECORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Options are letters A..Z at most. */
#define SAYDO_MAX_OPTIONS 26
/** The largest alignment round the readers accept (a round sizes its grouping). */
#define SAYDO_MAX_ROUND 1000000
/** Item labels beyond the domain (culture, topic, value, category, filter ...). */
#define SAYDO_MAX_LABELS 8

/** Choice codes below 0 say why there is no option index. */
enum saydo_choice_status {
    SAYDO_CHOICE_MISSING = -1,   /* no answer recorded (empty cell, null) */
    SAYDO_CHOICE_REFUSED = -2,   /* the model declined ("I'm sorry ...") */
    SAYDO_CHOICE_UNPARSED = -3,  /* an answer, but no option could be read from it */
};

/** "A".."Z" -> 0..25; -1 otherwise. */
static inline int saydo_letter_index(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    return -1;
}

typedef struct saydo_record {
    const char *model;
    const char *condition;
    const char *item;
    const char *side;
    const char *variant;      /* prompt variant; "" when the source has none */
    int32_t trial;            /* repeat index, 0-based */
    int choice;               /* 0..n_options-1 or enum saydo_choice_status */
    int n_options;            /* options the item offers; 0 = unknown */
    int n_logp;               /* values in logp; 0 = none logged */
    double logp[SAYDO_MAX_OPTIONS]; /* log-probabilities or logits (softmax gives p) */
    const char *text;         /* raw response, may be NULL */
    size_t text_len;

    /* item-level facts; NULL / 0 when the source does not say */
    const char *domain;
    int n_labels;
    const char *label_name[SAYDO_MAX_LABELS];
    const char *label_value[SAYDO_MAX_LABELS];
    /* How options line up between the two sides for this presentation of the
     * item (a run may shuffle options, so this is per record, not per item):
     * option_map[i] = index on the second side of the option that matches
     * option i of the first side (WDCT consistency 1: identity; 0: A<->B). */
    int has_option_map;
    int8_t option_map[SAYDO_MAX_OPTIONS];

    /* condition-level facts (alignment checkpoints); NULL / -1 when unknown */
    const char *method;       /* "sft", "dpo", ... */
    int round;                /* alignment round, -1 unknown */
    const char *trained_side; /* the side the checkpoint was trained on */

    int64_t line;             /* 1-based line (or row) in the source, for errors */
} saydo_record_t;

/** Clears rec to "nothing known" (strings NULL, choice MISSING). */
void saydo_record_clear(saydo_record_t *rec);

/** Sets the WDCT option map: flag 1 identity, 0 swaps A and B (the authors'
 *  shuffle swaps those two options on one side); n_options is kept for the API. */
void saydo_record_set_flag_map(saydo_record_t *rec, int consistency_flag, int n_options);

#ifdef __cplusplus
}
#endif
#endif
