/* The subcommands of `saydo`. Each parses its own options, prints usage when
 * called with --help, and returns the exit code: 0 ok, 1 error, 2 usage. */
#ifndef SAYDO_CLI_COMMANDS_H
#define SAYDO_CLI_COMMANDS_H
#include "saydo/status.h"
#include "saydo/table.h"

int saydo_cmd_ingest(int argc, char **argv);
int saydo_cmd_info(int argc, char **argv);
int saydo_cmd_export(int argc, char **argv);
int saydo_cmd_score(int argc, char **argv);
int saydo_cmd_compare(int argc, char **argv);
int saydo_cmd_simulate(int argc, char **argv);
int saydo_cmd_table(int argc, char **argv);
int saydo_cmd_power(int argc, char **argv);

/* shared helpers (cli_util.c) */
/** Prints "saydo CMD: <detail>" for the latest error and returns 1. */
int saydo_cli_fail(const char *cmd, int status);
/** Splits "a,b,c" into at most max parts (pointers into a copy owned by *buf). */
int saydo_cli_split(const char *list, char **parts, int max, char **buf);
/** Saves t as /results/NAME in STORE with the command line as provenance. */
saydo_status saydo_cli_save(const char *cmd, const char *store, const char *name, const saydo_table_t *t, int argc,
                            char **argv);
#endif
