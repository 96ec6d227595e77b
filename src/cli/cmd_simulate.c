/* saydo simulate: write response logs with planted truth (the demo's input).
 * A thin shell over saydo_simulate_run() (saydo/simulate.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/simulate_sr.h"
#include "saydo/simulate.h"

static void usage(FILE *out)
{
    fputs("Usage: saydo simulate [options]\n"
          "Writes word/deed response logs (JSONL, saydo's default field names) with planted\n"
          "consistency, option distributions and alignment effects; seeded and reproducible.\n"
          "\n"
          "Output:\n"
          "  -o, --output FILE     the JSONL (default stdout; '-' is stdout)\n"
          "  -t, --truth FILE      the planted and realised values as JSON\n"
          "  -q, --quiet           no summary of the planted values on stderr\n"
          "  -s, --seed S          RNG seed (default 1); the same seed gives the same bytes\n"
          "Study:\n"
          "      --models N        models m01..mNN (default 12)\n"
          "      --items N         items over all domains (default 1225)\n"
          "      --trials N        repeats per item (default 1)\n"
          "      --options K       options per item, 2..26 (default 2)\n"
          "      --domains LIST    NAME:WEIGHT[:PREFIX],... (default Opinion:509:op,NonEthV:115:ne,\n"
          "                        EthV:500:ev,Theory:101:th); items are split by weight\n"
          "Planted values:\n"
          "      --cs X|LO:HI      consistency per (model, domain): X, or uniform in [LO, HI]\n"
          "                        (default 0.5:0.85)\n"
          "      --alpha A         Dirichlet concentration of the word-side distribution (default 0.5)\n"
          "      --refusal R       share of refused responses (default 0.005)\n"
          "      --unparsed R      share of responses without a readable option (default 0.005)\n"
          "      --choice-share F  share of lines with a `choice` field (default 1); the others\n"
          "                        leave the answer to the extraction from `response`\n"
          "Alignment checkpoints (conditions besides base; default sft-r1, sft-r2, dpo-r1, dpo-r2,\n"
          "trained on the deed side, direct 0.30, indirect 0.10):\n"
          "  -c, --checkpoint NAME:METHOD:ROUND:SIDE:DIRECT:INDIRECT   (repeatable; replaces the\n"
          "                        defaults) SIDE word|deed; DIRECT/INDIRECT: probabilities that the\n"
          "                        trained/other side's base answer changes\n"
          "      --no-checkpoints  base only\n"
          "\n"
          "Truth JSON: {seed, options, n_lines, models[], domains[{name,prefix,n_items}],\n"
          "  conditions[{name,method,round,trained_side,direct,indirect}],\n"
          "  cells[{model,condition,domain,cs_param,cs_expected,cs,pcs,cs_latent,pcs_latent,\n"
          "         n_pairs,n_kept,n_consistent,n_refused,n_unparsed,\n"
          "         change_word,n_compared_word,n_changed_word,change_deed,... (checkpoints)}],\n"
          "  pooled[ the same per model and condition over domains, without the latent values ],\n"
          "  checkpoints[{name,method,round,trained_side,direct,indirect,change_trained,\n"
          "               change_other,change_word,n_compared_word,n_changed_word,change_deed,...}]}\n"
          "cs and pcs are over kept pairs (both sides answered); pcs = mean 1 - JSD base 2.\n"
          "\n"
          "--study stated-revealed --design DIR -o OUTDIR: the stated-vs-revealed reply layout instead\n"
          "(saydo simulate --study stated-revealed --help for its options).\n",
          out);
}

static int parse_int(const char *s, const char *what, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "saydo simulate: %s: '%s' is not a whole number in %d..%d\n", what, s, lo, hi);
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse_double(const char *s, const char *what, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end) {
        fprintf(stderr, "saydo simulate: %s: '%s' is not a number\n", what, s);
        return 0;
    }
    *out = v;
    return 1;
}

static int parse_cs(const char *s, saydo_sim_opts_t *o)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strchr(buf, ':');
    if (colon) *colon = '\0';
    if (!parse_double(buf, "--cs", &o->cs_lo)) return 0;
    o->cs_hi = o->cs_lo;
    return !colon || parse_double(colon + 1, "--cs", &o->cs_hi);
}

/* NAME:WEIGHT[:PREFIX],... ; the prefix defaults to the lower-cased name. */
static int parse_domains(const char *list, saydo_sim_opts_t *o)
{
    char *parts[SAYDO_SIM_MAX_DOMAINS + 1], *buf = NULL;
    int n = saydo_cli_split(list, parts, SAYDO_SIM_MAX_DOMAINS + 1, &buf), ok = 1;
    if (n < 1 || n > SAYDO_SIM_MAX_DOMAINS) {
        fprintf(stderr, "saydo simulate: --domains: give 1..%d domains\n", SAYDO_SIM_MAX_DOMAINS);
        ok = 0;
    }
    for (int d = 0; ok && d < n; d++) {
        saydo_sim_domain_t *dm = &o->domain[d];
        char *w = strchr(parts[d], ':'), *prefix = NULL;
        if (!w) {
            fprintf(stderr, "saydo simulate: --domains: '%s' is not NAME:WEIGHT[:PREFIX]\n", parts[d]);
            ok = 0;
            break;
        }
        *w++ = '\0';
        if ((prefix = strchr(w, ':'))) *prefix++ = '\0';
        if (strlen(parts[d]) >= sizeof dm->name || (prefix && strlen(prefix) >= sizeof dm->prefix)) {
            fprintf(stderr, "saydo simulate: --domains: name '%s' too long\n", parts[d]);
            ok = 0;
            break;
        }
        snprintf(dm->name, sizeof dm->name, "%s", parts[d]);
        snprintf(dm->prefix, sizeof dm->prefix, "%s", prefix ? prefix : parts[d]);
        if (!prefix)
            for (char *p = dm->prefix; *p; p++) *p = (char)tolower((unsigned char)*p);
        ok = parse_double(w, "--domains weight", &dm->weight);
    }
    if (ok) o->n_domains = n;
    free(buf);
    return ok;
}

