/* Grouping pairs by any combination of fields (--by), through a mixed-radix
 * code per pair, then dense group ids in order of the codes. The per-pair
 * loops are OpenMP loops whose every iteration writes its own element, so
 * the ids do not depend on the thread count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "saydo/score.h"
#include "core/score_impl.h"
#include "util/bigmem.h"
#include "util/try.h"

static const char *text_of(const saydo_data_t *d, const gfield_t *f, size_t code, char *buf, size_t cap)
{
    if (code == 0) return "";
    size_t v = code - 1;
    switch (f->kind) {
    case G_MODEL: return d->models.s[v];
    case G_CONDITION: return d->conditions.s[v];
    case G_DOMAIN: return d->domains.s[v];
    case G_VARIANT: return d->variants.s[v];
    case G_METHOD: return d->methods.s[v];
    case G_ROUND: snprintf(buf, cap, "%zu", v); return buf;
    case G_TRAINED: return d->sides.s[v];
    case G_ITEM: return d->items.s[v];
    case G_LABEL: return d->label_values[f->label].s[v];
    }
    return "";
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void saydo_groups_free(saydo_groups_t *g)
{
    if (!g) return;
    for (int f = 0; f < g->n_fields; f++) {
        free(g->field[f]);
        if (g->value && g->value[f]) {
            for (size_t k = 0; k < g->n_groups; k++) free(g->value[f][k]);
            free(g->value[f]);
        }
    }
    free(g->field);
    free(g->value);
    free(g->gid);
    free(g);
}

void gplan_free(gplan_t *gp)
{
    if (!gp) return;
    for (int f = 0; gp->names && f < gp->n_fields; f++) free(gp->names[f]);
    free(gp->names);
    free(gp->f);
    memset(gp, 0, sizeof *gp);
}

saydo_status gplan_build(const saydo_data_t *d, const char *const *fields, int n_fields, gplan_t *gp)
{
    saydo_status st = SAYDO_OK;
    memset(gp, 0, sizeof *gp);
    SAYDO_NEW(gp->f, (size_t)n_fields);
    SAYDO_NEW(gp->names, (size_t)n_fields);
    gp->n_fields = n_fields;
    static const struct { const char *name; gkind kind; } known[] = {
        {"model", G_MODEL}, {"condition", G_CONDITION}, {"domain", G_DOMAIN}, {"variant", G_VARIANT},
        {"method", G_METHOD}, {"round", G_ROUND}, {"trained_side", G_TRAINED}, {"item", G_ITEM}};
    double span = 1;
    for (int f = 0; f < n_fields; f++) {
        gfield_t *gf = &gp->f[f];
        gp->names[f] = strdup(fields[f]);
        SAYDO_FAIL_IF(!gp->names[f], SAYDO_E_NOMEM, "out of memory");
        int found = 0;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strcmp(fields[f], known[k].name) == 0) { gf->kind = known[k].kind; found = 1; }
        for (int l = 0; !found && l < d->n_labels; l++)
            if (strcmp(fields[f], d->label_name[l]) == 0) { gf->kind = G_LABEL; gf->label = l; found = 1; }
        SAYDO_FAIL_IF(!found, SAYDO_E_INVAL, "cannot group by '%s' (known: model, condition, domain, variant, method, "
                      "round, trained_side, item, and the store's labels)", fields[f]);
        size_t nvals = 0;
        switch (gf->kind) {
        case G_MODEL: nvals = d->models.n; break;
        case G_CONDITION: nvals = d->conditions.n; break;
        case G_DOMAIN: nvals = d->domains.n; break;
        case G_VARIANT: nvals = d->variants.n; break;
        case G_METHOD: nvals = d->methods.n; break;
        case G_TRAINED: nvals = d->sides.n; break;
        case G_ITEM: nvals = d->items.n; break;
        case G_LABEL: nvals = d->label_values[gf->label].n; break;
        case G_ROUND:
            for (size_t c = 0; c < d->conditions.n; c++)
                if (d->cond_round[c] >= 0 && (size_t)d->cond_round[c] + 1 > nvals) nvals = (size_t)d->cond_round[c] + 1;
            break;
        }
        gf->radix = nvals + 1;
        span *= (double)gf->radix;
    }
    SAYDO_FAIL_IF(span > 1.8e19, SAYDO_E_INVAL, "too many group combinations");
    gp->span = span;
    gp->small = span < 2147483647.0;
cleanup:
    if (st < 0) gplan_free(gp);
    return st;
}

saydo_status groups_from_codes(const saydo_data_t *d, const gplan_t *gp, const uint64_t *codes, size_t ng,
                               saydo_groups_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_groups_t *g = NULL;
    const int n_fields = gp->n_fields;
    *out = NULL;
    SAYDO_NEW(g, 1);
    SAYDO_NEW(g->field, (size_t)n_fields);
    SAYDO_NEW(g->value, (size_t)n_fields);
    g->n_fields = n_fields;
    for (int f = 0; f < n_fields; f++) {
        g->field[f] = strdup(gp->names[f]);
        SAYDO_FAIL_IF(!g->field[f], SAYDO_E_NOMEM, "out of memory");
    }
    g->n_groups = ng;
    for (int f = 0; f < n_fields; f++) SAYDO_NEW(g->value[f], ng);
    for (size_t k = 0; k < ng; k++) {
        uint64_t c = codes[k];
        for (int f = n_fields - 1; f >= 0; f--) {
            char buf[32];
            g->value[f][k] = strdup(text_of(d, &gp->f[f], (size_t)(c % gp->f[f].radix), buf, sizeof buf));
            SAYDO_FAIL_IF(!g->value[f][k], SAYDO_E_NOMEM, "out of memory");
            c /= gp->f[f].radix;
        }
    }
    *out = g;
    g = NULL;
cleanup:
    saydo_groups_free(g);
    return st;
}

saydo_status saydo_groups_build(const saydo_data_t *d, const saydo_pairs_t *p, const char *const *fields,
                                int n_fields, saydo_groups_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_groups_t *g = NULL;
    gplan_t gp = {0};
    uint64_t *code = NULL, *uniq = NULL;
    int32_t *gid = NULL;
    *out = NULL;
    SAYDO_TRY(gplan_build(d, fields, n_fields, &gp));
    size_t ng = 0;
    gid = saydo_big_array(p->n ? p->n : 1, sizeof *gid);   /* every element is written */
    SAYDO_FAIL_IF(!gid, SAYDO_E_NOMEM, "out of memory");
    if (gp.span <= (double)(p->n + (1 << 16)) && gp.small) {
        /* a small code space (the usual case): the codes go into gid itself,
         * then a direct table turns them into dense ids; no sort */
        int32_t *dense = NULL;
        const size_t nspan = (size_t)gp.span;
        SAYDO_NEW(dense, nspan);
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < p->n; i++) {
            const uint64_t c = gplan_code(&gp, d, p->r1[i]);
            gid[i] = (int32_t)c;
            /* every thread stores the same 1: relaxed atomics keep that race-free */
            __atomic_store_n(&dense[c], 1, __ATOMIC_RELAXED);
        }
        SAYDO_NEW(uniq, nspan ? nspan : 1);
        for (size_t c = 0; c < nspan; c++)
            if (dense[c]) {
                uniq[ng] = c;
                dense[c] = (int32_t)ng++;
            }
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < p->n; i++) gid[i] = dense[gid[i]];
        free(dense);
    } else {
        SAYDO_NEW(code, p->n);
        SAYDO_NEW(uniq, p->n + 1);
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < p->n; i++) code[i] = uniq[i] = gplan_code(&gp, d, p->r1[i]);
        qsort(uniq, p->n, sizeof *uniq, cmp_u64);
        for (size_t i = 0; i < p->n; i++)
            if (i == 0 || uniq[i] != uniq[ng - 1]) uniq[ng++] = uniq[i];
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < p->n; i++) {
            size_t lo = 0, hi = ng;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (uniq[mid] < code[i]) lo = mid + 1;
                else hi = mid;
            }
            gid[i] = (int32_t)lo;
        }
    }
    SAYDO_TRY(groups_from_codes(d, &gp, uniq, ng, &g));
    g->gid = gid;
    gid = NULL;
    *out = g;
    g = NULL;
cleanup:
    gplan_free(&gp);
    free(code);
    free(uniq);
    free(gid);
    saydo_groups_free(g);
    return st;
}
