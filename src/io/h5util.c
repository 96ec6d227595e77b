/* HDF5 helpers (see h5util.h). Every failure becomes a saydo error naming
 * the dataset; HDF5's own error stack printing is off. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"

void h5u_quiet(void)
{
    /* No HDF5 shutdown at exit: when H5Fclose fails (a full disk while the
     * shadow store is flushed), HDF5 1.10 leaves the file half-closed and its
     * atexit handler then crashes closing it again. saydo closes every file
     * itself, so there is nothing for the handler to do. It must be requested
     * before the library's first call; later requests fail harmlessly. */
    static int once;
    if (!once) {
        once = 1;
        H5dont_atexit();
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

hid_t h5u_group(hid_t loc, const char *name, int create)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return create ? H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
}

hid_t h5u_create(hid_t loc, const char *name, hid_t type, hsize_t cols, int level, const void *fill)
{
    int rank = cols ? 2 : 1;
    hsize_t dims[2] = {0, cols}, maxd[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
    hsize_t chunk[2] = {H5U_CHUNK_ROWS, cols ? cols : 1};
    size_t esz = H5Tget_size(type);
    /* vlen strings: dictionaries and provenance, 16-byte heap references
     * each; 256 rows keep a store of a few records small (4 KB a chunk) */
    if (H5Tis_variable_str(type) > 0) chunk[0] = 256;
    else if (cols) {   /* a chunk of 2-D rows weighs what one of 4-byte codes does (256 KB) */
        chunk[0] = (hsize_t)(H5U_CHUNK_ROWS * 4 / (cols * esz));
        if (chunk[0] == 0) chunk[0] = 1;
    }
    hid_t space = H5Screate_simple(rank, dims, maxd);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    if (level > 0 && H5Tis_variable_str(type) <= 0) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, (unsigned)level);
    }
    /* vlen chunks are deflated whatever the level, for zlib's checksum (HDF5
     * refuses fletcher32 on vlen): a damaged vlen reference (its length and
     * heap address) would otherwise reach libhdf5's global heap reader,
     * which trusts it (a heap overflow or a multi-GB allocation in 1.10) */
    if (H5Tis_variable_str(type) > 0) H5Pset_deflate(dcpl, 1);
    if (fill) H5Pset_fill_value(dcpl, type, fill);
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

hid_t h5u_create_small(hid_t loc, const char *name, hid_t type)
{
    hsize_t dims[1] = {0}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {256};
    hid_t space = H5Screate_simple(1, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_fletcher32(dcpl);   /* damage is reported by HDF5's check, not read as counts */
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

saydo_status h5u_open_extend(hid_t loc, const char *name, hsize_t n, int append, hid_t *d, int *rank,
                             hsize_t dims[2])
{
    *d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (*d < 0) return saydo_set_error(SAYDO_E_HDF5, "cannot open dataset %s", name);
    hid_t fs = H5Dget_space(*d);
    *rank = H5Sget_simple_extent_ndims(fs);
    dims[0] = dims[1] = 0;
    if (*rank >= 1 && *rank <= 2) H5Sget_simple_extent_dims(fs, dims, NULL);
    H5Sclose(fs);
    hsize_t newd[2] = {(append ? dims[0] : 0) + n, dims[1]};
    if (*rank < 1 || *rank > 2 || H5Dset_extent(*d, newd) < 0) {
        H5Dclose(*d);
        *d = -1;
        return saydo_set_error(SAYDO_E_HDF5, "cannot extend dataset %s", name);
    }
    return SAYDO_OK;
}

saydo_status h5u_write_slab(hid_t d, const char *name, hid_t memtype, int rank, const hsize_t *dims, hsize_t r0,
                            hsize_t n, const void *data)
{
    saydo_status st = SAYDO_OK;
    if (n == 0) return SAYDO_OK;
    hsize_t start[2] = {r0, 0}, count[2] = {n, rank == 2 ? dims[1] : 1};
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, count, NULL);
    if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, data) < 0)
        st = saydo_set_error(SAYDO_E_HDF5, "cannot write dataset %s (disk full?)", name);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return st;
}

static saydo_status write_rows(hid_t loc, const char *name, hid_t memtype, const void *data, hsize_t n, int append)
{
    hid_t d;
    int rank;
    hsize_t dims[2];
    saydo_status st = h5u_open_extend(loc, name, n, append, &d, &rank, dims);
    if (st < 0) return st;
    st = h5u_write_slab(d, name, memtype, rank, dims, append ? dims[0] : 0, n, data);
    H5Dclose(d);
    return st;
}

saydo_status h5u_append(hid_t loc, const char *name, hid_t memtype, const void *data, hsize_t n)
{
    return write_rows(loc, name, memtype, data, n, 1);
}

saydo_status h5u_overwrite(hid_t loc, const char *name, hid_t memtype, const void *data, hsize_t n)
{
    return write_rows(loc, name, memtype, data, n, 0);
}

int h5u_dims2(hid_t space, hsize_t dims[2])
{
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank >= 1 && rank <= 2 && H5Sget_simple_extent_dims(space, dims, NULL) != rank) return -1;
    return rank;
}

int64_t h5u_rows(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t fs = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int rank = h5u_dims2(fs, dims);
    H5Sclose(fs);
    H5Dclose(d);
    return rank < 1 ? -1 : (int64_t)dims[0];
}

