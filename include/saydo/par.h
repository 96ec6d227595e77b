/* saydo/par.h: work split across processes (MPI ranks).
 *
 * In the MPI build (cmake -DSAYDO_MPI=ON), `mpirun -n N saydo score ...`
 * starts N copies; every rank reads the store, pairs and groups (cheap and
 * deterministic, so every rank holds the same pairs and groups), and the
 * expensive per-row work, the bootstrap intervals of each output row, is
 * split: saydo_par_split_rows() gives each row to one rank, each rank
 * computes its rows, and saydo_par_merge_rows() brings every row's values to
 * rank 0, which prints. A row is computed exactly as in a serial run (same
 * clusters, same seed seed + row), so the output is the same bytes.
 *
 * Rows go to ranks by the longest-processing-time rule on their cost
 * (clusters): largest first, each to the least loaded rank, ties to the
 * lower rank and the lower row, so every rank derives the same assignment.
 *
 * In the serial build every function here is the trivial single-process
 * version (rank 0 of 1, every row mine, merging a no-op).
 *
 * Ownership: saydo_par_split_rows() returns a malloc'ed array, free() it.
 */
#ifndef SAYDO_PAR_H
#define SAYDO_PAR_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Starts MPI when this is the MPI build (a no-op otherwise, and a no-op when
 *  called again). Commands call it first; saydo_par_finalize() at exit.
 *  @return SAYDO_OK, or SAYDO_E_IO when MPI cannot start */
saydo_status saydo_par_init(int *argc, char ***argv) SAYDO_MUST_CHECK;
/** Ends MPI (after every rank's last message); no-op when not started. */
void saydo_par_finalize(void);
/** This process's rank (0 in a serial build) and the number of ranks (1). */
int saydo_par_rank(void);
int saydo_par_size(void);

/**
 * Assigns n_rows rows of work to the ranks.
 * @param cost  [n_rows] relative cost of each row (e.g. its clusters), >= 0
 * @param mine  receives a new array of n_rows flags: 1 = this rank computes the row
 * @return SAYDO_OK or SAYDO_E_NOMEM
 */
saydo_status saydo_par_split_rows(const double *cost, size_t n_rows, uint8_t **mine) SAYDO_MUST_CHECK;

/**
 * Gathers row values on rank 0: v holds n_cols columns of n_rows values
 * (v[j * n_rows + r]); on entry each rank has filled the rows it owns
 * (mine[r] from saydo_par_split_rows()); on return rank 0 has every row.
 * Collective: every rank calls it with the same n_rows, n_cols and split.
 * @return SAYDO_OK, SAYDO_E_NOMEM or SAYDO_E_IO (an MPI failure)
 */
saydo_status saydo_par_merge_rows(double *v, size_t n_rows, size_t n_cols, const uint8_t *mine) SAYDO_MUST_CHECK;

/**
 * Gathers whole rows of plain bytes on rank 0: rows[r] (row_bytes each, no
 * pointers inside) as filled by the rank that owns r. Collective, as
 * saydo_par_merge_rows().
 * @return SAYDO_OK, SAYDO_E_NOMEM or SAYDO_E_IO (an MPI failure)
 */
saydo_status saydo_par_merge_bytes(void *rows, size_t n_rows, size_t row_bytes, const uint8_t *mine) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
