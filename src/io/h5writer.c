#define _GNU_SOURCE   /* copy_file_range */
/* The store writer: dictionary encoding, duplicate keys, buffered column
 * appends, and the shadow-copy commit that makes a crash harmless.
 *
 * Commit protocol: all writes go to STORE.saydo-tmp (a copy of the store, or
 * a new file); commit closes it, fsyncs it, renames it over STORE and fsyncs
 * the directory. rename(2) is atomic, so a reader or a crash sees either the
 * old store or the new one, never a partial batch. STORE.lock (flock) keeps
 * writers one at a time. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "saydo_version.h"
#include "util/try.h"

enum { BUF_ROWS = H5U_CHUNK_ROWS };

/* Crash tests stop a commit at exact points (SAYDO_TEST_KILL_AT, see ingest.h). */
static void test_kill_at(const char *point)
{
    const char *k = getenv("SAYDO_TEST_KILL_AT");
    if (k && strcmp(k, point) == 0) raise(SIGKILL);
}

static saydo_status copy_file(const char *from, const char *to)
{
    saydo_status st = SAYDO_OK;
    char *buf = NULL;
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
    SAYDO_FAIL_IF(in < 0, SAYDO_E_IO, "%s: cannot open: %s", from, strerror(errno));
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    SAYDO_FAIL_IF(out < 0, SAYDO_E_IO, "%s: cannot create: %s", to, strerror(errno));
    for (;;) {   /* copy_file_range lets the kernel (or a reflink) do the work */
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n == 0) goto cleanup;
        if (n < 0) break;
    }
    SAYDO_FAIL_IF(lseek(in, 0, SEEK_SET) < 0 || ftruncate(out, 0) < 0 || lseek(out, 0, SEEK_SET) < 0,
                  SAYDO_E_IO, "%s: cannot copy: %s", to, strerror(errno));
    buf = malloc(1 << 20);
    SAYDO_FAIL_IF(!buf, SAYDO_E_NOMEM, "out of memory");
    for (;;) {
        ssize_t n = read(in, buf, 1 << 20);
        SAYDO_FAIL_IF(n < 0, SAYDO_E_IO, "%s: read failed: %s", from, strerror(errno));
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t m = write(out, buf + off, (size_t)(n - off));
            SAYDO_FAIL_IF(m < 0, SAYDO_E_IO, "%s: write failed: %s", to, strerror(errno));
            off += m;
        }
    }
cleanup:
    free(buf);
    if (in >= 0) close(in);
    if (out >= 0 && close(out) != 0 && st == SAYDO_OK)
        st = saydo_set_error(SAYDO_E_IO, "%s: write failed: %s", to, strerror(errno));
    return st;
}

saydo_status saydo_writer_grow_items(saydo_writer_t *w, size_t need)
{
    if (need <= w->item_cap) return SAYDO_OK;
    size_t nc = w->item_cap ? w->item_cap * 2 : 1024;
    while (nc < need) nc *= 2;
    int32_t *dom = realloc(w->item_domain, nc * sizeof *dom);
    if (dom) w->item_domain = dom;
    int8_t *no = realloc(w->item_nopt, nc);
    if (no) w->item_nopt = no;
    if (!dom || !no) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    for (int l = 0; l < SAYDO_MAX_LABELS; l++) {
        int32_t *lab = realloc(w->item_label[l], nc * sizeof *lab);
        if (!lab) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        w->item_label[l] = lab;
        for (size_t i = w->item_cap; i < nc; i++) lab[i] = -1;
    }
    w->item_cap = nc;
    return SAYDO_OK;
}

saydo_status saydo_writer_grow_conds(saydo_writer_t *w, size_t need)
{
    if (need <= w->cond_cap) return SAYDO_OK;
    size_t nc = w->cond_cap ? w->cond_cap * 2 : 64;
    while (nc < need) nc *= 2;
    int32_t *a = realloc(w->cond_method, nc * sizeof *a);
    if (a) w->cond_method = a;
    int32_t *b = realloc(w->cond_round, nc * sizeof *b);
    if (b) w->cond_round = b;
    int32_t *c = realloc(w->cond_tside, nc * sizeof *c);
    if (c) w->cond_tside = c;
    if (!a || !b || !c) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    w->cond_cap = nc;
    return SAYDO_OK;
}

