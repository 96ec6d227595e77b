/* Thread count and a fork-join helper for code built without OpenMP (threads.h). */
#define _GNU_SOURCE
#include "util/threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int threads_set;   /* 0: default */

void saydo_threads_set(int n) { atomic_store(&threads_set, n > 0 ? n : 0); }

int saydo_threads(void)
{
    int n = atomic_load(&threads_set);
    if (n > 0) return n;
    /* OpenMP's default, so the reader and the OpenMP loops agree */
    const char *e = getenv("OMP_NUM_THREADS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0) return v > 1024 ? 1024 : (int)v;
    }
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}

typedef struct {
    void (*fn)(void *, int);
    void *ctx;
    int t;
} job_t;

static void *trampoline(void *arg)
{
    job_t *j = arg;
    j->fn(j->ctx, j->t);
    return NULL;
}

void saydo_threads_run(int n, void (*fn)(void *ctx, int t), void *ctx)
{
    if (n < 1) n = 1;
    pthread_t *tid = n > 1 ? malloc((size_t)n * sizeof *tid) : NULL;
    job_t *job = n > 1 ? malloc((size_t)n * sizeof *job) : NULL;
    int started = 1;   /* thread 0 is the caller */
    if (tid && job)
        for (; started < n; started++) {
            job[started] = (job_t){fn, ctx, started};
            if (pthread_create(&tid[started], NULL, trampoline, &job[started]) != 0) break;
        }
    fn(ctx, 0);
    for (int t = 1; t < started; t++) pthread_join(tid[t], NULL);
    free(tid);
    free(job);
}
