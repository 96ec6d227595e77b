/* Timing of the bootstrap engine: 48 groups x 25,000 clusters x 2 statistics
 * x 9999 resamples with percentile, basic and BCa intervals, the workload of
 * the numpy peer (79 s on the 2-core machine). Not a test: it prints seconds.
 *
 * Build against a Release build of the library (build dir of your choice):
 *   cmake -S . -B build-boot -DCMAKE_BUILD_TYPE=Release && cmake --build build-boot -j2
 *   gcc -O2 -fopenmp -Iinclude -Isrc bench/boot_bench.c build-boot/libsaydo_kernels.a \
 *       build-boot/libsaydo_util.a -lgsl -lopenblas -lm -o /tmp/boot_bench
 *   /tmp/boot_bench            # all scenarios
 *   /tmp/boot_bench calibrate  # count path vs general path by number of types
 *
 * Scenarios (data from a fixed seed):
 *   one-trial   1 trial per item: CS and PCS are both 0/1 -> 2 types, count path
 *   five-trial  5 trials per item: match count 0..5, PCS a sum of 5 values on a
 *               grid of 0.1 -> a few hundred types, count path
 *   continuous  1 trial per item, PCS from log-probabilities (continuous) ->
 *               every cluster distinct, general path
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <omp.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "saydo/boot.h"
#include "kernels/boot_internal.h"   /* saydo_boot_run_ex for calibrate */

enum { GROUPS = 48, C = 25000, M = 2 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the whole process: robust to other jobs on a shared machine */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Fills one group's clusters for a scenario. */
static void make_group(gsl_rng *r, int scenario, double *n, double *s)
{
    const double p = 0.4 + 0.4 * gsl_rng_uniform(r);   /* the group's consistency */
    for (size_t c = 0; c < C; c++) {
        if (scenario == 0) {
            n[c] = 1;
            s[2 * c] = s[2 * c + 1] = gsl_rng_uniform(r) < p;
        } else if (scenario == 1) {
            n[c] = 5;
            const double q = gsl_ran_beta(r, 4 * p, 4 * (1 - p));
            s[2 * c] = gsl_ran_binomial(r, q, 5);
            double pcs = 0;
            for (int t = 0; t < 5; t++) pcs += 0.1 * (double)gsl_ran_binomial(r, q, 10);
            s[2 * c + 1] = pcs;
        } else {
            n[c] = 1;
            s[2 * c] = gsl_rng_uniform(r) < p;
            s[2 * c + 1] = gsl_ran_beta(r, 8 * p, 8 * (1 - p));
        }
    }
}

static int run_scenario(int scenario, const char *name, size_t B)
{
    double *n = malloc(C * sizeof *n), *s = malloc(2 * C * sizeof *s);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    saydo_boot_ws_t *ws = NULL;
    if (!n || !s || !r || saydo_boot_ws_create(&ws) != SAYDO_OK) return 1;
    gsl_rng_set(r, 1234 + (unsigned long)scenario);
    saydo_boot_opts_t o;
    saydo_boot_opts_init(&o);
    o.n_resamples = B;
    double t_boot = 0, t_cpu = 0, check = 0;
    size_t types = 0;
    saydo_boot_path path = SAYDO_BOOT_PATH_AUTO;
    for (int g = 0; g < GROUPS; g++) {
        make_group(r, scenario, n, s);   /* data generation is not timed */
        const saydo_boot_data_t d = {.n_clusters = C, .n_stats = M, .n = n, .s = s};
        saydo_boot_result_t res[M];
        o.seed = (uint64_t)g;
        const double t0 = now(), c0 = cpu_now();
        if (saydo_boot_run(ws, &d, &o, res, M) != SAYDO_OK) return 1;
        t_boot += now() - t0;
        t_cpu += cpu_now() - c0;
        check += res[0].hi[SAYDO_BOOT_I_BCA] + res[1].lo[SAYDO_BOOT_I_BCA];
        types += saydo_boot_ws_last_types(ws);
        path = saydo_boot_ws_last_path(ws);
    }
    printf("%-11s %2d groups x %d clusters x %d stats x %zu resamples, BCa: %7.3f s wall, "
           "%7.3f s CPU (%s path, %zu types/group on average; checksum %.6f)\n",
           name, GROUPS, C, M, B, t_boot, t_cpu, path == SAYDO_BOOT_PATH_COUNT ? "count" : "general",
           types / GROUPS, check);
    saydo_boot_ws_free(ws);
    gsl_rng_free(r);
    free(n);
    free(s);
    return 0;
}

/* Count path vs general path (counting per cluster, or per type) for one
 * group with a given number of types. */
static int calibrate(void)
{
    double *n = malloc(C * sizeof *n), *s = malloc(2 * C * sizeof *s);
    saydo_boot_ws_t *ws = NULL;
    if (!n || !s || saydo_boot_ws_create(&ws) != SAYDO_OK) return 1;
    const size_t types[] = {2, 50, 200, 500, 1000, 2000, 5000, 12500, 25000};
    printf("C = %d, B = 999: CPU seconds per group\n  types     count  general(by cluster)  general(by type)\n", C);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        for (size_t c = 0; c < C; c++) {
            n[c] = 1;
            s[2 * c] = (double)(c % types[i]);
            s[2 * c + 1] = 0.5;
        }
        const saydo_boot_data_t d = {.n_clusters = C, .n_stats = M, .n = n, .s = s};
        saydo_boot_opts_t o;
        saydo_boot_opts_init(&o);
        o.n_resamples = 999;
        saydo_boot_result_t res[M];
        double t[3];
        for (int p = 0; p < 3; p++) {
            o.path = p ? SAYDO_BOOT_PATH_GENERAL : SAYDO_BOOT_PATH_COUNT;
            const double t0 = cpu_now();
            if (p == 0 && types[i] > 5000) {   /* hopeless; skip */
                t[p] = NAN;
                continue;
            }
            if (saydo_boot_run_ex(ws, &d, &o, res, M, p == 2) != SAYDO_OK) return 1;
            t[p] = cpu_now() - t0;
        }
        printf("  %5zu  %8.4f  %8.4f  %8.4f\n", types[i], t[0], t[1], t[2]);
    }
    saydo_boot_ws_free(ws);
    free(n);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    printf("OpenMP threads: %d\n", omp_get_max_threads());
    if (argc > 1 && strcmp(argv[1], "calibrate") == 0) return calibrate();
    const size_t B = argc > 1 ? (size_t)atol(argv[1]) : SAYDO_BOOT_DEFAULT_B;
    if (run_scenario(0, "one-trial", B)) return 1;
    if (run_scenario(1, "five-trial", B)) return 1;
    if (run_scenario(2, "continuous", B)) return 1;
    return 0;
}
