/* libFuzzer target: a valid store, edited through the HDF5 API.
 *
 * fuzz_store.c mutates a store's bytes, which mostly exercises libhdf5's own
 * parser (and its known crashes on damaged files). Here the file stays valid
 * HDF5 and what is in it changes, so every input reaches saydo's validation
 * (src/io/h5reader.c, h5results.c) and, when that passes, pairing and scoring.
 *
 * On the first call a base store is written once through the public writer
 * (2 models, 2 conditions, 6 items with domains and a culture label, both
 * sides, 2 trials, refused / unparsed / missing choices, logp of 2 and 3
 * options, text, identity and swapped option maps, 2 sources) plus a results
 * table /results/t, and its datasets and groups are listed (H5Ovisit, in name
 * order: an input's dataset indices mean the same datasets on every run).
 *
 * An input is up to EDIT_MAX_OPS edits, each 6 bytes and a payload:
 *
 *   op  sel  pos (4 bytes, little-endian)  payload
 *
 *   op % 8   0, 1  write one cell: row pos % rows (2-D: row (pos & 0xffff) % rows,
 *                  column (pos >> 16) % cols), the value from the payload: raw
 *                  bytes of the element's native size (any bit pattern), or with
 *                  op & 0x40 one byte picking an edge value (-3..2, 25..27, type
 *                  limits, NaN, inf, huge); for vlen strings a length byte (% 33)
 *                  and that many bytes
 *            2     fill the rows (pos & 0xffff) % rows .. + 1 + (pos >> 16) % left
 *                  (every column) with one payload value (op & 0x40 as above)
 *            3     H5Dset_extent: rows (pos & 0xffffff) % (2 * rows + 4), so at most
 *                  2 * rows + 3 (and EDIT_MAX_ROWS); 2-D with op & 0x80: columns
 *                  (pos >> 24) % 33 (past SAYDO_MAX_OPTIONS). Growth gets the fill value.
 *            4     delete the dataset
 *            5     an attribute, sel % 4: /saydo_schema, /saydo_version,
 *                  /results/t n_rows, /records n_rows; (op >> 4) % 4: delete, int64
 *                  (8 payload bytes, else (int32_t)pos), float64 (8 payload bytes),
 *                  vlen string (payload as above)
 *            6     delete the group sel % groups
 *            7     replace the dataset by one of the same name and rows but another
 *                  shape or type, pos % 8: scalar, 3-D (rows x 1 x 1 + (pos >> 16)),
 *                  int64, float64, vlen string, n x 2 int8, contiguous int32,
 *                  compact int8 (fill values only)
 *
 *   sel picks the dataset (sel % datasets) for every op but 5 and 6. The bytes
 *   run out: the edits so far are applied. An empty input is the base, which
 *   must read (the planted truth).
 *
 * Then exactly what fuzz_store.c runs (fuzz_store_check.h). A crash inside
 * libhdf5 on such a file is a finding against HDF5 (the file is valid).
 *
 * Env: FUZZ_EDIT_LIST=1 prints the dataset and group indices at start;
 * FUZZ_EDIT_KEEP=FILE leaves the edited store in FILE (to try the CLI on it). */
#include <stdint.h>
#include <sys/stat.h>
#include "fuzz_store_check.h"
/* hdf5.h: tests and fuzz targets are built without HDF5's include directory
 * (Debian puts it in /usr/include/hdf5/serial) */
#if defined(__has_include)
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#elif __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#error "fuzz_store_edit.c: hdf5.h not found"
#endif
#else
#include <hdf5.h>
#endif

enum {
    EDIT_MAX_OPS = 16,
    EDIT_MAX_NAMES = 96,
    EDIT_NAME_LEN = 96,
    EDIT_MAX_ROWS = 1 << 17,   /* past one 65536-row chunk of a record column */
    EDIT_MAX_STR = 32,
};

static struct {
    int ready;
    uint8_t *bytes;   /* the base store's file */
    size_t len;
    int n_ds, n_groups;
    char ds[EDIT_MAX_NAMES][EDIT_NAME_LEN];       /* "records/model", ... */
    char groups[EDIT_MAX_NAMES][EDIT_NAME_LEN];   /* "records", "results/t", ... */
} edit_base;

/* ---- the base store ------------------------------------------------------- */

