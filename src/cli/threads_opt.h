/* --threads N for the commands that compute (score, compare). */
#ifndef SAYDO_CLI_THREADS_OPT_H
#define SAYDO_CLI_THREADS_OPT_H

/** Applies --threads ARG: N >= 1 threads for the OpenMP loops and the store
 *  reader (omp_set_num_threads and saydo_threads_set); 0 = every core (the
 *  default, or OMP_NUM_THREADS when set).
 *  @return 0, or -1 (with a message on stderr) for a value that is not 0..4096 */
int saydo_cli_threads(const char *cmd, const char *arg);
#endif
