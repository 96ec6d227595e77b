/* saydo score for the study-specific measures: ValueActionLens (va_*) and
 * stated vs revealed preferences (sr_*). cmd_score.c hands over when
 * --metrics names them; the options are those listed by `saydo score --help`
 * under "ValueActionLens" and "Stated vs revealed". */
#ifndef SAYDO_CLI_SCORE_STUDY_H
#define SAYDO_CLI_SCORE_STUDY_H

#include <stdio.h>

/** 1 when the metric list names a va_* or sr_* metric. */
int saydo_score_study_wanted(const char *metrics);

/** Runs `saydo score` for those metrics (same argv as saydo_cmd_score). */
int saydo_cmd_score_study(int argc, char **argv);

/** The usage lines of the study options. */
void saydo_score_study_usage(FILE *f);

#endif