static void free_buffers(saydo_writer_t *w)
{
    free(w->b_model); free(w->b_cond); free(w->b_item); free(w->b_trial); free(w->b_variant);
    free(w->b_batch); free(w->b_side); free(w->b_choice); free(w->b_nopt); free(w->b_omap);
    free(w->b_logp); free(w->b_text_end); free(w->b_text);
    h5u_chunker_free(w->chunker);
}

static saydo_status alloc_buffers(saydo_writer_t *w)
{
    w->b_model = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_cond = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_item = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_trial = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_variant = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_batch = malloc(BUF_ROWS * sizeof(int32_t));
    w->b_side = malloc(BUF_ROWS);
    w->b_choice = malloc(BUF_ROWS);
    w->b_nopt = malloc(BUF_ROWS);
    w->b_omap = malloc(BUF_ROWS * sizeof(int16_t));
    w->b_logp = malloc((size_t)BUF_ROWS * SAYDO_MAX_OPTIONS * sizeof(float));   /* touched only as wide as used */
    w->b_text_end = malloc(BUF_ROWS * sizeof(int64_t));
    w->text_cap = 1 << 20;
    w->b_text = malloc(w->text_cap);
    w->chunker = h5u_chunker_new();
    if (!w->chunker || !w->b_model || !w->b_cond || !w->b_item || !w->b_trial || !w->b_variant || !w->b_batch ||
        !w->b_side || !w->b_choice || !w->b_nopt || !w->b_omap || !w->b_logp || !w->b_text_end || !w->b_text)
        return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    return SAYDO_OK;
}

