/* saydo simulate --study stated-revealed --design DIR -o OUTDIR [--truth FILE]:
 * responses in the authors' reply layout with planted distributions. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/commands.h"
#include "cli/simulate_sr.h"
#include "saydo/statedrevealed.h"

static void usage(FILE *out)
{
    fputs("Usage: saydo simulate --study stated-revealed --design DIR -o OUTDIR [options]\n"
          "Writes stated and revealed replies in the layout of the authors of \"Alignment Revisited\"\n"
          "for every principle of the design read from DIR (prompts/*.json, base_prompt_question_list/*.json):\n"
          "  OUTDIR/base_prompt_question_list_reply/<model>/<P>_base_prompt_questions_<model>.json\n"
          "  OUTDIR/vr_result/<P>_<model>.json\n"
          "Options:\n"
          "      --design DIR      the prompt files (required)\n"
          "  -o, --output OUTDIR   where the replies go (required; folders are created)\n"
          "  -t, --truth FILE      planted distributions, KL (base 2 and e, eps 0), JSD, pivot rate as JSON\n"
          "  -s, --seed S          RNG seed (default 1)\n"
          "      --models N        models m01.. (default 2)\n"
          "      --samples N       responses per paraphrase and per context (default 20)\n"
          "      --alpha A         Dirichlet concentration of the planted distributions (default 1)\n"
          "      --floor F         planted = (1 - F) Dirichlet + F uniform (default 0.2)\n"
          "      --refusal R       share of refused responses (default 0)\n"
          "  -q, --quiet           no summary on stderr\n",
          out);
}

int saydo_cmd_simulate_sr(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"study", required_argument, NULL, 1},   {"design", required_argument, NULL, 2},
        {"output", required_argument, NULL, 'o'}, {"truth", required_argument, NULL, 't'},
        {"seed", required_argument, NULL, 's'},  {"models", required_argument, NULL, 3},
        {"samples", required_argument, NULL, 4}, {"alpha", required_argument, NULL, 5},
        {"floor", required_argument, NULL, 6},   {"refusal", required_argument, NULL, 7},
        {"quiet", no_argument, NULL, 'q'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    saydo_sr_sim_opts_t o;
    saydo_sr_sim_opts_default(&o);
    const char *design_dir = NULL, *outdir = NULL, *truth_path = NULL;
    int quiet = 0, bad = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:s:qh", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 1: bad |= strcmp(optarg, "stated-revealed") != 0; break;
        case 2: design_dir = optarg; break;
        case 'o': outdir = optarg; break;
        case 't': truth_path = optarg; break;
        case 's': o.seed = strtoull(optarg, &end, 10); bad |= *end != '\0'; break;
        case 3: o.n_models = (int)strtol(optarg, &end, 10); bad |= *end != '\0'; break;
        case 4: o.n_samples = (int)strtol(optarg, &end, 10); bad |= *end != '\0'; break;
        case 5: o.alpha = strtod(optarg, &end); bad |= *end != '\0'; break;
        case 6: o.floor = strtod(optarg, &end); bad |= *end != '\0'; break;
        case 7: o.refusal_rate = strtod(optarg, &end); bad |= *end != '\0'; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: bad = 1;
        }
    }
    if (bad || optind != argc || !design_dir || !outdir) {
        usage(stderr);
        return 2;
    }
    saydo_sr_design_t *design = NULL;
    FILE *truth = NULL;
    saydo_status st = saydo_sr_design_load(design_dir, &design);
    if (st < 0) return saydo_cli_fail("simulate", st);
    /* the output folder first: the truth file may live inside it */
    char made[4096];
    snprintf(made, sizeof made, "%s", outdir);
    for (char *q = made + 1;; q++) {
        char ch = *q;
        if (ch != '/' && ch != '\0') continue;
        *q = '\0';
        if (mkdir(made, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "saydo simulate: %s: %s\n", made, strerror(errno));
            saydo_sr_design_free(design);
            return 1;
        }
        *q = ch;
        if (!ch) break;
    }
    if (truth_path && !(truth = fopen(truth_path, "w"))) {
        fprintf(stderr, "saydo simulate: %s: %s\n", truth_path, strerror(errno));
        saydo_sr_design_free(design);
        return 1;
    }
    st = saydo_sr_simulate(design, &o, outdir, truth);
    if (truth && fclose(truth) != 0 && st >= 0) st = saydo_set_error(SAYDO_E_IO, "%s: write error", truth_path);
    if (st >= 0 && !quiet) {
        size_t nc = 0, nq = 0;
        for (size_t i = 0; i < design->n; i++) nc += design->p[i].n_contexts, nq += design->p[i].n_paraphrases;
        fprintf(stderr, "saydo simulate: %zu principles (%zu paraphrases, %zu contexts) x %d models, %d samples "
                        "each, in %s\n", design->n, nq, nc, o.n_models, o.n_samples, outdir);
    }
    saydo_sr_design_free(design);
    return st < 0 ? saydo_cli_fail("simulate", st) : 0;
}
