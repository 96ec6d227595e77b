/* saydo compare STORE --baseline base --against a,b [--by model] [--format text|csv|json] */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/threads_opt.h"
#include "cli/select.h"
#include "saydo/compare.h"
#include "saydo/par.h"
#include "saydo/print.h"

static void usage(FILE *f)
{
    fputs("Usage: saydo compare STORE [options]\n"
          "What each compared condition (an aligned checkpoint) changed against the baseline, on the same\n"
          "(model, item, trial, variant): CS and PCS before and after with their difference, how often each\n"
          "side's answer changed (the deed side read in word letters through each run's option map), the\n"
          "change on the trained side (direct) and on the other (indirect), the consistency transition\n"
          "table n_cc/n_ci/n_ic/n_ii with McNemar's test, Cohen's h, and Cochran's Q across rounds.\n\n"
          "Options:\n"
          "      --baseline C       the baseline condition (default base)\n"
          "  -a, --against LIST     conditions to compare with it (default: all others)\n"
          "  -b, --by FIELDS        group by: model (default), domain, variant, method, round,\n"
          "                         trained_side, item, a label; 'none' for one group per condition\n"
          "  -w, --where F=V[|V..]  keep pairs whose field F has one of the values (repeatable)\n"
          "      --sides A,B        the two sides (default word/stated/value against deed/revealed/action);\n"
          "                         *_change_rate columns call them word and deed\n"
          "      --missing POLICY   drop (default), inconsistent or option, as in score\n"
          "      --unit UNIT        trial (default) or item (trials pooled; couples matched per item)\n"
          "Intervals and tests:\n"
          "      --ci METHOD        deltas: bootstrap over items, paired (percentile, basic, bca; default bca)\n"
          "      --rate-ci METHOD   levels and change rates: wilson (default), clopper, cluster (Miller 2024,\n"
          "                         items as clusters), or percentile/basic/bca; PCS levels use cluster\n"
          "                         unless a bootstrap method is chosen\n"
          "      --resamples B      bootstrap resamples (default 9999)\n"
          "      --seed S           seed (default 0); output row r uses S + r, on any number of threads\n"
          "      --level L          confidence level of every interval (default 0.95)\n"
          "      --strata FIELD     bootstrap within each value of FIELD (e.g. domain)\n"
          "      --correction M     holm (default), bonferroni or bh: adjusts mcnemar_p over all rows\n"
          "      --rounds           always add Cochran's Q across the baseline and the compared\n"
          "                         conditions of each method (default: when conditions have rounds)\n"
          "      --no-rounds        never\n"
          "Output:\n"
          "  -f, --format FMT       text (default: one block per row), csv or json (every column)\n"
          "      --digits N         decimals in text output (default 4)\n"
          "      --threads N        threads (default 0: every core); the output is the same for any N\n"
          "      --save NAME        also store the table as /results/NAME in STORE\n",
          f);
}

static void put_num(FILE *f, double v, int digits)
{
    if (isnan(v)) fprintf(f, "%*s", digits + 4, "-");
    else fprintf(f, "%*.*f", digits + 4, digits, v);
}

static double num(const saydo_table_t *t, const char *name, size_t r)
{
    int c = saydo_table_find_col(t, name);
    return c >= 0 && !t->col_is_str[c] ? t->num_col[c][r] : NAN;
}

static const char *str(const saydo_table_t *t, const char *name, size_t r)
{
    int c = saydo_table_find_col(t, name);
    return c >= 0 && t->col_is_str[c] ? t->str_col[c][r] : "";
}

