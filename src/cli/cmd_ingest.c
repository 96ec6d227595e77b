/* saydo ingest FILE... -o STORE */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "saydo/export.h"
#include "saydo/ingest.h"
#include "saydo/par.h"

static void usage(FILE *f)
{
    fputs("Usage: saydo ingest FILE... -o STORE [options]\n"
          "Reads response logs into STORE (an HDF5 file), creating it or appending to it.\n"
          "Each file is committed whole or not at all; a file already ingested (same content hash) is skipped.\n\n"
          "Options:\n"
          "  -o, --output STORE      the store to create or append to (required)\n"
          "  -f, --format NAME       the reader (default: sniffed from the content, never the file name):\n"
          "                          jsonl, csv, wdct, wdct-metrics, valueaction-t1, valueaction-t2,\n"
          "                          valueaction-t2-log, statedrevealed, lmeval (lm-evaluation-harness\n"
          "                          --log_samples), inspect (inspect_ai .eval/.json log), batch (OpenAI Batch\n"
          "                          output, Anthropic Message Batches results), helm (HELM run directory or\n"
          "                          its scenario_state.json); lmeval-results, helm-aux (files beside the logs\n"
          "                          with no per-sample records: recognised, nothing ingested)\n"
          "  -m, --model NAME        model for files whose rows name none (WDCT result CSV: inferred from the name)\n"
          "  -c, --condition NAME    condition (checkpoint) for such files (default: base)\n"
          "      --trained-side SIDE the side an aligned checkpoint was trained on (word, deed, ...)\n"
          "      --map FILE          field mapping: `field = source`, `label.NAME = source`, `side.VALUE = SIDE`\n"
          "      --letters N|all     answer extraction reads the first N option letters, or all the item lists\n"
          "                          (default: the format's; WDCT: A and B only, as the authors' extractor)\n"
          "      --actions TABLE.csv ValueActionLens Task 2 log: the action table its `index` points into\n"
          "                          (implies --format valueaction-t2-log)\n"
          "      --legacy-flipped    ValueActionLens Task 2 log written before the authors' polarity fix\n"
          "                          (model_choice true marks the action NOT chosen)\n"
          "      --keep-text         store the raw response text too\n"
          "      --strict            stop at the first bad record instead of quarantining it\n"
          "      --force             ingest even when the file's hash is already in the store\n"
          "      --wait              wait for another writer instead of refusing\n"
          "      --max-line BYTES    longest accepted line (default 64 MiB)\n"
          "      --key-memory MB     memory for the duplicate-key table (default 96, or $SAYDO_KEY_BUDGET_MB);\n"
          "                          past it duplicates are found on disk at each commit: slower, same store\n"
          "  -j, --threads N         JSONL parse threads (default: one per CPU, at most 8; the writing runs\n"
          "                          on one more thread); the store is the same for any N\n"
          "      --dry-run[=N]       print the first N records of each file (default 10) as saydo JSONL, as they\n"
          "                          would be stored; no store is written (-o not needed): check a --map first\n"
          "  -q, --quiet             no progress bar, no inference messages\n"
          "Bad records go to STORE.quarantine.jsonl with file, line and reason.\n", f);
}

