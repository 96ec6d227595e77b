/* The writer's small tables: dictionaries, items, conditions, option maps
 * and provenance — loaded from the store when appending, saved at commit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "io/h5util.h"
#include "io/store_impl.h"
#include "saydo_version.h"
#include "util/try.h"

void saydo_writer_state_init(saydo_writer_t *w)
{
    saydo_strmap_t *maps[] = {&w->d_model, &w->d_condition, &w->d_item, &w->d_side, &w->d_variant,
                              &w->d_domain, &w->d_method, &w->d_label_names, &w->sources};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) saydo_strmap_init(maps[i]);
    for (int l = 0; l < SAYDO_MAX_LABELS; l++) saydo_strmap_init(&w->d_label[l]);
    rowkeys_init(&w->keys);
    w->last_map = -1;
}

static void pending_free(pending_source_t *p)
{
    free(p->file); free(p->sha256); free(p->format); free(p->time); free(p->model); free(p->condition);
    free(p->meta);
}

void saydo_writer_state_free(saydo_writer_t *w)
{
    saydo_strmap_t *maps[] = {&w->d_model, &w->d_condition, &w->d_item, &w->d_side, &w->d_variant,
                              &w->d_domain, &w->d_method, &w->d_label_names, &w->sources};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) saydo_strmap_free(maps[i]);
    for (int l = 0; l < SAYDO_MAX_LABELS; l++) {
        saydo_strmap_free(&w->d_label[l]);
        free(w->item_label[l]);
    }
    rowkeys_free(&w->keys);
    free(w->item_domain); free(w->item_nopt);
    free(w->cond_method); free(w->cond_round); free(w->cond_tside);
    free(w->maps);
    for (size_t i = 0; i < w->n_pending; i++) pending_free(&w->pending[i]);
    free(w->pending);
}

static saydo_status load_dict(hid_t g, const char *name, saydo_strmap_t *m, size_t *persisted)
{
    saydo_strs_t s = {0, NULL};
    saydo_status st = SAYDO_OK;
    *persisted = 0;
    if (h5u_rows(g, name) < 0) return SAYDO_OK;   /* a dictionary nobody has filled yet */
    SAYDO_TRY(h5u_read_strings(g, name, &s));
    for (size_t i = 0; i < s.n; i++) {
        int32_t code;
        int added;
        SAYDO_TRY(saydo_strmap_put(m, s.s[i], &code, &added));
        SAYDO_FAIL_IF(!added || code != (int32_t)i, SAYDO_E_SCHEMA, "dictionary /dict/%s repeats '%s'", name, s.s[i]);
    }
    *persisted = s.n;
cleanup:
    h5u_strs_free(&s);
    return st;
}

/* Reads an int column into a caller array of at least n entries. */
static saydo_status load_into(hid_t g, const char *name, hid_t type, size_t esz, void *dst, size_t n)
{
    void *buf = NULL;
    size_t got = 0;
    saydo_status st = h5u_read(g, name, type, esz, &buf, &got, NULL);
    if (st == SAYDO_OK && got != n) st = saydo_set_error(SAYDO_E_SCHEMA, "%s has %zu rows, expected %zu", name, got, n);
    if (st == SAYDO_OK && n) memcpy(dst, buf, n * esz);
    free(buf);
    return st;
}

static saydo_status grow_to(void **p, size_t esz, size_t n)
{
    void *np = realloc(*p, (n ? n : 1) * esz);
    if (!np) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    *p = np;
    return SAYDO_OK;
}

int64_t saydo_writer_logp_cols(saydo_writer_t *w)
{
    hid_t d = H5Dopen2(w->g_rec >= 0 ? w->g_rec : w->file, w->g_rec >= 0 ? "logp" : "records/logp", H5P_DEFAULT);
    if (d < 0) return 2;
    hid_t fs = H5Dget_space(d);
    hsize_t dims[2] = {0, 2};
    if (h5u_dims2(fs, dims) != 2) dims[1] = 2;
    H5Sclose(fs);
    H5Dclose(d);
    return (int64_t)dims[1];
}

