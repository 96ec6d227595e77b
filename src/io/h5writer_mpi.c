/* The store side of an MPI ingest (writer_mpi.h): rank 0's replay of each
 * file through the writer's state, and the parallel HDF5 write of the rows.
 *
 * Why the chunks are allocated before the collective write: with HDF5 1.10.8
 * (Debian 12) and Open MPI 4.1, a collective H5Dwrite into chunks that do not
 * exist yet, of a dataset created with incremental allocation (the default,
 * and how every saydo store's /records columns were made), hangs for a
 * deflated dataset (in H5D__construct_filtered_io_info_list, MPI_Mprobe) and
 * fails with "MPI_File_set_view: invalid datatype" for an unfiltered one; it
 * works once every chunk it touches is allocated. So rank 0, still holding
 * the shadow alone, writes each new chunk once as a chunk of fill values
 * (through the dataset's own filters: shuffle + deflate compress a chunk of
 * fill values to about 1.5 KB) with H5Dwrite_chunk; then the ranks' collective
 * writes replace them, HDF5 compressing each chunk on one rank and moving the
 * rows of shared chunks (files meet inside chunks) to that rank. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "io/writer_mpi.h"
#include "util/try.h"
#ifdef SAYDO_MPI_BUILD
#include <mpi.h>
#endif

/* ---- the replay ---------------------------------------------------------- */

/* The store code of local code `code` of dictionary k, taking the string
 * into the writer's dictionary the first time the file uses it, as encode()
 * does: local codes count in order of first use, so a code not mapped yet is
 * the next one. */
static saydo_status map_key(saydo_writer_t *w, const saydo_replay_in_t *in, saydo_replay_out_t *out, size_t *mapped,
                            int k, int32_t code, int32_t *global)
{
    saydo_status st = SAYDO_OK;
    SAYDO_FAIL_IF(code < 0 || (size_t)code > mapped[k] || (size_t)code >= in->dict_n[k], SAYDO_E_INVAL,
                  "internal: dictionary code %d out of order", (int)code);
    if ((size_t)code < mapped[k]) {
        *global = out->remap[k][code];
        return SAYDO_OK;
    }
    saydo_strmap_t *dicts[] = {&w->d_model, &w->d_condition, &w->d_item, &w->d_side, &w->d_variant};
    int added = 0;
    SAYDO_TRY(saydo_strmap_put(dicts[k], in->dict[k][code], global, &added));
    if (added && k == SAYDO_RD_CONDITION) {
        SAYDO_TRY(saydo_writer_grow_conds(w, (size_t)*global + 1));
        w->cond_method[*global] = w->cond_round[*global] = w->cond_tside[*global] = -1;
    }
    if (added && k == SAYDO_RD_ITEM) {
        SAYDO_TRY(saydo_writer_grow_items(w, (size_t)*global + 1));
        w->item_domain[*global] = -1;
        w->item_nopt[*global] = 0;
    }
    out->remap[k][code] = *global;
    mapped[k]++;
cleanup:
    return st;
}

