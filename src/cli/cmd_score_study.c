/* saydo score STORE --metrics va_f1,va_distance | sr_kl,sr_jsd,sr_pivot [options]
 *
 * The study measures have their own units (scenarios, principles) and
 * their own tables, so they get their own option parsing here; the shared
 * options (--format, --digits, --save, --sides, the --ci family) mean what
 * they mean for the pair metrics. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/score_study.h"
#include "saydo/kernels.h"
#include "saydo/print.h"
#include "saydo/statedrevealed.h"
#include "saydo/valueaction.h"

int saydo_score_study_wanted(const char *metrics)
{
    for (const char *s = metrics; s && *s;) {
        if (strncmp(s, "va_", 3) == 0 || strncmp(s, "sr_", 3) == 0 || strncmp(s, "va,", 3) == 0 ||
            strcmp(s, "va") == 0 || strncmp(s, "sr,", 3) == 0 || strcmp(s, "sr") == 0)
            return 1;
        const char *c = strchr(s, ',');
        s = c ? c + 1 : NULL;
    }
    return 0;
}

void saydo_score_study_usage(FILE *f)
{
    fputs("ValueActionLens (--metrics va_f1,va_distance or va: one table with every figure):\n"
          "      --positive CLASS   F1's positive class: disagree (default, the paper) or agree (the\n"
          "                         authors' notebook)\n"
          "      --missing POLICY   drop (default: cells missing on either side are dropped and counted)\n"
          "                         or as-positive (the authors' way: no action = the positive action)\n"
          "      --by LEVELS        country, topic, scenario (default country,topic: rows per country and\n"
          "                         per topic beside the overall row)\n"
          "      --ranking          print the values ranked by distance per country, topic and overall\n"
          "      --top K            ranking rows per group (default all)\n"
          "      --compare A,B      paired test of two models' F1 over scenarios (MODEL or MODEL@COND)\n"
          "Stated vs revealed (--metrics sr_kl,sr_jsd,sr_pivot or sr: one table with every figure):\n"
          "      --eps E            additive smoothing of KL (default 1e-6; 0 = plain KL, +inf printed as inf)\n"
          "      --base B           log base 2 (default) or e\n"
          "      --option-map FILE  revealed option of each stated option, per principle (default identity)\n"
          "      --choices-only     ignore logged probabilities; distributions from the choices\n"
          "      --per-context      also a row per (principle, context)\n"
          "Both: --ci percentile|basic|bca, --resamples B, --seed S, --level L (intervals resampling\n"
          "      scenarios; paraphrases and contexts); --sides A,B; -f FMT; --digits N; --save NAME\n",
          f);
}

static int print_and_save(const char *store, const char *name, saydo_table_t *t, saydo_format fmt, int digits,
                          int argc, char **argv)
{
    saydo_status st = saydo_table_print(stdout, t, fmt, digits);
    if (st < 0) return saydo_cli_fail("score", st);
    if (!name) return 0;
    if ((st = saydo_cli_save("score", store, name, t, argc, argv)) < 0) return saydo_cli_fail("score", st);
    return 0;
}

int saydo_cmd_score_study(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"metrics", required_argument, NULL, 'm'}, {"by", required_argument, NULL, 'b'},
        {"format", required_argument, NULL, 'f'}, {"digits", required_argument, NULL, 1},
        {"save", required_argument, NULL, 2}, {"sides", required_argument, NULL, 3},
        {"positive", required_argument, NULL, 4}, {"missing", required_argument, NULL, 5},
        {"ranking", no_argument, NULL, 6}, {"top", required_argument, NULL, 7},
        {"compare", required_argument, NULL, 8}, {"eps", required_argument, NULL, 9},
        {"base", required_argument, NULL, 10}, {"option-map", required_argument, NULL, 11},
        {"choices-only", no_argument, NULL, 12}, {"per-context", no_argument, NULL, 13},
        {"ci", required_argument, NULL, 14}, {"resamples", required_argument, NULL, 15},
        {"seed", required_argument, NULL, 16}, {"level", required_argument, NULL, 17},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *metrics = "", *by = NULL, *format_s = "text", *save = NULL, *compare = NULL, *map_path = NULL;
    char *sides_buf = NULL, *parts[2];
    int digits = 4, ranking = 0, bad = 0, c, rc = 1;
    long top = 0;
    saydo_va_opts_t vo;
    saydo_sr_opts_t so;
    saydo_va_opts_default(&vo);
    saydo_sr_opts_default(&so);
    saydo_boot_opts_t bo;
    saydo_boot_opts_init(&bo);
    int ci = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:b:f:h", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'm': metrics = optarg; break;
        case 'b': by = optarg; break;
        case 'f': format_s = optarg; break;
        case 1: digits = atoi(optarg); break;
        case 2: save = optarg; break;
        case 3:
            free(sides_buf);
            sides_buf = NULL;
            if (saydo_cli_split(optarg, parts, 2, &sides_buf) != 2) bad = 1;
            else vo.stated_side = so.stated_side = parts[0], vo.action_side = so.revealed_side = parts[1];
            break;
        case 4:
            if (strcmp(optarg, "disagree") == 0) vo.positive_disagree = 1;
            else if (strcmp(optarg, "agree") == 0) vo.positive_disagree = 0;
            else bad = 1;
            break;
        case 5:
            if (strcmp(optarg, "drop") == 0) vo.missing = SAYDO_VA_MISSING_DROP;
            else if (strcmp(optarg, "as-positive") == 0) vo.missing = SAYDO_VA_MISSING_AS_POSITIVE;
            else bad = 1;
            break;
        case 6: ranking = 1; break;
        case 7: top = strtol(optarg, &end, 10); bad |= *end || top < 0; break;
        case 8: compare = optarg; break;
        case 9: so.eps = strtod(optarg, &end); bad |= *end || !(so.eps >= 0); break;
        case 10:
            so.base = strcmp(optarg, "e") == 0 ? SAYDO_BASE_E : strtod(optarg, &end);
            bad |= (end && *end) || !(so.base > 1);
            break;
        case 11: map_path = optarg; break;
        case 12: so.use_probs = 0; break;
        case 13: so.per_context = 1; break;
        case 14:
            ci = 1;
            if (strcmp(optarg, "percentile") == 0) bo.methods = SAYDO_BOOT_PERCENTILE;
            else if (strcmp(optarg, "basic") == 0) bo.methods = SAYDO_BOOT_BASIC;
            else if (strcmp(optarg, "bca") == 0) bo.methods = SAYDO_BOOT_BCA;
            else {
                fprintf(stderr, "saydo score: --ci %s: the study measures take percentile, basic or bca\n", optarg);
                bad = 1;
            }
            break;
        case 15: {
            long long b = strtoll(optarg, &end, 10);
            bad |= *end || b < 1;
            bo.n_resamples = b < 1 ? 1 : (size_t)b;
            break;
        }
        case 16: bo.seed = strtoull(optarg, &end, 10); bad |= *end || optarg[0] == '-'; break;
        case 17: bo.level = strtod(optarg, &end); bad |= *end || !(bo.level > 0 && bo.level < 1); break;
        case 'h': saydo_score_study_usage(stdout); free(sides_buf); return 0;
        default: bad = 1;
        }
    }
    int want_va = 0, want_sr = 0;
    for (const char *s = metrics; *s;) {
        size_t n = strcspn(s, ",");
        if (n >= 2 && strncmp(s, "va", 2) == 0 && (n == 2 || s[2] == '_')) want_va = 1;
        else if (n >= 2 && strncmp(s, "sr", 2) == 0 && (n == 2 || s[2] == '_')) want_sr = 1;
        else {
            fprintf(stderr, "saydo score: metric '%.*s' cannot be mixed with va_* / sr_* metrics\n", (int)n, s);
            bad = 1;
        }
        s += n + (s[n] == ',');
    }
    if (by && want_va) {
        vo.levels = 0;
        for (const char *s = by; *s;) {
            size_t n = strcspn(s, ",");
            if (n == 7 && strncmp(s, "country", 7) == 0) vo.levels |= SAYDO_VA_BY_COUNTRY;
            else if (n == 5 && strncmp(s, "topic", 5) == 0) vo.levels |= SAYDO_VA_BY_TOPIC;
            else if (n == 8 && strncmp(s, "scenario", 8) == 0) vo.levels |= SAYDO_VA_BY_SCENARIO;
            else if (!(n == 5 && strncmp(s, "model", 5) == 0)) {
                fprintf(stderr, "saydo score: ValueActionLens rows are by country, topic or scenario, not '%.*s'\n",
                        (int)n, s);
                bad = 1;
            }
            s += n + (s[n] == ',');
        }
    }
    saydo_format fmt;
    if (saydo_format_parse(format_s, &fmt) < 0) bad = 1;
    if (bad || optind != argc - 1 || (want_va && want_sr)) {
        if (want_va && want_sr) fprintf(stderr, "saydo score: va_* and sr_* metrics go in separate runs\n");
        fputs("Usage: saydo score STORE --metrics va_...|sr_... [options]\n", stderr);
        saydo_score_study_usage(stderr);
        free(sides_buf);
        return 2;
    }
    const char *store = argv[optind];
    saydo_data_t *d = NULL;
    saydo_va_t *va = NULL;
    saydo_sr_optmap_t *map = NULL;
    saydo_table_t *t = NULL;
    saydo_status st;
    vo.ci = so.ci = ci;
    vo.boot = so.boot = bo;
    if ((st = saydo_store_read(store, &d)) < 0) {
        rc = saydo_cli_fail("score", st);
        goto done;
    }
    if (want_va) {
        if ((st = saydo_va_build(d, &vo, &va)) < 0 || (st = saydo_va_table(va, &t)) < 0) {
            rc = saydo_cli_fail("score", st);
            goto done;
        }
        if ((rc = print_and_save(store, save, t, fmt, digits, argc, argv)) != 0) goto done;
        if (ranking) {
            saydo_table_free(t);
            t = NULL;
            if ((st = saydo_va_ranking_table(va, (size_t)top, &t)) < 0) {
                rc = saydo_cli_fail("score", st);
                goto done;
            }
            if (fmt == SAYDO_FMT_TEXT) fputc('\n', stdout);
            char name[256];
            if (save) snprintf(name, sizeof name, "%s_ranking", save);
            if ((rc = print_and_save(store, save ? name : NULL, t, fmt, digits, argc, argv)) != 0) goto done;
        }
        if (compare) {
            saydo_table_free(t);
            t = NULL;
            char *cbuf = NULL;
            if (saydo_cli_split(compare, parts, 2, &cbuf) != 2) {
                free(cbuf);
                fprintf(stderr, "saydo score: --compare takes A,B\n");
                rc = 2;
                goto done;
            }
            st = saydo_va_compare_table(va, parts[0], parts[1], &t);
            free(cbuf);
            if (st < 0) {
                rc = saydo_cli_fail("score", st);
                goto done;
            }
            if (fmt == SAYDO_FMT_TEXT) fputc('\n', stdout);
            char name[256];
            if (save) snprintf(name, sizeof name, "%s_compare", save);
            if ((rc = print_and_save(store, save ? name : NULL, t, fmt, digits, argc, argv)) != 0) goto done;
        }
    } else {
        if (map_path && (st = saydo_sr_optmap_load(map_path, &map)) < 0) {
            rc = saydo_cli_fail("score", st);
            goto done;
        }
        so.map = map;
        if ((st = saydo_sr_table(d, &so, &t)) < 0) {
            rc = saydo_cli_fail("score", st);
            goto done;
        }
        if ((rc = print_and_save(store, save, t, fmt, digits, argc, argv)) != 0) goto done;
    }
    rc = 0;
done:
    saydo_table_free(t);
    saydo_va_free(va);
    saydo_sr_optmap_free(map);
    saydo_data_free(d);
    free(sides_buf);
    return rc;
}