int saydo_cmd_ingest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"format", required_argument, NULL, 'f'},
        {"model", required_argument, NULL, 'm'}, {"condition", required_argument, NULL, 'c'},
        {"trained-side", required_argument, NULL, 1}, {"map", required_argument, NULL, 2},
        {"keep-text", no_argument, NULL, 3}, {"strict", no_argument, NULL, 4}, {"force", no_argument, NULL, 5},
        {"wait", no_argument, NULL, 6}, {"letters", required_argument, NULL, 8}, {"max-line", required_argument, NULL, 7}, {"quiet", no_argument, NULL, 'q'},
        {"key-memory", required_argument, NULL, 9},
        {"actions", required_argument, NULL, 20}, {"legacy-flipped", no_argument, NULL, 21},
        {"threads", required_argument, NULL, 'j'}, {"dry-run", optional_argument, NULL, 40},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    saydo_ingest_opts_t o;
    saydo_ingest_opts_default(&o);
    const char *store = NULL, *map_path = NULL;
    saydo_fieldmap_t map;
    int c, rc = 1;
    long dry_run = -1;   /* records per file to print, -1: a real ingest */
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:f:m:c:j:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': store = optarg; break;
        case 'f': o.read.format = optarg; break;
        case 'm': o.read.model = optarg; break;
        case 'c': o.read.condition = optarg; break;
        case 1: o.read.trained_side = optarg; break;
        case 2: map_path = optarg; break;
        case 3: o.read.keep_text = 1; break;
        case 4: o.strict = 1; break;
        case 5: o.force = 1; break;
        case 6: o.writer.wait_lock = 1; break;
        case 7: o.read.max_line = (size_t)strtoull(optarg, NULL, 10); break;
        case 9:
            o.writer.key_budget_mb = strtod(optarg, NULL);
            if (!(o.writer.key_budget_mb > 0)) {
                fprintf(stderr, "saydo ingest: --key-memory takes a number of MB > 0\n");
                return 2;
            }
            break;
        case 8: o.read.letters = strcmp(optarg, "all") == 0 ? -1 : atoi(optarg); break;
        case 20: o.read.actions_path = optarg; break;
        case 21: o.read.legacy_flipped = 1; break;
        case 'j':
            o.threads = atoi(optarg);
            if (o.threads < 1) {
                fprintf(stderr, "saydo ingest: --threads takes a number >= 1\n");
                return 2;
            }
            break;
        case 'q': o.progress = 0; o.read.quiet = 1; break;
        case 40: dry_run = optarg ? atol(optarg) : 10; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int nfiles = argc - optind;
    if (nfiles < 1 || (!store && dry_run < 0)) {
        usage(stderr);
        return 2;
    }
    if (o.read.quiet) saydo_log_set_level(SAYDO_LOG_WARN);
    if (map_path) {
        saydo_fieldmap_default(&map);
        if (saydo_fieldmap_load(map_path, &map) < 0) return saydo_cli_fail("ingest", SAYDO_E_PARSE);
        o.read.map = &map;
    }
    if (dry_run >= 0) {
        saydo_status ds = saydo_export_dry_run((const char *const *)argv + optind, nfiles, &o.read, dry_run, stdout, stderr);
        if (map_path) saydo_fieldmap_free(&map);
        return ds < 0 ? saydo_cli_fail("ingest", ds) : 0;
    }
    saydo_ingest_file_t *res = calloc((size_t)nfiles, sizeof *res);
    if (!res) return saydo_cli_fail("ingest", SAYDO_E_NOMEM);
    /* the MPI build under mpirun: the files are split across ranks and rank 0 reports (core/ingest_mpi.h) */
    saydo_status st = saydo_par_init(&argc, &argv);
    if (st == SAYDO_OK) st = saydo_ingest_files(store, (const char *const *)argv + optind, nfiles, &o, res);
    const int report = saydo_par_rank() == 0;
    int64_t tot_q = 0, tot_dup = 0;
    for (int i = 0; report && i < nfiles; i++) {
        saydo_ingest_file_t *r = &res[i];
        if (!r->path) break;
        if (r->skipped) {
            fprintf(stderr, "%s: already in the store (same content hash %s): skipped\n", r->path, r->hash);
            continue;
        }
        if (r->seconds <= 0) continue;   /* the failing file: reported below */
        fprintf(stderr, "%s: %s, %lld %s: %lld records stored, %lld duplicates, %lld quarantined",
                r->path, r->format, (long long)r->lines, "lines",
                (long long)r->stored, (long long)r->duplicates, (long long)r->quarantined);
        if (r->blank) fprintf(stderr, ", %lld blank lines", (long long)r->blank);
        fprintf(stderr, " (%.1f MB/s)\n", (double)r->bytes / 1e6 / r->seconds);
        tot_q += r->quarantined;
        tot_dup += r->duplicates;
    }
    if (tot_q) fprintf(stderr, "saydo ingest: %lld bad records quarantined in %s.quarantine.jsonl\n",
                       (long long)tot_q, store);
    if (tot_dup) fprintf(stderr, "saydo ingest: %lld duplicate records (same model, condition, item, side, trial, "
                                 "variant) were not stored twice\n", (long long)tot_dup);
    if (st < 0) rc = report ? saydo_cli_fail("ingest", st) : 1;
    else rc = 0;
    free(res);
    if (map_path) saydo_fieldmap_free(&map);
    return rc;
}