saydo_status saydo_writer_replay(saydo_writer_t *w, const saydo_replay_in_t *in, saydo_replay_out_t *out)
{
    enum { BATCH = 32 };   /* saydo_writer_add_many() codes 32 records, then adds them */
    saydo_status st = SAYDO_OK;
    size_t mapped[SAYDO_RD_N] = {0};
    int32_t *last_item = NULL, *last_cond = NULL;
    saydo_key_t key[BATCH];
    uint64_t h[BATCH];
    int32_t g[BATCH][SAYDO_RD_N];
    out->stored = out->text_bytes = 0;
    out->k_max = 0;
    for (size_t f = 0; f < in->n_facts; f++) out->fact_omap[f] = -2;   /* -2: not coded yet */
    /* the whole file's keys in memory, within the key budget: there is no
     * deferred mode here (rows reach the shadow only after every replay) */
    SAYDO_TRY(saydo_writer_keys_room(w, in->n, 0));
    /* the fact last noted for each item and condition of the file: noting
     * the same facts again changes nothing, so only a change is replayed */
    SAYDO_NEW(last_item, in->dict_n[SAYDO_RD_ITEM]);
    SAYDO_NEW(last_cond, in->dict_n[SAYDO_RD_CONDITION]);
    for (size_t i = 0; i < in->dict_n[SAYDO_RD_ITEM]; i++) last_item[i] = -1;
    for (size_t i = 0; i < in->dict_n[SAYDO_RD_CONDITION]; i++) last_cond[i] = -1;
    for (size_t bi = 0; bi < in->n_batches; bi++) {
        size_t s = (size_t)in->batch_start[bi], e = bi + 1 < in->n_batches ? (size_t)in->batch_start[bi + 1] : in->n;
        SAYDO_FAIL_IF(s > e || e > in->n, SAYDO_E_INVAL, "internal: add batches out of order");
        for (size_t b = s; b < e; b += BATCH) {
            size_t m = e - b < BATCH ? e - b : BATCH;
            SAYDO_TRY(rowkeys_reserve(&w->keys, w->keys.n + m));
            for (size_t i = 0; i < m; i++) {   /* encode(): dictionary codes and the key */
                for (int k = 0; k < SAYDO_RD_N; k++)
                    SAYDO_TRY(map_key(w, in, out, mapped, k, in->key[k][b + i], &g[i][k]));
                SAYDO_TRY(saydo_key_pack(g[i][SAYDO_RD_MODEL], g[i][SAYDO_RD_CONDITION], g[i][SAYDO_RD_ITEM],
                                         g[i][SAYDO_RD_SIDE], in->trial[b + i], g[i][SAYDO_RD_VARIANT], &key[i]));
                h[i] = rowkeys_hash(key[i]);
                rowkeys_prefetch(&w->keys, h[i]);
            }
            for (size_t i = 0; i < m; i++) {   /* append(): duplicates, then the facts */
                const size_t r = b + i;
                out->dup[r] = (uint8_t)rowkeys_insert(&w->keys, key[i], h[i]);
                if (out->dup[r]) continue;
                const int32_t fi = in->fact[r];
                SAYDO_FAIL_IF(fi < 0 || (size_t)fi >= in->n_facts, SAYDO_E_INVAL, "internal: fact %d", (int)fi);
                const saydo_record_t *fact = &in->facts[fi];
                const int32_t li = in->key[SAYDO_RD_ITEM][r], lc = in->key[SAYDO_RD_CONDITION][r];
                if (last_item[li] != fi) {
                    SAYDO_TRY(saydo_writer_note_item(w, g[i][SAYDO_RD_ITEM], fact));
                    last_item[li] = fi;
                }
                if (last_cond[lc] != fi) {
                    SAYDO_TRY(saydo_writer_note_condition(w, g[i][SAYDO_RD_CONDITION], fact));
                    last_cond[lc] = fi;
                }
                if (out->fact_omap[fi] == -2) {
                    out->fact_omap[fi] = -1;
                    if (fact->has_option_map) SAYDO_TRY(saydo_writer_map_code(w, fact->option_map, &out->fact_omap[fi]));
                }
                out->stored++;
                if (in->text_len) out->text_bytes += in->text_len[r];
                if (in->n_logp[r] > out->k_max) out->k_max = in->n_logp[r];
            }
        }
    }
    for (size_t f = 0; f < in->n_facts; f++)
        if (out->fact_omap[f] == -2) out->fact_omap[f] = -1;   /* only on duplicates */
    for (int k = 0; k < SAYDO_RD_N; k++)   /* strings of duplicates only were never coded */
        for (size_t c = mapped[k]; c < in->dict_n[k]; c++) out->remap[k][c] = -1;
    w->rows += out->stored;
    w->text_total += out->text_bytes;
cleanup:
    free(last_item);
    free(last_cond);
    return st;
}

void saydo_writer_mpi_state(const saydo_writer_t *w, int64_t *rows, int *k, int64_t *text_total, int32_t *batch,
                            const char **shadow)
{
    if (rows) *rows = w->rows;
    if (k) *k = w->K_store;
    if (text_total) *text_total = w->text_total;
    if (batch) *batch = w->batch;
    if (shadow) *shadow = w->shadow;
}

/* ---- rank 0: extend and allocate -------------------------------------------- */