static void edit_record(saydo_record_t *r, int m, int c, int i, int s, int t, int64_t line)
{
    static const char *const models[] = {"model-a", "model-b"};
    static const char *const items[] = {"q1", "q2", "q3", "q4", "q5", "q6"};
    static const char *const domains[] = {"care", "care", "fairness", NULL, "fairness", "loyalty"};
    static const char *const culture[] = {"de", "us", NULL, "de", "jp", "us"};
    static const char *const texts[] = {"Answer: A", "B) because", "I'm sorry, I cannot answer", "\xC3\xA9h?"};
    saydo_record_clear(r);
    r->model = models[m];
    r->condition = c ? "sft-r1" : "base";
    if (c) {
        r->method = "sft";
        r->round = 1;
        r->trained_side = "deed";
    }
    r->item = items[i];
    r->side = s ? "deed" : "word";
    r->trial = t;
    r->variant = i % 3 == 2 ? "para" : "";
    r->domain = domains[i];
    if (culture[i]) {
        r->n_labels = 1;
        r->label_name[0] = "culture";
        r->label_value[0] = culture[i];
    }
    int k = (m * 7 + c * 5 + i * 3 + s * 2 + t) % 7;
    r->n_options = i % 2 ? 3 : 2;
    r->choice = k < 3 ? k % r->n_options
              : k == 3 ? SAYDO_CHOICE_REFUSED
              : k == 4 ? SAYDO_CHOICE_UNPARSED
              : k == 5 ? SAYDO_CHOICE_MISSING : 1;
    if (i % 3 != 1) {   /* logp of 2 or 3 options, or none */
        r->n_logp = r->n_options;
        for (int j = 0; j < r->n_logp; j++) r->logp[j] = -0.1 - 0.9 * ((k + j) % 3);
    }
    if (t == 0 || k == 3) {
        r->text = texts[(i + s + (k == 3 ? 2 : 0)) % 4];
        r->text_len = strlen(r->text);
    }
    if (i == 2 || i == 4) saydo_record_set_flag_map(r, 0, r->n_options);   /* A and B swapped */
    else if (i == 0) saydo_record_set_flag_map(r, 1, r->n_options);       /* identity */
    r->line = line;
}

static void edit_write_base(const char *path)
{
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo;
    memset(&wo, 0, sizeof wo);
    wo.deflate_level = 1;
    FUZZ_CHECK(saydo_writer_open(path, &wo, &w) == SAYDO_OK);
    static const char *const hashes[] = {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                                         "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"};
    for (int m = 0; m < 2; m++) {
        int64_t line = 0;
        FUZZ_CHECK(saydo_writer_begin_source(w) == SAYDO_OK);
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 6; i++)
                for (int s = 0; s < 2; s++)
                    for (int t = 0; t < 2; t++) {
                        saydo_record_t r;
                        int dup = 1;
                        edit_record(&r, m, c, i, s, t, ++line);
                        FUZZ_CHECK(saydo_writer_add(w, &r, &dup) == SAYDO_OK && dup == 0);
                    }
        saydo_source_info_t info;
        memset(&info, 0, sizeof info);
        info.file = m ? "runs/b.csv" : "runs/a.jsonl";
        info.sha256 = hashes[m];
        info.format = m ? "csv" : "jsonl";
        info.model = m ? "model-b" : "model-a";
        info.lines = info.records = line;
        info.bytes = 100 * line;
        info.meta = m ? NULL : "{\"harness\":\"fuzz\",\"task\":\"edit\"}";
        FUZZ_CHECK(saydo_writer_end_source(w, &info) == SAYDO_OK);
    }
    FUZZ_CHECK(saydo_writer_commit(w) == SAYDO_OK);
    saydo_writer_free(w);

    saydo_table_t *t = NULL;
    FUZZ_CHECK(saydo_table_create(3, 2, &t) == SAYDO_OK);
    FUZZ_CHECK(saydo_table_set_col(t, 0, "group", 1) == SAYDO_OK);
    FUZZ_CHECK(saydo_table_set_col(t, 1, "cs", 0) == SAYDO_OK);
    static const char *const names[] = {"model-a", "", "model-b \xE2\x9C\x93"};
    static const double vals[] = {0.5, NAN, -1e300};
    for (size_t r = 0; r < 3; r++) {
        FUZZ_CHECK(saydo_table_set_str(t, 0, r, names[r]) == SAYDO_OK);
        saydo_table_set_num(t, 1, r, vals[r]);
    }
    if (saydo_store_write_table(path, "t", t, "fuzz_store_edit") != SAYDO_OK) {
        fprintf(stderr, "fuzz_store_edit: %s\n", saydo_last_error());
        FUZZ_CHECK(!"the base store takes a results table");
    }
    saydo_table_free(t);
}

