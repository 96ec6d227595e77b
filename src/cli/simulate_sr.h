/* saydo simulate --study stated-revealed (cmd_simulate_sr.c). */
#ifndef SAYDO_CLI_SIMULATE_SR_H
#define SAYDO_CLI_SIMULATE_SR_H

/** Runs `saydo simulate --study stated-revealed ...` (same argv as saydo_cmd_simulate). */
int saydo_cmd_simulate_sr(int argc, char **argv);

#endif