/* One chunk of the dataset's fill value as its filters store it. */
static saydo_status fill_chunk(hid_t d, hid_t dcpl, size_t elems, void **out, size_t *out_len)
{
    saydo_status st = SAYDO_OK;
    hid_t ft = H5Dget_type(d);
    size_t esz = ft >= 0 ? H5Tget_size(ft) : 0;
    unsigned char *raw = NULL, *shuf = NULL, *z = NULL, one[16] = {0};
    int shuffle = 0, level = -1;
    SAYDO_FAIL_IF(esz == 0 || esz > sizeof one, SAYDO_E_HDF5, "a /records column of an unexpected type");
    int nf = H5Pget_nfilters(dcpl);
    for (int i = 0; i < nf; i++) {
        unsigned flags, cd[8];
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (id == H5Z_FILTER_SHUFFLE && i == 0) shuffle = 1;
        else if (id == H5Z_FILTER_DEFLATE && i == nf - 1) level = ncd ? (int)cd[0] : 6;
        else SAYDO_FAIL_IF(1, SAYDO_E_HDF5, "a /records column with a filter other than shuffle and deflate "
                                            "(the MPI ingest writes those only)");
    }
    H5D_fill_value_t fv = H5D_FILL_VALUE_UNDEFINED;
    if (H5Pfill_value_defined(dcpl, &fv) >= 0 && fv != H5D_FILL_VALUE_UNDEFINED)
        SAYDO_FAIL_IF(H5Pget_fill_value(dcpl, ft, one) < 0, SAYDO_E_HDF5, "cannot read a fill value");
    raw = malloc(elems * esz);
    SAYDO_FAIL_IF(!raw, SAYDO_E_NOMEM, "out of memory");
    for (size_t i = 0; i < elems; i++) memcpy(raw + i * esz, one, esz);
    size_t len = elems * esz;
    if (shuffle && esz > 1) {   /* byte b of element i goes to b * elems + i */
        shuf = malloc(len);
        SAYDO_FAIL_IF(!shuf, SAYDO_E_NOMEM, "out of memory");
        for (size_t i = 0; i < elems; i++)
            for (size_t b = 0; b < esz; b++) shuf[b * elems + i] = raw[i * esz + b];
        free(raw);
        raw = shuf;
        shuf = NULL;
    }
    if (level >= 0) {   /* a zlib stream, as HDF5's deflate filter writes */
        uLongf zl = compressBound((uLong)len);
        z = malloc(zl);
        SAYDO_FAIL_IF(!z, SAYDO_E_NOMEM, "out of memory");
        SAYDO_FAIL_IF(compress2(z, &zl, raw, (uLong)len, level) != Z_OK, SAYDO_E_NOMEM, "deflate failed");
        free(raw);
        raw = z;
        z = NULL;
        len = zl;
    }
    *out = raw;
    *out_len = len;
    raw = NULL;
cleanup:
    if (ft >= 0) H5Tclose(ft);
    free(raw);
    free(shuf);
    free(z);
    return st;
}

/* Extends d to dims and writes a fill chunk into every chunk at or after row
 * `from` that is not allocated yet. */
static saydo_status extend_alloc(hid_t d, const char *name, int rank, const hsize_t *dims, hsize_t from)
{
    saydo_status st = SAYDO_OK;
    hid_t dcpl = H5Dget_create_plist(d);
    void *chunk = NULL;
    size_t chunk_len = 0;
    hsize_t cd[2] = {1, 1};
    SAYDO_FAIL_IF(dcpl < 0 || H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 2, cd) != rank,
                  SAYDO_E_SCHEMA, "/records/%s is not a chunked column", name);
    SAYDO_FAIL_IF(H5Dset_extent(d, dims) < 0, SAYDO_E_HDF5, "cannot extend /records/%s", name);
    if (dims[0] <= from) goto cleanup;
    SAYDO_TRY(fill_chunk(d, dcpl, (size_t)(cd[0] * (rank == 2 ? cd[1] : 1)), &chunk, &chunk_len));
    hsize_t cols = rank == 2 ? dims[1] : 1, cstep = rank == 2 ? cd[1] : 1;
    for (hsize_t r = from / cd[0] * cd[0]; r < dims[0]; r += cd[0])
        for (hsize_t c = 0; c < cols; c += cstep) {
            hsize_t off[2] = {r, c};
            unsigned mask = 0;
            haddr_t addr = HADDR_UNDEF;
            hsize_t size = 0;
            /* never over an allocated chunk: the first one may hold stored rows */
            SAYDO_FAIL_IF(H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size) < 0, SAYDO_E_HDF5,
                          "cannot look up a chunk of /records/%s", name);
            if (addr != HADDR_UNDEF) continue;
            SAYDO_FAIL_IF(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, chunk_len, chunk) < 0, SAYDO_E_HDF5,
                          "cannot allocate a chunk of /records/%s (disk full?)", name);
        }
cleanup:
    free(chunk);
    if (dcpl >= 0) H5Pclose(dcpl);
    return st;
}

static const char *const row_cols[] = {"model", "condition", "item", "side", "trial", "variant", "choice",
                                       "n_options", "option_map", "batch", "logp", "text_end"};