#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t edit_oinfo_t;
#else
typedef H5O_info_t edit_oinfo_t;
#endif

static herr_t edit_visit(hid_t obj, const char *name, const edit_oinfo_t *info, void *data)
{
    (void)obj;
    (void)data;
    if (strcmp(name, ".") == 0 || strlen(name) >= EDIT_NAME_LEN) return 0;
    if (info->type == H5O_TYPE_DATASET && edit_base.n_ds < EDIT_MAX_NAMES)
        strcpy(edit_base.ds[edit_base.n_ds++], name);
    else if (info->type == H5O_TYPE_GROUP && edit_base.n_groups < EDIT_MAX_NAMES)
        strcpy(edit_base.groups[edit_base.n_groups++], name);
    return 0;
}

static void edit_init(void)
{
    if (edit_base.ready) return;
    H5dont_atexit();   /* as saydo does (h5util.c): before the library's first call */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char path[600], aux[640];
    snprintf(path, sizeof path, "%s.h5", fuzz_scratch_path("edit-base"));
    unlink(path);
    edit_write_base(path);

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    FUZZ_CHECK(f >= 0);
#if H5_VERSION_GE(1, 12, 0)
    FUZZ_CHECK(H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, edit_visit, NULL, H5O_INFO_BASIC) >= 0);
#else
    FUZZ_CHECK(H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, edit_visit, NULL) >= 0);
#endif
    FUZZ_CHECK(H5Fclose(f) >= 0);
    FUZZ_CHECK(edit_base.n_ds > 0 && edit_base.n_groups > 0);
    if (getenv("FUZZ_EDIT_LIST"))   /* the dataset and group indices, for writing seeds */
        for (int i = 0; i < edit_base.n_ds || i < edit_base.n_groups; i++)
            fprintf(stderr, "%3d  %-28s %s\n", i, i < edit_base.n_ds ? edit_base.ds[i] : "",
                    i < edit_base.n_groups ? edit_base.groups[i] : "");

    FILE *in = fopen(path, "rb");
    struct stat sb;
    FUZZ_CHECK(in && fstat(fileno(in), &sb) == 0 && sb.st_size > 0);
    edit_base.len = (size_t)sb.st_size;
    edit_base.bytes = malloc(edit_base.len);
    FUZZ_CHECK(edit_base.bytes && fread(edit_base.bytes, 1, edit_base.len, in) == edit_base.len);
    fclose(in);
    unlink(path);
    snprintf(aux, sizeof aux, "%s.lock", path);
    unlink(aux);
    edit_base.ready = 1;
}

/* ---- the edits ------------------------------------------------------------ */

/* One value for a dataset of file type ft, decoded from the payload. */
typedef struct {
    hid_t mem;       /* memory type (to close), -1: no value */
    size_t size;     /* bytes of one element in memory */
    int is_str;
    uint8_t raw[8];
    char str[EDIT_MAX_STR + 1];
    const char *sp;  /* vlen element: a pointer to str */
} edit_val_t;

static size_t edit_str(const uint8_t *pl, size_t n, char *out)
{
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    size_t len = pl[0] % (EDIT_MAX_STR + 1);
    if (len > n - 1) len = n - 1;
    memcpy(out, pl + 1, len);
    out[len] = '\0';   /* an inner NUL shortens it: HDF5 stores C strings */
    return 1 + len;
}

/* Values at the edges of what the store's columns hold (codes, -1 = none,
 * statuses, SAYDO_MAX_OPTIONS, type limits); HDF5 converts them to the
 * column's type, clamping what does not fit. Random bytes seldom hit these. */
