/* Every harness log under ../shared/ecosystem_samples against an independent
 * reading in Python: tests/reference/eco_golden.py wrote
 * tests/reference/eco_golden.tsv (record counts, chosen options, and per-
 * option probabilities = softmax of the logged log-likelihoods). The files
 * written beside the logs with no per-sample records (lm-eval's results,
 * HELM's run spec, scenario and stats) read as 0 records of their own
 * companion format. Skips (77) when ../shared is absent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "eco_test_util.h"

static char shared[1024], golden[1024];

typedef struct {
    char item[128];
    int trial, choice;   /* choice -9 = not multiple choice ("-") */
    int np;
    double p[26];
    int seen;
} want_t;

static int parse_probs(char *s, double *p)
{
    if (strcmp(s, "-") == 0) return 0;
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < 26; tok = strtok(NULL, ",")) p[n++] = strtod(tok, NULL);
    return n;
}

/* Checks one file: count, then each record against its golden row. */
static void check_file(const char *rel, long count, want_t *want, int nw)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/ecosystem_samples/%s", shared, rel);
    saydo_fieldmap_t map;
    saydo_reader_t *r = NULL;
    saydo_record_t rec;
    saydo_status st = eco_open(path, NULL, NULL, "given-model", &map, &r);
    if (st != SAYDO_OK) fprintf(stderr, "%s: %s\n", rel, saydo_last_error());
    assert_int_equal(st, SAYDO_OK);
    if (count == 0) {   /* a companion file: recognised, not read as saydo JSONL */
        const char *fmt = saydo_reader_format(r);
        if (strcmp(fmt, "lmeval-results") != 0 && strcmp(fmt, "helm-aux") != 0)
            fprintf(stderr, "%s: read as %s, not as a companion file\n", rel, fmt);
        assert_true(strcmp(fmt, "lmeval-results") == 0 || strcmp(fmt, "helm-aux") == 0);
    }
    long n = 0;
    while ((st = saydo_reader_next(r, &rec)) == SAYDO_OK) {
        n++;
        want_t *w = NULL;
        for (int i = 0; i < nw; i++)
            if (strcmp(want[i].item, rec.item) == 0 && want[i].trial == rec.trial) w = &want[i];
        if (!w) fprintf(stderr, "%s: record item %s trial %d not in the golden file\n", rel, rec.item, rec.trial);
        assert_non_null(w);
        assert_int_equal(w->seen, 0);
        w->seen = 1;
        if (w->choice == -9) assert_true(rec.choice < 0);   /* not multiple choice: no option */
        else assert_int_equal(rec.choice, w->choice);
        assert_int_equal(rec.n_logp, w->np);
        double p[26];
        eco_softmax(&rec, p);
        for (int k = 0; k < w->np; k++) {
            if (!eco_near(p[k], w->p[k], 1e-12))
                fprintf(stderr, "%s item %s p[%d] %.17g golden %.17g\n", rel, rec.item, k, p[k], w->p[k]);
            assert_true(eco_near(p[k], w->p[k], 1e-12));
        }
    }
    assert_int_equal(st, SAYDO_EOF);
    assert_int_equal(n, count);
    saydo_reader_free(r);
    saydo_fieldmap_free(&map);
}

static void test_shared_files(void **state)
{
    (void)state;
    FILE *f = fopen(golden, "r");
    assert_non_null(f);
    char line[8192], file[1024] = "";
    long count = 0;
    int nw = 0, files = 0;
    want_t *want = calloc(4096, sizeof *want);
    assert_non_null(want);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#') continue;
        char *fields[6] = {0};
        int nf = 0;
        for (char *save = NULL, *tok = strtok_r(line, "\t", &save); tok && nf < 6; tok = strtok_r(NULL, "\t", &save))
            fields[nf++] = tok;
        if (strcmp(fields[0], "records") == 0) {
            if (file[0]) check_file(file, count, want, nw), files++;
            snprintf(file, sizeof file, "%s", fields[1]);
            count = strtol(fields[2], NULL, 10);
            nw = 0;
        } else {
            assert_int_equal(nf, 6);
            assert_true(nw < 4096);
            want_t *w = &want[nw++];
            memset(w, 0, sizeof *w);
            snprintf(w->item, sizeof w->item, "%s", fields[2]);
            w->trial = atoi(fields[3]);
            w->choice = strcmp(fields[4], "-") == 0 ? -9 : atoi(fields[4]);
            w->np = parse_probs(fields[5], w->p);
        }
    }
    if (file[0]) check_file(file, count, want, nw), files++;
    fclose(f);
    free(want);
    /* 2 lm-eval samples + 1 results, 4 inspect, 1 HELM run directory + 4 of its files */
    assert_int_equal(files, 12);
}

int main(void)
{
    const char *sh = getenv("SAYDO_SHARED"), *src = getenv("SAYDO_SRC");
    struct stat sb;
    snprintf(shared, sizeof shared, "%s", sh ? sh : "../shared");
    snprintf(golden, sizeof golden, "%s/tests/reference/eco_golden.tsv", src ? src : ".");
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/ecosystem_samples", shared);
    if (stat(probe, &sb) != 0) {
        printf("skipped: %s is absent (the shared harness logs)\n", probe);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