/* Every /records column the writer appends to: present, of its class, rank
 * and length. A writer must refuse a damaged store at open (SAYDO_E_SCHEMA),
 * not fail on its first append or, worse, extend a column that is short. */
static saydo_status check_records(hid_t gr, const char *path)
{
    static const struct { const char *name; H5T_class_t cls; int rank; } cols[] = {
        {"model", H5T_INTEGER, 1}, {"condition", H5T_INTEGER, 1}, {"item", H5T_INTEGER, 1},
        {"side", H5T_INTEGER, 1}, {"trial", H5T_INTEGER, 1}, {"variant", H5T_INTEGER, 1},
        {"choice", H5T_INTEGER, 1}, {"n_options", H5T_INTEGER, 1}, {"option_map", H5T_INTEGER, 1},
        {"batch", H5T_INTEGER, 1}, {"logp", H5T_FLOAT, 2}, {"text_end", H5T_INTEGER, 1}, {"text", H5T_INTEGER, 1},
    };
    int64_t n = -1;
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        const char *name = cols[c].name;
        if (H5Lexists(gr, name, H5P_DEFAULT) <= 0)
            return saydo_set_error(SAYDO_E_SCHEMA, "%s: dataset /records/%s is missing", path, name);
        hid_t d = H5Dopen2(gr, name, H5P_DEFAULT);
        if (d < 0) return saydo_set_error(SAYDO_E_SCHEMA, "%s: dataset /records/%s cannot be opened", path, name);
        hid_t t = H5Dget_type(d), fs = H5Dget_space(d);
        H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
        hsize_t dims[2] = {0, 0};
        int rank = h5u_dims2(fs, dims);
        if (t >= 0) H5Tclose(t);
        if (fs >= 0) H5Sclose(fs);
        H5Dclose(d);
        if (cls != cols[c].cls) return saydo_set_error(SAYDO_E_SCHEMA, "%s: /records/%s has the wrong type", path, name);
        if (rank != cols[c].rank) return saydo_set_error(SAYDO_E_SCHEMA, "%s: /records/%s has the wrong shape", path, name);
        if (strcmp(name, "text") == 0) continue;   /* bytes, not rows */
        if (n >= 0 && (int64_t)dims[0] != n)
            return saydo_set_error(SAYDO_E_SCHEMA, "%s: /records/%s has %lld rows, /records/model %lld", path, name,
                                   (long long)dims[0], (long long)n);
        n = (int64_t)dims[0];
    }
    return SAYDO_OK;
}

