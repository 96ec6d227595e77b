/* saydo power: how many items a study needs, or what difference it can see.
 *
 * Unpaired (two independent groups, e.g. two models on different items):
 * Cohen's h on the arcsine scale, as statsmodels NormalIndPower. Paired
 * (the same items before and after alignment): McNemar's test, Connor (1987),
 * from the discordant proportion psi (pairs that change consistency either
 * way), which a pilot's `saydo compare` gives as (n_ci + n_ic) / n_paired. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "saydo/stats.h"

static const char usage_text[] =
    "Usage: saydo power --p0 P [--p1 P] [--n N] [options]              (two independent groups)\n"
    "       saydo power --paired --psi PSI [--delta D] [--n N] [options] (McNemar, same items)\n"
    "Sample size, power or minimum detectable difference for a consistency score (a proportion).\n"
    "Give the effect (--p1, or --delta) to get the n needed; give --n to get the minimum\n"
    "detectable difference; give both to get the power.\n\n"
    "Options:\n"
    "      --p0 P          baseline proportion (e.g. the base model's CS)\n"
    "      --p1 P          the proportion to detect (unpaired)\n"
    "      --paired        paired design: McNemar's test on the same items (Connor 1987)\n"
    "      --psi PSI       paired: share of discordant pairs (consistency changed either way)\n"
    "      --delta D       paired: difference of the paired proportions to detect (p_after - p_before)\n"
    "  -n, --n N           items per group (unpaired) or pairs (paired)\n"
    "      --alpha A       two-sided significance level (default 0.05)\n"
    "      --power P       target power (default 0.8)\n"
    "  -f, --format FMT    text (default) or json\n";

typedef struct {
    double p0, p1, psi, delta, n, alpha, power;
    int paired, json;
} power_opts;

static int parse_num(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s && !*end && isfinite(*out);
}

/* prints one result: name and value (NaN: "none", with the reason in text) */
static void emit(const power_opts *o, const char *key, double v, int last, const char *why)
{
    if (o->json) {
        if (isnan(v)) printf("  \"%s\": null%s\n", key, last ? "" : ",");
        else printf("  \"%s\": %.17g%s\n", key, v, last ? "" : ",");
    } else if (isnan(v)) printf("%-24s none (%s)\n", key, why);
    else printf("%-24s %.6g\n", key, v);
}

static int run_unpaired(const power_opts *o)
{
    double h = isnan(o->p1) ? NAN : saydo_stats_cohens_h(o->p1, o->p0);
    if (o->json)
        printf("{\n  \"design\": \"unpaired\",\n  \"p0\": %.17g,\n  \"alpha\": %.17g,\n  \"target_power\": %.17g,\n",
               o->p0, o->alpha, o->power);
    else printf("design                 unpaired (two independent groups; Cohen's h, normal approximation)\n");
    if (!isnan(o->p1) && isnan(o->n)) {
        emit(o, "cohens_h", h, 0, "");
        double n = saydo_stats_n_two_prop(h, o->power, o->alpha);
        emit(o, "n_per_group", n, 0, "no difference to detect");
        emit(o, "n_per_group_rounded", isfinite(n) ? ceil(n) : NAN, 1, "no difference to detect");
    } else if (isnan(o->p1)) {
        emit(o, "n_per_group", o->n, 0, "");
        emit(o, "min_detectable_h", saydo_stats_mdh_two_prop(o->n, o->power, o->alpha), 0, "bad input");
        emit(o, "min_detectable_increase", saydo_stats_mdd_two_prop(o->p0, o->n, o->power, o->alpha), 0,
             "no detectable increase below 1");
        double down = saydo_stats_mdd_two_prop(1 - o->p0, o->n, o->power, o->alpha);
        emit(o, "min_detectable_decrease", down, 1, "no detectable decrease above 0");
    } else {
        emit(o, "cohens_h", h, 0, "");
        emit(o, "n_per_group", o->n, 0, "");
        emit(o, "power", saydo_stats_power_two_prop(h, o->n, o->n, o->alpha), 1, "bad input");
    }
    if (o->json) puts("}");
    return 0;
}

