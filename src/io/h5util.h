/* Internal HDF5 helpers: chunked, compressed, extendible columns, vlen string
 * dictionaries and attributes. Only src/io includes hdf5.h. */
#ifndef SAYDO_H5UTIL_H
#define SAYDO_H5UTIL_H
#include <hdf5.h>
#include <stdint.h>
#include "saydo/status.h"
#include "saydo/store.h"

enum { H5U_CHUNK_ROWS = 65536 };

/** Turns off HDF5's own error printing (saydo reports through its errors). */
void h5u_quiet(void);
/** Creates a 1-D (cols == 0) or 2-D (n x cols) extendible dataset of type,
 *  shuffle + deflate(level), fill value fill (may be NULL). */
hid_t h5u_create(hid_t loc, const char *name, hid_t type, hsize_t cols, int level, const void *fill);
/** A 1-D extendible, unfiltered dataset of a few rows (one per source):
 *  256-row chunks, where h5u_create's would pad each column of a store of
 *  one source to 64K rows (512 KB of int64). */
hid_t h5u_create_small(hid_t loc, const char *name, hid_t type);
/** Appends n rows (of cols values each when 2-D). */
/** Opens dataset name (1-D or n x k) and sets its rows to n more (append) or to
 *  n; dims get its extent from before. *d is the caller's to close. */
saydo_status h5u_open_extend(hid_t loc, const char *name, hsize_t n, int append, hid_t *d, int *rank,
                             hsize_t dims[2]) SAYDO_MUST_CHECK;
/** Writes rows r0 .. r0 + n - 1 of an open dataset of that rank and width. */
saydo_status h5u_write_slab(hid_t d, const char *name, hid_t memtype, int rank, const hsize_t *dims, hsize_t r0,
                            hsize_t n, const void *data) SAYDO_MUST_CHECK;
saydo_status h5u_append(hid_t loc, const char *name, hid_t memtype, const void *data, hsize_t n) SAYDO_MUST_CHECK;
/** Scratch for h5u_append_chunks(): a deflate compressor and two chunk-sized
 *  buffers, reused from call to call. NULL when out of memory. */
typedef struct h5u_chunker h5u_chunker_t;
h5u_chunker_t *h5u_chunker_new(void);
void h5u_chunker_free(h5u_chunker_t *z);   /* accepts NULL */
/** h5u_append(), the same values, but the rows that fill whole chunks are
 *  shuffled and deflated here (as the dataset's filters say) and written
 *  with H5Dwrite_chunk (h5direct.c). A column with other filters, a type
 *  conversion or chunks narrower than its rows goes through H5Dwrite, as
 *  does everything when z is NULL. */
saydo_status h5u_append_chunks(h5u_chunker_t *z, hid_t loc, const char *name, hid_t memtype, const void *data,
                               hsize_t n) SAYDO_MUST_CHECK;
/** Replaces the whole content with n rows. */
saydo_status h5u_overwrite(hid_t loc, const char *name, hid_t memtype, const void *data, hsize_t n) SAYDO_MUST_CHECK;
/** The rank of a dataspace (-1 on error) and, when it is 1 or 2, its dims;
 *  a higher rank is returned with dims untouched (a damaged or foreign
 *  store may hold any rank, and H5Sget_simple_extent_dims writes them all). */
int h5u_dims2(hid_t space, hsize_t dims[2]);
/** Rows (first dimension) of a dataset, or -1 when absent. */
int64_t h5u_rows(hid_t loc, const char *name);
/** Reads a whole dataset into a new buffer of n rows x (*cols) (1 for 1-D). */
saydo_status h5u_read(hid_t loc, const char *name, hid_t memtype, size_t elem_size, void **out, size_t *n,
                      size_t *cols) SAYDO_MUST_CHECK;
/** One column for h5u_read_columns(): name, memtype and esz in; out, n, cols out. */
typedef struct h5u_col {
    const char *name;     /* dataset under loc */
    hid_t memtype;        /* native type of the values */
    size_t esz;           /* its size in bytes */
    int allow_2d;         /* 1: n x cols datasets are accepted (else 1-D only) */
    void **out;           /* receives a new buffer of n * cols values (free() it) */
    size_t n, cols;       /* out: rows, and columns (1 for 1-D) */
} h5u_col_t;
/** Reads whole columns as h5u_read() would, the same bytes, but inflates and
 *  unshuffles the chunks of all of them in OpenMP threads (h5chunk.c). Falls
 *  back to h5u_read() for a column with an unusual layout. On failure every
 *  *out is NULL. */
saydo_status h5u_read_columns(hid_t loc, h5u_col_t *cols, int n_cols) SAYDO_MUST_CHECK;
/** Vlen UTF-8 strings. */
saydo_status h5u_append_strings(hid_t loc, const char *name, char *const *s, hsize_t n) SAYDO_MUST_CHECK;
saydo_status h5u_read_strings(hid_t loc, const char *name, saydo_strs_t *out) SAYDO_MUST_CHECK;
/** Reads vlen string dataset d (named name in errors) into out, checking
 *  each heap reference before using it (h5vlen.c): SAYDO_E_SCHEMA when one
 *  is damaged. *done = 0 (and out untouched) for a layout it does not know,
 *  which the caller then reads through HDF5. */
saydo_status h5u_read_vlen_strings(hid_t d, const char *name, saydo_strs_t *out, int *done) SAYDO_MUST_CHECK;
void h5u_strs_free(saydo_strs_t *s);
/** Scalar attributes on an object. */
saydo_status h5u_set_attr_int(hid_t obj, const char *name, int64_t v) SAYDO_MUST_CHECK;
saydo_status h5u_set_attr_str(hid_t obj, const char *name, const char *v) SAYDO_MUST_CHECK;
int h5u_get_attr_int(hid_t obj, const char *name, int64_t *v);   /* 1 if read */
hid_t h5u_group(hid_t loc, const char *name, int create);
#endif
