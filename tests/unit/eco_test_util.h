/* Helpers shared by the harness-reader tests (test_jsontree, test_lmeval,
 * test_inspect, test_batch, test_helm, test_eco_shared, test_export). */
#ifndef SAYDO_ECO_TEST_UTIL_H
#define SAYDO_ECO_TEST_UTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "saydo/reader.h"

/* $SAYDO_FIXTURES/eco/<name> (or the source tree's, run by hand). */
static inline const char *eco_fixture(const char *name)
{
    static char buf[4][1024];
    static int k;
    const char *dir = getenv("SAYDO_FIXTURES");
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/eco/%s", dir ? dir : "fixtures", name);
    return buf[k];
}

/* Writes content to $SAYDO_TMP/eco_<name> and returns the path. */
static inline const char *eco_write(const char *name, const char *content)
{
    static char buf[8][1024];
    static int k;
    const char *dir = getenv("SAYDO_TMP");
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/eco_%s", dir ? dir : "/tmp", name);
    FILE *f = fopen(buf[k], "w");
    if (!f) return NULL;
    fputs(content, f);
    fclose(f);
    return buf[k];
}

/* Opens path quietly; map_path and model may be NULL. The map (if any) is
 * loaded into *map, which the caller frees after the reader. */
static inline saydo_status eco_open(const char *path, const char *format, const char *map_path, const char *model,
                                    saydo_fieldmap_t *map, saydo_reader_t **r)
{
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.format = format;
    o.model = model;
    saydo_fieldmap_default(map);
    if (map_path) {
        saydo_status st = saydo_fieldmap_load(map_path, map);
        if (st < 0) return st;
        o.map = map;
    }
    return saydo_reader_open(path, &o, r);
}

/* softmax of the record's logp, as saydo scores it. */
static inline void eco_softmax(const saydo_record_t *rec, double *p)
{
    double mx = -INFINITY, s = 0;
    for (int i = 0; i < rec->n_logp; i++) mx = rec->logp[i] > mx ? rec->logp[i] : mx;
    for (int i = 0; i < rec->n_logp; i++) s += p[i] = exp(rec->logp[i] - mx);
    for (int i = 0; i < rec->n_logp; i++) p[i] /= s;
}

/* Relative (or, near 0, absolute) closeness. */
static inline int eco_near(double a, double b, double tol)
{
    if (isinf(a) || isinf(b)) return a == b;
    double d = fabs(a - b), m = fabs(b) > 1 ? fabs(b) : 1;
    return d <= tol * m;
}
#endif