saydo_status saydo_writer_mpi_prepare(saydo_writer_t *w, int64_t old_rows, int64_t rows, int k, int64_t old_text,
                                      int64_t text_total)
{
    saydo_status st = SAYDO_OK;
    hid_t d = -1;
    SAYDO_FAIL_IF(w->file < 0 || w->g_rec < 0, SAYDO_E_INVAL, "writer is not open");
    for (size_t i = 0; i < sizeof row_cols / sizeof row_cols[0]; i++) {
        int two = strcmp(row_cols[i], "logp") == 0;
        hsize_t dims[2] = {(hsize_t)rows, (hsize_t)(k > w->K_store ? k : w->K_store)};
        d = H5Dopen2(w->g_rec, row_cols[i], H5P_DEFAULT);
        SAYDO_FAIL_IF(d < 0, SAYDO_E_SCHEMA, "%s: no /records/%s", w->path, row_cols[i]);
        SAYDO_TRY(extend_alloc(d, row_cols[i], two ? 2 : 1, dims, (hsize_t)old_rows));
        H5Dclose(d);
        d = -1;
    }
    hsize_t tdims[1] = {(hsize_t)text_total};
    d = H5Dopen2(w->g_rec, "text", H5P_DEFAULT);
    SAYDO_FAIL_IF(d < 0, SAYDO_E_SCHEMA, "%s: no /records/text", w->path);
    SAYDO_TRY(extend_alloc(d, "text", 1, tdims, (hsize_t)old_text));
    H5Dclose(d);
    d = -1;
    H5Gclose(w->g_rec);
    w->g_rec = -1;
    herr_t e = H5Fclose(w->file);
    w->file = -1;
    SAYDO_FAIL_IF(e < 0, SAYDO_E_HDF5, "%s: closing the new store failed (disk full?)", w->shadow);
cleanup:
    if (d >= 0) H5Dclose(d);
    return st;
}

saydo_status saydo_writer_mpi_reopen(saydo_writer_t *w, int64_t rows, int k, int64_t text_total)
{
    saydo_status st = SAYDO_OK;
    h5u_quiet();
    w->file = H5Fopen(w->shadow, H5F_ACC_RDWR, H5P_DEFAULT);
    SAYDO_FAIL_IF(w->file < 0, SAYDO_E_HDF5, "%s: cannot open the new store again", w->shadow);
    w->g_rec = H5Gopen2(w->file, "records", H5P_DEFAULT);
    SAYDO_FAIL_IF(w->g_rec < 0, SAYDO_E_SCHEMA, "%s: no /records group", w->shadow);
    w->rows = rows;
    if (k > w->K_store) w->K_store = k;
    w->K_buf = 0;
    w->text_total = text_total;
    w->nbuf = 0;
    w->text_len = 0;
cleanup:
    return st;
}

/* ---- all ranks: the collective write ------------------------------------- */

#ifdef SAYDO_MPI_BUILD
/* Writes rows [a, b) of this rank's rows (counted over its ranges in order)
 * of one column: their places in the file are the union of the ranges' rows
 * there; in memory they follow one another from row a of data. */
static saydo_status write_col(hid_t g, hid_t dxpl, const char *name, hid_t memtype, size_t esz, const char *data,
                              int k, size_t n_ranges, const int64_t *row0, const int64_t *nrows, int64_t a, int64_t b)
{
    saydo_status st = SAYDO_OK;
    static const char dummy[16];
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT), fs = -1, ms = -1;
    SAYDO_FAIL_IF(d < 0, SAYDO_E_SCHEMA, "no /records/%s", name);
    fs = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(fs);
    H5Sselect_none(fs);
    int64_t n = 0, local = 0;   /* local: this rank's rows before range i */
    for (size_t i = 0; i < n_ranges; local += nrows[i], i++) {
        int64_t lb = a > local ? a : local, le = b < local + nrows[i] ? b : local + nrows[i];
        if (le <= lb) continue;
        hsize_t start[2] = {(hsize_t)(row0[i] + lb - local), 0}, count[2] = {(hsize_t)(le - lb), (hsize_t)k};
        SAYDO_FAIL_IF(H5Sselect_hyperslab(fs, H5S_SELECT_OR, start, NULL, count, NULL) < 0, SAYDO_E_HDF5,
                      "cannot select rows of /records/%s", name);
        n += le - lb;
    }
    hsize_t mdims[2] = {n ? (hsize_t)n : 1, (hsize_t)k};
    ms = H5Screate_simple(rank, mdims, NULL);
    if (!n) H5Sselect_none(ms);
    const char *at = n ? data + (size_t)a * esz * (size_t)k : dummy;
    SAYDO_FAIL_IF(H5Dwrite(d, memtype, ms, fs, dxpl, at) < 0, SAYDO_E_HDF5,
                  "cannot write /records/%s in parallel (disk full?)", name);
