/* Internal to src/core/table*.c: the metric registry shared by the spec
 * check, the computation and the layout. */
#ifndef SAYDO_TABLE_INTERNAL_H
#define SAYDO_TABLE_INTERNAL_H
#include <stddef.h>
#include "saydo/table.h"

typedef enum {
    TSRC_SCORE = 0,        /* saydo_score_table() and the per-pair arrays */
    TSRC_COMPARE,          /* saydo compare (checkpoint against base) */
    TSRC_VALUEACTION,      /* ValueActionLens: stated ratings against chosen actions */
    TSRC_STATEDREVEALED,   /* stated-vs-revealed distributions per principle */
} tsrc_t;

typedef enum {
    TKIND_PROP = 0,   /* a share of kept pairs (cs) */
    TKIND_MEAN,       /* a mean of a per-pair figure over kept pairs */
    TKIND_COUNT,      /* a count: no interval, no test, no bold */
    TKIND_OTHER,      /* from another analysis */
} tkind_t;

typedef struct {
    const char *name;        /* as the spec names it */
    const char *col;         /* its column in the source's table */
    const char *text;        /* column heading in Markdown/CSV/JSON */
    const char *latex;       /* column heading in LaTeX */
    const char *what;        /* the footnote's definition */
    tsrc_t source;
    tkind_t kind;
    int better;              /* +1 higher is better, -1 lower, 0 neither (bold = auto) */
    unsigned flag;           /* SAYDO_M_* that computes it */
    size_t offset;           /* per-pair array in saydo_pairs_t (TKIND_MEAN) */
    const char *pcol;        /* the source's p column for the stars, or NULL */
} tmetric_t;

/** The registry entry of name, or NULL for a name saydo does not know. */
const tmetric_t *saydo_tmetric_find(const char *name);
/** The registered metrics in order, terminated by a NULL name. */
const tmetric_t *saydo_tmetric_all(void);
/** SAYDO_OK when saydo computes name; otherwise SAYDO_E_INVAL whose message
 *  names the metric and lists the known ones. */
saydo_status saydo_tmetric_available(const char *name) SAYDO_MUST_CHECK;

/** The one source of the spec's cells (checked by saydo_tspec_check()). */
tsrc_t saydo_tspec_source(const saydo_tspec_t *s);

/** saydo_table_compute() for compare, ValueActionLens and stated-vs-revealed
 *  cells (table_study.c). */
saydo_status saydo_table_study(const saydo_data_t *d, const saydo_pairs_t *p, const saydo_tspec_t *s,
                               saydo_table_t **out) SAYDO_MUST_CHECK;

/** Display names of the spec's enums (footnote, JSON). */
const char *saydo_tci_name(saydo_tci ci);
const char *saydo_ttest_name(saydo_ttest t);
const char *saydo_tadjust_name(saydo_tadjust a);

/** Fields whose records exist under every value, so that pairs can be
 *  matched across them for a paired test (model, condition, variant). */
int saydo_tfield_pairable(const char *field);

/** The "(all)" marker score uses in the fields a margin pools over. */
#define SAYDO_TALL "(all)"
#endif