/* Creates the empty layout of a new store. */
static saydo_status create_layout(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    hid_t g = -1;
    float nanf_ = NAN;
    int16_t none16 = -1;
    const int level = w->opts.deflate_level;
    SAYDO_TRY(h5u_set_attr_int(w->file, "saydo_schema", SAYDO_SCHEMA_VERSION));
    SAYDO_TRY(h5u_set_attr_str(w->file, "saydo_version", SAYDO_VERSION_STRING));
    g = h5u_group(w->file, "records", 1);
    SAYDO_FAIL_IF(g < 0, SAYDO_E_HDF5, "%s: cannot create /records", w->shadow);
    struct { const char *name; hid_t type; hsize_t cols; const void *fill; } cols[] = {
        {"model", H5T_STD_I32LE, 0, NULL}, {"condition", H5T_STD_I32LE, 0, NULL},
        {"item", H5T_STD_I32LE, 0, NULL}, {"side", H5T_STD_I8LE, 0, NULL},
        {"trial", H5T_STD_I32LE, 0, NULL}, {"variant", H5T_STD_I32LE, 0, NULL},
        {"choice", H5T_STD_I8LE, 0, NULL}, {"n_options", H5T_STD_I8LE, 0, NULL},
        {"option_map", H5T_STD_I16LE, 0, &none16}, {"batch", H5T_STD_I32LE, 0, NULL},
        {"logp", H5T_IEEE_F32LE, 2, &nanf_}, {"text_end", H5T_STD_I64LE, 0, NULL},
        {"text", H5T_STD_U8LE, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        /* logp is left uncompressed: float mantissas of log-probabilities are
         * near random, so shuffle + deflate saved ~18% of the column at ~36 MB/s,
         * the largest single cost of an ingest. The code columns compress ~100x. */
        int lv = strcmp(cols[i].name, "logp") == 0 ? 0 : level;
        hid_t d = h5u_create(g, cols[i].name, cols[i].type, cols[i].cols, lv, cols[i].fill);
        SAYDO_FAIL_IF(d < 0, SAYDO_E_HDF5, "%s: cannot create /records/%s", w->shadow, cols[i].name);
        H5Dclose(d);
    }
    w->K_store = 2;
    for (const char *grp = "dict\0items\0conditions\0provenance\0results\0"; *grp; grp += strlen(grp) + 1) {
        hid_t h = h5u_group(w->file, grp, 1);
        SAYDO_FAIL_IF(h < 0, SAYDO_E_HDF5, "%s: cannot create /%s", w->shadow, grp);
        H5Gclose(h);
    }
    hid_t d = h5u_create(w->file, "option_maps", H5T_STD_I8LE, SAYDO_MAX_OPTIONS, level, NULL);
    SAYDO_FAIL_IF(d < 0, SAYDO_E_HDF5, "%s: cannot create /option_maps", w->shadow);
    H5Dclose(d);
cleanup:
    if (g >= 0) H5Gclose(g);
    return st;
}

/* Opens the shadow: a copy of the committed store, or a new file. */
static saydo_status open_shadow(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    struct stat sb;
    unlink(w->shadow);   /* a leftover of a killed writer: never committed, so drop it */
    if (stat(w->path, &sb) == 0) {
        SAYDO_TRY(copy_file(w->path, w->shadow));
        w->file = H5Fopen(w->shadow, H5F_ACC_RDWR, H5P_DEFAULT);
        SAYDO_FAIL_IF(w->file < 0, SAYDO_E_SCHEMA, "%s: not an HDF5 file, or a damaged one", w->path);
        if (!w->loaded) SAYDO_TRY(saydo_writer_load_state(w));
        w->K_store = (int)saydo_writer_logp_cols(w);
    } else {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        /* the 1.10 format: every structure but the global heap carries a checksum
         * (chunk indexes too), so damage is reported, not followed; readable by
         * any HDF5 from 1.10 (2016) on, h5py included */
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
        w->file = H5Fcreate(w->shadow, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        H5Pclose(fapl);
        SAYDO_FAIL_IF(w->file < 0, SAYDO_E_IO, "%s: cannot create", w->shadow);
        SAYDO_TRY(create_layout(w));
        w->loaded = 1;
    }
    w->g_rec = H5Gopen2(w->file, "records", H5P_DEFAULT);
    SAYDO_FAIL_IF(w->g_rec < 0, SAYDO_E_SCHEMA, "%s: no /records group", w->path);
cleanup:
    return st;
}

/* The sizes of the sources a store already holds: a file of another size
 * cannot be one of them (saydo_writer_may_hold_size). A store that does not
 * say (no /provenance/bytes, or fewer rows than sources) holds any size. */
static void load_source_sizes(saydo_writer_t *w)
{
    void *buf = NULL;
    size_t n = 0;
    w->n_src_bytes = 0;
    w->src_bytes_unknown = 0;
    if (w->n_sources_stored == 0) return;
    hid_t gp = h5u_group(w->file, "provenance", 0);
    if (gp < 0 || h5u_read(gp, "bytes", H5T_NATIVE_INT64, sizeof(int64_t), &buf, &n, NULL) != SAYDO_OK ||
        n < w->n_sources_stored) {
        free(buf);
        w->src_bytes_unknown = 1;
    } else {
        free(w->src_bytes);
        w->src_bytes = buf;
        w->n_src_bytes = n;
    }
    if (gp >= 0) H5Gclose(gp);
}

int saydo_writer_may_hold_size(const saydo_writer_t *w, int64_t bytes)
{
    if (w->src_bytes_unknown) return 1;
    for (size_t i = 0; i < w->n_src_bytes; i++)
        if (w->src_bytes[i] == bytes) return 1;
    for (size_t i = 0; i < w->n_pending; i++)
        if (w->pending[i].bytes == bytes) return 1;
    return 0;
}

saydo_status saydo_writer_open(const char *path, const saydo_writer_opts_t *opts, saydo_writer_t **out)
{
    saydo_status st = SAYDO_OK;
    saydo_writer_t *w = NULL;
    *out = NULL;
    h5u_quiet();
    SAYDO_NEW(w, 1);
    w->lock_fd = -1;
    w->file = w->g_rec = -1;
    if (opts) w->opts = *opts;
    else w->opts.deflate_level = 1;
    w->key_budget = saydo_writer_key_budget(&w->opts);
    size_t n = strlen(path);
    w->path = strdup(path);
    w->shadow = malloc(n + 16);
    w->lockpath = malloc(n + 8);
    SAYDO_FAIL_IF(!w->path || !w->shadow || !w->lockpath, SAYDO_E_NOMEM, "out of memory");
    snprintf(w->shadow, n + 16, "%s.saydo-tmp", path);
    snprintf(w->lockpath, n + 8, "%s.lock", path);
    saydo_writer_state_init(w);
    w->lock_fd = open(w->lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    SAYDO_FAIL_IF(w->lock_fd < 0, SAYDO_E_IO, "%s: cannot create lock file: %s", w->lockpath, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | (w->opts.wait_lock ? 0 : LOCK_NB)) != 0) {
        char pid[32] = "";
        ssize_t got = pread(w->lock_fd, pid, sizeof pid - 1, 0);
        pid[got > 0 ? got : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(w->lock_fd);
        w->lock_fd = -1;
        SAYDO_FAIL_IF(1, SAYDO_E_LOCKED, "%s: another saydo process%s%s%s is writing to this store; "
                      "try again when it ends (or pass --wait)", path, *pid ? " (pid " : "", pid, *pid ? ")" : "");
    }
    char pidbuf[32];
    int pl = snprintf(pidbuf, sizeof pidbuf, "%ld\n", (long)getpid());
    if (ftruncate(w->lock_fd, 0) == 0 && pwrite(w->lock_fd, pidbuf, (size_t)pl, 0) < 0) { /* informational */ }
    SAYDO_TRY(alloc_buffers(w));
    SAYDO_TRY(open_shadow(w));
    w->keys_mode = w->rows > 0 ? KEYS_UNLOADED : KEYS_LIVE;   /* read at the first add (h5keys.c) */
    w->rows_committed = w->rows;
    load_source_sizes(w);
    *out = w;
    w = NULL;
cleanup:
    saydo_writer_free(w);
    return st;
}

int64_t saydo_writer_rows(const saydo_writer_t *w) { return w->rows + (int64_t)w->nbuf; }

int64_t saydo_writer_late_duplicates(const saydo_writer_t *w) { return w->late_dups; }

saydo_status saydo_writer_flush(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    size_t n = w->nbuf;
    if (n == 0) return SAYDO_OK;
    hid_t g = w->g_rec;
    if (w->K_buf > w->K_store) {   /* a wider option set: widen logp (new cells read NaN) */
        hid_t d = H5Dopen2(g, "logp", H5P_DEFAULT);
        hsize_t dims[2] = {(hsize_t)w->rows, (hsize_t)w->K_buf};
        herr_t e = d < 0 ? -1 : H5Dset_extent(d, dims);
        if (d >= 0) H5Dclose(d);
        SAYDO_FAIL_IF(e < 0, SAYDO_E_HDF5, "%s: cannot widen /records/logp", w->path);
        w->K_store = w->K_buf;
    }
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "model", H5T_NATIVE_INT32, w->b_model, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "condition", H5T_NATIVE_INT32, w->b_cond, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "item", H5T_NATIVE_INT32, w->b_item, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "side", H5T_NATIVE_INT8, w->b_side, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "trial", H5T_NATIVE_INT32, w->b_trial, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "variant", H5T_NATIVE_INT32, w->b_variant, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "choice", H5T_NATIVE_INT8, w->b_choice, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "n_options", H5T_NATIVE_INT8, w->b_nopt, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "option_map", H5T_NATIVE_INT16, w->b_omap, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "batch", H5T_NATIVE_INT32, w->b_batch, n));
    /* the buffer's rows are as wide as the store's (logp_width()) */
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "logp", H5T_NATIVE_FLOAT, w->b_logp, n));
    SAYDO_TRY(h5u_append_chunks(w->chunker, g, "text_end", H5T_NATIVE_INT64, w->b_text_end, n));
    if (w->text_len) SAYDO_TRY(h5u_append(g, "text", H5T_NATIVE_UINT8, w->b_text, w->text_len));
    w->rows += (int64_t)n;
    w->nbuf = 0;
    w->text_len = 0;
