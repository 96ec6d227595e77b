/* saydo: the command table (bcftools style) and dispatch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "cli/commands.h"
#include "saydo/status.h"
#include "saydo_version.h"

typedef struct {
    int (*func)(int, char **);
    const char *name, *help;
} cmd_t;

static const cmd_t commands[] = {
    {NULL, "Store", NULL},
    {saydo_cmd_ingest, "ingest", "read response logs (JSONL, CSV, WDCT result CSV) into a store"},
    {saydo_cmd_info, "info", "what a store holds: models, conditions, sides, items, provenance"},
    {saydo_cmd_export, "export", "write a store's records (or a results table) as JSONL or CSV"},
    {NULL, "Analysis", NULL},
    {saydo_cmd_score, "score", "pair the two sides and compute CS, PCS, JSD, KL ... by group"},
    {saydo_cmd_table, "table", "paper tables: metric x rows x columns with CIs and tests (LaTeX, Markdown, ...)"},
    {saydo_cmd_compare, "compare", "what aligned checkpoints changed against a baseline: deltas, change rates, tests"},
    {saydo_cmd_power, "power", "items needed, or the smallest difference a study can detect (paired or not)"},
    {NULL, "Data", NULL},
    {saydo_cmd_simulate, "simulate", "write response logs with planted truth (the demo's input)"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
    fprintf(out, "saydo %s: word/deed consistency statistics over an HDF5 store\n\n"
                 "Usage: saydo <command> [options]   (saydo help <command> for its options)\n",
            SAYDO_VERSION_STRING);
    for (int i = 0; i < N_COMMANDS; i++) {
        if (!commands[i].func) fprintf(out, "\n%s:\n", commands[i].name);
        else fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
    }
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int rc;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("saydo %s\n", SAYDO_VERSION_STRING);
        rc = 0;
        goto done;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || (strcmp(name, "help") == 0 && argc == 2)) {
        usage(stdout);
        rc = 0;
        goto done;
    }
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    char *help_argv[3];
    if (strcmp(name, "help") == 0) {   /* `saydo help CMD` is `saydo CMD --help` */
        name = argv[2];
        help_argv[0] = argv[2];
        help_argv[1] = "--help";
        help_argv[2] = NULL;
        sub_argc = 2;
        sub_argv = help_argv;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (commands[i].func && strcmp(commands[i].name, name) == 0) {
            rc = commands[i].func(sub_argc, sub_argv);
            goto done;
        }
    fprintf(stderr, "saydo: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
done:
    if (fclose(stdout) != 0) {   /* catch delayed write errors (a full disk, a closed pipe) */
        fprintf(stderr, "saydo: error writing output: %s\n", strerror(errno));
        return 1;
    }
    return rc;
}
