/* --threads N (threads_opt.h). */
#include "cli/threads_opt.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include "util/threads.h"

int saydo_cli_threads(const char *cmd, const char *arg)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < 0 || n > 4096) {
        fprintf(stderr, "saydo %s: --threads takes a count 1..4096, or 0 for every core, not '%s'\n", cmd, arg);
        return -1;
    }
    saydo_threads_set((int)n);
    omp_set_num_threads(saydo_threads());   /* 0 restores the default, which this reads */
    return 0;
}