cleanup:
    return st;
}

/* Dictionary code of s, through a two-entry cache in front of the hash map,
 * then the code after the last one: logs list items (and often models or
 * conditions) in the same order again for every model and condition, and a
 * look-up in a 50,000-item map is a cache miss or two where this is one
 * string compare. */
static saydo_status dict_code(saydo_strmap_t *m, dict_cache_t *c, const char *s, int32_t *code, int *added)
{
    if (added) *added = 0;
    for (int k = 0; k < 2; k++)
        if (c->s[k] && strcmp(c->s[k], s) == 0) {
            *code = c->code[k];
            return SAYDO_OK;
        }
    saydo_status st = SAYDO_OK;
    int32_t next = c->s[0] ? c->code[0] + 1 : -1;
    if (next >= 0 && (size_t)next < m->n && strcmp(m->str[next], s) == 0) *code = next;
    else st = saydo_strmap_put(m, s, code, added);
    if (st < 0) return st;
    c->s[1] = c->s[0];
    c->code[1] = c->code[0];
    c->s[0] = m->str[*code];
    c->code[0] = *code;
    return SAYDO_OK;
}

/* Buffered logp rows are as wide as the store's column (K_store), or as the
 * widest record since (K_buf), whichever is more: the rows go to the store as
 * they are, and a row is only as long as it needs to be. */
