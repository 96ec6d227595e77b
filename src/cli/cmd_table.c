/* saydo table STORE [--spec FILE | --rows F --cols F --cells M ...] [--format markdown|latex|csv|json] [-o FILE]
 * A thin shell over saydo/table.h: spec, figures, layout, render. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/select.h"
#include "saydo/score.h"
#include "saydo/table.h"

static void usage(FILE *f)
{
    fputs("Usage: saydo table STORE [--spec FILE] [options]\n"
          "Computes the figures of a paper table from STORE (or reads a saved one with --from) and lays\n"
          "them out: rows x columns, each cell a metric with its interval, the best value in bold and\n"
          "stars for a test against a baseline row or column, with a footnote that states the test,\n"
          "the correction, the resamples and the seed.\n\n"
          "Options (each sets the spec key of the same name, after the spec file):\n"
          "  -s, --spec FILE         read the spec (key = value lines, below)\n"
          "  -r, --rows FIELDS       row fields, e.g. model\n"
          "  -c, --cols FIELDS       column fields, e.g. domain or condition\n"
          "  -m, --cells LIST        metrics per column (below; or any column of a --from table)\n"
          "  -w, --where F=V[|V..]   keep pairs (or saved rows) whose field F has one of the values\n"
          "      --from NAME         lay out the table saved as /results/NAME instead of computing\n"
          "      --ci METHOD         percentile (default), basic, bca, wilson, exact, cluster or none\n"
          "      --ci-style STYLE    brackets (0.64 [0.61, 0.66], default) or pm (0.64 ± 0.03)\n"
          "      --level L           confidence level (default 0.95)\n"
          "      --resamples B       bootstrap and sign-flip resamples (default 9999)\n"
          "      --seed S            seed of every resampling (default 1)\n"
          "      --digits N          decimals (default 2)\n"
          "      --bold RULE         none (default), max, min, auto (max for cs/pcs, min for divergences)\n"
          "      --baseline F=V      test every cell against the cell with field F = V (a row or column)\n"
          "      --test T            auto (default: McNemar for cs, Wilcoxon for means; z-test for cs when\n"
          "                          F is not model, condition or variant), mcnemar, ztest, wilcoxon,\n"
          "                          signflip or none\n"
          "      --correction C      holm (default), bonferroni, bh or none: over every test of the table\n"
          "      --margins M         none (default), col (an All column), row (an All row) or both\n"
          "      --title T, --caption C, --label L, --note N\n"
          "      --sides A,B, --missing drop|inconsistent|option, --unit trial|item   (as saydo score)\n"
          "      --set KEY=VALUE     any other spec key\n"
          "  -f, --format FMT        markdown (default), latex, csv or json\n"
          "  -o, --output FILE       write there instead of stdout ('-' is stdout); repeatable: without\n"
          "                          --format each file's format follows its extension (.md .tex .csv\n"
          "                          .json), so one run writes every format of the same figures\n"
          "      --save NAME         also store the figures (long form: M, M_lo, M_hi, M_p, M_p_adj, n)\n"
          "                          as /results/NAME in STORE\n\n"
          "Spec file: one `key = value` per line; blank lines and lines starting with # are skipped.\n"
          "  title = WDCT consistency by model and domain\n"
          "  rows = model\n"
          "  cols = domain\n"
          "  cells = cs, pcs\n"
          "  ci = percentile\n"
          "  resamples = 9999\n"
          "  seed = 1\n"
          "  digits = 2\n"
          "  bold = max\n"
          "  baseline = model=m01\n"
          "  correction = holm\n"
          "  caption = CS and PCS ... (LaTeX, written as is; default: the title)\n"
          "  label = tab:wdct\n"
          "Keys: title caption label note rows cols cells where from sides missing unit ci ci_style\n"
          "      level resamples seed digits bold baseline test correction pvalue reference strata\n"
          "      positive margins wide fit font\n"
          "  where      repeatable, FIELD=V1|V2\n"
          "  pvalue     a --from table: the column the stars come from (default M_p_adj, M_p, p_adjusted)\n"
          "  reference  compare metrics (delta_cs, direct_change_rate, ...): the condition compared\n"
          "             against (default base); their stars are compare's McNemar test on delta_cs\n"
          "  strata     bootstrap within each value of a field (domain, ...)\n"
          "  positive   ValueActionLens F1's positive class: disagree (default, the paper) or agree\n"
          "  wide       yes: LaTeX table*    fit: yes scales the tabular to \\linewidth (graphicx)\n"
          "  font       LaTeX size command (default small)\n"
          "Metrics by analysis (one analysis per table):\n"
          "  pairs      cs pcs jsd kl_12 kl_21 entropy_1 entropy_2 tvd n n_pairs n_dropped\n"
          "  compare    delta_cs delta_pcs direct_change_rate indirect_change_rate word_change_rate\n"
          "             deed_change_rate cohens_h\n"
          "  ValueActionLens    f1 accuracy gap distance (fields country, topic, model, condition)\n"
          "  stated vs revealed kl_sr kl_rs jsd_sr pivot_rate (fields category, principle, context, model)\n"
          "LaTeX output needs \\usepackage{booktabs}; numbers are aligned with \\phantom padding.\n",
          f);
}

enum { O_FROM = 1, O_CI, O_CI_STYLE, O_LEVEL, O_RESAMPLES, O_SEED, O_DIGITS, O_BOLD, O_BASELINE, O_TEST,
       O_CORRECTION, O_MARGINS, O_TITLE, O_CAPTION, O_LABEL, O_NOTE, O_SIDES, O_MISSING, O_UNIT, O_SET, O_SAVE };

int saydo_cmd_table(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"spec", required_argument, NULL, 's'}, {"rows", required_argument, NULL, 'r'},
        {"cols", required_argument, NULL, 'c'}, {"cells", required_argument, NULL, 'm'},
        {"cell", required_argument, NULL, 'm'}, {"where", required_argument, NULL, 'w'},
        {"from", required_argument, NULL, O_FROM}, {"ci", required_argument, NULL, O_CI},
        {"ci-style", required_argument, NULL, O_CI_STYLE}, {"level", required_argument, NULL, O_LEVEL},
        {"resamples", required_argument, NULL, O_RESAMPLES}, {"seed", required_argument, NULL, O_SEED},
        {"digits", required_argument, NULL, O_DIGITS}, {"bold", required_argument, NULL, O_BOLD},
        {"baseline", required_argument, NULL, O_BASELINE}, {"test", required_argument, NULL, O_TEST},
        {"correction", required_argument, NULL, O_CORRECTION}, {"margins", required_argument, NULL, O_MARGINS},
        {"title", required_argument, NULL, O_TITLE}, {"caption", required_argument, NULL, O_CAPTION},
        {"label", required_argument, NULL, O_LABEL}, {"note", required_argument, NULL, O_NOTE},
        {"sides", required_argument, NULL, O_SIDES}, {"missing", required_argument, NULL, O_MISSING},
        {"unit", required_argument, NULL, O_UNIT}, {"set", required_argument, NULL, O_SET},
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"save", required_argument, NULL, O_SAVE}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    static const char *key_of[] = {[O_FROM] = "from", [O_CI] = "ci", [O_CI_STYLE] = "ci_style",
                                   [O_LEVEL] = "level", [O_RESAMPLES] = "resamples", [O_SEED] = "seed",
                                   [O_DIGITS] = "digits", [O_BOLD] = "bold", [O_BASELINE] = "baseline",
                                   [O_TEST] = "test", [O_CORRECTION] = "correction", [O_MARGINS] = "margins",
                                   [O_TITLE] = "title", [O_CAPTION] = "caption", [O_LABEL] = "label",
                                   [O_NOTE] = "note", [O_SIDES] = "sides", [O_MISSING] = "missing",
                                   [O_UNIT] = "unit"};
    /* options override the spec file whatever their order: keep them, apply after it */
    enum { MAX_SET = 64 };
    const char *set_key[MAX_SET], *set_val[MAX_SET];
    char *set_buf[MAX_SET];
    int n_set = 0, n_buf = 0, c, rc = 1;
    enum { MAX_OUT = 8 };
    const char *spec_path = NULL, *format_s = NULL, *out_path[MAX_OUT], *save = NULL;
    int n_out = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:r:c:m:w:f:o:h", longopts, NULL)) != -1) {
        const char *key = NULL, *val = optarg;
        switch (c) {
        case 's': spec_path = optarg; continue;
        case 'r': key = "rows"; break;
        case 'c': key = "cols"; break;
        case 'm': key = "cells"; break;
        case 'w': key = "where"; break;
        case 'f': format_s = optarg; continue;
        case 'o':
            if (n_out >= MAX_OUT) goto usage_error;
            out_path[n_out++] = optarg;
            continue;
        case O_SAVE: save = optarg; continue;
        case O_SET: {
            const char *eq = strchr(optarg, '=');
            if (!eq || n_buf >= MAX_SET) {
                fprintf(stderr, "saydo table: --set takes KEY=VALUE, not '%s'\n", optarg);
                goto usage_error;
            }
            char *k = strndup(optarg, (size_t)(eq - optarg));
            if (!k) goto done;
            set_buf[n_buf++] = k;
            key = k;
            val = eq + 1;
            break;
        }
        case 'h': usage(stdout); rc = 0; goto done;
        default:
            if (c > 0 && c < (int)(sizeof key_of / sizeof key_of[0]) && key_of[c]) {
                key = key_of[c];
                break;
            }
            goto usage_error;
        }
        if (n_set >= MAX_SET) goto usage_error;
        set_key[n_set] = key;
        set_val[n_set++] = val;
    }
    if (optind != argc - 1) goto usage_error;

    const char *store = argv[optind];
    saydo_tspec_t *s = NULL;
    saydo_data_t *d = NULL;
    saydo_pairs_t *p = NULL;
    saydo_table_t *fig = NULL;
    saydo_tlayout_t *l = NULL;
    FILE *out = NULL;
    saydo_tformat fmt = SAYDO_TFMT_MARKDOWN, fmt_of[MAX_OUT];
    saydo_status st;
    if (format_s && (st = saydo_tformat_parse(format_s, &fmt)) < 0) goto fail;
    /* each output's format: --format, else its extension (.md .tex .csv .json), else Markdown */
    for (int i = 0; i < n_out; i++) {
        const char *dot = strrchr(out_path[i], '.');
        fmt_of[i] = fmt;
        if (!format_s && dot && saydo_tformat_parse(dot + 1, &fmt_of[i]) < 0) fmt_of[i] = fmt;
    }
    if (n_out == 0) {
        out_path[0] = "-";
        fmt_of[n_out++] = fmt;
    }
    if ((st = saydo_tspec_create(&s)) < 0 ||
        (spec_path && (st = saydo_tspec_read(s, spec_path)) < 0))
        goto fail;
    for (int i = 0; i < n_set; i++)
        if ((st = saydo_tspec_set(s, set_key[i], set_val[i])) < 0) goto fail;
    if ((st = saydo_tspec_check(s)) < 0) goto fail;

    if (s->from) {
        if ((st = saydo_store_read_table(store, s->from, &fig)) < 0) goto fail;
        fprintf(stderr, "saydo table: /results/%s, %zu rows\n", s->from, fig->n_rows);
    } else if (!saydo_tspec_needs_pairs(s)) {
        if ((st = saydo_store_read(store, &d)) < 0 || (st = saydo_table_compute(d, NULL, s, &fig)) < 0) goto fail;
        fprintf(stderr, "saydo table: %zu figures rows\n", fig->n_rows);
    } else {
        saydo_pair_opts_t po;
        saydo_pair_opts_default(&po);
        po.side1 = s->side1;
        po.side2 = s->side2;
        po.missing = s->missing;
        po.unit = s->unit;
        if ((st = saydo_store_read(store, &d)) < 0 || (st = saydo_pairs_build(d, &po, &p)) < 0 ||
            (st = saydo_cli_select_pairs(d, p, (const char *const *)s->where, s->n_where)) < 0 ||
            (st = saydo_table_compute(d, p, s, &fig)) < 0)
            goto fail;
        fprintf(stderr, "saydo table: %zu pairs of %s/%s, %zu groups\n", p->n, d->sides.s[p->side1],
                d->sides.s[p->side2], fig->n_rows);
    }
    if ((st = saydo_table_layout(fig, s, &l)) < 0) goto fail;
    for (int i = 0; i < n_out; i++) {
        int to_stdout = strcmp(out_path[i], "-") == 0;
        out = to_stdout ? stdout : fopen(out_path[i], "w");
        if (!out) {
            fprintf(stderr, "saydo table: cannot write %s\n", out_path[i]);
            goto done_free;
        }
        if ((st = saydo_table_render(out, l, s, fmt_of[i])) < 0) goto fail;
        if (!to_stdout) {
            FILE *o = out;
            out = NULL;
            if (fclose(o) != 0) {
                fprintf(stderr, "saydo table: error writing %s\n", out_path[i]);
                goto done_free;
            }
        }
        out = NULL;
    }
    if (save) {
        if ((st = saydo_cli_save("table", store, save, fig, argc, argv)) < 0) goto fail;
    }
    rc = 0;
    goto done_free;
fail:
    rc = saydo_cli_fail("table", st);
done_free:
    if (out && out != stdout) fclose(out);
    saydo_tlayout_free(l);
    saydo_table_free(fig);
    saydo_pairs_free(p);
    saydo_data_free(d);
    saydo_tspec_free(s);
done:
    for (int i = 0; i < n_buf; i++) free(set_buf[i]);
    return rc;
usage_error:
    usage(stderr);
    for (int i = 0; i < n_buf; i++) free(set_buf[i]);
    return 2;
}
