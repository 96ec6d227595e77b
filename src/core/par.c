/* Work split across MPI ranks (saydo/par.h). Without SAYDO_MPI_BUILD this is
 * one process: every row is rank 0's. */
#include "saydo/par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/try.h"
#ifdef SAYDO_MPI_BUILD
#include <mpi.h>
#endif

static int par_rank = 0, par_size = 1, par_started = 0;

saydo_status saydo_par_init(int *argc, char ***argv)
{
#ifdef SAYDO_MPI_BUILD
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        int provided;
        /* FUNNELED: OpenMP threads work inside a rank, only the main thread calls MPI */
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return saydo_set_error(SAYDO_E_IO, "MPI_Init failed");
        par_started = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &par_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &par_size);
    if (par_started) {
        /* every exit path of a command (main returns, usage errors) ends MPI */
        atexit(saydo_par_finalize);
        /* only rank 0 prints results: the others' stdout goes nowhere */
        if (par_rank != 0 && !freopen("/dev/null", "w", stdout))
            return saydo_set_error(SAYDO_E_IO, "rank %d: cannot silence stdout", par_rank);
    }
#else
    (void)argc;
    (void)argv;
#endif
    return SAYDO_OK;
}

void saydo_par_finalize(void)
{
#ifdef SAYDO_MPI_BUILD
    int fin = 0;
    MPI_Finalized(&fin);
    if (par_started && !fin) MPI_Finalize();
#endif
    par_started = 0;
}

int saydo_par_rank(void) { return par_rank; }
int saydo_par_size(void) { return par_size; }

typedef struct {
    double cost;
    size_t row;
} row_cost_t;

/* costliest first; equal costs in row order (a total order: every rank sorts alike) */
static int by_cost(const void *a, const void *b)
{
    const row_cost_t *x = a, *y = b;
    if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

saydo_status saydo_par_split_rows(const double *cost, size_t n_rows, uint8_t **mine)
{
    saydo_status st = SAYDO_OK;
    row_cost_t *rc = NULL;
    double *load = NULL;
    *mine = NULL;
    uint8_t *m = NULL;
    SAYDO_NEW(m, n_rows);
    if (par_size == 1) {
        memset(m, 1, n_rows);
        *mine = m;
        return SAYDO_OK;
    }
    SAYDO_NEW(rc, n_rows);
    SAYDO_NEW(load, (size_t)par_size);
    for (size_t r = 0; r < n_rows; r++) rc[r] = (row_cost_t){cost[r] > 0 ? cost[r] : 0, r};
    qsort(rc, n_rows, sizeof *rc, by_cost);
    for (size_t i = 0; i < n_rows; i++) {
        int best = 0;
        for (int k = 1; k < par_size; k++)
            if (load[k] < load[best]) best = k;
        /* a small fixed cost per row, so rows of cost 0 spread out too */
        load[best] += rc[i].cost + 1.0;
        m[rc[i].row] = best == par_rank;
    }
    *mine = m;
    m = NULL;
cleanup:
    free(m);
    free(rc);
    free(load);
    return st;
}

saydo_status saydo_par_merge_bytes(void *rows, size_t n_rows, size_t row_bytes, const uint8_t *mine)
{
#ifdef SAYDO_MPI_BUILD
    saydo_status st = SAYDO_OK;
    unsigned char *send = NULL, *recv = NULL, *owner_mine = NULL, *base = rows;
    int *counts = NULL, *displs = NULL;
    if (par_size == 1) return SAYDO_OK;
    size_t n_mine = 0;
    for (size_t r = 0; r < n_rows; r++) n_mine += mine[r] != 0;
    SAYDO_NEW(send, n_mine * row_bytes + 1);
    size_t q = 0;
    for (size_t r = 0; r < n_rows; r++)
        if (mine[r]) {
            memcpy(send + q, base + r * row_bytes, row_bytes);
            q += row_bytes;
        }
    if (par_rank == 0) {
        SAYDO_NEW(owner_mine, n_rows * (size_t)par_size + 1);
        SAYDO_NEW(counts, (size_t)par_size);
        SAYDO_NEW(displs, (size_t)par_size);
    }
    SAYDO_FAIL_IF(MPI_Gather(mine, (int)n_rows, MPI_UINT8_T, owner_mine, (int)n_rows, MPI_UINT8_T, 0,
                             MPI_COMM_WORLD) != MPI_SUCCESS, SAYDO_E_IO, "MPI_Gather failed");
    size_t total = 0;
    if (par_rank == 0)
        for (int k = 0; k < par_size; k++) {
            size_t c = 0;
            for (size_t r = 0; r < n_rows; r++) c += owner_mine[(size_t)k * n_rows + r] != 0;
            counts[k] = (int)(c * row_bytes);
            displs[k] = (int)total;
            total += c * row_bytes;
        }
    if (par_rank == 0) SAYDO_NEW(recv, total + 1);
    SAYDO_FAIL_IF(MPI_Gatherv(send, (int)(n_mine * row_bytes), MPI_BYTE, recv, counts, displs, MPI_BYTE, 0,
                              MPI_COMM_WORLD) != MPI_SUCCESS, SAYDO_E_IO, "MPI_Gatherv failed");
    if (par_rank == 0)
        for (int k = 0; k < par_size; k++) {
            size_t p = (size_t)displs[k];
            for (size_t r = 0; r < n_rows; r++)
                if (owner_mine[(size_t)k * n_rows + r]) {
                    memcpy(base + r * row_bytes, recv + p, row_bytes);
                    p += row_bytes;
                }
        }
cleanup:
    free(send);
    free(recv);
    free(owner_mine);
    free(counts);
    free(displs);
    return st;
#else
    (void)rows;
    (void)n_rows;
    (void)row_bytes;
    (void)mine;
    return SAYDO_OK;
#endif
}

saydo_status saydo_par_merge_rows(double *v, size_t n_rows, size_t n_cols, const uint8_t *mine)
{
#ifdef SAYDO_MPI_BUILD
    /* columns are stored one after another: lay the rows out contiguously,
     * merge them as bytes, and put them back */
    saydo_status st = SAYDO_OK;
    double *rows = NULL;
    if (par_size == 1) return SAYDO_OK;
    SAYDO_NEW(rows, n_rows * n_cols + 1);
    for (size_t r = 0; r < n_rows; r++)
        for (size_t j = 0; j < n_cols; j++) rows[r * n_cols + j] = v[j * n_rows + r];
    SAYDO_TRY(saydo_par_merge_bytes(rows, n_rows, n_cols * sizeof *rows, mine));
    for (size_t r = 0; r < n_rows; r++)
        for (size_t j = 0; j < n_cols; j++) v[j * n_rows + r] = rows[r * n_cols + j];
cleanup:
    free(rows);
    return st;
#else
    (void)v;
    (void)n_rows;
    (void)n_cols;
    (void)mine;
    return SAYDO_OK;
#endif
}