static int logp_width(const saydo_writer_t *w) { return w->K_buf > w->K_store ? w->K_buf : w->K_store; }

/* A record with more options than the buffered rows hold: spreads those rows
 * to the new width k (from the last row back, in place), new cells NaN. */
static void widen_rows(saydo_writer_t *w, int k)
{
    const size_t from = (size_t)logp_width(w), to = (size_t)k;
    for (size_t i = w->nbuf; i-- > 0;) {
        float *src = w->b_logp + i * from, *dst = w->b_logp + i * to;
        for (size_t c = to; c-- > from;) dst[c] = NAN;
        memmove(dst, src, from * sizeof(float));
    }
    w->K_buf = k;
}

/* First half of an add: dictionary codes and the key, whose slot is
 * prefetched while the rest of a batch is encoded. */
typedef struct coded {
    int32_t model, cond, item;
    saydo_key_t key;
    uint64_t h;
} coded_t;

static saydo_status encode(saydo_writer_t *w, const saydo_record_t *rec, coded_t *c, int live)
{
    saydo_status st = SAYDO_OK;
    int32_t side, variant;
    int added = 0;
    SAYDO_FAIL_IF(!rec->model || !rec->item || !rec->side, SAYDO_E_INVAL, "a record needs a model, an item and a side");
    SAYDO_TRY(dict_code(&w->d_model, &w->c_model, rec->model, &c->model, NULL));
    SAYDO_TRY(dict_code(&w->d_condition, &w->c_condition, rec->condition ? rec->condition : "base", &c->cond, &added));
    if (added) {
        SAYDO_TRY(saydo_writer_grow_conds(w, (size_t)c->cond + 1));
        w->cond_method[c->cond] = w->cond_round[c->cond] = w->cond_tside[c->cond] = -1;
    }
    SAYDO_TRY(dict_code(&w->d_item, &w->c_item, rec->item, &c->item, &added));
    if (added) {
        SAYDO_TRY(saydo_writer_grow_items(w, (size_t)c->item + 1));
        w->item_domain[c->item] = -1;
        w->item_nopt[c->item] = 0;
    }
    SAYDO_TRY(dict_code(&w->d_side, &w->c_side, rec->side, &side, NULL));
    SAYDO_TRY(dict_code(&w->d_variant, &w->c_variant, rec->variant ? rec->variant : "", &variant, NULL));
    SAYDO_TRY(saydo_key_pack(c->model, c->cond, c->item, side, rec->trial, variant, &c->key));
    c->h = rowkeys_hash(c->key);
    if (live) rowkeys_prefetch(&w->keys, c->h);
cleanup:
    return st;
}

