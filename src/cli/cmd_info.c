/* saydo info STORE [--format text|json] */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/commands.h"
#include "saydo/store.h"

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void json_list(const char *key, const saydo_strs_t *s, int comma)
{
    printf("  \"%s\": [", key);
    for (size_t i = 0; i < s->n; i++) {
        if (i) printf(", ");
        json_str(s->s[i]);
    }
    printf("]%s\n", comma ? "," : "");
}

/* What a file said about itself (/provenance/meta: the reader's JSON object,
 * "" when nothing). Printed as a JSON object; as a string when a harness
 * config in it kept a bare NaN/Infinity (Python's json.dumps writes them),
 * so the output stays JSON any parser reads. */
static void json_meta(const char *m)
{
    int bare = 0, in_str = 0;
    for (const char *p = m; *p && !bare; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"') in_str = 0;
        } else if (*p == '"') {
            in_str = 1;
        } else if (*p == 'N' || *p == 'I') {
            bare = 1;
        }
    }
    if (!*m) printf("null");
    else if (m[0] != '{' || bare) json_str(m);
    else fputs(m, stdout);
}

static void text_list(const char *key, const saydo_strs_t *s)
{
    printf("%-11s %zu:", key, s->n);
    for (size_t i = 0; i < s->n && i < 20; i++) printf(" %s", s->s[i]);
    if (s->n > 20) printf(" ...");
    putchar('\n');
}

