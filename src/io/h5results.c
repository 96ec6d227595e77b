/* /results/NAME tables: one dataset per column (vlen strings or float64),
 * written under the store's lock and shadow-copy commit like an ingest. */
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "util/try.h"

static int valid_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}

saydo_status saydo_store_write_table(const char *path, const char *name, const saydo_table_t *t, const char *command)
{
    saydo_status st = SAYDO_OK;
    saydo_writer_t *w = NULL;
    hid_t gres = -1, g = -1;
    SAYDO_FAIL_IF(!valid_name(name), SAYDO_E_INVAL, "result name '%s': use letters, digits, _ - .", name);
    FILE *probe = fopen(path, "rb");
    SAYDO_FAIL_IF(!probe, SAYDO_E_IO, "%s: no such store", path);
    fclose(probe);
    SAYDO_TRY(saydo_writer_open(path, NULL, &w));
    gres = h5u_group(w->file, "results", 1);
    SAYDO_FAIL_IF(gres < 0, SAYDO_E_HDF5, "%s: cannot open /results", path);
    if (H5Lexists(gres, name, H5P_DEFAULT) > 0) H5Ldelete(gres, name, H5P_DEFAULT);
    g = H5Gcreate2(gres, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    SAYDO_FAIL_IF(g < 0, SAYDO_E_HDF5, "%s: cannot create /results/%s", path, name);
    SAYDO_TRY(h5u_set_attr_str(g, "command", command ? command : ""));
    SAYDO_TRY(h5u_set_attr_int(g, "n_rows", (int64_t)t->n_rows));
    /* column order, since HDF5 lists members alphabetically */
    SAYDO_TRY(h5u_append_strings(g, "_columns", t->col_name, (hsize_t)t->n_cols));
    for (int c = 0; c < t->n_cols; c++) {
        if (t->col_is_str[c]) {
            char **vals = calloc(t->n_rows ? t->n_rows : 1, sizeof *vals);
            SAYDO_FAIL_IF(!vals, SAYDO_E_NOMEM, "out of memory");
            for (size_t r = 0; r < t->n_rows; r++) vals[r] = t->str_col[c][r] ? t->str_col[c][r] : "";
            st = h5u_append_strings(g, t->col_name[c], vals, t->n_rows);
            free(vals);
            if (st < 0) goto cleanup;
        } else {
            hid_t d = h5u_create(g, t->col_name[c], H5T_IEEE_F64LE, 0, 1, NULL);
            SAYDO_FAIL_IF(d < 0, SAYDO_E_HDF5, "%s: cannot create /results/%s/%s", path, name, t->col_name[c]);
            H5Dclose(d);
            SAYDO_TRY(h5u_append(g, t->col_name[c], H5T_NATIVE_DOUBLE, t->num_col[c], t->n_rows));
        }
    }
    H5Gclose(g);
    g = -1;
    H5Gclose(gres);
    gres = -1;
    SAYDO_TRY(saydo_writer_commit(w));
cleanup:
    if (g >= 0) H5Gclose(g);
    if (gres >= 0) H5Gclose(gres);
    saydo_writer_free(w);
    return st;
}

saydo_status saydo_store_read_table(const char *path, const char *name, saydo_table_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_table_t *t = NULL;
    saydo_strs_t cols = {0, NULL}, sv = {0, NULL};
    hid_t f = -1, g = -1;
    *out = NULL;
    h5u_quiet();
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    SAYDO_FAIL_IF(f < 0, SAYDO_E_SCHEMA, "%s: not an HDF5 file, or a damaged one", path);
    char gp[512];
    snprintf(gp, sizeof gp, "results/%s", name);
    g = H5Lexists(f, "results", H5P_DEFAULT) > 0 && H5Lexists(f, gp, H5P_DEFAULT) > 0 ? H5Gopen2(f, gp, H5P_DEFAULT) : -1;
    SAYDO_FAIL_IF(g < 0, SAYDO_E_INVAL, "%s: no /results/%s", path, name);
    int64_t nrows = 0;
    SAYDO_FAIL_IF(!h5u_get_attr_int(g, "n_rows", &nrows) || nrows < 0, SAYDO_E_SCHEMA, "%s: /results/%s has no n_rows",
                  path, name);
    SAYDO_TRY(h5u_read_strings(g, "_columns", &cols));
    /* the attribute sizes the table: it must be what the columns hold (a
     * damaged one would allocate for any count it claims) */
    SAYDO_FAIL_IF(cols.n ? h5u_rows(g, cols.s[0]) != nrows : nrows != 0, SAYDO_E_SCHEMA,
                  "%s: /results/%s: n_rows %lld disagrees with its columns", path, name, (long long)nrows);
    SAYDO_TRY(saydo_table_create((size_t)nrows, (int)cols.n, &t));
    for (size_t c = 0; c < cols.n; c++) {
        hid_t d = H5Dopen2(g, cols.s[c], H5P_DEFAULT);
        SAYDO_FAIL_IF(d < 0, SAYDO_E_SCHEMA, "%s: /results/%s/%s is missing", path, name, cols.s[c]);
        hid_t ty = H5Dget_type(d);
        int is_str = H5Tget_class(ty) == H5T_STRING;
        H5Tclose(ty);
        H5Dclose(d);
        SAYDO_TRY(saydo_table_set_col(t, (int)c, cols.s[c], is_str));
        if (is_str) {
            SAYDO_TRY(h5u_read_strings(g, cols.s[c], &sv));
            SAYDO_FAIL_IF(sv.n != (size_t)nrows, SAYDO_E_SCHEMA, "%s: /results/%s/%s has the wrong length", path, name,
                          cols.s[c]);
            for (size_t r = 0; r < sv.n; r++) {
                t->str_col[c][r] = sv.s[r];
                sv.s[r] = NULL;
            }
            h5u_strs_free(&sv);
        } else {
            double *v = NULL;
            size_t n = 0;
            SAYDO_TRY(h5u_read(g, cols.s[c], H5T_NATIVE_DOUBLE, sizeof(double), (void **)&v, &n, NULL));
            if (n != (size_t)nrows) {
                free(v);
                SAYDO_FAIL_IF(1, SAYDO_E_SCHEMA, "%s: /results/%s/%s has the wrong length", path, name, cols.s[c]);
            }
            memcpy(t->num_col[c], v, n * sizeof *v);
            free(v);
        }
    }
    *out = t;
    t = NULL;
cleanup:
    h5u_strs_free(&cols);
    h5u_strs_free(&sv);
    saydo_table_free(t);
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    return st;
}
