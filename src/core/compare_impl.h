/* Internals of saydo compare shared by compare.c and compare_rounds.c. */
#ifndef SAYDO_COMPARE_IMPL_H
#define SAYDO_COMPARE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/score.h"

/* Couples: a compared condition's pair and the baseline pair of the same
 * unit, with the compared condition (index into the --against list) and the
 * output row (-1 before rows are assigned). */
typedef struct cmp_couples {
    size_t n;
    int64_t *pc, *pb;
    int32_t *a;
    int32_t *row;
} cmp_couples_t;

/* Cochran's Q for rows: for every (qgroup, method), the baseline and the
 * compared conditions of that method found in the qgroup, on the units kept in
 * all of them. qgid[k]: group of couple k by the --by fields that are not
 * properties of the condition; method_of[a]: method code of compared
 * condition a (-1 none). Writes q, df, p, n per output row (NaN for rows
 * whose condition has no method). */
saydo_status cmp_cochran(const saydo_pairs_t *p, const cmp_couples_t *cp, const int32_t *qgid,
                         const int32_t *method_of, size_t n_rows, double *q, double *df, double *pv,
                         double *nq) SAYDO_MUST_CHECK;

#endif
