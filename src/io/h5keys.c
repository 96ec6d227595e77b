/* The writer's duplicate-key table, held within a memory budget
 * (store_impl.h: keys_mode).
 *
 * The table costs ~21 bytes a stored record (16-byte keys at load <= 0.75),
 * so a store of 12M records would need 256 MB for it. The writer keeps it
 * only while it fits key_budget (default 96 MB, old and new table counted
 * together while it grows); past that it frees it and turns to deferred
 * mode, in which rows go to the shadow unchecked and the commit finds the
 * duplicates on disk in bounded memory (dedup.c). Below the budget nothing
 * differs from a writer without one.
 *
 * The store's own keys are read at the first add, not at open, a chunk of
 * each key column at a time: a writer that adds no records (saydo score
 * saving results) never reads them, and one whose store is past the budget
 * never holds them. */
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "util/try.h"

enum { SCAN_ROWS = H5U_CHUNK_ROWS };   /* one chunk of each key column at a time */

size_t saydo_writer_key_budget(const saydo_writer_opts_t *o)
{
    double mb = o ? o->key_budget_mb : 0;
    if (!(mb > 0)) {
        const char *e = getenv("SAYDO_KEY_BUDGET_MB");   /* fractions allowed: tests force deferred mode */
        mb = e ? strtod(e, NULL) : 0;
    }
    if (!(mb > 0)) mb = 96;
    if (mb > 1 << 30) mb = 1 << 30;
    return (size_t)(mb * 1048576.0);
}

static const char *const keycol[6] = {"model", "condition", "item", "side", "trial", "variant"};

saydo_status saydo_writer_scan_keys(saydo_writer_t *w, int64_t from, int64_t to, keys_fn fn, void *ctx)
{
    saydo_status st = SAYDO_OK;
    hid_t d[6] = {-1, -1, -1, -1, -1, -1};
    int32_t *col[6] = {0};
    saydo_key_t *keys = NULL;
    SAYDO_FAIL_IF(w->g_rec < 0, SAYDO_E_INVAL, "writer is not open");
    if (from >= to) return SAYDO_OK;
    for (int c = 0; c < 6; c++) {
        d[c] = H5Dopen2(w->g_rec, keycol[c], H5P_DEFAULT);
        SAYDO_FAIL_IF(d[c] < 0, SAYDO_E_SCHEMA, "%s: /records/%s cannot be opened", w->path, keycol[c]);
        SAYDO_NEW(col[c], SCAN_ROWS);
    }
    SAYDO_NEW(keys, SCAN_ROWS);
    for (int64_t b = from; b < to;) {
        /* blocks end on chunk boundaries, so each chunk is inflated once */
        int64_t e = (b / SCAN_ROWS + 1) * SCAN_ROWS;
        if (e > to) e = to;
        hsize_t start = (hsize_t)b, count = (hsize_t)(e - b);
        hid_t ms = H5Screate_simple(1, &count, NULL);
        for (int c = 0; c < 6 && st == SAYDO_OK; c++) {
            hid_t fs = H5Dget_space(d[c]);
            if (fs < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
                H5Dread(d[c], H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, col[c]) < 0)
                st = saydo_set_error(SAYDO_E_SCHEMA, "%s: /records/%s cannot be read (damaged file?)", w->path,
                                     keycol[c]);
            if (fs >= 0) H5Sclose(fs);
        }
        H5Sclose(ms);
        if (st < 0) goto cleanup;
        for (size_t i = 0; i < count; i++)
            SAYDO_TRY(saydo_key_pack(col[0][i], col[1][i], col[2][i], col[3][i], col[4][i], col[5][i], &keys[i]));
        SAYDO_TRY(fn(ctx, keys, b, (size_t)count));
        b = e;
    }
cleanup:
    for (int c = 0; c < 6; c++) {
        if (d[c] >= 0) H5Dclose(d[c]);
        free(col[c]);
    }
    free(keys);
    return st;
}

/* Inserts keys into the table (a stored duplicate of an old store is kept
 * as is), hashing and prefetching a batch ahead. */
