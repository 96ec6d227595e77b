/* Removing rows from the shadow's /records columns (store_impl.h:
 * h5_compact_rows), for the duplicates a deferred-mode commit finds on disk
 * (dedup.c).
 *
 * Every column is compacted in place from the first dropped row on, a block
 * of chunk-aligned rows at a time: read a block, keep its rows that stay,
 * write them at the write position (never past the read position, so no
 * unread row is overwritten), then shrink the dataset. text_end holds
 * cumulative offsets into text, so the two go together: the kept rows' text
 * bytes move down in pieces and their offsets are counted again. Freed
 * space inside the HDF5 file is not returned (the file is as large as
 * before the removal); duplicates are rare, so that is little. */
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "util/try.h"

enum { BLOCK = H5U_CHUNK_ROWS, TEXT_PIECE = 1 << 20 };

static int dropped(const uint64_t *drop, int64_t i) { return (int)(drop[i >> 6] >> (i & 63) & 1); }

/* Opens a column with a chunk cache large enough for the chunk being read
 * and the one or two being written. */
static hid_t open_col(hid_t g, const char *name)
{
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    H5Pset_chunk_cache(dapl, H5D_CHUNK_CACHE_NSLOTS_DEFAULT, (size_t)8 << 20, 1.0);
    hid_t d = H5Dopen2(g, name, dapl);
    H5Pclose(dapl);
    return d;
}

/* Reads (write = 0) or writes rows [start, start + n) of d, each cols values of type t. */
static int io_rows(hid_t d, hid_t t, int write, int64_t start, int64_t n, hsize_t cols, void *buf)
{
    if (n <= 0) return 0;
    int rank = cols ? 2 : 1;
    hsize_t s[2] = {(hsize_t)start, 0}, c[2] = {(hsize_t)n, cols};
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, c, NULL);
    herr_t e = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, s, NULL, c, NULL);
    if (e >= 0) e = write ? H5Dwrite(d, t, ms, fs, H5P_DEFAULT, buf) : H5Dread(d, t, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    return e < 0 ? -1 : 0;
}

static saydo_status set_len(hid_t d, int64_t n, hsize_t cols, const char *name)
{
    hsize_t dims[2] = {(hsize_t)n, cols};
    if (H5Dset_extent(d, dims) < 0) return saydo_set_error(SAYDO_E_HDF5, "cannot shrink /records/%s", name);
    return SAYDO_OK;
}

/* A column of fixed-size rows (1-D, or n x cols for logp), in the file's own type. */
static saydo_status compact_col(hid_t g, const char *name, int64_t first, int64_t r0, int64_t rows,
                                const uint64_t *drop)
{
    saydo_status st = SAYDO_OK;
    char *buf = NULL;
    hid_t d = open_col(g, name), t = d >= 0 ? H5Dget_type(d) : -1, fs = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[2] = {0, 0};
    int rank = h5u_dims2(fs, dims);
    SAYDO_FAIL_IF(t < 0 || rank < 1, SAYDO_E_HDF5, "cannot open /records/%s", name);
    const hsize_t cols = rank == 2 ? dims[1] : 0;
    const size_t row = H5Tget_size(t) * (cols ? cols : 1);
    buf = malloc(BLOCK * row);
    SAYDO_FAIL_IF(!buf, SAYDO_E_NOMEM, "out of memory");
    int64_t wpos = r0;
    for (int64_t b = r0; b < rows;) {
        int64_t e = (b / BLOCK + 1) * BLOCK, m = 0;
        if (e > rows) e = rows;
        SAYDO_FAIL_IF(io_rows(d, t, 0, b, e - b, cols, buf) < 0, SAYDO_E_HDF5, "cannot read /records/%s", name);
        for (int64_t i = b; i < e; i++)
            if (!dropped(drop, i - first)) {
                if (m != i - b) memcpy(buf + (size_t)m * row, buf + (size_t)(i - b) * row, row);
                m++;
            }
        SAYDO_FAIL_IF(io_rows(d, t, 1, wpos, m, cols, buf) < 0, SAYDO_E_HDF5, "cannot write /records/%s (disk full?)",
                      name);
        wpos += m;
        b = e;
    }
    SAYDO_TRY(set_len(d, wpos, cols, name));
cleanup:
    free(buf);
    if (fs >= 0) H5Sclose(fs);
    if (t >= 0) H5Tclose(t);
    if (d >= 0) H5Dclose(d);
    return st;
}