static int run_paired(const power_opts *o)
{
    if (o->json)
        printf("{\n  \"design\": \"paired\",\n  \"psi\": %.17g,\n  \"alpha\": %.17g,\n  \"target_power\": %.17g,\n",
               o->psi, o->alpha, o->power);
    else printf("design                 paired (McNemar's test; Connor 1987, normal approximation)\n");
    if (!isnan(o->delta) && isnan(o->n)) {
        double n = saydo_stats_n_mcnemar(o->delta, o->psi, o->power, o->alpha);
        emit(o, "n_pairs", n, 0, "needs 0 < |delta| < psi");
        emit(o, "n_pairs_rounded", isfinite(n) ? ceil(n) : NAN, 1, "needs 0 < |delta| < psi");
    } else if (isnan(o->delta)) {
        emit(o, "n_pairs", o->n, 0, "");
        emit(o, "min_detectable_delta", saydo_stats_mdd_mcnemar(o->psi, o->n, o->power, o->alpha), 1,
             "too few pairs for any difference at this psi");
    } else {
        emit(o, "n_pairs", o->n, 0, "");
        emit(o, "power", saydo_stats_power_mcnemar(o->delta, o->psi, o->n, o->alpha), 1,
             "needs 0 < |delta| <= psi");
    }
    if (o->json) puts("}");
    return 0;
}

int saydo_cmd_power(int argc, char **argv)
{
    enum { O_P0 = 256, O_P1, O_PAIRED, O_PSI, O_DELTA, O_ALPHA, O_POWER };
    static const struct option longopts[] = {
        {"p0", required_argument, NULL, O_P0},       {"p1", required_argument, NULL, O_P1},
        {"paired", no_argument, NULL, O_PAIRED},     {"psi", required_argument, NULL, O_PSI},
        {"delta", required_argument, NULL, O_DELTA}, {"n", required_argument, NULL, 'n'},
        {"alpha", required_argument, NULL, O_ALPHA}, {"power", required_argument, NULL, O_POWER},
        {"format", required_argument, NULL, 'f'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    power_opts o = {NAN, NAN, NAN, NAN, NAN, 0.05, 0.8, 0, 0};
    int c, ok = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_P0: ok &= parse_num(optarg, &o.p0); break;
        case O_P1: ok &= parse_num(optarg, &o.p1); break;
        case O_PAIRED: o.paired = 1; break;
        case O_PSI: ok &= parse_num(optarg, &o.psi); break;
        case O_DELTA: ok &= parse_num(optarg, &o.delta); break;
        case 'n': ok &= parse_num(optarg, &o.n); break;
        case O_ALPHA: ok &= parse_num(optarg, &o.alpha); break;
        case O_POWER: ok &= parse_num(optarg, &o.power); break;
        case 'f':
            if (strcmp(optarg, "json") == 0) o.json = 1;
            else if (strcmp(optarg, "text") != 0) ok = 0;
            break;
        case 'h': fputs(usage_text, stdout); return 0;
        default: return 2;
        }
    }
    const char *bad = NULL;
    if (!ok || optind != argc) bad = "a number or format could not be read";
    else if (!(o.alpha > 0 && o.alpha < 1) || !(o.power > o.alpha && o.power < 1))
        bad = "needs 0 < alpha < power < 1";
    else if (!isnan(o.n) && !(o.n > 0)) bad = "--n must be positive";
    else if (o.paired) {
        if (!(o.psi > 0 && o.psi <= 1)) bad = "--paired needs --psi in (0, 1]";
        else if (isnan(o.delta) && isnan(o.n)) bad = "--paired needs --delta, --n or both";
        else if (!isnan(o.p0) || !isnan(o.p1)) bad = "--p0/--p1 are for the unpaired design";
    } else {
        if (!(o.p0 > 0 && o.p0 < 1)) bad = "needs --p0 in (0, 1) (or --paired)";
        else if (!isnan(o.p1) && !(o.p1 >= 0 && o.p1 <= 1)) bad = "--p1 must be in [0, 1]";
        else if (isnan(o.p1) && isnan(o.n)) bad = "needs --p1, --n or both";
        else if (!isnan(o.psi) || !isnan(o.delta)) bad = "--psi/--delta need --paired";
    }
    if (bad) {
        fprintf(stderr, "saydo power: %s\n%s", bad, usage_text);
        return 2;
    }
    return o.paired ? run_paired(&o) : run_unpaired(&o);
}