static void insert_all(rowkeys_t *t, const saydo_key_t *keys, size_t n)
{
    enum { AHEAD = 16 };
    uint64_t h[AHEAD];
    for (size_t b = 0; b < n; b += AHEAD) {
        size_t m = n - b < AHEAD ? n - b : AHEAD;
        for (size_t i = 0; i < m; i++) {
            h[i] = rowkeys_hash(keys[b + i]);
            rowkeys_prefetch(t, h[i]);
        }
        for (size_t i = 0; i < m; i++) rowkeys_insert(t, keys[b + i], h[i]);
    }
}

static saydo_status insert_cb(void *ctx, const saydo_key_t *keys, int64_t first, size_t n)
{
    (void)first;
    insert_all(ctx, keys, n);
    return SAYDO_OK;
}

/* Fills the (empty, sized) table with the keys of every row: the shadow's
 * and those still in the write buffers. */
static saydo_status load_keys(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    SAYDO_TRY(saydo_writer_scan_keys(w, 0, w->rows, insert_cb, &w->keys));
    for (size_t i = 0; i < w->nbuf; i++) {
        saydo_key_t k;
        SAYDO_TRY(saydo_key_pack(w->b_model[i], w->b_cond[i], w->b_item[i], w->b_side[i], w->b_trial[i],
                                 w->b_variant[i], &k));
        insert_all(&w->keys, &k, 1);
    }
cleanup:
    return st;
}

static saydo_status defer(saydo_writer_t *w, size_t need, int may_defer)
{
    if (!may_defer)
        return saydo_set_error(SAYDO_E_NOMEM, "%s: %zu record keys need more than the duplicate-key budget of "
                               "%.2f MB; ingest with one process, or raise --key-memory",
                               w->path, need, (double)w->key_budget / 1048576.0);
    rowkeys_free(&w->keys);
    w->keys_mode = KEYS_DEFERRED;
    SAYDO_LOG_INFO("%s: %zu record keys pass the duplicate-key memory (%.2f MB): duplicates are found on disk "
                   "at each commit (slower; --key-memory MB)", w->path, need, (double)w->key_budget / 1048576.0);
    return SAYDO_OK;
}

saydo_status saydo_writer_keys_room(saydo_writer_t *w, size_t more, int may_defer)
{
    saydo_status st = SAYDO_OK;
    const size_t max_slots = w->key_budget / sizeof(saydo_key_t);
    int rebuild = 0;
    if (w->keys_mode == KEYS_DEFERRED)
        return may_defer ? SAYDO_OK : defer(w, (size_t)w->rows + w->nbuf + more, 0);
    if (w->keys_mode == KEYS_LIVE) {
        if ((w->keys.n + more) * 4 <= w->keys.n_slots * 3) return SAYDO_OK;   /* room (also for 0 keys in 0 slots) */
        size_t ns = rowkeys_plan(&w->keys, w->keys.n + more, max_slots);
        if (ns == 0) return defer(w, w->keys.n + more, may_defer);
        /* the MPI replay's rows are not in the shadow yet: it can only rehash */
        if (ns + w->keys.n_slots <= max_slots || !may_defer) return rowkeys_resize(&w->keys, ns);
        /* the old and the new table together would pass the budget: drop the
         * old one and read the keys again from the rows, into the largest
         * table allowed, so that this happens once */
        rowkeys_free(&w->keys);
        w->keys_mode = KEYS_UNLOADED;
        rebuild = 1;
    }
    size_t need = (size_t)w->rows + w->nbuf + more, ns = rowkeys_plan(&w->keys, need ? need : 1, max_slots);
    if (ns == 0) return defer(w, need, may_defer);
    SAYDO_TRY(rowkeys_resize(&w->keys, rebuild ? max_slots : ns));
    SAYDO_TRY(load_keys(w));
    w->keys_mode = KEYS_LIVE;
cleanup:
    if (st < 0) rowkeys_free(&w->keys);   /* stays KEYS_UNLOADED: a later add tries again */
    return st;
}