/* Second half: the duplicate check, item and condition facts, the buffers. */
static saydo_status append(saydo_writer_t *w, const saydo_record_t *rec, const coded_t *c, int live, int *duplicate)
{
    saydo_status st = SAYDO_OK;
    const int32_t model = c->model, cond = c->cond, item = c->item;
    const int32_t side = (int32_t)(c->key.lo >> 24 & 0xFF), variant = (int32_t)(c->key.lo & 0xFFFFFF);
    /* deferred mode: the commit finds the duplicates (dedup.c) */
    *duplicate = live ? rowkeys_insert(&w->keys, c->key, c->h) : 0;
    if (*duplicate) goto cleanup;

    SAYDO_TRY(saydo_writer_note_item(w, item, rec));
    SAYDO_TRY(saydo_writer_note_condition(w, cond, rec));
    int16_t omap = -1;
    if (rec->has_option_map) SAYDO_TRY(saydo_writer_map_code(w, rec->option_map, &omap));

    size_t i = w->nbuf;
    w->b_model[i] = model;
    w->b_cond[i] = cond;
    w->b_item[i] = item;
    w->b_side[i] = (int8_t)side;
    w->b_trial[i] = rec->trial;
    w->b_variant[i] = variant;
    w->b_choice[i] = (int8_t)rec->choice;
    w->b_nopt[i] = (int8_t)rec->n_options;
    w->b_omap[i] = omap;
    w->b_batch[i] = w->batch;
    if (rec->n_logp > logp_width(w)) widen_rows(w, rec->n_logp);
    const int K = logp_width(w);
    float *lp = w->b_logp + i * (size_t)K;
    for (int k = 0; k < K; k++) lp[k] = k < rec->n_logp ? (float)rec->logp[k] : NAN;
    if (rec->text && rec->text_len) {
        while (w->text_len + rec->text_len > w->text_cap) {
            char *nb = realloc(w->b_text, w->text_cap * 2);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            w->b_text = nb;
            w->text_cap *= 2;
        }
        memcpy(w->b_text + w->text_len, rec->text, rec->text_len);
        w->text_len += rec->text_len;
        w->text_total += (int64_t)rec->text_len;
    }
    w->b_text_end[i] = w->text_total;
    /* a store that ends inside a chunk (an append) flushes early once: from
     * then on every flush fills whole chunks, which h5direct.c writes itself */
    if (++w->nbuf == BUF_ROWS || (w->rows + (int64_t)w->nbuf) % BUF_ROWS == 0) SAYDO_TRY(saydo_writer_flush(w));
cleanup:
    return st;
}

saydo_status saydo_writer_reserve(saydo_writer_t *w, size_t n)
{
    if (w->file < 0) {   /* between commits: the keys may need the shadow (h5keys.c), so at the next add */
        w->key_hint += n;
        return SAYDO_OK;
    }
    return saydo_writer_keys_room(w, n, 1);
}

saydo_status saydo_writer_add(saydo_writer_t *w, const saydo_record_t *rec, int *duplicate)
{
    return saydo_writer_add_many(w, rec, 1, duplicate);
}