saydo_status saydo_writer_load_state(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    hid_t gd = -1, gi = -1, gc = -1, gp = -1, gr = -1;
    int64_t schema = 0;
    SAYDO_FAIL_IF(!h5u_get_attr_int(w->file, "saydo_schema", &schema), SAYDO_E_SCHEMA,
                  "%s: not a saydo store (no saydo_schema attribute)", w->path);
    SAYDO_FAIL_IF(schema != SAYDO_SCHEMA_VERSION, SAYDO_E_SCHEMA, "%s: store schema %lld, this saydo reads %d",
                  w->path, (long long)schema, SAYDO_SCHEMA_VERSION);
    gd = h5u_group(w->file, "dict", 0);
    gi = h5u_group(w->file, "items", 0);
    gc = h5u_group(w->file, "conditions", 0);
    gp = h5u_group(w->file, "provenance", 0);
    gr = h5u_group(w->file, "records", 0);
    SAYDO_FAIL_IF(gd < 0 || gi < 0 || gc < 0 || gp < 0 || gr < 0, SAYDO_E_SCHEMA,
                  "%s: a group of the store layout is missing", w->path);
    SAYDO_TRY(check_records(gr, w->path));
    SAYDO_TRY(load_dict(gd, "model", &w->d_model, &w->p_model));
    SAYDO_TRY(load_dict(gd, "condition", &w->d_condition, &w->p_condition));
    SAYDO_TRY(load_dict(gd, "item", &w->d_item, &w->p_item));
    SAYDO_TRY(load_dict(gd, "side", &w->d_side, &w->p_side));
    SAYDO_TRY(load_dict(gd, "variant", &w->d_variant, &w->p_variant));
    SAYDO_TRY(load_dict(gd, "domain", &w->d_domain, &w->p_domain));
    SAYDO_TRY(load_dict(gd, "method", &w->d_method, &w->p_method));
    SAYDO_TRY(load_dict(gd, "labels", &w->d_label_names, &w->p_label_names));
    char name[96];
    for (size_t l = 0; l < w->d_label_names.n && l < SAYDO_MAX_LABELS; l++) {
        snprintf(name, sizeof name, "label_%s", w->d_label_names.str[l]);
        SAYDO_TRY(load_dict(gd, name, &w->d_label[l], &w->p_label[l]));
    }
    size_t ni = w->d_item.n, nc = w->d_condition.n;
    w->item_cap = 0;
    SAYDO_TRY(grow_to((void **)&w->item_domain, sizeof(int32_t), ni));
    SAYDO_TRY(grow_to((void **)&w->item_nopt, 1, ni));
    for (int l = 0; l < SAYDO_MAX_LABELS; l++) {
        SAYDO_TRY(grow_to((void **)&w->item_label[l], sizeof(int32_t), ni));
        for (size_t i = 0; i < ni; i++) w->item_label[l][i] = -1;
    }
    w->item_cap = ni;
    SAYDO_TRY(load_into(gi, "domain", H5T_NATIVE_INT32, 4, w->item_domain, ni));
    SAYDO_TRY(load_into(gi, "n_options", H5T_NATIVE_INT8, 1, w->item_nopt, ni));
    for (size_t l = 0; l < w->d_label_names.n && l < SAYDO_MAX_LABELS; l++) {
        snprintf(name, sizeof name, "label_%s", w->d_label_names.str[l]);
        SAYDO_TRY(load_into(gi, name, H5T_NATIVE_INT32, 4, w->item_label[l], ni));
    }
    SAYDO_TRY(grow_to((void **)&w->cond_method, 4, nc));
    SAYDO_TRY(grow_to((void **)&w->cond_round, 4, nc));
    SAYDO_TRY(grow_to((void **)&w->cond_tside, 4, nc));
    w->cond_cap = nc;
    SAYDO_TRY(load_into(gc, "method", H5T_NATIVE_INT32, 4, w->cond_method, nc));
    SAYDO_TRY(load_into(gc, "round", H5T_NATIVE_INT32, 4, w->cond_round, nc));
    SAYDO_TRY(load_into(gc, "trained_side", H5T_NATIVE_INT32, 4, w->cond_tside, nc));
    size_t mcols = 0;
    SAYDO_TRY(h5u_read(w->file, "option_maps", H5T_NATIVE_INT8, 1, (void **)&w->maps, &w->n_maps, &mcols));
    SAYDO_FAIL_IF(w->n_maps && mcols != SAYDO_MAX_OPTIONS, SAYDO_E_SCHEMA, "/option_maps has the wrong width");
    w->maps_cap = w->n_maps;
    if (h5u_rows(gp, "sha256") >= 0) {
        SAYDO_TRY(load_dict(gp, "sha256", &w->sources, &w->n_sources_stored));
    }

    /* the stored keys are read at the first add, a chunk at a time (h5keys.c) */
    int64_t nr = h5u_rows(gr, "model");
    size_t n = nr > 0 ? (size_t)nr : 0;
    w->rows = (int64_t)n;
    if (n) {
        hid_t d = H5Dopen2(gr, "text_end", H5P_DEFAULT);
        hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
        hsize_t start = n - 1, one = 1;
        hid_t ms = H5Screate_simple(1, &one, NULL);
        herr_t e = fs < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL);
        if (e >= 0) e = H5Dread(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, &w->text_total);
        H5Sclose(ms);
        if (fs >= 0) H5Sclose(fs);
        if (d >= 0) H5Dclose(d);
        SAYDO_FAIL_IF(e < 0, SAYDO_E_SCHEMA, "%s: /records/text_end cannot be read", w->path);
    }
    w->loaded = 1;
cleanup:;
    hid_t groups[] = {gd, gi, gc, gp, gr};
    for (int i = 0; i < 5; i++)
        if (groups[i] >= 0) H5Gclose(groups[i]);
    return st;
}

