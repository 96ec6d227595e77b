/* saydo compare, round by round: Cochran's Q of consistency across the
 * baseline and the compared conditions of one alignment method. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/compare_impl.h"
#include "saydo/stats.h"
#include "util/try.h"

typedef struct {
    int32_t qg, method;
    int64_t pb;   /* the unit: its baseline pair */
    int32_t a;
    int64_t pc;
    int32_t row;
} q_ent_t;

static int cmp_q(const void *x, const void *y)
{
    const q_ent_t *u = x, *v = y;
    if (u->qg != v->qg) return u->qg < v->qg ? -1 : 1;
    if (u->method != v->method) return u->method < v->method ? -1 : 1;
    if (u->pb != v->pb) return u->pb < v->pb ? -1 : 1;
    return u->a < v->a ? -1 : u->a > v->a;
}

saydo_status cmp_cochran(const saydo_pairs_t *p, const cmp_couples_t *cp, const int32_t *qgid,
                         const int32_t *method_of, size_t n_rows, double *q, double *df, double *pv, double *nq)
{
    saydo_status st = SAYDO_OK;
    q_ent_t *e = NULL;
    uint8_t *x = NULL;
    int32_t *col = NULL;
    size_t ne = 0, n_a = 0;
    for (size_t r = 0; r < n_rows; r++) q[r] = df[r] = pv[r] = nq[r] = NAN;
    for (size_t k = 0; k < cp->n; k++) {
        if ((size_t)cp->a[k] + 1 > n_a) n_a = (size_t)cp->a[k] + 1;
        ne += cp->row[k] >= 0 && method_of[cp->a[k]] >= 0;
    }
    SAYDO_NEW(e, ne);
    SAYDO_NEW(col, n_a);
    ne = 0;
    for (size_t k = 0; k < cp->n; k++) {
        if (cp->row[k] < 0 || method_of[cp->a[k]] < 0) continue;
        e[ne++] = (q_ent_t){qgid[k], method_of[cp->a[k]], cp->pb[k], cp->a[k], cp->pc[k], cp->row[k]};
    }
    qsort(e, ne, sizeof *e, cmp_q);
    for (size_t b0 = 0, b1; b0 < ne; b0 = b1) {
        /* one (qgroup, method) block: its conditions become columns 1..k */
        for (b1 = b0; b1 < ne && e[b1].qg == e[b0].qg && e[b1].method == e[b0].method; b1++) {}
        for (size_t a = 0; a < n_a; a++) col[a] = -1;
        size_t k = 0;
        for (size_t i = b0; i < b1; i++)
            if (col[e[i].a] < 0) col[e[i].a] = (int32_t)++k;
        const size_t m = k + 1;
        free(x);
        x = NULL;
        const size_t cells = (b1 - b0) * m;
        SAYDO_NEW(x, cells);
        size_t n = 0;
        for (size_t u0 = b0, u1; u0 < b1; u0 = u1) {
            for (u1 = u0; u1 < b1 && e[u1].pb == e[u0].pb; u1++) {}
            if (u1 - u0 != k || !p->kept[e[u0].pb]) continue;   /* answered in every condition? */
            uint8_t *row = x + n * m;
            int ok = 1;
            row[0] = (uint8_t)p->match[e[u0].pb];
            for (size_t i = u0; i < u1; i++) {
                ok &= p->kept[e[i].pc];
                row[col[e[i].a]] = (uint8_t)p->match[e[i].pc];
            }
            n += ok;
        }
        saydo_stats_test_t t = saydo_stats_cochran_q(x, n, m);
        for (size_t i = b0; i < b1; i++) {
            size_t r = (size_t)e[i].row;
            q[r] = t.statistic;
            df[r] = t.df;
            pv[r] = t.p;
            nq[r] = (double)n;
        }
    }
cleanup:
    free(e);
    free(x);
    free(col);
    return st;
}