int saydo_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *format = "text";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        if (c == 'f') format = optarg;
        else if (c == 'h') {
            puts("Usage: saydo info STORE [--format text|json]\n"
                 "What a store holds: models, conditions (with method, round, trained side), sides, variants,\n"
                 "items by domain, trials, answer status counts, and the provenance of every ingest (with what\n"
                 "each harness log said about itself: model, task, harness version, task config).");
            return 0;
        } else return 2;
    }
    if (optind != argc - 1 || (strcmp(format, "text") && strcmp(format, "json"))) {
        fputs("Usage: saydo info STORE [--format text|json]\n", stderr);
        return 2;
    }
    saydo_data_t *d = NULL;
    saydo_status st = saydo_store_read(argv[optind], &d);
    if (st < 0) return saydo_cli_fail("info", st);
    int64_t n_answered = 0, n_missing = 0, n_refused = 0, n_unparsed = 0, n_logp = 0;
    int32_t max_trial = -1;
    for (size_t i = 0; i < d->n; i++) {
        int ch = d->choice[i];
        if (ch >= 0) n_answered++;
        else if (ch == -2) n_refused++;
        else if (ch == -3) n_unparsed++;
        else n_missing++;
        if (d->trial[i] > max_trial) max_trial = d->trial[i];
        if (d->K && !isnan(d->logp[i * (size_t)d->K])) n_logp++;
    }
    int64_t *per_domain = calloc(d->domains.n + 1, sizeof *per_domain);
    for (size_t i = 0; per_domain && i < d->items.n; i++)
        per_domain[d->item_domain[i] >= 0 ? (size_t)d->item_domain[i] : d->domains.n]++;
    int json = strcmp(format, "json") == 0;
    if (json) {
        printf("{\n  \"records\": %zu,\n  \"items\": %zu,\n  \"trials\": %d,\n", d->n, d->items.n, max_trial + 1);
        json_list("models", &d->models, 1);
        json_list("sides", &d->sides, 1);
        json_list("variants", &d->variants, 1);
        json_list("domains", &d->domains, 1);
        printf("  \"items_per_domain\": {");
        for (size_t k = 0; per_domain && k < d->domains.n; k++) {
            if (k) printf(", ");
            json_str(d->domains.s[k]);
            printf(": %lld", (long long)per_domain[k]);
        }
        printf("},\n  \"conditions\": [");
        for (size_t k = 0; k < d->conditions.n; k++) {
            printf("%s{\"name\": ", k ? ", " : "");
            json_str(d->conditions.s[k]);
            printf(", \"method\": ");
            if (d->cond_method[k] >= 0) json_str(d->methods.s[d->cond_method[k]]);
            else printf("null");
            if (d->cond_round[k] >= 0) printf(", \"round\": %d", d->cond_round[k]);
            else printf(", \"round\": null");
            printf(", \"trained_side\": ");
            if (d->cond_trained_side[k] >= 0) json_str(d->sides.s[d->cond_trained_side[k]]);
            else printf("null");
            printf("}");
        }
        printf("],\n  \"status\": {\"answered\": %lld, \"missing\": %lld, \"refused\": %lld, \"unparsed\": %lld},\n",
               (long long)n_answered, (long long)n_missing, (long long)n_refused, (long long)n_unparsed);
        printf("  \"with_logprobs\": %lld,\n  \"provenance\": [", (long long)n_logp);
        for (size_t k = 0; k < d->n_sources; k++) {
            printf("%s\n    {\"file\": ", k ? "," : "");
            json_str(d->src_file.s[k]);
            printf(", \"hash\": ");
            json_str(d->src_sha256.s[k]);
            printf(", \"format\": ");
            json_str(d->src_format.s[k]);
            printf(", \"time\": ");
            json_str(d->src_time.s[k]);
            printf(", \"saydo_version\": ");
            json_str(d->src_version.s[k]);
            printf(", \"lines\": %lld, \"records\": %lld, \"quarantined\": %lld, \"duplicates\": %lld, "
                   "\"row_start\": %lld, \"row_end\": %lld",
                   (long long)d->src_lines[k], (long long)d->src_records[k], (long long)d->src_quarantined[k],
                   (long long)d->src_duplicates[k], (long long)d->src_row_start[k], (long long)d->src_row_end[k]);
            printf(",\n     \"meta\": ");
            json_meta(k < d->src_meta.n ? d->src_meta.s[k] : "");
            printf("}");
        }
        printf("\n  ]\n}\n");
    } else {
        printf("store       %s\nrecords     %zu\nitems       %zu\ntrials      %d\n", argv[optind], d->n, d->items.n,
               max_trial + 1);
        text_list("models", &d->models);
        printf("%-11s %zu:\n", "conditions", d->conditions.n);
        for (size_t k = 0; k < d->conditions.n; k++) {
            printf("  %-24s", d->conditions.s[k]);
            if (d->cond_method[k] >= 0) printf(" method=%s", d->methods.s[d->cond_method[k]]);
            if (d->cond_round[k] >= 0) printf(" round=%d", d->cond_round[k]);
            if (d->cond_trained_side[k] >= 0) printf(" trained_side=%s", d->sides.s[d->cond_trained_side[k]]);
            putchar('\n');
        }
        text_list("sides", &d->sides);
        text_list("variants", &d->variants);
        printf("%-11s %zu:", "domains", d->domains.n);
        for (size_t k = 0; per_domain && k < d->domains.n; k++)
            printf(" %s (%lld items)", d->domains.s[k], (long long)per_domain[k]);
        putchar('\n');
        for (int l = 0; l < d->n_labels; l++) text_list(d->label_name[l], &d->label_values[l]);
        printf("status      answered %lld, missing %lld, refused %lld, unparsed %lld\n", (long long)n_answered,
               (long long)n_missing, (long long)n_refused, (long long)n_unparsed);
        printf("logprobs    %lld records, %d option columns\n", (long long)n_logp, d->K);
        printf("provenance  %zu ingests:\n", d->n_sources);
        for (size_t k = 0; k < d->n_sources; k++) {
            printf("  %s  %s  %s  %lld lines, %lld records, %lld quarantined, %lld duplicates (hash %s, saydo %s)\n",
                   d->src_time.s[k], d->src_format.s[k], d->src_file.s[k], (long long)d->src_lines[k],
                   (long long)d->src_records[k], (long long)d->src_quarantined[k], (long long)d->src_duplicates[k],
                   d->src_sha256.s[k], d->src_version.s[k]);
            /* what the file said about itself (model, task, harness ...); the task config makes it long */
            const char *m = k < d->src_meta.n ? d->src_meta.s[k] : "";
            size_t ml = strlen(m);
            if (ml) printf("    the file says: %.*s%s\n", (int)(ml > 300 ? 300 : ml), m,
                           ml > 300 ? " ... (all of it: saydo info --format json)" : "");
        }
    }
    free(per_domain);
    saydo_data_free(d);
    return 0;
}
