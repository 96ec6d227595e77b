/* The stated-vs-revealed design read from the authors' prompt files in
 * $SAYDO_SHARED/statedrevealed_data: the counts its README gives (23 files,
 * 123 contextualized prompts by category, 236 paraphrases in 22 files, CP_1
 * without paraphrases). Skipped (exit 77) when the folder is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include "saydo/statedrevealed.h"

/* The real design in $SAYDO_SHARED/statedrevealed_data (README counts). */
static void test_design_shared(void **state)
{
    (void)state;
    const char *s = getenv("SAYDO_SHARED");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/statedrevealed_data", s ? s : "/nonexistent");
    saydo_sr_design_t *d = NULL;
    assert_int_equal(saydo_sr_design_load(dir, &d), SAYDO_OK);
    assert_int_equal(d->n, 23);
    static const struct { const char *cat; int files, contexts; } want[] = {
        {"CP", 1, 3}, {"EE", 1, 3}, {"EF", 5, 23}, {"MC", 2, 9}, {"MD", 4, 24}, {"RCP", 4, 22}, {"RP", 6, 39}};
    size_t paraphrases = 0, base_only = 0, contexts = 0;
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int files = 0, ctx = 0;
        for (size_t i = 0; i < d->n; i++)
            if (strcmp(d->p[i].category, want[w].cat) == 0) files++, ctx += (int)d->p[i].n_contexts;
        assert_int_equal(files, want[w].files);
        assert_int_equal(ctx, want[w].contexts);
    }
    for (size_t i = 0; i < d->n; i++) {
        contexts += d->p[i].n_contexts;
        if (d->p[i].base_only) base_only++;
        else paraphrases += d->p[i].n_paraphrases;
    }
    assert_int_equal(contexts, 123);
    assert_int_equal(paraphrases, 236);   /* 22 paraphrase files */
    assert_int_equal(base_only, 1);       /* CP_1 has none */
    saydo_sr_design_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    const char *s = getenv("SAYDO_SHARED");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/statedrevealed_data", s ? s : "/nonexistent");
    if (access(dir, R_OK) != 0) {
        fprintf(stderr, "skipped: %s (the authors' prompt files) is not there\n", dir);
        return 77;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_design_shared)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
