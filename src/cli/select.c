#include <stdlib.h>
#include <string.h>
#include "cli/select.h"
#include "util/try.h"

/* Value v is one of "a|b|c"? */
static int listed(const char *list, const char *v)
{
    size_t lv = strlen(v);
    for (const char *s = list; *s;) {
        size_t n = strcspn(s, "|");
        if (n == lv && strncmp(s, v, n) == 0) return 1;
        s += n + (s[n] == '|');
    }
    return 0;
}

saydo_status saydo_cli_select_pairs(const saydo_data_t *d, saydo_pairs_t *p, const char *const *where, int n)
{
    saydo_status st = SAYDO_OK;
    saydo_groups_t *g = NULL;
    char *field = NULL;
    for (int w = 0; w < n; w++) {
        const char *eq = strchr(where[w], '=');
        SAYDO_FAIL_IF(!eq, SAYDO_E_INVAL, "--where takes FIELD=VALUE[|VALUE...], not '%s'", where[w]);
        free(field);
        field = strndup(where[w], (size_t)(eq - where[w]));
        SAYDO_FAIL_IF(!field, SAYDO_E_NOMEM, "out of memory");
        const char *fields[1] = {field};
        SAYDO_TRY(saydo_groups_build(d, p, fields, 1, &g));
        size_t q = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (!listed(eq + 1, g->value[0][g->gid[i]])) continue;
            p->r1[q] = p->r1[i]; p->r2[q] = p->r2[i]; p->kept[q] = p->kept[i]; p->match[q] = p->match[i];
            p->c1[q] = p->c1[i]; p->c2[q] = p->c2[i]; p->n_trials[q] = p->n_trials[i];
            /* the figures the pairing options skipped have no array */
            double *fig[] = {p->pcs, p->jsd, p->kl12, p->kl21, p->h1, p->h2, p->tvd};
            for (size_t f = 0; f < sizeof fig / sizeof fig[0]; f++)
                if (fig[f]) fig[f][q] = fig[f][i];
            q++;
        }
        p->n = q;
        saydo_groups_free(g);
        g = NULL;
    }
cleanup:
    free(field);
    saydo_groups_free(g);
    return st;
}