int saydo_cmd_simulate(int argc, char **argv)
{
    /* --study stated-revealed writes the authors' reply layout (cmd_simulate_sr.c) */
    for (int i = 1; i < argc; i++)
        if ((strcmp(argv[i], "--study") == 0 && i + 1 < argc && strcmp(argv[i + 1], "stated-revealed") == 0) ||
            strcmp(argv[i], "--study=stated-revealed") == 0)
            return saydo_cmd_simulate_sr(argc, argv);
    enum { O_MODELS = 256, O_ITEMS, O_TRIALS, O_OPTIONS, O_DOMAINS, O_CS, O_ALPHA, O_REFUSAL, O_UNPARSED,
           O_CHOICE, O_NO_CK };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},      {"truth", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},             {"seed", required_argument, NULL, 's'},
        {"models", required_argument, NULL, O_MODELS}, {"items", required_argument, NULL, O_ITEMS},
        {"trials", required_argument, NULL, O_TRIALS}, {"options", required_argument, NULL, O_OPTIONS},
        {"domains", required_argument, NULL, O_DOMAINS}, {"cs", required_argument, NULL, O_CS},
        {"alpha", required_argument, NULL, O_ALPHA},   {"refusal", required_argument, NULL, O_REFUSAL},
        {"unparsed", required_argument, NULL, O_UNPARSED}, {"choice-share", required_argument, NULL, O_CHOICE},
        {"checkpoint", required_argument, NULL, 'c'},  {"no-checkpoints", no_argument, NULL, O_NO_CK},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
    };
    saydo_sim_opts_t o;
    saydo_sim_opts_default(&o);
    const char *out_path = NULL, *truth_path = NULL;
    int quiet = 0, n_ck = 0, no_ck = 0, c;
    if (argc < 2) {   /* house convention: no arguments prints usage */
        usage(stderr);
        return 2;
    }
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "o:t:qs:c:h", longopts, NULL)) != -1) {
        int ok = 1;
        switch (c) {
        case 'o': out_path = optarg; break;
        case 't': truth_path = optarg; break;
        case 'q': quiet = 1; break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            ok = end != optarg && !*end && !errno && optarg[0] != '-';
            if (!ok) fprintf(stderr, "saydo simulate: --seed: '%s' is not a non-negative integer\n", optarg);
            o.seed = v;
            break;
        }
        case O_MODELS: ok = parse_int(optarg, "--models", 1, 1000000, &o.n_models); break;
        case O_ITEMS: ok = parse_int(optarg, "--items", 1, 100000000, &o.n_items); break;
        case O_TRIALS: ok = parse_int(optarg, "--trials", 1, 100000, &o.n_trials); break;
        case O_OPTIONS: ok = parse_int(optarg, "--options", 2, 26, &o.n_options); break;
        case O_DOMAINS: ok = parse_domains(optarg, &o); break;
        case O_CS: ok = parse_cs(optarg, &o); break;
        case O_ALPHA: ok = parse_double(optarg, "--alpha", &o.alpha); break;
        case O_REFUSAL: ok = parse_double(optarg, "--refusal", &o.refusal_rate); break;
        case O_UNPARSED: ok = parse_double(optarg, "--unparsed", &o.unparsed_rate); break;
        case O_CHOICE: ok = parse_double(optarg, "--choice-share", &o.choice_share); break;
        case 'c':
            if (n_ck >= SAYDO_SIM_MAX_CHECKPOINTS) {
                fprintf(stderr, "saydo simulate: at most %d checkpoints\n", SAYDO_SIM_MAX_CHECKPOINTS);
                ok = 0;
            } else if (saydo_sim_checkpoint_parse(optarg, &o.checkpoint[n_ck]) != SAYDO_OK) {
                fprintf(stderr, "saydo simulate: %s\n", saydo_last_error());
                ok = 0;
            } else {
                n_ck++;
            }
            break;
        case O_NO_CK: no_ck = 1; break;
        case 'h': usage(stdout); return 0;
        default: ok = 0; break;
        }
        if (!ok) {
            fputs("Try 'saydo simulate --help'.\n", stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "saydo simulate: unexpected argument '%s'\nTry 'saydo simulate --help'.\n", argv[optind]);
        return 2;
    }
    if (no_ck && n_ck) {
        fputs("saydo simulate: --no-checkpoints and --checkpoint exclude each other\n", stderr);
        return 2;
    }
    if (no_ck || n_ck) o.n_checkpoints = n_ck;
    if (saydo_sim_opts_check(&o) != SAYDO_OK) {
        fprintf(stderr, "saydo simulate: %s\n", saydo_last_error());
        return 2;
    }

    FILE *out = stdout, *truth = NULL;
    saydo_sim_truth_t *t = NULL;
    int rc = 1;
    saydo_status st;
    if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
        fprintf(stderr, "saydo simulate: cannot write %s: %s\n", out_path, strerror(errno));
        return 1;
    }
    if (truth_path && !(truth = fopen(truth_path, "w"))) {
        fprintf(stderr, "saydo simulate: cannot write %s: %s\n", truth_path, strerror(errno));
        goto done;
    }
    if ((st = saydo_simulate_run(&o, out, &t)) != SAYDO_OK) {
        rc = saydo_cli_fail("simulate", st);
        goto done;
    }
    if (truth && (st = saydo_sim_truth_write_json(t, truth)) != SAYDO_OK) {
        rc = saydo_cli_fail("simulate", st);
        goto done;
    }
    if (!quiet) saydo_sim_truth_summary(t, stderr);
    rc = 0;
done:
    saydo_sim_truth_free(t);
    if (truth && fclose(truth) != 0 && rc == 0) {
        fprintf(stderr, "saydo simulate: error writing %s: %s\n", truth_path, strerror(errno));
        rc = 1;
    }
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "saydo simulate: error writing %s: %s\n", out_path, strerror(errno));
        rc = 1;
    }
    return rc;
}