/* Text: per row a header, the figures with their intervals, then counts and tests. */
static void print_blocks(FILE *f, const saydo_table_t *t, int n_by, int digits)
{
    static const char *const figs[] = {"cs_baseline", "cs", "delta_cs", "pcs_baseline", "pcs", "delta_pcs",
                                       "word_change_rate", "deed_change_rate", "direct_change_rate",
                                       "indirect_change_rate", "cohens_h", NULL};
    int has_q = saydo_table_find_col(t, "cochran_q") >= 0;
    fprintf(f, "%s\n", t->title ? t->title : "");
    for (size_t r = 0; r < t->n_rows; r++) {
        fputc('\n', f);
        for (int c = 0; c < n_by; c++) fprintf(f, "%s=%s  ", t->col_name[c], t->str_col[c][r]);
        fprintf(f, "%s vs %s", str(t, "condition", r), str(t, "baseline", r));
        if (*str(t, "trained_side", r)) fprintf(f, " (trained on %s)", str(t, "trained_side", r));
        fprintf(f, ": %.0f pairs matched, %.0f kept in both\n", num(t, "n_pairs", r), num(t, "n_paired", r));
        fprintf(f, "  %-22s%*s%*s%*s\n", "", digits + 4, "value", digits + 4, "lo", digits + 4, "hi");
        for (int k = 0; figs[k]; k++) {
            char lo[64], hi[64];
            snprintf(lo, sizeof lo, "%s_lo", figs[k]);
            snprintf(hi, sizeof hi, "%s_hi", figs[k]);
            fprintf(f, "  %-22s", figs[k]);
            put_num(f, num(t, figs[k], r), digits);
            put_num(f, num(t, lo, r), digits);
            put_num(f, num(t, hi, r), digits);
            if (strcmp(figs[k], "word_change_rate") == 0)
                fprintf(f, "   (%.0f of %.0f)", num(t, "n_word_changed", r), num(t, "n_word_compared", r));
            if (strcmp(figs[k], "deed_change_rate") == 0)
                fprintf(f, "   (%.0f of %.0f)", num(t, "n_deed_changed", r), num(t, "n_deed_compared", r));
            fputc('\n', f);
        }
        fprintf(f, "  transitions            cc %.0f  ci %.0f  ic %.0f  ii %.0f   to_consistent %.*f  away %.*f\n",
                num(t, "n_cc", r), num(t, "n_ci", r), num(t, "n_ic", r), num(t, "n_ii", r), digits,
                num(t, "to_consistent_rate", r), digits, num(t, "away_rate", r));
        fprintf(f, "  mcnemar                p %.4g  mid-p %.4g  chi2 p %.4g  adjusted (%s) %.4g\n",
                num(t, "mcnemar_p", r), num(t, "mcnemar_midp", r), num(t, "mcnemar_chi2_p", r),
                str(t, "correction", r), num(t, "p_adjusted", r));
        if (has_q && !isnan(num(t, "cochran_q", r)))
            fprintf(f, "  cochran (method)       Q %.4g  df %.0f  p %.4g  on %.0f units\n", num(t, "cochran_q", r),
                    num(t, "cochran_df", r), num(t, "cochran_p", r), num(t, "n_cochran", r));
    }
}

