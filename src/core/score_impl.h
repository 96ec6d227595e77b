/* Internal to src/core (pair.c, group.c, score.c): the pieces that
 * saydo_score_table_direct() shares with saydo_pairs_build() and
 * saydo_groups_build(), so both paths pair, judge, compute and group with the
 * same code and give the same bits. */
#ifndef SAYDO_SCORE_IMPL_H
#define SAYDO_SCORE_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include "saydo/score.h"

/* ---- group.c: group codes ------------------------------------------------ */

typedef enum { G_MODEL, G_CONDITION, G_DOMAIN, G_VARIANT, G_METHOD, G_ROUND, G_TRAINED, G_ITEM, G_LABEL } gkind;

typedef struct {
    gkind kind;
    int label;
    size_t radix;   /* values + 1 (for "none") */
} gfield_t;

/* A --by list as a mixed-radix code over the fields' values (0 = none). */
typedef struct {
    int n_fields;
    gfield_t *f;
    char **names;   /* the field names, copied */
    double span;    /* number of codes */
    int small;      /* span fits a direct table of int32 codes (see saydo_groups_build) */
} gplan_t;

/* Checks the field names and sizes the code space. Free with gplan_free(). */
saydo_status gplan_build(const saydo_data_t *d, const char *const *fields, int n_fields, gplan_t *gp) SAYDO_MUST_CHECK;
void gplan_free(gplan_t *gp);

/* The field's value for record r as a code in [0, radix): 0 = none. */
static inline size_t gfield_code(const saydo_data_t *d, const gfield_t *f, int64_t r)
{
    int32_t it = d->item[r], c = d->condition[r];
    switch (f->kind) {
    case G_MODEL: return (size_t)d->model[r] + 1;
    case G_CONDITION: return (size_t)c + 1;
    case G_DOMAIN: return (size_t)(d->item_domain[it] + 1);
    case G_VARIANT: return (size_t)d->variant[r] + 1;
    case G_METHOD: return (size_t)(d->cond_method[c] + 1);
    case G_ROUND: return d->cond_round[c] < 0 ? 0 : (size_t)d->cond_round[c] + 1;   /* 0: unknown */
    case G_TRAINED: return (size_t)(d->cond_trained_side[c] + 1);
    case G_ITEM: return (size_t)it + 1;
    case G_LABEL: return (size_t)(d->item_label[f->label][it] + 1);
    }
    return 0;
}

/* The group code of a pair whose side-1 record is r. */
static inline uint64_t gplan_code(const gplan_t *gp, const saydo_data_t *d, int64_t r)
{
    uint64_t c = 0;
    for (int f = 0; f < gp->n_fields; f++) c = c * gp->f[f].radix + gfield_code(d, &gp->f[f], r);
    return c;
}

/* Groups ng codes (ascending) as saydo_groups_build() names them; gid is NULL. */
saydo_status groups_from_codes(const saydo_data_t *d, const gplan_t *gp, const uint64_t *codes, size_t ng,
                               saydo_groups_t **out) SAYDO_MUST_CHECK;

/* ---- pair.c: pairs block by block --------------------------------------- */

/* Most pairs pair_scan() hands over at once. */
enum { PAIR_SCAN_MAX = 4096 };

/* Called in record order with each block's pairs: blk->n pairs with r1, r2,
 * kept, match, c1, c2, n_trials, pcs and (unless o->skip_jsd) jsd, exactly
 * as saydo_pairs_build() gives them, valid for the call only; aux holds
 * what pair_prep_fn wrote for the block (PAIR_SCAN_MAX values). */
typedef void (*pair_sink_fn)(void *ctx, const saydo_pairs_t *blk, const uint32_t *aux);
/* Called for each block in parallel, on the thread that paired it, before
 * the block goes to the sink: per-pair values the sink needs (group codes). */
typedef void (*pair_prep_fn)(void *ctx, const saydo_pairs_t *blk, uint32_t *aux);

/* The pairs of saydo_pairs_build(o->unit = trial) when every side-1 record
 * has its neighbour partner (*complete = 1), handed to sink block by block in
 * record order (the blocks are paired, their figures computed and prep
 * (or NULL) run in parallel; sink runs one block at a time, on any thread). Otherwise *complete = 0 and the
 * sink has seen some blocks: use saydo_pairs_build(). info gets side1,
 * side2, n, unpaired1, unpaired2 (no arrays). */
saydo_status pair_scan(const saydo_data_t *d, const saydo_pair_opts_t *o, pair_prep_fn prep, pair_sink_fn sink,
                       void *ctx, int *complete, saydo_pairs_t *info) SAYDO_MUST_CHECK;
#endif
