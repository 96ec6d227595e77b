/* saydo export STORE [--where F=V] [--format jsonl|csv] [-o FILE] [--results NAME] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "saydo/export.h"

static void usage(FILE *f)
{
    fputs("Usage: saydo export STORE [options]\n"
          "Writes the store's records (one per line or row) with the field names `saydo ingest` reads,\n"
          "so the output goes to pandas, R or a spreadsheet, or into another store as it is.\n\n"
          "Options:\n"
          "  -f, --format FMT       jsonl (default) or csv\n"
          "  -o, --output FILE      write to FILE (default: stdout)\n"
          "  -w, --where F=V[|V..]  keep records whose field F has one of the values (repeatable): model,\n"
          "                         condition, item, side, variant, trial, domain, method, round, trained_side,\n"
          "                         status (ok, refused, unparsed, missing), or a label\n"
          "      --results NAME     write the table /results/NAME (saved by score --save) instead\n"
          "      --no-probs         JSONL: leave out probs (the softmax of logprobs)\n"
          "      --logprobs         CSV: logp_A.. columns (the stored values, exact) instead of p_A..\n"
          "      --no-text          leave out the response text the store kept\n\n"
          "JSONL fields: model, condition, item, domain, side, trial, variant, n_options, consistency or\n"
          "option_map, response, choice (0-based option index, or null with status refused/unparsed/missing),\n"
          "probs, logprobs, one field per item label, method, round, trained_side. logprobs are written so\n"
          "that a second ingest stores the same float32 bits (-inf as -1e999).\n", f);
}

int saydo_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"where", required_argument, NULL, 'w'}, {"results", required_argument, NULL, 1},
        {"no-probs", no_argument, NULL, 2}, {"logprobs", no_argument, NULL, 3}, {"no-text", no_argument, NULL, 4},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    saydo_export_opts_t o;
    saydo_export_opts_default(&o);
    const char *where[16], *out_path = NULL, *results = NULL;
    int n_where = 0, c, logprobs = 0, rc = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:w:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "jsonl") == 0) o.format = SAYDO_EXPORT_JSONL;
            else if (strcmp(optarg, "csv") == 0) o.format = SAYDO_EXPORT_CSV;
            else { usage(stderr); return 2; }
            break;
        case 'o': out_path = optarg; break;
        case 'w':
            if (n_where == 16) { fputs("saydo export: at most 16 --where\n", stderr); return 2; }
            where[n_where++] = optarg;
            break;
        case 1: results = optarg; break;
        case 2: o.probs = 0; break;
        case 3: logprobs = 1; break;
        case 4: o.text = 0; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    if (o.format == SAYDO_EXPORT_CSV) o.probs = !logprobs;
    o.where = where;
    o.n_where = n_where;
    FILE *out = stdout;
    if (out_path && strcmp(out_path, "-") != 0) {
        out = fopen(out_path, "w");
        if (!out) {
            fprintf(stderr, "saydo export: cannot write %s\n", out_path);
            return 1;
        }
    }
    saydo_status st;
    int64_t n = 0;
    if (results) st = saydo_export_results(argv[optind], results, o.format, out);
    else st = saydo_export_records(argv[optind], &o, out, &n);
    if (out != stdout && fclose(out) != 0 && st == SAYDO_OK) {
        fprintf(stderr, "saydo export: error writing %s\n", out_path);
        return 1;
    }
    if (st < 0) rc = saydo_cli_fail("export", st);
    else {
        if (!results) fprintf(stderr, "saydo export: %lld records\n", (long long)n);
        rc = 0;
    }
    return rc;
}