saydo_status saydo_writer_add_many(saydo_writer_t *w, const saydo_record_t *recs, size_t n, int *duplicate)
{
    enum { BATCH = 32 };   /* enough slots in flight to hide a cache miss each */
    saydo_status st = SAYDO_OK;
    coded_t c[BATCH];
    SAYDO_FAIL_IF(w->file < 0, SAYDO_E_INVAL, "writer is not open");
    if (w->key_hint) {   /* saydo_writer_reserve() while the shadow was closed */
        size_t hint = w->key_hint;
        w->key_hint = 0;
        SAYDO_TRY(saydo_writer_keys_room(w, hint, 1));
    }
    for (size_t b = 0; b < n; b += BATCH) {
        size_t m = n - b < BATCH ? n - b : BATCH;
        if (w->keys_mode != KEYS_LIVE || (w->keys.n + m) * 4 > w->keys.n_slots * 3)
            SAYDO_TRY(saydo_writer_keys_room(w, m, 1));
        const int live = w->keys_mode == KEYS_LIVE;   /* else deferred (h5keys.c) */
        for (size_t i = 0; i < m; i++) SAYDO_TRY(encode(w, &recs[b + i], &c[i], live));
        for (size_t i = 0; i < m; i++) SAYDO_TRY(append(w, &recs[b + i], &c[i], live, &duplicate[b + i]));
    }
cleanup:
    return st;
}

saydo_status saydo_writer_begin_source(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    if (w->file < 0) SAYDO_TRY(open_shadow(w));
    w->batch = (int32_t)(w->n_sources_stored + w->n_pending);
    w->source_row_start = saydo_writer_rows(w);
cleanup:
    return st;
}

saydo_status saydo_writer_commit(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    int fd = -1;
    SAYDO_FAIL_IF(w->file < 0, SAYDO_E_INVAL, "writer is not open");
    SAYDO_TRY(saydo_writer_flush(w));
    SAYDO_TRY(saydo_writer_dedup(w));   /* deferred mode only */
    SAYDO_TRY(saydo_writer_save_state(w));
    H5Gclose(w->g_rec);
    w->g_rec = -1;
    herr_t e = H5Fclose(w->file);
    w->file = -1;
    SAYDO_FAIL_IF(e < 0, SAYDO_E_HDF5, "%s: closing the new store failed (disk full?)", w->shadow);
    fd = open(w->shadow, O_RDONLY | O_CLOEXEC);
    SAYDO_FAIL_IF(fd < 0 || fsync(fd) != 0, SAYDO_E_IO, "%s: fsync failed: %s", w->shadow, strerror(errno));
    test_kill_at("commit-fsync");
    SAYDO_FAIL_IF(rename(w->shadow, w->path) != 0, SAYDO_E_IO, "%s: cannot replace the store: %s", w->path,
                  strerror(errno));
    test_kill_at("commit-rename");
    char *dircopy = strdup(w->path);
    if (dircopy) {   /* make the rename itself durable */
        int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            if (fsync(dfd) != 0) { /* some file systems refuse; the rename is still atomic */ }
            close(dfd);
        }
        free(dircopy);
    }
    if (w->n_pending) {   /* the committed sources' sizes join the stored ones */
        int64_t *nb = realloc(w->src_bytes, (w->n_src_bytes + w->n_pending) * sizeof *nb);
        if (nb) {
            w->src_bytes = nb;
            for (size_t i = 0; i < w->n_pending; i++) nb[w->n_src_bytes++] = w->pending[i].bytes;
        } else w->src_bytes_unknown = 1;
    }
    w->rows_committed = w->rows;
    saydo_writer_committed(w);
cleanup:
    if (fd >= 0) close(fd);
    return st;
}

void saydo_writer_free(saydo_writer_t *w)
{
    if (!w) return;
    if (w->g_rec >= 0) H5Gclose(w->g_rec);
    if (w->file >= 0) H5Fclose(w->file);
    if (w->lock_fd >= 0) unlink(w->shadow);   /* uncommitted work (after a commit it is gone already) */
    if (w->lock_fd >= 0) {
        if (ftruncate(w->lock_fd, 0) != 0) { /* the pid is informational only */ }
        close(w->lock_fd);   /* releases the flock */
    }
    free_buffers(w);
    free(w->src_bytes);
    saydo_writer_state_free(w);
    free(w->path);
    free(w->shadow);
    free(w->lockpath);
    free(w);
}