cleanup:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    return st;
}

/* Collective calls needed when every rank writes `step` of its n rows a call. */
static int64_t calls(int64_t n, int64_t step)
{
    int64_t mine = (n + step - 1) / step, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

saydo_status saydo_store_write_mpi(const char *shadow, const saydo_mpi_rows_t *r)
{
    saydo_status st = SAYDO_OK, cst;
    hid_t fapl = -1, f = -1, g = -1, dxpl = -1;
    /* Each collective H5Dwrite takes the next `step` rows of every rank:
     * all ranks compress at once (each chunk on one rank, HDF5 moves the rows
     * of a chunk two ranks share), and HDF5's buffers for the chunks in
     * flight stay bounded (all rows in one call doubled the peak memory).
     * SAYDO_MPI_WRITE_ROWS=N sets the step (tests: many calls on small data). */
    const char *senv = getenv("SAYDO_MPI_WRITE_ROWS");
    const int64_t step = senv && atoll(senv) > 0 ? atoll(senv) : (int64_t)2 * H5U_CHUNK_ROWS;
    h5u_quiet();
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    f = H5Fopen(shadow, H5F_ACC_RDWR, fapl);
    int ok = f >= 0, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    /* the open is collective: when it failed anywhere, it failed everywhere */
    SAYDO_FAIL_IF(!all_ok, SAYDO_E_HDF5, "%s: cannot open the new store with MPI-IO", shadow);
    g = H5Gopen2(f, "records", H5P_DEFAULT);
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    const struct { const char *name; hid_t type; size_t esz; const void *data; int k; } cols[] = {
        {"model", H5T_NATIVE_INT32, 4, r->model, 1}, {"condition", H5T_NATIVE_INT32, 4, r->condition, 1},
        {"item", H5T_NATIVE_INT32, 4, r->item, 1}, {"side", H5T_NATIVE_INT8, 1, r->side, 1},
        {"trial", H5T_NATIVE_INT32, 4, r->trial, 1}, {"variant", H5T_NATIVE_INT32, 4, r->variant, 1},
        {"choice", H5T_NATIVE_INT8, 1, r->choice, 1}, {"n_options", H5T_NATIVE_INT8, 1, r->n_options, 1},
        {"option_map", H5T_NATIVE_INT16, 2, r->option_map, 1}, {"batch", H5T_NATIVE_INT32, 4, r->batch, 1},
        {"logp", H5T_NATIVE_FLOAT, 4, r->logp, r->k}, {"text_end", H5T_NATIVE_INT64, 8, r->text_end, 1},
    };
    int64_t n_text = 0;
    for (size_t i = 0; i < r->n_ranges; i++) n_text += r->ntext[i];
    /* every rank makes every call (a failed one too): they are collective */
    const int64_t t_rows = calls((int64_t)r->n, step), t_text = calls(n_text, step * 64);
    for (int64_t t = 0; t < t_rows; t++)
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            cst = write_col(g, dxpl, cols[c].name, cols[c].type, cols[c].esz, cols[c].data, cols[c].k, r->n_ranges,
                            r->row0, r->nrows, t * step, (t + 1) * step);
            if (cst < 0 && st == SAYDO_OK) st = cst;
        }
    for (int64_t t = 0; t < t_text; t++) {   /* text bytes: 64 to a row */
        cst = write_col(g, dxpl, "text", H5T_NATIVE_UINT8, 1, r->text, 1, r->n_ranges, r->text0, r->ntext,
                        t * step * 64, (t + 1) * step * 64);
        if (cst < 0 && st == SAYDO_OK) st = cst;
    }
cleanup:
    if (dxpl >= 0) H5Pclose(dxpl);
    if (g >= 0) H5Gclose(g);
    if (f >= 0 && H5Fclose(f) < 0 && st == SAYDO_OK)
        st = saydo_set_error(SAYDO_E_HDF5, "%s: closing the new store failed (disk full?)", shadow);
    if (fapl >= 0) H5Pclose(fapl);
    return st;
}
#else
saydo_status saydo_store_write_mpi(const char *shadow, const saydo_mpi_rows_t *r)
{
    (void)shadow;
    (void)r;
    return saydo_set_error(SAYDO_E_INVAL, "parallel HDF5 writes need the MPI build (cmake -DSAYDO_MPI=ON)");
}
#endif