static saydo_status save_dict(hid_t g, const char *name, const saydo_strmap_t *m, size_t *persisted)
{
    saydo_status st = SAYDO_OK;
    if (h5u_rows(g, name) < 0 || m->n > *persisted) {
        /* an empty dictionary has no array: NULL + 0 is undefined behaviour (clang's UBSan) */
        st = h5u_append_strings(g, name, m->str ? m->str + *persisted : NULL, m->n - *persisted);
        if (st == SAYDO_OK) *persisted = m->n;
    }
    return st;
}

static saydo_status save_ints(hid_t g, const char *name, hid_t ftype, hid_t mtype, const void *data, size_t n,
                              int level)
{
    if (h5u_rows(g, name) < 0) {
        hid_t d = h5u_create(g, name, ftype, 0, level, NULL);
        if (d < 0) return saydo_set_error(SAYDO_E_HDF5, "cannot create %s", name);
        H5Dclose(d);
    }
    return h5u_overwrite(g, name, mtype, data, n);
}

/* /provenance/meta (what each file said about itself) came after the other
 * provenance columns: a store written before it, or appended to by a saydo
 * of that age, has fewer meta rows than sources. Those sources said nothing
 * ("") so that row i of meta stays the source of row i of file. */
static saydo_status pad_meta(hid_t gp)
{
    saydo_status st = SAYDO_OK;
    int64_t n_src = h5u_rows(gp, "file"), n_meta = h5u_rows(gp, "meta");
    if (n_src <= 0) return SAYDO_OK;
    if (n_meta < 0) n_meta = 0;
    if (n_meta >= n_src) return SAYDO_OK;
    char **empty = malloc((size_t)(n_src - n_meta) * sizeof *empty);
    SAYDO_FAIL_IF(!empty, SAYDO_E_NOMEM, "out of memory");
    for (int64_t i = 0; i < n_src - n_meta; i++) empty[i] = "";
    st = h5u_append_strings(gp, "meta", empty, (hsize_t)(n_src - n_meta));
    free(empty);
cleanup:
    return st;
}

