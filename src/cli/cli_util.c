#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "saydo/status.h"
#include "saydo/store.h"

int saydo_cli_fail(const char *cmd, int status)
{
    const char *detail = saydo_last_error();
    fprintf(stderr, "saydo %s: %s\n", cmd, *detail ? detail : saydo_strerror((saydo_status)status));
    return 1;
}

int saydo_cli_split(const char *list, char **parts, int max, char **buf)
{
    *buf = strdup(list ? list : "");
    if (!*buf) return -1;
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(*buf, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
        parts[n++] = tok;
    return n;
}

saydo_status saydo_cli_save(const char *cmd, const char *store, const char *name, const saydo_table_t *t, int argc,
                            char **argv)
{
    char cmdline[2048] = "saydo";   /* the provenance of the saved table */
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(cmdline);
        snprintf(cmdline + l, sizeof cmdline - l, " %s", argv[i]);
    }
    saydo_status st = saydo_store_write_table(store, name, t, cmdline);
    if (st >= 0) fprintf(stderr, "saydo %s: saved as /results/%s in %s\n", cmd, name, store);
    return st;
}