/* Moves text bytes [src, src + len) down to dst (dst <= src), a piece at a time. */
static saydo_status move_text(hid_t d, int64_t src, int64_t dst, int64_t len, char *piece)
{
    if (src == dst) return SAYDO_OK;
    for (int64_t off = 0; off < len; off += TEXT_PIECE) {
        int64_t k = len - off < TEXT_PIECE ? len - off : TEXT_PIECE;
        if (io_rows(d, H5T_NATIVE_UINT8, 0, src + off, k, 0, piece) < 0 ||
            io_rows(d, H5T_NATIVE_UINT8, 1, dst + off, k, 0, piece) < 0)
            return saydo_set_error(SAYDO_E_HDF5, "cannot move /records/text (disk full?)");
    }
    return SAYDO_OK;
}

/* text_end and text together; *text_total becomes the kept text's length. */
static saydo_status compact_text(hid_t g, int64_t first, int64_t r0, int64_t rows, const uint64_t *drop,
                                 int64_t *text_total)
{
    saydo_status st = SAYDO_OK;
    int64_t *te = NULL;
    char *piece = NULL;
    hid_t de = open_col(g, "text_end"), dt = open_col(g, "text");
    SAYDO_FAIL_IF(de < 0 || dt < 0, SAYDO_E_HDF5, "cannot open /records/text_end and text");
    SAYDO_NEW(te, BLOCK);
    piece = malloc(TEXT_PIECE);
    SAYDO_FAIL_IF(!piece, SAYDO_E_NOMEM, "out of memory");
    int64_t prev = 0;   /* the end of the row before, as stored */
    if (r0 > 0) SAYDO_FAIL_IF(io_rows(de, H5T_NATIVE_INT64, 0, r0 - 1, 1, 0, &prev) < 0, SAYDO_E_HDF5,
                              "cannot read /records/text_end");
    int64_t out = prev, wpos = r0;           /* text bytes kept so far; rows kept so far */
    int64_t msrc = prev, mdst = prev, mlen = 0;   /* the run of kept bytes not moved yet */
    for (int64_t b = r0; b < rows;) {
        int64_t e = (b / BLOCK + 1) * BLOCK, m = 0;
        if (e > rows) e = rows;
        SAYDO_FAIL_IF(io_rows(de, H5T_NATIVE_INT64, 0, b, e - b, 0, te) < 0, SAYDO_E_HDF5,
                      "cannot read /records/text_end");
        for (int64_t i = b; i < e; i++) {
            int64_t src = prev, len = te[i - b] - prev;
            SAYDO_FAIL_IF(len < 0, SAYDO_E_SCHEMA, "/records/text_end decreases at row %lld", (long long)i);
            prev = te[i - b];
            if (dropped(drop, i - first)) continue;
            if (len && src != msrc + mlen) {   /* not contiguous with the run: move the run first */
                SAYDO_TRY(move_text(dt, msrc, mdst, mlen, piece));
                msrc = src;
                mdst = out;
                mlen = 0;
            }
            mlen += len;
            out += len;
            te[m++] = out;
        }
        SAYDO_FAIL_IF(io_rows(de, H5T_NATIVE_INT64, 1, wpos, m, 0, te) < 0, SAYDO_E_HDF5,
                      "cannot write /records/text_end (disk full?)");
        wpos += m;
        b = e;
    }
    SAYDO_TRY(move_text(dt, msrc, mdst, mlen, piece));
    SAYDO_TRY(set_len(de, wpos, 0, "text_end"));
    SAYDO_TRY(set_len(dt, out, 0, "text"));
    *text_total = out;
cleanup:
    free(te);
    free(piece);
    if (de >= 0) H5Dclose(de);
    if (dt >= 0) H5Dclose(dt);
    return st;
}

saydo_status h5_compact_rows(hid_t g_rec, int64_t first, int64_t *rows, int64_t *text_total, const uint64_t *drop)
{
    static const char *const fixed[] = {"model", "condition", "item", "side", "trial", "variant",
                                        "choice", "n_options", "option_map", "batch", "logp"};
    saydo_status st = SAYDO_OK;
    int64_t r0 = first, kept = first;
    while (r0 < *rows && !dropped(drop, r0 - first)) r0++;   /* rows before the first duplicate stay put */
    for (int64_t i = first; i < *rows; i++) kept += !dropped(drop, i - first);
    if (r0 == *rows) return SAYDO_OK;
    for (size_t c = 0; c < sizeof fixed / sizeof fixed[0]; c++) SAYDO_TRY(compact_col(g_rec, fixed[c], first, r0, *rows, drop));
    SAYDO_TRY(compact_text(g_rec, first, r0, *rows, drop, text_total));
    *rows = kept;
cleanup:
    return st;
}