saydo_status saydo_writer_save_state(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    hid_t gd = h5u_group(w->file, "dict", 1), gi = h5u_group(w->file, "items", 1);
    hid_t gc = h5u_group(w->file, "conditions", 1), gp = h5u_group(w->file, "provenance", 1);
    const int level = w->opts.deflate_level;
    char name[96];
    SAYDO_FAIL_IF(gd < 0 || gi < 0 || gc < 0 || gp < 0, SAYDO_E_HDF5, "%s: cannot open the store's groups", w->shadow);
    SAYDO_TRY(save_dict(gd, "model", &w->d_model, &w->p_model));
    SAYDO_TRY(save_dict(gd, "condition", &w->d_condition, &w->p_condition));
    SAYDO_TRY(save_dict(gd, "item", &w->d_item, &w->p_item));
    SAYDO_TRY(save_dict(gd, "side", &w->d_side, &w->p_side));
    SAYDO_TRY(save_dict(gd, "variant", &w->d_variant, &w->p_variant));
    SAYDO_TRY(save_dict(gd, "domain", &w->d_domain, &w->p_domain));
    SAYDO_TRY(save_dict(gd, "method", &w->d_method, &w->p_method));
    SAYDO_TRY(save_dict(gd, "labels", &w->d_label_names, &w->p_label_names));
    size_t ni = w->d_item.n, nc = w->d_condition.n;
    SAYDO_TRY(save_ints(gi, "domain", H5T_STD_I32LE, H5T_NATIVE_INT32, w->item_domain, ni, level));
    SAYDO_TRY(save_ints(gi, "n_options", H5T_STD_I8LE, H5T_NATIVE_INT8, w->item_nopt, ni, level));
    for (size_t l = 0; l < w->d_label_names.n && l < SAYDO_MAX_LABELS; l++) {
        snprintf(name, sizeof name, "label_%s", w->d_label_names.str[l]);
        SAYDO_TRY(save_dict(gd, name, &w->d_label[l], &w->p_label[l]));
        SAYDO_TRY(save_ints(gi, name, H5T_STD_I32LE, H5T_NATIVE_INT32, w->item_label[l], ni, level));
    }
    SAYDO_TRY(save_ints(gc, "method", H5T_STD_I32LE, H5T_NATIVE_INT32, w->cond_method, nc, level));
    SAYDO_TRY(save_ints(gc, "round", H5T_STD_I32LE, H5T_NATIVE_INT32, w->cond_round, nc, level));
    SAYDO_TRY(save_ints(gc, "trained_side", H5T_STD_I32LE, H5T_NATIVE_INT32, w->cond_tside, nc, level));
    SAYDO_TRY(h5u_overwrite(w->file, "option_maps", H5T_NATIVE_INT8, w->maps, w->n_maps));
    SAYDO_TRY(pad_meta(gp));
    for (size_t i = 0; i < w->n_pending; i++) {
        pending_source_t *p = &w->pending[i];
        char *strs[] = {p->file, p->sha256, p->format, p->time, p->model, p->condition};
        static const char *snames[] = {"file", "sha256", "format", "time", "model", "condition"};
        for (int k = 0; k < 6; k++) SAYDO_TRY(h5u_append_strings(gp, snames[k], &strs[k], 1));
        SAYDO_TRY(h5u_append_strings(gp, "meta", &p->meta, 1));
        char *ver = SAYDO_VERSION_STRING;
        SAYDO_TRY(h5u_append_strings(gp, "saydo_version", &ver, 1));
        int64_t nums[] = {p->lines, p->bytes, p->records, p->quarantined, p->duplicates, p->blank, p->row_start,
                          p->row_end};
        static const char *nnames[] = {"lines", "bytes", "records", "quarantined", "duplicates", "blank",
                                       "row_start", "row_end"};
        for (int k = 0; k < 8; k++) {
            if (h5u_rows(gp, nnames[k]) < 0) {
                hid_t d = h5u_create_small(gp, nnames[k], H5T_STD_I64LE);
                SAYDO_FAIL_IF(d < 0, SAYDO_E_HDF5, "cannot create /provenance/%s", nnames[k]);
                H5Dclose(d);
            }
            SAYDO_TRY(h5u_append(gp, nnames[k], H5T_NATIVE_INT64, &nums[k], 1));
        }
    }
    SAYDO_TRY(h5u_set_attr_int(w->g_rec, "n_rows", w->rows));
cleanup:;   /* C11: a label takes a statement, not a declaration (clang rejects one) */
    hid_t groups[] = {gd, gi, gc, gp};
    for (int i = 0; i < 4; i++)
        if (groups[i] >= 0) H5Gclose(groups[i]);
    return st;
}

void saydo_writer_committed(saydo_writer_t *w)
{
    w->n_sources_stored += w->n_pending;
    for (size_t i = 0; i < w->n_pending; i++) pending_free(&w->pending[i]);
    w->n_pending = 0;
}

saydo_status saydo_writer_note_item(saydo_writer_t *w, int32_t item, const saydo_record_t *rec)
{
    saydo_status st = SAYDO_OK;
    if (rec->domain && *rec->domain) {
        int32_t dom;
        SAYDO_TRY(saydo_strmap_put(&w->d_domain, rec->domain, &dom, NULL));
        if (w->item_domain[item] < 0) w->item_domain[item] = dom;
        else if (w->item_domain[item] != dom) w->conflicts++;
    }
    if (rec->n_options > w->item_nopt[item]) w->item_nopt[item] = (int8_t)rec->n_options;
    for (int k = 0; k < rec->n_labels; k++) {
        int32_t l, v;
        SAYDO_TRY(saydo_strmap_put(&w->d_label_names, rec->label_name[k], &l, NULL));
        SAYDO_FAIL_IF(l >= SAYDO_MAX_LABELS, SAYDO_E_INVAL, "more than %d kinds of item label", SAYDO_MAX_LABELS);
        SAYDO_TRY(saydo_strmap_put(&w->d_label[l], rec->label_value[k], &v, NULL));
        if (w->item_label[l][item] < 0) w->item_label[l][item] = v;
        else if (w->item_label[l][item] != v) w->conflicts++;
    }
cleanup:
    return st;
}

