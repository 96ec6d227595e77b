/* Internals shared by score --ci (ci.c) and compare (compare*.c): the item
 * cluster layout of units (pairs, or matched pairs of pairs) in output rows. */
#ifndef SAYDO_CI_IMPL_H
#define SAYDO_CI_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/store.h"

/* Units sorted by (row, cluster key, unit index); a cluster is a run of
 * units of one row with the same (model, condition, item, variant) record
 * key. The order is a total order, so the layout (and every sum taken in
 * it) is the same on every run. */
typedef struct ci_layout {
    size_t n_units;      /* units placed (row >= 0) */
    int64_t *order;      /* [n_units] unit indices, sorted */
    size_t n_clusters;
    size_t *start;       /* [n_clusters + 1] cluster c is order[start[c] .. start[c+1]) */
    size_t n_rows;
    size_t *row_start;   /* [n_rows + 1] row r has clusters row_start[r] .. row_start[r+1] */
} ci_layout_t;

/* Lays out n units; unit i is record rec[i] of d in output row row[i]
 * (row[i] < 0: left out; row[i] < n_rows). Free with ci_layout_free(). */
saydo_status ci_layout_build(const saydo_data_t *d, const int64_t *rec, const int32_t *row, size_t n,
                             size_t n_rows, ci_layout_t *out) SAYDO_MUST_CHECK;
void ci_layout_free(ci_layout_t *l);

/* Grows *p (elements of size sz) to hold at least n; keeps the contents. */
saydo_status ci_grow(void *p, size_t *cap, size_t n, size_t sz) SAYDO_MUST_CHECK;

#endif
