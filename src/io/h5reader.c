/* Reading a store into memory (saydo_data_t), validating as it goes so a
 * damaged or foreign file gives a reason instead of a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"
#include "util/try.h"

static saydo_status read_col(hid_t g, const char *name, hid_t t, size_t esz, void **out, size_t want,
                             const char *path)
{
    size_t n = 0;
    saydo_status st = h5u_read(g, name, t, esz, out, &n, NULL);
    if (st < 0) return saydo_set_error(st, "%s: %s", path, saydo_last_error());
    if (n != want) {
        char group[128] = "";   /* name the dataset by its full path: "round" alone is ambiguous */
        if (H5Iget_name(g, group, sizeof group) < 0) group[0] = '\0';
        return saydo_set_error(SAYDO_E_SCHEMA, "%s: %s/%s has %zu rows, expected %zu", path, group, name, n, want);
    }
    return SAYDO_OK;
}

static saydo_status read_strs(hid_t g, const char *name, saydo_strs_t *s, const char *path, int optional)
{
    if (optional && h5u_rows(g, name) < 0) return SAYDO_OK;
    saydo_status st = h5u_read_strings(g, name, s);
    if (st < 0) return saydo_set_error(st, "%s: %s", path, saydo_last_error());
    return SAYDO_OK;
}

/* /provenance/meta, one row per source. Stores from before the column have
 * none, and a saydo of that age appending to a newer store leaves it short:
 * the sources it does not cover said nothing ("" each). */
static saydo_status read_meta(hid_t gp, size_t np, saydo_strs_t *m, const char *path)
{
    saydo_status st = read_strs(gp, "meta", m, path, 1);
    if (st < 0) return st;
    while (m->n > np) free(m->s[--m->n]);
    if (m->n == np) return SAYDO_OK;
    char **ns = realloc(m->s, (np ? np : 1) * sizeof *ns);
    if (!ns) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    m->s = ns;
    for (; m->n < np; m->n++)
        if (!(m->s[m->n] = strdup(""))) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    return SAYDO_OK;
}

/* Codes must index their dictionary: a damaged store must not send a reader out of bounds. */
static saydo_status check_codes(const int32_t *c, size_t n, size_t limit, int allow_none, const char *what,
                                const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] >= (int32_t)limit || c[i] < (allow_none ? -1 : 0))
            return saydo_set_error(SAYDO_E_SCHEMA, "%s: %s[%zu] = %d is outside its dictionary (%zu entries)", path,
                                   what, i, c[i], limit);
    return SAYDO_OK;
}

saydo_status saydo_store_read(const char *path, saydo_data_t **out)
{
    return saydo_store_read_cols(path, SAYDO_COLS_ALL, out);
}