int saydo_cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"baseline", required_argument, NULL, 1}, {"against", required_argument, NULL, 'a'},
        {"by", required_argument, NULL, 'b'},      {"where", required_argument, NULL, 'w'},
        {"sides", required_argument, NULL, 2},     {"missing", required_argument, NULL, 3},
        {"unit", required_argument, NULL, 4},      {"ci", required_argument, NULL, 5},
        {"rate-ci", required_argument, NULL, 6},   {"resamples", required_argument, NULL, 7},
        {"seed", required_argument, NULL, 8},      {"level", required_argument, NULL, 9},
        {"strata", required_argument, NULL, 10},   {"correction", required_argument, NULL, 11},
        {"rounds", no_argument, NULL, 12},         {"no-rounds", no_argument, NULL, 13},
        {"format", required_argument, NULL, 'f'},  {"digits", required_argument, NULL, 14},
        {"save", required_argument, NULL, 15},     {"threads", required_argument, NULL, 30}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *by = "model", *against = NULL, *format_s = "text", *save = NULL, *where[16];
    int n_where = 0, digits = 4, c, rc = 1, bad = 0;
    char *sides_buf = NULL, *by_buf = NULL, *against_buf = NULL;
    saydo_pair_opts_t po;
    saydo_pair_opts_default(&po);
    saydo_compare_opts_t co;
    saydo_compare_opts_default(&co);
    /* the MPI build: every rank runs this command; rank 0 alone prints (saydo/par.h) */
    if (saydo_par_init(&argc, &argv) < 0) return saydo_cli_fail("compare", SAYDO_E_IO);
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:b:w:f:h", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 1: co.baseline = optarg; break;
        case 'a': against = optarg; break;
        case 'b': by = optarg; break;
        case 'w':
            if (n_where < 16) where[n_where++] = optarg;
            break;
        case 2: {
            char *parts[2];
            free(sides_buf);
            if (saydo_cli_split(optarg, parts, 2, &sides_buf) != 2) bad = 1;
            else po.side1 = parts[0], po.side2 = parts[1];
            break;
        }
        case 3:
            if (strcmp(optarg, "drop") == 0) po.missing = SAYDO_MISSING_DROP;
            else if (strcmp(optarg, "inconsistent") == 0) po.missing = SAYDO_MISSING_INCONSISTENT;
            else if (strcmp(optarg, "option") == 0) po.missing = SAYDO_MISSING_OPTION;
            else bad = 1;
            break;
        case 4:
            if (strcmp(optarg, "trial") == 0) po.unit = SAYDO_UNIT_TRIAL;
            else if (strcmp(optarg, "item") == 0) po.unit = SAYDO_UNIT_ITEM;
            else bad = 1;
            break;
        case 5: bad |= saydo_ci_method_parse(optarg, &co.delta_ci.method) < 0; break;
        case 6: bad |= saydo_ci_method_parse(optarg, &co.rate_ci) < 0; break;
        case 7: {
            long long b = strtoll(optarg, &end, 10);
            bad |= *end != '\0' || b < 1;
            co.delta_ci.n_resamples = b < 1 ? 1 : (size_t)b;
            break;
        }
        case 8:
            co.delta_ci.seed = strtoull(optarg, &end, 10);
            bad |= *end != '\0' || optarg[0] == '-';
            break;
        case 9:
            co.delta_ci.level = strtod(optarg, &end);
            bad |= *end != '\0' || !(co.delta_ci.level > 0 && co.delta_ci.level < 1);
            break;
        case 10: co.delta_ci.strata = optarg; break;
        case 11:
            if (strcmp(optarg, "holm") == 0) co.correction = SAYDO_STATS_HOLM;
            else if (strcmp(optarg, "bonferroni") == 0) co.correction = SAYDO_STATS_BONFERRONI;
            else if (strcmp(optarg, "bh") == 0 || strcmp(optarg, "fdr_bh") == 0) co.correction = SAYDO_STATS_BH;
            else bad = 1;
            break;
        case 12: co.rounds = 1; break;
        case 13: co.rounds = 0; break;
        case 'f': format_s = optarg; break;
        case 14: digits = atoi(optarg); break;
        case 15: save = optarg; break;
        case 30:
            if (saydo_cli_threads("compare", optarg) < 0) return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: bad = 1; break;
        }
    }
    if (bad || optind != argc - 1 || digits < 0 || digits > 12) {
        if (bad && *saydo_last_error()) fprintf(stderr, "saydo compare: %s\n", saydo_last_error());
        usage(stderr);
        free(sides_buf);
        return 2;
    }
    const char *store = argv[optind];
    co.unit = po.unit;
    saydo_format fmt;
    saydo_data_t *d = NULL;
    saydo_pairs_t *p = NULL;
    saydo_table_t *t = NULL;
    saydo_status st;
    char *fields[16], *conds[64];
    int nf = strcmp(by, "none") == 0 ? 0 : saydo_cli_split(by, fields, 16, &by_buf);
    int na = against ? saydo_cli_split(against, conds, 64, &against_buf) : 0;
    co.by = (const char *const *)fields;
    co.n_by = nf < 0 ? 0 : nf;
    co.against = (const char *const *)conds;
    co.n_against = na < 0 ? 0 : na;
    if ((st = saydo_format_parse(format_s, &fmt)) < 0 || (st = saydo_store_read(store, &d)) < 0 ||
        (st = saydo_pairs_build(d, &po, &p)) < 0 || (st = saydo_cli_select_pairs(d, p, where, n_where)) < 0 ||
        (st = saydo_compare_table(d, p, &co, &t)) < 0) {
        rc = saydo_cli_fail("compare", st);
        goto done;
    }
    if (saydo_par_rank() == 0)
        fprintf(stderr, "saydo compare: %zu rows from %zu pairs of %s/%s\n", t->n_rows, p->n, d->sides.s[p->side1],
                d->sides.s[p->side2]);
    if (fmt == SAYDO_FMT_TEXT) print_blocks(stdout, t, co.n_by, digits);
    else if ((st = saydo_table_print(stdout, t, fmt, digits)) < 0) {
        rc = saydo_cli_fail("compare", st);
        goto done;
    }
    if (save && saydo_par_rank() == 0) {
        if ((st = saydo_cli_save("compare", store, save, t, argc, argv)) < 0) {
            rc = saydo_cli_fail("compare", st);
            goto done;
        }
    }
    rc = 0;
done:
    saydo_table_free(t);
    saydo_pairs_free(p);
    saydo_data_free(d);
    free(sides_buf);
    free(by_buf);
    free(against_buf);
    return rc;
}