static const int64_t edit_special_int[] = {-3, -2, -1, 0, 1, 2, 25, 26, 27, 127, -128, 32767, -32768,
                                           INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
static const double edit_special_dbl[] = {0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, 3.5e38};

/* Returns the payload bytes used; v->mem < 0 when there is no value to write.
 * special: a numeric value from the tables above (one payload byte picks it;
 * NaN and the infinities come from 2 more entries), else the payload's raw bytes. */
static size_t edit_value(hid_t ft, const uint8_t *pl, size_t n, int special, edit_val_t *v)
{
    memset(v, 0, sizeof *v);
    v->mem = -1;
    H5T_class_t cls = H5Tget_class(ft);
    if (cls == H5T_STRING && H5Tis_variable_str(ft) > 0) {
        v->mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(v->mem, H5T_VARIABLE);
        H5Tset_cset(v->mem, H5T_CSET_UTF8);
        v->is_str = 1;
        v->size = sizeof(char *);
        v->sp = v->str;
        return edit_str(pl, n, v->str);
    }
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) return 0;
    if (special) {
        if (n < 1) return 0;
        if (cls == H5T_INTEGER) {
            const int64_t x = edit_special_int[pl[0] % (sizeof edit_special_int / sizeof edit_special_int[0])];
            memcpy(v->raw, &x, sizeof x);
            v->mem = H5Tcopy(H5T_NATIVE_INT64);
        } else {
            const size_t nd = sizeof edit_special_dbl / sizeof edit_special_dbl[0], k = pl[0] % (nd + 2);
            const double x = k < nd ? edit_special_dbl[k] : k == nd ? (double)NAN : (double)INFINITY;
            memcpy(v->raw, &x, sizeof x);
            v->mem = H5Tcopy(H5T_NATIVE_DOUBLE);
        }
        v->size = 8;
        return 1;
    }
    hid_t mem = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    if (mem < 0) return 0;
    size_t sz = H5Tget_size(mem);
    if (sz == 0 || sz > sizeof v->raw || sz > n) {
        H5Tclose(mem);
        return 0;
    }
    memcpy(v->raw, pl, sz);
    v->mem = mem;
    v->size = sz;
    return sz;
}

static const void *edit_val_ptr(const edit_val_t *v)
{
    return v->is_str ? (const void *)&v->sp : (const void *)v->raw;
}