saydo_status saydo_store_read_cols(const char *path, unsigned cols, saydo_data_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_data_t *d = NULL;
    hid_t f = -1, gr = -1, gd = -1, gi = -1, gc = -1, gp = -1;
    int64_t schema = 0;
    saydo_strs_t labels = {0, NULL};   /* the label names, until d holds them */
    *out = NULL;
    h5u_quiet();
    SAYDO_NEW(d, 1);
    FILE *probe = fopen(path, "rb");
    SAYDO_FAIL_IF(!probe, SAYDO_E_IO, "%s: cannot open store", path);
    fclose(probe);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    SAYDO_FAIL_IF(f < 0, SAYDO_E_SCHEMA, "%s: not an HDF5 file, or a damaged one (truncated?)", path);
    SAYDO_FAIL_IF(!h5u_get_attr_int(f, "saydo_schema", &schema), SAYDO_E_SCHEMA,
                  "%s: not a saydo store (no saydo_schema attribute)", path);
    SAYDO_FAIL_IF(schema != SAYDO_SCHEMA_VERSION, SAYDO_E_SCHEMA, "%s: store schema %lld, this saydo reads %d", path,
                  (long long)schema, SAYDO_SCHEMA_VERSION);
    gr = h5u_group(f, "records", 0);
    gd = h5u_group(f, "dict", 0);
    gi = h5u_group(f, "items", 0);
    gc = h5u_group(f, "conditions", 0);
    gp = h5u_group(f, "provenance", 0);
    SAYDO_FAIL_IF(gr < 0 || gd < 0 || gi < 0 || gc < 0 || gp < 0, SAYDO_E_SCHEMA,
                  "%s: a group of the store layout (/records, /dict, /items, /conditions, /provenance) is missing", path);
    int64_t rows = h5u_rows(gr, "model");
    SAYDO_FAIL_IF(rows < 0, SAYDO_E_SCHEMA, "%s: /records/model is missing", path);
    size_t n = d->n = (size_t)rows;
    /* the record columns asked for, decompressed in parallel (h5chunk.c);
     * logp, when read, is the last one */
    h5u_col_t all[] = {
        {"model", H5T_NATIVE_INT32, 4, 0, (void **)&d->model, 0, 0},
        {"condition", H5T_NATIVE_INT32, 4, 0, (void **)&d->condition, 0, 0},
        {"item", H5T_NATIVE_INT32, 4, 0, (void **)&d->item, 0, 0},
        {"trial", H5T_NATIVE_INT32, 4, 0, (void **)&d->trial, 0, 0},
        {"variant", H5T_NATIVE_INT32, 4, 0, (void **)&d->variant, 0, 0},
        {"side", H5T_NATIVE_INT8, 1, 0, (void **)&d->side, 0, 0},
        {"choice", H5T_NATIVE_INT8, 1, 0, (void **)&d->choice, 0, 0},
        {"option_map", H5T_NATIVE_INT16, 2, 0, (void **)&d->omap, 0, 0},
        {"batch", H5T_NATIVE_INT32, 4, 0, (void **)&d->batch, 0, 0},
        {"n_options", H5T_NATIVE_INT8, 1, 0, (void **)&d->n_options, 0, 0},
        {"logp", H5T_NATIVE_FLOAT, sizeof(float), 1, (void **)&d->logp, 0, 0},
    };
    const unsigned want[] = {0, 0, 0, 0, 0, 0, 0, 0, SAYDO_COL_BATCH, SAYDO_COL_N_OPTIONS, SAYDO_COL_LOGP};
    enum { N_ALL = sizeof all / sizeof all[0] };
    h5u_col_t rc[N_ALL];
    int n_rc = 0;
    for (int i = 0; i < N_ALL; i++)
        if (!want[i] || (cols & want[i])) rc[n_rc++] = all[i];
    const int has_logp = (cols & SAYDO_COL_LOGP) != 0, n_plain = n_rc - has_logp;
    st = h5u_read_columns(gr, rc, n_rc);
    if (st < 0) {
        st = saydo_set_error(st, "%s: %s", path, saydo_last_error());
        goto cleanup;
    }
    for (int i = 0; i < n_plain; i++)
        SAYDO_FAIL_IF(rc[i].n != n, SAYDO_E_SCHEMA, "%s: %s has %zu rows, expected %zu", path, rc[i].name, rc[i].n, n);
    if (has_logp) {
        size_t ln = rc[n_rc - 1].n, lk = rc[n_rc - 1].cols;
        SAYDO_FAIL_IF(ln != n || lk > SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA, "%s: /records/logp has the wrong shape", path);
        d->K = (int)lk;
    }

    SAYDO_TRY(read_strs(gd, "model", &d->models, path, 1));
    SAYDO_TRY(read_strs(gd, "condition", &d->conditions, path, 1));
    SAYDO_TRY(read_strs(gd, "item", &d->items, path, 1));
    SAYDO_TRY(read_strs(gd, "side", &d->sides, path, 1));
    SAYDO_TRY(read_strs(gd, "variant", &d->variants, path, 1));
    SAYDO_TRY(read_strs(gd, "domain", &d->domains, path, 1));
    SAYDO_TRY(read_strs(gd, "method", &d->methods, path, 1));
    SAYDO_TRY(check_codes(d->model, n, d->models.n, 0, "/records/model", path));
    SAYDO_TRY(check_codes(d->condition, n, d->conditions.n, 0, "/records/condition", path));
    SAYDO_TRY(check_codes(d->item, n, d->items.n, 0, "/records/item", path));
    SAYDO_TRY(check_codes(d->variant, n, d->variants.n, 0, "/records/variant", path));
    for (size_t i = 0; i < n; i++)
        SAYDO_FAIL_IF(d->side[i] < 0 || (size_t)d->side[i] >= d->sides.n, SAYDO_E_SCHEMA,
                      "%s: /records/side[%zu] is outside its dictionary", path, i);
    /* choices and option counts index per-option arrays downstream (pairing, counts) */
    for (size_t i = 0; i < n; i++)
        SAYDO_FAIL_IF(d->choice[i] < SAYDO_CHOICE_UNPARSED || d->choice[i] >= SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA,
                      "%s: /records/choice[%zu] = %d is neither an option 0..25 nor a status -1..-3", path, i,
                      d->choice[i]);
    for (size_t i = 0; d->n_options && i < n; i++)
        SAYDO_FAIL_IF(d->n_options[i] < 0 || d->n_options[i] > SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA,
                      "%s: /records/n_options[%zu] = %d is outside 0..26", path, i, d->n_options[i]);

    size_t ni = d->items.n, nc = d->conditions.n;
    SAYDO_TRY(read_col(gi, "domain", H5T_NATIVE_INT32, 4, (void **)&d->item_domain, ni, path));
    SAYDO_TRY(read_col(gi, "n_options", H5T_NATIVE_INT8, 1, (void **)&d->item_n_options, ni, path));
    SAYDO_TRY(check_codes(d->item_domain, ni, d->domains.n, 1, "/items/domain", path));
    for (size_t i = 0; i < ni; i++)
        SAYDO_FAIL_IF(d->item_n_options[i] < 0 || d->item_n_options[i] > SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA,
                      "%s: /items/n_options[%zu] = %d is outside 0..26", path, i, d->item_n_options[i]);
    SAYDO_TRY(read_strs(gd, "labels", &labels, path, 1));
    for (size_t l = 0; l < labels.n && l < SAYDO_MAX_LABELS; l++) {
        char name[96];
        snprintf(name, sizeof name, "label_%s", labels.s[l]);
        d->label_name[l] = labels.s[l];
        labels.s[l] = NULL;
        d->n_labels = (int)l + 1;
        SAYDO_TRY(read_strs(gd, name, &d->label_values[l], path, 0));
        SAYDO_TRY(read_col(gi, name, H5T_NATIVE_INT32, 4, (void **)&d->item_label[l], ni, path));
        SAYDO_TRY(check_codes(d->item_label[l], ni, d->label_values[l].n, 1, name, path));
    }
    h5u_strs_free(&labels);
    SAYDO_TRY(read_col(gc, "method", H5T_NATIVE_INT32, 4, (void **)&d->cond_method, nc, path));
    SAYDO_TRY(read_col(gc, "round", H5T_NATIVE_INT32, 4, (void **)&d->cond_round, nc, path));
    SAYDO_TRY(read_col(gc, "trained_side", H5T_NATIVE_INT32, 4, (void **)&d->cond_trained_side, nc, path));
    SAYDO_TRY(check_codes(d->cond_method, nc, d->methods.n, 1, "/conditions/method", path));
    /* rounds size the round grouping: -1 (unknown) up to the readers' bound */
    for (size_t c = 0; c < nc; c++)
        SAYDO_FAIL_IF(d->cond_round[c] < -1 || d->cond_round[c] > SAYDO_MAX_ROUND, SAYDO_E_SCHEMA,
                      "%s: /conditions/round[%zu] = %d is outside -1..%d", path, c, d->cond_round[c], SAYDO_MAX_ROUND);
    SAYDO_TRY(check_codes(d->cond_trained_side, nc, d->sides.n, 1, "/conditions/trained_side", path));
    size_t mk = 0;
    SAYDO_TRY(h5u_read(f, "option_maps", H5T_NATIVE_INT8, 1, (void **)&d->maps, &d->n_maps, &mk));
    SAYDO_FAIL_IF(d->n_maps && mk != SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA, "%s: /option_maps has the wrong width", path);
    for (size_t i = 0; i < n; i++)
        SAYDO_FAIL_IF(d->omap[i] < -1 || (d->omap[i] >= 0 && (size_t)d->omap[i] >= d->n_maps), SAYDO_E_SCHEMA,
                      "%s: /records/option_map[%zu] is outside /option_maps", path, i);
    for (size_t i = 0; i < d->n_maps * SAYDO_MAX_OPTIONS; i++)
        SAYDO_FAIL_IF(d->maps[i] < 0 || d->maps[i] >= SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA,
                      "%s: /option_maps holds an entry outside 0..25", path);

    if (h5u_rows(gp, "sha256") >= 0) {
        size_t np = (size_t)h5u_rows(gp, "sha256");
        d->n_sources = np;
        SAYDO_TRY(read_strs(gp, "file", &d->src_file, path, 0));
        SAYDO_TRY(read_strs(gp, "sha256", &d->src_sha256, path, 0));
        SAYDO_TRY(read_strs(gp, "format", &d->src_format, path, 0));
        SAYDO_TRY(read_strs(gp, "time", &d->src_time, path, 0));
        SAYDO_TRY(read_strs(gp, "saydo_version", &d->src_version, path, 0));
        SAYDO_TRY(read_col(gp, "lines", H5T_NATIVE_INT64, 8, (void **)&d->src_lines, np, path));
        SAYDO_TRY(read_col(gp, "records", H5T_NATIVE_INT64, 8, (void **)&d->src_records, np, path));
        SAYDO_TRY(read_col(gp, "quarantined", H5T_NATIVE_INT64, 8, (void **)&d->src_quarantined, np, path));
        SAYDO_TRY(read_col(gp, "duplicates", H5T_NATIVE_INT64, 8, (void **)&d->src_duplicates, np, path));
        SAYDO_TRY(read_col(gp, "row_start", H5T_NATIVE_INT64, 8, (void **)&d->src_row_start, np, path));
        SAYDO_TRY(read_col(gp, "row_end", H5T_NATIVE_INT64, 8, (void **)&d->src_row_end, np, path));
        /* every string column is indexed by source row (saydo info prints them all) */
        SAYDO_FAIL_IF(d->src_file.n != np || d->src_sha256.n != np || d->src_format.n != np ||
                          d->src_time.n != np || d->src_version.n != np, SAYDO_E_SCHEMA,
                      "%s: /provenance columns differ in length", path);
        SAYDO_TRY(read_meta(gp, np, &d->src_meta, path));
    }
    *out = d;
    d = NULL;
cleanup:;   /* C11: a label takes a statement, not a declaration (clang rejects one) */
    h5u_strs_free(&labels);
    const hid_t groups[] = {gr, gd, gi, gc, gp};
    for (int i = 0; i < 5; i++)
        if (groups[i] >= 0) H5Gclose(groups[i]);
    if (f >= 0) H5Fclose(f);
    saydo_data_free(d);
    return st;
}

void saydo_data_free(saydo_data_t *d)
{
    if (!d) return;
    free(d->model); free(d->condition); free(d->item); free(d->trial); free(d->variant); free(d->batch);
    free(d->side); free(d->choice); free(d->n_options); free(d->omap); free(d->logp);
    saydo_strs_t *strs[] = {&d->models, &d->conditions, &d->items, &d->sides, &d->variants, &d->domains,
                            &d->methods, &d->src_file, &d->src_sha256, &d->src_format, &d->src_time,
                            &d->src_version, &d->src_meta};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) h5u_strs_free(strs[i]);
    free(d->item_domain); free(d->item_n_options);
    for (int l = 0; l < d->n_labels; l++) {
        free(d->label_name[l]);
        h5u_strs_free(&d->label_values[l]);
        free(d->item_label[l]);
    }
    free(d->cond_method); free(d->cond_round); free(d->cond_trained_side);
    free(d->maps);
    free(d->src_lines); free(d->src_records); free(d->src_quarantined); free(d->src_duplicates);
    free(d->src_row_start); free(d->src_row_end);
    free(d);
}
