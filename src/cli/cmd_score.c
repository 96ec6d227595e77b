/* saydo score STORE --by model,domain --metrics cs,pcs,kl [--format text|csv|json] */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/threads_opt.h"
#include "cli/score_study.h"
#include "cli/select.h"
#include "saydo/ci.h"
#include "saydo/par.h"
#include "saydo/print.h"
#include "saydo/score.h"

/* --timings (or SAYDO_TIMINGS=1): wall and CPU seconds (user + system, all
 * threads) and page faults of each stage, on stderr, so a benchmark can set
 * the stage alone (pairing + figures) against a peer's stage alone.
 * --timings=R (SAYDO_TIMINGS=R) runs the stage R times in the process, as the
 * peer's stage is timed (bench/pandas_stage.py: best of 3 on a data frame in
 * memory): the first run meets fresh memory, later ones partly reuse what
 * the run before freed. */
typedef struct {
    double wall, cpu, faults;
} stamp_t;

static stamp_t stamp_now(void)
{
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    stamp_t s = {(double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec,
                 (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
                 (double)ru.ru_minflt + (double)ru.ru_majflt};
    return s;
}

enum { ST_READ, ST_PAIR, ST_GROUP, ST_METRICS, ST_BOOT, ST_PRINT, N_STAGES };
static const char *const stage_names[N_STAGES] = {"read", "pair", "group", "metrics", "bootstrap", "print"};

static void timings_print(const stamp_t *t, const stamp_t *pair0, int direct)
{
    /* t[0] is the start, t[k + 1] the end of stage k; the pair stage starts at
     * *pair0 (after the extra stage runs of --timings=R); direct: pair, group
     * and metrics were one pass (saydo_score_table_direct), shown as pair */
    fprintf(stderr, "saydo score: timings (wall s / CPU s / page faults%s):",
            direct ? "; pair = pair+group+metrics in one pass" : "");
    for (int k = 0; k < N_STAGES; k++) {
        if (direct && (k == ST_GROUP || k == ST_METRICS)) continue;
        const stamp_t *a = k == ST_PAIR ? pair0 : &t[k];
        fprintf(stderr, " %s %.4f/%.4f/%.0f", stage_names[k], t[k + 1].wall - a->wall, t[k + 1].cpu - a->cpu,
                t[k + 1].faults - a->faults);
    }
    fprintf(stderr, "; stage (pair+group+metrics) %.4f/%.4f/%.0f; total %.4f/%.4f/%.0f\n",
            t[ST_METRICS + 1].wall - pair0->wall, t[ST_METRICS + 1].cpu - pair0->cpu,
            t[ST_METRICS + 1].faults - pair0->faults, t[N_STAGES].wall - t[0].wall, t[N_STAGES].cpu - t[0].cpu,
            t[N_STAGES].faults - t[0].faults);
}

/* The stage: pairs, groups and the score table. With direct, the table comes
 * from saydo_score_table_direct() when that covers the case (*p and *g stay
 * NULL, *info holds the pair counts), else through the per-pair arrays. ts
 * (or NULL) gets the end stamps of the pair, group and metrics stages. */
static saydo_status score_stage(const saydo_data_t *d, const saydo_pair_opts_t *po, char **fields, int nf,
                                const char **where, int n_where, unsigned metrics, int overall, int direct,
                                saydo_pairs_t **p, saydo_groups_t **g, saydo_table_t **t, saydo_pairs_t *info,
                                stamp_t *ts)
{
    saydo_status st = SAYDO_OK;
    memset(info, 0, sizeof *info);
    if (direct && (st = saydo_score_table_direct(d, po, (const char *const *)fields, nf, metrics, overall, t, info)) < 0)
        return st;
    if (*t) {   /* one pass did all three */
        if (ts) ts[ST_PAIR + 1] = ts[ST_GROUP + 1] = ts[ST_METRICS + 1] = stamp_now();
        return SAYDO_OK;
    }
    if ((st = saydo_pairs_build(d, po, p)) < 0 || (st = saydo_cli_select_pairs(d, *p, where, n_where)) < 0) return st;
    if (ts) ts[ST_PAIR + 1] = stamp_now();
    if ((st = saydo_groups_build(d, *p, (const char *const *)fields, nf, g)) < 0) return st;
    if (ts) ts[ST_GROUP + 1] = stamp_now();
    if ((st = saydo_score_table_ex(d, *p, *g, metrics, overall, t)) < 0) return st;
    if (ts) ts[ST_METRICS + 1] = stamp_now();
    return SAYDO_OK;
}

static void usage(FILE *f)
{
    fputs("Usage: saydo score STORE [options]\n"
          "Pairs the two sides of every probe and prints CS, PCS and divergences by group (plus an overall row\n"
          "unless --no-overall).\n\n"
          "Options:\n"
          "  -b, --by FIELDS        group by: model, condition, domain, variant, method, round, trained_side,\n"
          "                         item, or a label (culture, topic, ...); default model,condition,domain\n"
          "  -m, --metrics LIST     cs, pcs, kl, jsd, entropy, tvd, quantiles, all (default cs,pcs)\n"
          "  -w, --where F=V[|V..]  keep pairs whose field F has one of the values (repeatable)\n"
          "      --sides A,B        the two sides (default word/stated/value against deed/revealed/action)\n"
          "      --missing POLICY   drop (default: the WDCT rule), inconsistent, or option (refusal = an option)\n"
          "      --unit UNIT        trial (default) or item (trials pooled: majority choice, mean distribution)\n"
          "      --eps E            additive smoothing for KL (default 1e-6)\n"
          "      --base B           log base for KL, JSD and entropy: 2 (default) or e; PCS always uses base 2\n"
          "  -f, --format FMT       text (default), csv or json\n"
          "      --digits N         decimals in text output (default 4)\n"
          "      --threads N        threads (default 0: every core); the output is the same for any N\n"
          "      --save NAME        also store the table as /results/NAME in STORE\n"
          "      --no-overall       leave out the overall row (\"(all)\"); the group rows do not change\n"
          "      --timings[=R]      print wall and CPU seconds of each stage (read, pair, group, metrics,\n"
          "                         bootstrap, print) to stderr; R > 1 runs pair+group+metrics R times\n"
          "                         and prints each run (a benchmark aid); also SAYDO_TIMINGS=R\n"
          "Intervals (columns X_lo, X_hi after each of cs, pcs, kl, jsd, entropy, tvd):\n"
          "      --ci METHOD        percentile, basic or bca: bootstrap over item clusters (the pairs of\n"
          "                         one model, condition, item and variant move together); wilson or\n"
          "                         clopper: analytic for cs (pairs taken as independent), clustered\n"
          "                         normal interval for means; cluster: clustered normal interval\n"
          "                         (Miller 2024) for every figure\n"
          "      --resamples B      bootstrap resamples (default 9999)\n"
          "      --seed S           bootstrap seed (default 0); group row k uses S + k, the overall\n"
          "                         row S + number of groups: the same on any number of threads\n"
          "      --level L          confidence level (default 0.95)\n"
          "      --strata FIELD     resample within each value of FIELD (domain, a label, ...)\n", f);
    saydo_score_study_usage(f);
}

int saydo_cmd_score(int argc, char **argv)
{
    /* va_* and sr_* metrics have tables and options of their own (cmd_score_study.c) */
    for (int i = 1; i < argc; i++) {
        const char *m = strncmp(argv[i], "--metrics=", 10) == 0 ? argv[i] + 10
                        : strncmp(argv[i], "-m", 2) == 0 && argv[i][2] ? argv[i] + 2
                        : (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--metrics") == 0) && i + 1 < argc ? argv[i + 1]
                        : NULL;
        if (m && saydo_score_study_wanted(m)) return saydo_cmd_score_study(argc, argv);
    }
    /* the MPI build: every rank runs this command; rank 0 alone prints (saydo/par.h) */
    if (saydo_par_init(&argc, &argv) < 0) return saydo_cli_fail("score", SAYDO_E_IO);
    static const struct option longopts[] = {
        {"by", required_argument, NULL, 'b'}, {"metrics", required_argument, NULL, 'm'},
        {"where", required_argument, NULL, 'w'}, {"sides", required_argument, NULL, 1},
        {"missing", required_argument, NULL, 2}, {"unit", required_argument, NULL, 3},
        {"eps", required_argument, NULL, 4}, {"base", required_argument, NULL, 5},
        {"format", required_argument, NULL, 'f'}, {"digits", required_argument, NULL, 6},
        {"save", required_argument, NULL, 7}, {"threads", required_argument, NULL, 30}, {"help", no_argument, NULL, 'h'},
        {"ci", required_argument, NULL, 8}, {"resamples", required_argument, NULL, 9},
        {"seed", required_argument, NULL, 10}, {"level", required_argument, NULL, 11},
        {"strata", required_argument, NULL, 12}, {"no-overall", no_argument, NULL, 13},
        {"timings", optional_argument, NULL, 14}, {NULL, 0, NULL, 0}};
    const char *by = "model,condition,domain", *metrics_s = "cs,pcs", *format_s = "text", *save = NULL;
    const char *where[16] = {NULL};
    int n_where = 0, digits = 4, c, rc = 1, overall = 1;
    const char *tenv = getenv("SAYDO_TIMINGS");
    int timings = tenv ? atoi(tenv) : 0;   /* 0: none; R >= 1: R runs of the stage */
    stamp_t ts[N_STAGES + 1];
    ts[0] = stamp_now();
    char *sides_buf = NULL, *by_buf = NULL;
    saydo_pair_opts_t po;
    saydo_pair_opts_default(&po);
    saydo_ci_opts_t cio;
    saydo_ci_opts_default(&cio);
    cio.method = SAYDO_CI_NONE;
    int ci_bad = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:m:w:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': by = optarg; break;
        case 'm': metrics_s = optarg; break;
        case 'w':
            if (n_where < 16) where[n_where++] = optarg;
            break;
        case 1: {
            char *parts[2];
            free(sides_buf);
            if (saydo_cli_split(optarg, parts, 2, &sides_buf) != 2) { usage(stderr); return 2; }
            po.side1 = parts[0];
            po.side2 = parts[1];
            break;
        }
        case 2:
            if (strcmp(optarg, "drop") == 0) po.missing = SAYDO_MISSING_DROP;
            else if (strcmp(optarg, "inconsistent") == 0) po.missing = SAYDO_MISSING_INCONSISTENT;
            else if (strcmp(optarg, "option") == 0) po.missing = SAYDO_MISSING_OPTION;
            else { usage(stderr); return 2; }
            break;
        case 3:
            if (strcmp(optarg, "trial") == 0) po.unit = SAYDO_UNIT_TRIAL;
            else if (strcmp(optarg, "item") == 0) po.unit = SAYDO_UNIT_ITEM;
            else { usage(stderr); return 2; }
            break;
        case 4: po.kl_eps = strtod(optarg, NULL); break;
        case 5: po.log_base = strcmp(optarg, "e") == 0 ? 2.718281828459045 : strtod(optarg, NULL); break;
        case 'f': format_s = optarg; break;
        case 6: digits = atoi(optarg); break;
        case 7: save = optarg; break;
        case 8: ci_bad |= saydo_ci_method_parse(optarg, &cio.method) < 0; break;
        case 9: {
            char *end;
            long long b = strtoll(optarg, &end, 10);
            ci_bad |= *end != '\0' || b < 1;
            cio.n_resamples = b < 1 ? 1 : (size_t)b;
            break;
        }
        case 10: {
            char *end;
            cio.seed = strtoull(optarg, &end, 10);
            ci_bad |= *end != '\0' || optarg[0] == '-';
            break;
        }
        case 11: cio.level = strtod(optarg, NULL); ci_bad |= !(cio.level > 0 && cio.level < 1); break;
        case 12: cio.strata = optarg; break;
        case 13: overall = 0; break;
        case 14:
            timings = optarg ? atoi(optarg) : 1;
            if (timings < 1) { usage(stderr); return 2; }
            break;
        case 30:
            if (saydo_cli_threads("score", optarg) < 0) return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (ci_bad) fprintf(stderr, "saydo score: %s\n", *saydo_last_error() ? saydo_last_error()
                                                : "bad --ci, --resamples, --seed or --level value");
    if (optind != argc - 1 || po.kl_eps < 0 || !(po.log_base > 1) || ci_bad) {
        usage(stderr);
        free(sides_buf);
        return 2;
    }
    const char *store = argv[optind];
    saydo_format fmt;
    unsigned metrics;
    saydo_data_t *d = NULL;
    saydo_pairs_t *p = NULL;
    saydo_groups_t *g = NULL;
    saydo_table_t *t = NULL;
    saydo_status st;
    char *fields[16];
    if ((st = saydo_format_parse(format_s, &fmt)) < 0 || (st = saydo_metrics_parse(metrics_s, &metrics)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    int nf = saydo_cli_split(by, fields, 16, &by_buf);
    po.skip_extra = !(metrics & (SAYDO_M_KL | SAYDO_M_ENTROPY | SAYDO_M_TVD | SAYDO_M_QUANTILES));
    po.skip_jsd = !(metrics & (SAYDO_M_JSD | SAYDO_M_QUANTILES));
    /* only the columns these figures need: no batch, and no logp without PCS
     * or a divergence; n_options is small and read (and checked) anyway, so a
     * damaged one is refused as by every command (tests/cli/hostile_store.sh) */
    unsigned cols = SAYDO_COLS_PAIRING | SAYDO_COL_N_OPTIONS;
    if (metrics & ~(unsigned)SAYDO_M_CS) cols |= SAYDO_COL_LOGP;
    if ((st = saydo_store_read_cols(store, cols, &d)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    ts[ST_READ + 1] = stamp_now();
    /* no intervals and no --where: the table straight from the records, no per-pair arrays */
    const int direct = cio.method == SAYDO_CI_NONE && n_where == 0;
    for (int rep = 1; rep < timings; rep++) {   /* --timings=R: the stage R - 1 times before the real run */
        saydo_pairs_t *p0 = NULL, info0;
        saydo_groups_t *g0 = NULL;
        saydo_table_t *t0 = NULL;
        stamp_t a = stamp_now();
        st = score_stage(d, &po, fields, nf, where, n_where, metrics, overall, direct, &p0, &g0, &t0, &info0, NULL);
        stamp_t b = stamp_now();
        saydo_table_free(t0);
        saydo_groups_free(g0);
        saydo_pairs_free(p0);
        if (st < 0) {
            rc = saydo_cli_fail("score", st);
            goto done;
        }
        fprintf(stderr, "saydo score: stage run %d of %d (pair+group+metrics%s): %.4f s wall, %.4f s CPU, %.0f page "
                "faults\n", rep, timings, p0 ? "" : ", direct", b.wall - a.wall, b.cpu - a.cpu, b.faults - a.faults);
    }
    stamp_t pair0 = stamp_now();   /* the timed run's pair stage starts here */
    saydo_pairs_t info;
    if ((st = score_stage(d, &po, fields, nf, where, n_where, metrics, overall, direct, &p, &g, &t, &info, ts)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    const saydo_pairs_t *pc = p ? p : &info;   /* the pair counts */
    if (cio.method != SAYDO_CI_NONE && (st = saydo_score_ci_add(d, p, g, &cio, &t)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    ts[ST_BOOT + 1] = stamp_now();
    if (saydo_par_rank() == 0) {
        fprintf(stderr, "saydo score: %zu pairs of %s/%s", pc->n, d->sides.s[pc->side1], d->sides.s[pc->side2]);
        if (pc->unpaired1 || pc->unpaired2)
            fprintf(stderr, "; %lld %s and %lld %s records found no partner", (long long)pc->unpaired1,
                    d->sides.s[pc->side1], (long long)pc->unpaired2, d->sides.s[pc->side2]);
        fputc('\n', stderr);
    }
    if ((st = saydo_table_print(stdout, t, fmt, digits)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    if (timings && saydo_par_rank() == 0) {
        fflush(stdout);
        ts[ST_PRINT + 1] = stamp_now();
        timings_print(ts, &pair0, p == NULL);
    }
    if (save && saydo_par_rank() == 0) {
        if ((st = saydo_cli_save("score", store, save, t, argc, argv)) < 0) {
            rc = saydo_cli_fail("score", st);
            goto done;
        }
    }
    rc = 0;
done:
    saydo_table_free(t);
    saydo_groups_free(g);
    saydo_pairs_free(p);
    saydo_data_free(d);
    free(sides_buf);
    free(by_buf);
    return rc;
}