saydo_status h5u_read(hid_t loc, const char *name, hid_t memtype, size_t elem_size, void **out, size_t *n,
                      size_t *cols)
{
    saydo_status st = SAYDO_OK;
    hid_t d = -1, fs = -1;
    void *buf = NULL;
    *out = NULL;
    *n = 0;
    if (cols) *cols = 1;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return saydo_set_error(SAYDO_E_SCHEMA, "dataset %s is missing", name);
    d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return saydo_set_error(SAYDO_E_SCHEMA, "dataset %s cannot be opened", name);
    hid_t ft = H5Dget_type(d);
    H5T_class_t fclass = H5Tget_class(ft), mclass = H5Tget_class(memtype);
    H5Tclose(ft);
    if (fclass != mclass) {
        st = saydo_set_error(SAYDO_E_SCHEMA, "dataset %s has the wrong type", name);
        goto cleanup;
    }
    fs = H5Dget_space(d);
    hsize_t dims[2] = {0, 1};
    int rank = h5u_dims2(fs, dims);
    if (rank < 1 || rank > 2 || (rank == 2 && !cols)) {
        st = saydo_set_error(SAYDO_E_SCHEMA, "dataset %s has the wrong shape", name);
        goto cleanup;
    }
    /* a damaged or hostile file may claim any dims: the product must not wrap */
    hsize_t width = rank == 2 ? dims[1] : 1;
    if (width && dims[0] > (hsize_t)SIZE_MAX / width / elem_size) {
        st = saydo_set_error(SAYDO_E_SCHEMA, "dataset %s claims %llu x %llu values: too large", name,
                             (unsigned long long)dims[0], (unsigned long long)width);
        goto cleanup;
    }
    size_t total = (size_t)dims[0] * (size_t)width;
    buf = malloc(total ? total * elem_size : 1);
    if (!buf) {
        st = saydo_set_error(SAYDO_E_NOMEM, "out of memory reading %s", name);
        goto cleanup;
    }
    if (total && H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        st = saydo_set_error(SAYDO_E_SCHEMA, "dataset %s cannot be read (damaged file?)", name);
        goto cleanup;
    }
    *out = buf;
    buf = NULL;
    *n = (size_t)dims[0];
    if (cols) *cols = rank == 2 ? (size_t)dims[1] : 1;
cleanup:
    free(buf);
    if (fs >= 0) H5Sclose(fs);
    H5Dclose(d);
    return st;
}

static hid_t vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

saydo_status h5u_append_strings(hid_t loc, const char *name, char *const *s, hsize_t n)
{
    hid_t t = vlen_str_type();
    saydo_status st = SAYDO_OK;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
        hid_t d = h5u_create(loc, name, t, 0, 0, NULL);
        if (d < 0) st = saydo_set_error(SAYDO_E_HDF5, "cannot create dataset %s", name);
        else H5Dclose(d);
    }
    if (st == SAYDO_OK) st = h5u_append(loc, name, t, s, n);
    H5Tclose(t);
    return st;
}

saydo_status h5u_read_strings(hid_t loc, const char *name, saydo_strs_t *out)
{
    char **raw = NULL;
    size_t n = 0;
    out->n = 0;
    out->s = NULL;
    /* saydo's own reader first: libhdf5 would follow damaged heap references blindly */
    if (H5Lexists(loc, name, H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
        if (d < 0) return saydo_set_error(SAYDO_E_SCHEMA, "dataset %s cannot be opened", name);
        hid_t ft = H5Dget_type(d);
        int done = 0;
        saydo_status vst = ft >= 0 && H5Tis_variable_str(ft) > 0 ? h5u_read_vlen_strings(d, name, out, &done) : SAYDO_OK;
        if (ft >= 0) H5Tclose(ft);
        H5Dclose(d);
        if (vst < 0 || done) return vst;
    }
    hid_t t = vlen_str_type();
    saydo_status st = h5u_read(loc, name, t, sizeof(char *), (void **)&raw, &n, NULL);
    if (st == SAYDO_OK) {
        out->s = calloc(n ? n : 1, sizeof(char *));
        if (!out->s) st = saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        for (size_t i = 0; st == SAYDO_OK && i < n; i++) {
            out->s[i] = strdup(raw[i] ? raw[i] : "");
            if (!out->s[i]) st = saydo_set_error(SAYDO_E_NOMEM, "out of memory");
            out->n = i + 1;
        }
        /* HDF5 allocated the vlen strings: give them back through the library */
        for (size_t i = 0; i < n; i++) H5free_memory(raw[i]);
    }
    free(raw);
    H5Tclose(t);
    return st;
}

void h5u_strs_free(saydo_strs_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->s[i]);
    free(s->s);
    s->s = NULL;
    s->n = 0;
}

saydo_status h5u_set_attr_int(hid_t obj, const char *name, int64_t v)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? saydo_set_error(SAYDO_E_HDF5, "cannot write attribute %s", name) : SAYDO_OK;
}

saydo_status h5u_set_attr_str(hid_t obj, const char *name, const char *v)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t t = vlen_str_type(), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? saydo_set_error(SAYDO_E_HDF5, "cannot write attribute %s", name) : SAYDO_OK;
}

int h5u_get_attr_int(hid_t obj, const char *name, int64_t *v)
{
    if (H5Aexists(obj, name) <= 0) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return 0;
    herr_t e = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return e >= 0;
}