/* Writes value v to the block start .. start + count of d (a rank 1..2 space fs). */
static void edit_write_block(hid_t d, hid_t fs, int rank, const hsize_t *start, const hsize_t *count,
                             const edit_val_t *v)
{
    hsize_t total = 1;
    for (int i = 0; i < rank; i++) total *= count[i];
    if (total == 0 || total > (hsize_t)EDIT_MAX_ROWS * 64) return;
    uint8_t *buf = malloc((size_t)total * v->size);
    if (!buf) return;
    for (hsize_t i = 0; i < total; i++) memcpy(buf + i * v->size, edit_val_ptr(v), v->size);
    hid_t ms = H5Screate_simple(rank, count, NULL);
    if (ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        (void)H5Dwrite(d, v->mem, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0) H5Sclose(ms);
    free(buf);
}

/* ops 0..3 on an open dataset of that rank and dims: write a cell, fill rows, set the extent */
static size_t edit_dataset_op(hid_t d, hid_t fs, hid_t ft, int rank, const hsize_t *dims, int op, uint8_t flags,
                              uint32_t pos, const uint8_t *pl, size_t n)
{
    if (op == 3) {
        hsize_t nd[H5S_MAX_RANK];
        memcpy(nd, dims, sizeof(hsize_t) * (size_t)rank);
        nd[0] = (hsize_t)(pos & 0xffffff) % (2 * dims[0] + 4);
        if (nd[0] > EDIT_MAX_ROWS) nd[0] = EDIT_MAX_ROWS;
        if (rank == 2 && (flags & 0x80)) nd[1] = (pos >> 24) % 33;
        (void)H5Dset_extent(d, nd);
        return 0;
    }
    if (dims[0] == 0 || rank > 2 || (rank == 2 && dims[1] == 0)) return 0;
    edit_val_t v;
    size_t used = edit_value(ft, pl, n, (flags & 0x40) != 0, &v);
    if (v.mem < 0) return used;
    hsize_t start[2] = {0, 0}, count[2] = {1, 1};
    if (op == 0 || op == 1) {   /* one cell */
        if (rank == 1) start[0] = pos % dims[0];
        else {
            start[0] = (pos & 0xffff) % dims[0];
            start[1] = (pos >> 16) % dims[1];
        }
    } else {   /* a run of whole rows */
        start[0] = (pos & 0xffff) % dims[0];
        count[0] = 1 + (pos >> 16) % (dims[0] - start[0]);
        if (rank == 2) count[1] = dims[1];
    }
    edit_write_block(d, fs, rank, start, count, &v);
    H5Tclose(v.mem);
    return used;
}

static size_t edit_dataset(hid_t d, int op, uint8_t flags, uint32_t pos, const uint8_t *pl, size_t n)
{
    size_t used = 0;
    hid_t fs = H5Dget_space(d), ft = H5Dget_type(d);
    hsize_t dims[H5S_MAX_RANK];
    int rank = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    if (ft >= 0 && rank >= 1 && rank <= H5S_MAX_RANK && H5Sget_simple_extent_dims(fs, dims, NULL) == rank)
        used = edit_dataset_op(d, fs, ft, rank, dims, op, flags, pos, pl, n);
    if (ft >= 0) H5Tclose(ft);
    if (fs >= 0) H5Sclose(fs);
    return used;
}

/* op 5: an attribute set (with some type) or deleted */
static size_t edit_attr(hid_t f, uint8_t op, uint8_t sel, uint32_t pos, const uint8_t *pl, size_t n)
{
    static const char *const objs[] = {"/", "/", "results/t", "records"};
    static const char *const names[] = {"saydo_schema", "saydo_version", "n_rows", "n_rows"};
    const int which = sel % 4, mode = (op >> 4) % 4;
    size_t used = 0;
    /* H5Lexists("a/b") fails (< 0) when a is gone */
    if (strcmp(objs[which], "/") != 0 && H5Lexists(f, objs[which], H5P_DEFAULT) <= 0) return 0;
    hid_t o = H5Oopen(f, objs[which], H5P_DEFAULT);
    if (o < 0) return 0;
    if (H5Aexists(o, names[which]) > 0) H5Adelete(o, names[which]);
    if (mode > 0) {
        hid_t ty = -1, mem = -1, sp = H5Screate(H5S_SCALAR);
        int64_t iv = (int32_t)pos;
        double dv = 0;
        char str[EDIT_MAX_STR + 1];
        const char *sptr = str;
        const void *val = NULL;
        if (mode == 1) {
            if (n >= 8) {
                memcpy(&iv, pl, 8);
                used = 8;
            }
            ty = H5Tcopy(H5T_STD_I64LE);
            mem = H5Tcopy(H5T_NATIVE_INT64);
            val = &iv;
        } else if (mode == 2) {
            if (n >= 8) {
                memcpy(&dv, pl, 8);   /* any bit pattern: NaN, inf, huge */
                used = 8;
            } else {
                dv = (double)(int32_t)pos;
            }
            ty = H5Tcopy(H5T_IEEE_F64LE);
            mem = H5Tcopy(H5T_NATIVE_DOUBLE);
            val = &dv;
        } else {
            used = edit_str(pl, n, str);
            ty = H5Tcopy(H5T_C_S1);
            H5Tset_size(ty, H5T_VARIABLE);
            H5Tset_cset(ty, H5T_CSET_UTF8);
            mem = H5Tcopy(ty);
            val = &sptr;
        }
        hid_t a = H5Acreate2(o, names[which], ty, sp, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0) {
            (void)H5Awrite(a, mem, val);
            H5Aclose(a);
        }
        H5Tclose(mem);
        H5Tclose(ty);
        H5Sclose(sp);
    }
    H5Oclose(o);
    return used;
}

/* op 7: the dataset replaced by one of the same name (and rows) but another shape or type */
static void edit_replace(hid_t f, const char *name, uint32_t pos)
{
    hsize_t rows = 1;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return;
    hid_t fs = H5Dget_space(d);
    int rank = fs < 0 ? -1 : H5Sget_simple_extent_ndims(fs);
    if (rank >= 1 && rank <= H5S_MAX_RANK) {
        hsize_t dims[H5S_MAX_RANK];
        if (H5Sget_simple_extent_dims(fs, dims, NULL) == rank) rows = dims[0];
    }
    if (fs >= 0) H5Sclose(fs);
    H5Dclose(d);
    if (rows > EDIT_MAX_ROWS) rows = EDIT_MAX_ROWS;
    if (H5Ldelete(f, name, H5P_DEFAULT) < 0) return;

    const int kind = pos % 8;
    hsize_t dims[3] = {rows, 1, 1}, maxd[3] = {H5S_UNLIMITED, H5S_UNLIMITED, H5S_UNLIMITED};
    hsize_t chunk[3] = {256, 2, 1};
    int r = 1;
    hid_t ty = -1, dcpl = H5Pcreate(H5P_DATASET_CREATE), sp = -1;
    switch (kind) {
    case 0: ty = H5Tcopy(H5T_STD_I32LE); break;                    /* scalar */
    case 1: ty = H5Tcopy(H5T_STD_I32LE); r = 3; dims[2] = 1 + (pos >> 16); break;   /* rows x 1 x k */
    case 2: ty = H5Tcopy(H5T_STD_I64LE); break;
    case 3: ty = H5Tcopy(H5T_IEEE_F64LE); break;
    case 4:
        ty = H5Tcopy(H5T_C_S1);
        H5Tset_size(ty, H5T_VARIABLE);
        H5Tset_cset(ty, H5T_CSET_UTF8);
        break;
    case 5: ty = H5Tcopy(H5T_STD_I8LE); r = 2; dims[1] = 2; break;  /* rows x 2 */
    case 6: ty = H5Tcopy(H5T_STD_I32LE); break;                     /* contiguous */
    default: ty = H5Tcopy(H5T_STD_I8LE); break;                     /* compact */
    }
    if (kind == 0) sp = H5Screate(H5S_SCALAR);
    else if (kind == 6 || kind == 7) sp = H5Screate_simple(r, dims, NULL);
    else {
        sp = H5Screate_simple(r, dims, maxd);
        H5Pset_chunk(dcpl, r, chunk);
    }
    if (kind == 6) H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    if (kind == 7) H5Pset_layout(dcpl, H5D_COMPACT);   /* fails past 64 KB: the name stays deleted */
    hid_t nd = H5Dcreate2(f, name, ty, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (nd >= 0) H5Dclose(nd);
    H5Sclose(sp);
    H5Pclose(dcpl);
    H5Tclose(ty);
}

static void edit_apply(hid_t f, const uint8_t *data, size_t size)
{
    size_t p = 0;
    for (int k = 0; k < EDIT_MAX_OPS && p + 6 <= size; k++) {
        const uint8_t op = data[p], sel = data[p + 1];
        const uint32_t pos = (uint32_t)data[p + 2] | (uint32_t)data[p + 3] << 8 | (uint32_t)data[p + 4] << 16 |
                             (uint32_t)data[p + 5] << 24;
        p += 6;
        const uint8_t *pl = data + p;
        const size_t n = size - p;
        const char *ds = edit_base.ds[sel % edit_base.n_ds];
        switch (op % 8) {
        case 0: case 1: case 2: case 3: {
            if (H5Lexists(f, ds, H5P_DEFAULT) <= 0) break;   /* its group or itself deleted */
            hid_t d = H5Dopen2(f, ds, H5P_DEFAULT);
            if (d < 0) break;
            p += edit_dataset(d, op % 8, op, pos, pl, n);
            H5Dclose(d);
            break;
        }
        case 4:
            if (H5Lexists(f, ds, H5P_DEFAULT) > 0) H5Ldelete(f, ds, H5P_DEFAULT);
            break;
        case 5:
            p += edit_attr(f, op, sel, pos, pl, n);
            break;
        case 6: {
            const char *g = edit_base.groups[sel % edit_base.n_groups];
            if (H5Lexists(f, g, H5P_DEFAULT) > 0) H5Ldelete(f, g, H5P_DEFAULT);
            break;
        }
        default:
            if (H5Lexists(f, ds, H5P_DEFAULT) > 0) edit_replace(f, ds, pos);
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    edit_init();
    /* FUZZ_EDIT_KEEP=FILE: the edited store is left there (to try the CLI on a finding) */
    const char *keep = getenv("FUZZ_EDIT_KEEP");
    char path[600];
    if (keep && *keep) snprintf(path, sizeof path, "%s", keep);
    else snprintf(path, sizeof path, "%s.h5", fuzz_scratch_path("edit"));
    if (fuzz_write_file(path, edit_base.bytes, edit_base.len) != 0) return 0;
    if (size) {
        hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        FUZZ_CHECK(f >= 0);   /* the base, unedited: valid HDF5 */
        edit_apply(f, data, size);
        FUZZ_CHECK(H5Fclose(f) >= 0);   /* edits through the API leave a file HDF5 can close */
    }
    int table_ok = 0;
    saydo_status st = store_run(path, &table_ok);
    if (size == 0) FUZZ_CHECK(st == SAYDO_OK && table_ok);   /* the planted store reads */
    if (!(keep && *keep)) unlink(path);
    return 0;
}