saydo_status saydo_writer_note_condition(saydo_writer_t *w, int32_t cond, const saydo_record_t *rec)
{
    saydo_status st = SAYDO_OK;
    if (rec->method && *rec->method) {
        int32_t m;
        SAYDO_TRY(saydo_strmap_put(&w->d_method, rec->method, &m, NULL));
        if (w->cond_method[cond] < 0) w->cond_method[cond] = m;
        else if (w->cond_method[cond] != m) w->conflicts++;
    }
    if (rec->round >= 0) {
        if (w->cond_round[cond] < 0) w->cond_round[cond] = rec->round;
        else if (w->cond_round[cond] != rec->round) w->conflicts++;
    }
    if (rec->trained_side && *rec->trained_side) {
        int32_t s;
        SAYDO_TRY(saydo_strmap_put(&w->d_side, rec->trained_side, &s, NULL));
        if (w->cond_tside[cond] < 0) w->cond_tside[cond] = s;
        else if (w->cond_tside[cond] != s) w->conflicts++;
    }
cleanup:
    return st;
}

saydo_status saydo_writer_map_code(saydo_writer_t *w, const int8_t *map, int16_t *code)
{
    if (w->last_map >= 0 && memcmp(w->maps + (size_t)w->last_map * SAYDO_MAX_OPTIONS, map, SAYDO_MAX_OPTIONS) == 0) {
        *code = w->last_map;
        return SAYDO_OK;
    }
    for (size_t i = 0; i < w->n_maps; i++)
        if (memcmp(w->maps + i * SAYDO_MAX_OPTIONS, map, SAYDO_MAX_OPTIONS) == 0) {
            *code = w->last_map = (int16_t)i;
            return SAYDO_OK;
        }
    if (w->n_maps >= 32767) return saydo_set_error(SAYDO_E_DOMAIN, "more than 32767 distinct option maps");
    if (w->n_maps == w->maps_cap) {
        size_t nc = w->maps_cap ? w->maps_cap * 2 : 8;
        int8_t *nm = realloc(w->maps, nc * SAYDO_MAX_OPTIONS);
        if (!nm) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        w->maps = nm;
        w->maps_cap = nc;
    }
    memcpy(w->maps + w->n_maps * SAYDO_MAX_OPTIONS, map, SAYDO_MAX_OPTIONS);
    *code = w->last_map = (int16_t)w->n_maps++;
    return SAYDO_OK;
}

int saydo_writer_has_source(const saydo_writer_t *w, const char *sha256_hex)
{
    return saydo_strmap_get(&w->sources, sha256_hex) >= 0;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

saydo_status saydo_writer_end_source(saydo_writer_t *w, const saydo_source_info_t *info)
{
    saydo_status st = SAYDO_OK;
    if (w->n_pending == w->pending_cap) {
        size_t nc = w->pending_cap ? w->pending_cap * 2 : 8;
        pending_source_t *np = realloc(w->pending, nc * sizeof *np);
        SAYDO_FAIL_IF(!np, SAYDO_E_NOMEM, "out of memory");
        w->pending = np;
        w->pending_cap = nc;
    }
    pending_source_t *p = &w->pending[w->n_pending];
    memset(p, 0, sizeof *p);
    char when[40];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));
    p->file = dup_or_empty(info->file);
    p->sha256 = dup_or_empty(info->sha256);
    p->format = dup_or_empty(info->format);
    p->model = dup_or_empty(info->model);
    p->condition = dup_or_empty(info->condition);
    p->meta = dup_or_empty(info->meta);
    p->time = strdup(when);
    w->n_pending++;
    SAYDO_FAIL_IF(!p->file || !p->sha256 || !p->format || !p->model || !p->condition || !p->meta || !p->time,
                  SAYDO_E_NOMEM, "out of memory");
    p->lines = info->lines;
    p->bytes = info->bytes;
    p->records = info->records;
    p->quarantined = info->quarantined;
    p->duplicates = info->duplicates;
    p->blank = info->blank;
    p->row_start = w->source_row_start;
    p->row_end = saydo_writer_rows(w);
    int32_t code;
    SAYDO_TRY(saydo_strmap_put(&w->sources, p->sha256, &code, NULL));
cleanup:
    return st;
}
