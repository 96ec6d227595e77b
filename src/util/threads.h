/* Internal: the number of worker threads for code outside OpenMP (the store
 * reader in src/io is built without it).
 *
 * The CLI's --threads N sets it together with omp_set_num_threads(N); until
 * then it follows OpenMP's own default: the first number of OMP_NUM_THREADS
 * when set, else the CPUs this process may run on. */
#ifndef SAYDO_THREADS_H
#define SAYDO_THREADS_H

/** Sets the thread count (n < 1 restores the default). */
void saydo_threads_set(int n);
/** The thread count, >= 1. */
int saydo_threads(void);
/** Runs fn(ctx, t) on threads t = 0 .. n-1 (the caller's thread is t = 0)
 *  and waits for all; runs everything on the caller's thread when a thread
 *  cannot be started. */
void saydo_threads_run(int n, void (*fn)(void *ctx, int t), void *ctx);
#endif
